package setting

import (
	"strings"
	"testing"
)

func TestErrorsNameTheCollectorTheKeyAndWhatItWants(t *testing.T) {
	docs := []Doc{{Key: "a"}, {Key: "b"}}
	if n, err := Int("redis", "a", "3", 1); err != nil || n != 3 {
		t.Errorf("Int(3) = %d, %v", n, err)
	}
	if d, err := Duration("redis", "b", "2s", "2s"); err != nil || d.Seconds() != 2 {
		t.Errorf("Duration(2s) = %v, %v", d, err)
	}
	for _, tt := range []struct {
		err  error
		want string
	}{
		{func() error { _, err := Int("redis", "a", "0", 1); return err }(), `redis collector setting a: want an integer of at least 1, got "0"`},
		{func() error { _, err := Int("redis", "a", "x", 0); return err }(), `got "x"`},
		{func() error { _, err := Duration("mongodb", "b", "-1s", "1s"); return err }(), `mongodb collector setting b: want a positive duration such as 1s, got "-1s"`},
		{Unknown("mongodb", "c", docs), `unknown mongodb collector setting "c": known settings are a, b`},
	} {
		if tt.err == nil || !strings.Contains(tt.err.Error(), tt.want) {
			t.Errorf("error %v, want it to contain %q", tt.err, tt.want)
		}
	}
}
