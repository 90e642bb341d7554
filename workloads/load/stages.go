package load

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ParseStages reads stages as people write them on a command line or in a table:
// "10s:50, 20s:200, 10s:0" (duration:target, k6's stages).
func ParseStages(s string) ([]Stage, error) {
	var stages []Stage
	for _, part := range strings.Split(s, ",") {
		d, t, ok := strings.Cut(strings.TrimSpace(part), ":")
		if !ok {
			return nil, fmt.Errorf("a stage is duration:target, like 10s:50; got %q", part)
		}
		dur, err := time.ParseDuration(strings.TrimSpace(d))
		if err != nil || dur <= 0 {
			return nil, fmt.Errorf("stage %q: %q is not a duration", part, d)
		}
		target, err := strconv.Atoi(strings.TrimSpace(t))
		if err != nil || target < 0 {
			return nil, fmt.Errorf("stage %q: %q is not a whole number", part, t)
		}
		stages = append(stages, Stage{Duration: dur, Target: target})
	}
	return stages, nil
}
