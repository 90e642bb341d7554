package benchfmt

import (
	"bytes"
	"fmt"
)

// ExampleWrite writes one operation of one run.
func ExampleWrite() {
	var buf bytes.Buffer
	_ = Write(&buf, []KV{{"goos", "linux"}}, FromSummary("TPCB", testSummary(1))[:1])
	fmt.Print(buf.String())
	// Output:
	// goos: linux
	// Unit ops/s better=higher
	// Unit p95-ns/op better=lower
	// Unit p99-ns/op better=lower
	// Unit errors/op better=lower
	// BenchmarkTPCB/transfer	2997	812000 ns/op	299.7 ops/s	1502000 p95-ns/op	2801000 p99-ns/op	0.001 errors/op
}
