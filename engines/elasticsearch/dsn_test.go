package elasticsearch

import (
	"strings"
	"testing"

	"github.com/dbharness/dbharness/engines"
)

func TestParseDSNAndItsRedaction(t *testing.T) {
	tg, err := ParseDSN("https://elastic:s3cret@es1:9200,es2?logs=/tmp/x")
	if err != nil {
		t.Fatal(err)
	}
	if tg.Scheme != "https" || strings.Join(tg.Hosts, " ") != "es1:9200 es2:9200" || tg.User != "elastic" || tg.Password != "s3cret" || tg.Params["logs"] != "/tmp/x" {
		t.Errorf("target = %+v", tg)
	}
	if red := engines.RedactDSN(tg.String()); strings.Contains(red, "s3cret") {
		t.Errorf("redacted DSN %s shows the password", red)
	}
	key, err := ParseDSN("http://es:9200?api_key=TOPSECRET")
	if err != nil || key.APIKey != "TOPSECRET" {
		t.Fatalf("api key target = %+v, %v", key, err)
	}
	if red := engines.RedactDSN(key.String()); strings.Contains(red, "TOPSECRET") {
		t.Errorf("redacted DSN %s shows the API key", red)
	}
	multi, err := ParseDSN(tg.String())
	if err != nil || strings.Join(multi.Hosts, " ") != "es1:9200 es2:9200" || multi.Password != "s3cret" || multi.Params["logs"] != "/tmp/x" {
		t.Errorf("round trip of %s = %+v, %v", engines.RedactDSN(tg.String()), multi, err)
	}
	for _, bad := range []string{"ftp://x:1", "http://", "http://user:pa ss%zz@h:1", "http://h:port"} {
		_, err := ParseDSN(bad)
		if err == nil {
			t.Errorf("ParseDSN(%q) accepted", bad)
		} else if strings.Contains(err.Error(), "pa ss") {
			t.Errorf("ParseDSN error shows the password: %v", err)
		}
	}
}

func TestNodeSettingsOfAClusterSayClusterManagerOnOpenSearch(t *testing.T) {
	ports := []nodePorts{{9200, 9300}, {9201, 9301}, {9202, 9302}}
	for flavor, want := range map[string]string{FlavorElasticsearch: "cluster.initial_master_nodes", FlavorOpenSearch: "cluster.initial_cluster_manager_nodes"} {
		d, err := findDistribution(flavor, "")
		if err != nil {
			t.Fatal(err)
		}
		pl := &plan{dist: d, nodes: 3, settings: map[string]string{"index.max_result_window": "50000"}}
		yml := nodeSettings(pl, "node-2", "/tmp/n 2", 1, ports)
		for _, line := range []string{want + `: ["node-1", "node-2", "node-3"]`, `discovery.seed_hosts: ["127.0.0.1:9300", "127.0.0.1:9301", "127.0.0.1:9302"]`,
			"http.port: 9201", `path.data: "/tmp/n 2/data"`, `index.max_result_window: "50000"`} {
			if !strings.Contains(yml, line+"\n") {
				t.Errorf("%s settings lack %q:\n%s", flavor, line, yml)
			}
		}
		if strings.Contains(yml, "xpack") != (flavor == FlavorElasticsearch) {
			t.Errorf("%s settings: xpack.security only on Elasticsearch:\n%s", flavor, yml)
		}
	}
}
