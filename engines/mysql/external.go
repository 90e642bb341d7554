package mysql

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/dbharness/dbharness/engines"
)

// startExternal uses a server (or a primary with replicas) somebody else runs, named by the
// DSN; mysql+replicated:// names every node, the first one taking writes. Nodes, Primary,
// Healthy and ReplicationLag work; the fault verbs and Failover return
// engines.ErrUnsupported, and Stop leaves everything running.
func startExternal(ctx context.Context, spec engines.Spec) (*instance, error) {
	if spec.DSN == "" {
		return nil, fmt.Errorf("mysql: provider external needs a DSN: set DBHARNESS_MYSQL_DSN (mysql://user:password@host:port/database or mysql+replicated://user:password@host:port,host:port/database)")
	}
	t, err := ParseDSN(spec.DSN)
	if err != nil {
		return nil, err
	}
	if t.Database == "" {
		t.Database = DefaultDatabase
	}
	topology := Standalone
	if t.Replicated() {
		topology = Replicated
	}
	if kind := spec.Topology.KindOr(); kind != topology && kind != Standalone {
		return nil, fmt.Errorf("mysql at %s: the DSN's scheme %s:// means a %s topology, not %s", t.Address(), t.Scheme, topology, kind)
	}
	pl := &plan{spec: spec, topology: topology, log: logger(spec)}
	in := newInstance(pl)
	in.target = t
	in.admin = admin{user: t.User, password: t.Password}
	in.meta = engines.Info{Engine: Name, Provider: engines.ProviderExternal, Topology: topology, Address: t.Address()}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	primary, err := t.ReadWriteNode(ctx, adminTimeout)
	if err != nil {
		return nil, err
	}
	for i, a := range t.Addrs {
		in.set.Add(fmt.Sprintf("node-%d", i+1), a, kindData)
		if a == primary {
			in.primary = i
		}
	}
	p := in.primaryNode()
	if err := in.readInfo(ctx, p, nil); err != nil {
		return nil, err
	}
	in.flavor = FlavorMySQL
	if strings.Contains(strings.ToLower(in.meta.Version), "mariadb") {
		in.flavor = FlavorMariaDB
	}
	if spec.Flavor != "" && spec.Flavor != in.flavor && spec.Flavor != FlavorMariaDB {
		return nil, fmt.Errorf("mysql at %s: the scenario asks for flavor %s, but the server is %s (%s)", t.Address(), spec.Flavor, in.flavor, in.meta.Version)
	}
	in.meta.Flavor = in.flavor
	if err := in.ensureDatabase(ctx, p); err != nil {
		return in, err
	}
	return in, in.seed(ctx, p, spec.Seed)
}

// ensureDatabase creates the DSN's database on an external server if it is missing.
func (in *instance) ensureDatabase(ctx context.Context, p *node) error {
	q := "CREATE DATABASE IF NOT EXISTS `" + strings.ReplaceAll(in.target.Database, "`", "``") + "`"
	if err := in.admin.exec(ctx, p, q); err != nil {
		return fmt.Errorf("mysql at %s: %w", in.meta.Address, err)
	}
	return nil
}
