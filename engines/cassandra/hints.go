package cassandra

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/dbharness/dbharness/engines"
)

var _ engines.ReplicationLagger = (*Instance)(nil)

// ReplicationLag is engines.ReplicationLagger for a native ring, through hinted handoff: a
// node that missed writes (down, paused, too slow) is behind while other nodes keep hints
// for it. Behind counts the hint files with data in the other nodes' hints folders (named
// <host id>-<created ms>-<version>.hints); Lag is the age of the oldest. So `the replicas
// catch up within 60s` after a node comes back waits until its hints are delivered.
//
// Note: the folders, not system_views.pending_hints: the view lists a file only once it is
// closed, which happens when delivery starts, so it is empty while the target is down.
func (in *Instance) ReplicationLag(ctx context.Context) ([]engines.ReplicaLag, error) {
	if in.topology != Ring {
		return nil, fmt.Errorf("cassandra %s: %w: one node has no replicas to hand hints to", in.topology, engines.ErrUnsupported)
	}
	if len(in.hostIDs) == 0 {
		return nil, fmt.Errorf("cassandra ring: %w: hints are read from the nodes' folders, which only a ring this machine runs has", engines.ErrUnsupported)
	}
	byHost := map[string]string{} // host id -> node name
	for name, id := range in.hostIDs {
		byHost[id] = name
	}
	type kept struct {
		files  int64
		oldest time.Time
	}
	pending := map[string]*kept{}
	now := time.Now()
	for name, dir := range in.dirs {
		files, err := filepath.Glob(filepath.Join(dir, "hints", "*.hints"))
		if err != nil {
			return nil, fmt.Errorf("cassandra ring: hints of %s: %w", name, err)
		}
		for _, f := range files {
			target, created, ok := parseHintFile(filepath.Base(f))
			if !ok {
				continue
			}
			if st, err := os.Stat(f); err != nil || st.Size() == 0 {
				continue // delivered and removed meanwhile, or nothing written yet
			}
			node, ok := byHost[target]
			if !ok {
				continue // hints for a node that is not ours
			}
			k := pending[node]
			if k == nil {
				k = &kept{oldest: created}
				pending[node] = k
			}
			k.files++
			if created.Before(k.oldest) {
				k.oldest = created
			}
		}
	}
	var out []engines.ReplicaLag
	for _, n := range in.set.Nodes() {
		l := engines.ReplicaLag{Node: n.Name, Addr: n.Addr, What: "hint files"}
		if role := n.Role(); role != "" {
			l.Problem, l.Behind = role, -1
		}
		if k := pending[n.Name]; k != nil {
			l.Behind, l.Lag = k.files, max(0, now.Sub(k.oldest))
		}
		out = append(out, l)
	}
	return out, nil
}

// parseHintFile reads a hint file's name: the target's host id and when it was created.
func parseHintFile(name string) (hostID string, created time.Time, ok bool) {
	base, found := strings.CutSuffix(name, ".hints")
	if !found {
		return "", time.Time{}, false
	}
	parts := strings.Split(base, "-")
	if len(parts) != 7 {
		return "", time.Time{}, false
	}
	id := strings.Join(parts[:5], "-")
	if _, err := gocql.ParseUUID(id); err != nil {
		return "", time.Time{}, false
	}
	ms, err := strconv.ParseInt(parts[5], 10, 64)
	if err != nil {
		return "", time.Time{}, false
	}
	return id, time.UnixMilli(ms), true
}

// readHostIDs asks every node its host id (system.local), which names the hint files kept
// for it.
func (in *Instance) readHostIDs(ctx context.Context) error {
	ids := map[string]string{}
	var errs []error
	for _, n := range in.set.Nodes() {
		s, err := in.nodeSession(ctx, n.Addr)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		var id gocql.UUID
		err = s.Query("SELECT host_id FROM system.local").ScanContext(ctx, &id)
		s.Close()
		if err != nil {
			errs = append(errs, fmt.Errorf("system.local at %s: %w", n.Addr, err))
			continue
		}
		ids[n.Name] = id.String()
	}
	if len(errs) > 0 {
		return fmt.Errorf("read the nodes' host ids: %w", errors.Join(errs...))
	}
	in.hostIDs = ids
	return nil
}
