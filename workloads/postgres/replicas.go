package postgres

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/dbharness/dbharness/workloads"
)

// OnReplicas runs a read-only workload on the replicas of a primary with replicas: each
// worker connects to a hot standby (target_session_attrs=standby), the topology's hosts
// rotated by the worker's number so the workers spread over the replicas. On a single
// server it fails before any load: there is no replica to read from.
type OnReplicas struct {
	workloads.Workload
}

var (
	_ workloads.Workload        = OnReplicas{}
	_ workloads.Preparer        = OnReplicas{}
	_ workloads.ErrorClassifier = OnReplicas{}
)

// Name is the read-only workload's, "on replicas".
func (o OnReplicas) Name() string { return o.Workload.Name() + " on replicas" }

// Description says where it reads.
func (o OnReplicas) Description() string {
	return o.Workload.Description() + "; every worker reads from a replica"
}

// ClassifyError is the read-only workload's.
func (o OnReplicas) ClassifyError(err error) (string, bool) {
	if c, ok := o.Workload.(workloads.ErrorClassifier); ok {
		return c.ClassifyError(err)
	}
	return "", false
}

// Prepare checks the target has replicas and prepares the workload on one of them.
func (o OnReplicas) Prepare(ctx context.Context, t workloads.Target) (workloads.Workload, error) {
	rt, err := replicaTarget(t, 0)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", o.Name(), err)
	}
	inner, err := workloads.ForRun(ctx, o.Workload, rt)
	if err != nil {
		return nil, err
	}
	return OnReplicas{inner}, nil
}

// NewWorker connects the worker to a replica.
func (o OnReplicas) NewWorker(ctx context.Context, t workloads.Target, id int) (workloads.Worker, error) {
	rt, err := replicaTarget(t, id)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", o.Name(), err)
	}
	return o.Workload.NewWorker(ctx, rt, id)
}

// replicaTarget is t for worker id: the DSN's hosts rotated by id, asking for a standby.
func replicaTarget(t workloads.Target, id int) (workloads.Target, error) {
	u, err := url.Parse(t.DSN)
	if err != nil || u.Host == "" {
		return t, fmt.Errorf("the DSN of %s is not a URL naming the topology's hosts", t)
	}
	hosts := strings.Split(u.Host, ",")
	if len(hosts) < 2 {
		return t, fmt.Errorf("%s is a single server: reading on replicas needs a primary with replicas (Given a PostgreSQL primary with 2 replicas)", t)
	}
	k := id % len(hosts)
	u.Host = strings.Join(append(hosts[k:], hosts[:k]...), ",")
	q := u.Query()
	q.Set("target_session_attrs", "standby")
	u.RawQuery = q.Encode()
	t.DSN = u.String()
	return t, nil
}
