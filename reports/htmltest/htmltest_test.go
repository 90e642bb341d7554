package htmltest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestOpenSeesWhatGoesWrong proves the probe can fail: a console error, an uncaught
// exception, an empty plot and a fetch all show up.
func TestOpenSeesWhatGoesWrong(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Chromium")
	}
	path := filepath.Join(t.TempDir(), "bad.html")
	page := `<!DOCTYPE html><html><head><title>bad</title></head><body>
<figure class="plot" id="empty"><svg width="0" height="0"></svg></figure>
<figure class="plot" id="drawn"><svg width="300" height="100"><rect width="10" height="10"/><text>a</text></svg></figure>
<img src="http://127.0.0.1:9/missing.png">
<script>console.error("broken on purpose"); undefinedFunction();</script>
</body></html>`
	if err := os.WriteFile(path, []byte(page), 0o644); err != nil {
		t.Fatal(err)
	}
	p := Open(t, path)
	if len(p.Plots) != 2 || p.Plots[0].Width != 0 || p.Plots[1].Width != 300 || p.Plots[1].Shapes != 1 || p.Plots[1].Texts != 1 {
		t.Errorf("plots = %+v, want the empty one at 0 px and the drawn one at 300 px with 1 shape and 1 text", p.Plots)
	}
	all := strings.Join(p.Errors, "\n")
	if !strings.Contains(all, "broken on purpose") || !strings.Contains(all, "undefinedFunction") {
		t.Errorf("errors = %q, want the console error and the uncaught exception", p.Errors)
	}
	if len(p.Resources) == 0 || !strings.Contains(strings.Join(p.Resources, " "), "missing.png") {
		t.Errorf("resources = %q, want the image the page tried to fetch", p.Resources)
	}
}
