// Package htmltest opens an HTML report in a real headless Chromium (the Debian package) and
// says what the page showed: the plots it drew and their sizes, console errors, uncaught
// exceptions and any resource it tried to fetch. There is no fake: where no chromium is
// installed, the test fails and says what to install.
package htmltest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dbharness/dbharness/engines/provider/native"
)

// A Page is what Chromium saw.
type Page struct {
	// Plots are the page's figure.plot elements with the size their SVG was drawn at and how
	// many shapes it has.
	Plots []Plot `json:"plots"`
	// Errors are console errors and uncaught exceptions.
	Errors []string `json:"errors"`
	// Resources are the URLs of everything the page fetched or refers to for loading
	// (src, link href, object data), data: URLs left out.
	Resources []string `json:"resources"`
	// Console is what Chromium logged from the page on its stderr.
	Console []string `json:"-"`
}

// A Plot is one rendered figure.
type Plot struct {
	ID     string  `json:"id"`
	Width  float64 `json:"width"`
	Height float64 `json:"height"`
	Shapes int     `json:"shapes"`
	Texts  int     `json:"texts"`
}

// probeHead records errors from the first script on; probeTail reports what was drawn.
const probeHead = `<script>window.__errs=[];window.addEventListener('error',function(e){__errs.push('uncaught: '+e.message)});` +
	`(function(){var o=console.error;console.error=function(){__errs.push('console.error: '+Array.prototype.join.call(arguments,' '));o.apply(console,arguments)}})();</script>`

const probeTail = `<script>(function(){var out={plots:[],errors:window.__errs,resources:[]};` +
	`document.querySelectorAll('figure.plot').forEach(function(f){var s=f.querySelector('svg');var r=s?s.getBoundingClientRect():{width:0,height:0};` +
	`out.plots.push({id:f.id,width:r.width,height:r.height,shapes:s?s.querySelectorAll('path,line,rect,circle,polyline').length:0,texts:s?s.querySelectorAll('text').length:0})});` +
	`performance.getEntriesByType('resource').forEach(function(e){out.resources.push(e.name)});` +
	`document.querySelectorAll('[src],link[href],object[data]').forEach(function(e){var u=e.src||e.href||e.data;if(u&&u.indexOf('data:')!==0&&out.resources.indexOf(u)<0)out.resources.push(u)});` +
	`var pre=document.createElement('pre');pre.id='dbharness-probe';pre.textContent=JSON.stringify(out);document.body.appendChild(pre)})();</script>`

var probeRE = regexp.MustCompile(`(?s)<pre id="dbharness-probe">(.*?)</pre>`)

// Open renders the HTML file in headless Chromium, with no network, and returns what it saw.
// The probe scripts go into a copy of the file: the report itself is left as it is.
func Open(t testing.TB, path string) Page {
	t.Helper()
	bin := chromium(t)
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	html := strings.Replace(string(src), "<head>", "<head>"+probeHead, 1)
	html = strings.Replace(html, "</body>", probeTail+"</body>", 1)
	probe := filepath.Join(dir, "probe.html")
	if err := os.WriteFile(probe, []byte(html), 0o644); err != nil {
		t.Fatal(err)
	}
	stdout, stderr := run(t, bin, dir, "--dump-dom", "file://"+probe)
	m := probeRE.FindSubmatch(stdout)
	if m == nil {
		t.Fatalf("htmltest: chromium's page has no probe result; stderr:\n%s", stderr)
	}
	var p Page
	text := strings.NewReplacer("&quot;", `"`, "&amp;", "&", "&lt;", "<", "&gt;", ">").Replace(string(m[1]))
	if err := json.Unmarshal([]byte(text), &p); err != nil {
		t.Fatalf("htmltest: probe result %q: %v", text, err)
	}
	for _, l := range strings.Split(string(stderr), "\n") {
		if strings.Contains(l, "CONSOLE") {
			p.Console = append(p.Console, l)
		}
	}
	return p
}

// Screenshot writes a PNG of the page at a width of 1280 pixels and the given height.
func Screenshot(t testing.TB, path, png string, height int) {
	t.Helper()
	dir := t.TempDir()
	abs, err := filepath.Abs(png)
	if err != nil {
		t.Fatal(err)
	}
	run(t, chromium(t), dir, "--screenshot="+abs, fmt.Sprintf("--window-size=1280,%d", height), "--hide-scrollbars", "file://"+path)
	if _, err := os.Stat(abs); err != nil {
		t.Fatalf("htmltest: no screenshot: %v", err)
	}
}

func chromium(t testing.TB) string {
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("htmltest: no chromium: install the Debian package chromium (scripts/install-deps.sh does)")
	return ""
}

// run runs headless Chromium in its own process group, with a profile in dir and the
// network off, and kills whatever is left of the group when it returns.
func run(t testing.TB, bin, dir string, args ...string) (stdout, stderr []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
		"--user-data-dir=" + filepath.Join(dir, "profile"), "--enable-logging=stderr", "--v=0",
		"--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>", "--virtual-time-budget=5000"}
	cmd := exec.CommandContext(ctx, bin, append(base, args...)...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := native.StartCmd(cmd) // Pdeathsig: forked from a thread that lives as long as the test
	if err == nil {
		err = cmd.Wait()
	}
	if cmd.Process != nil {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // helpers (zygote, utility) left behind
	}
	if err != nil {
		t.Fatalf("htmltest: chromium %s: %v\n%s", strings.Join(args, " "), err, errOut.String())
	}
	return out.Bytes(), errOut.Bytes()
}
