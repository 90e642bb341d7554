package reports

import (
	"encoding/json"
	"io"

	"github.com/dbharness/dbharness/result"
)

func init() {
	Register(Renderer{Name: "json", Description: "the whole result, versioned schema", File: "result.json", Render: renderJSON})
}

func renderJSON(w io.Writer, r *result.Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}
