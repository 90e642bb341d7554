// Package logtail reads what a database appended to its log files since a position. The
// analyses that read slow logs and warnings (MySQL's slow query log, Elasticsearch's search
// slowlog, Cassandra's log) remember where each file ended at Mark and read what came after
// at Analyze.
//
// Note: written here because the Go tail libraries follow a file as it grows (inotify,
// polling goroutines); an analysis needs a bounded read between two positions, and a file
// that started over (rotated, truncated) read from its start.
package logtail

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"
)

// Ends returns the size of each file of paths that exists: where a later read starts.
func Ends(paths []string) map[string]int64 {
	out := map[string]int64{}
	for _, p := range paths {
		if st, err := os.Stat(p); err == nil {
			out[p] = st.Size()
		}
	}
	return out
}

// Open returns what the file at path holds after offset, at most max bytes, and the file's
// size when it was opened (where the next read starts). A file shorter than offset started
// over and is read from its start. The caller closes what it returns.
func Open(path string, offset, max int64) (io.ReadCloser, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, fmt.Errorf("stat %s: %w", path, err)
	}
	if st.Size() < offset {
		offset = 0
	}
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		f.Close()
		return nil, 0, fmt.Errorf("seek %s: %w", path, err)
	}
	return struct {
		io.Reader
		io.Closer
	}{io.LimitReader(f, min(st.Size()-offset, max)), f}, st.Size(), nil
}

// Lines calls line with every complete line (without its line end) the file at path holds
// after offset, reading at most max bytes, and returns the bytes of the lines it read. A
// missing file has no lines yet; a last line without its newline is still being written and
// is left for the next read.
func Lines(path string, offset, max int64, line func(string)) (int64, error) {
	r, _, err := Open(path, offset, max)
	if os.IsNotExist(err) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	defer r.Close()
	br := bufio.NewReaderSize(r, 64<<10)
	var n int64
	for {
		l, err := br.ReadString('\n')
		if strings.HasSuffix(l, "\n") {
			n += int64(len(l))
			line(strings.TrimRight(l, "\r\n"))
		}
		if err != nil {
			return n, nil // io.EOF, or the end of max
		}
	}
}
