package reports

import (
	"encoding/json"
	"io"

	"github.com/dbharness/dbharness/result"
)

func init() {
	Register(Renderer{Name: "json", Description: "the whole result, versioned schema", File: "result.json", Render: renderJSON})
}

// renderJSON writes the result compact: indented, every point of every series took a line.
func renderJSON(w io.Writer, r *result.Report) error {
	return json.NewEncoder(w).Encode(r)
}
