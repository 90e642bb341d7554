package elasticsearch

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/dbharness/dbharness/engines"
)

// DSNEnv is where the external provider's DSN comes from (the runner passes it as Spec.DSN).
const DSNEnv = "DBHARNESS_ELASTICSEARCH_DSN"

// startExternal uses a cluster somebody else runs, named by the DSN
// (http(s)://[user:password@]host:port[,host:port...][?api_key=...]). Nodes, Primary and
// Healthy work; the fault verbs return engines.ErrUnsupported, and Stop leaves it running.
func startExternal(ctx context.Context, spec engines.Spec) (*instance, error) {
	if spec.DSN == "" {
		return nil, fmt.Errorf("elasticsearch: provider external needs a DSN: set %s (http://user:password@host:9200 or https://host:9200?api_key=KEY)", DSNEnv)
	}
	t, err := ParseDSN(spec.DSN)
	if err != nil {
		return nil, err
	}
	in := newInstance(spec.Flavor, engines.Standalone, logger(spec))
	in.target = t
	in.client = NewClient(t)
	in.meta = engines.Info{Engine: Name, Provider: engines.ProviderExternal, Topology: engines.Standalone, Address: t.Address()}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	srv, err := in.client.ServerInfo(ctx)
	if err != nil {
		return nil, fmt.Errorf("elasticsearch at %s: %w", t.Address(), err)
	}
	if spec.Flavor != "" && spec.Flavor != srv.Flavor {
		return nil, fmt.Errorf("elasticsearch at %s: the scenario asks for %s, but the server is %s %s", t.Address(), spec.Flavor, srv.Flavor, srv.Version)
	}
	in.flavor, in.meta.Flavor, in.meta.Version = srv.Flavor, srv.Flavor, srv.Version
	var cat []catNode
	if err := in.client.JSON(ctx, http.MethodGet, "/_cat/nodes?format=json&h=name,master,http", nil, &cat); err != nil {
		return nil, fmt.Errorf("elasticsearch at %s: %w", t.Address(), err)
	}
	if len(cat) > 1 {
		in.topology, in.meta.Topology = Cluster, Cluster
	}
	for _, c := range cat {
		in.set.Add(c.Name, c.HTTP, kindData)
	}
	return in, nil
}
