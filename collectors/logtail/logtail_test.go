package logtail

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLinesAfterAnOffsetLeaveAnUnfinishedLineForTheNextRead(t *testing.T) {
	path := filepath.Join(t.TempDir(), "server.log")
	write := func(s string, flag int) {
		f, err := os.OpenFile(path, flag|os.O_WRONLY|os.O_CREATE, 0o600)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if _, err := f.WriteString(s); err != nil {
			t.Fatal(err)
		}
	}
	read := func(offset int64) ([]string, int64) {
		var got []string
		n, err := Lines(path, offset, 1<<20, func(l string) { got = append(got, l) })
		if err != nil {
			t.Fatal(err)
		}
		return got, n
	}
	if got, n := read(0); len(got) != 0 || n != 0 {
		t.Errorf("a missing file: %q, %d bytes", got, n)
	}
	write("before mark\n", os.O_TRUNC)
	mark := Ends([]string{path, filepath.Join(t.TempDir(), "missing.log")})
	if len(mark) != 1 || mark[path] != int64(len("before mark\n")) {
		t.Fatalf("Ends = %v", mark)
	}
	write("one\r\ntwo\nthr", os.O_APPEND)
	got, n := read(mark[path])
	if strings.Join(got, "|") != "one|two" || n != int64(len("one\r\ntwo\n")) {
		t.Errorf("after the mark: %q, %d bytes", got, n)
	}
	write("ee\n", os.O_APPEND)
	if got, _ := read(mark[path] + n); strings.Join(got, "|") != "three" {
		t.Errorf("the finished line: %q", got)
	}
	write("new\n", os.O_TRUNC) // rotated: shorter than the mark
	if got, _ := read(mark[path]); strings.Join(got, "|") != "new" {
		t.Errorf("a file that started over: %q", got)
	}
}

func TestMaxBoundsTheRead(t *testing.T) {
	path := filepath.Join(t.TempDir(), "big.log")
	if err := os.WriteFile(path, []byte(strings.Repeat("0123456789\n", 100)), 0o600); err != nil {
		t.Fatal(err)
	}
	lines := 0
	n, err := Lines(path, 0, 55, func(string) { lines++ })
	if err != nil || lines != 5 || n != 55 {
		t.Errorf("Lines with max 55: %d lines, %d bytes, %v", lines, n, err)
	}
	r, end, err := Open(path, 1100+1, 10)
	if err != nil || end != 1100 {
		t.Fatalf("Open past the end: %d, %v", end, err)
	}
	defer r.Close()
	buf := make([]byte, 100)
	if k, _ := r.Read(buf); k != 10 {
		t.Errorf("a file shorter than the offset is read from its start, at most max: %d bytes", k)
	}
}
