package cassandra

import (
	"strings"
	"testing"

	"github.com/dbharness/dbharness/engines"
)

func TestParseDSNReadsEveryPartAndNeverQuotesThePassword(t *testing.T) {
	tg, err := ParseDSN("cassandra://app:s3cret@127.0.5.1:9042,127.0.5.2/shop?consistency=local_quorum&dc=dc1&timeout=3s")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(tg.Hosts, " ") != "127.0.5.1:9042 127.0.5.2:9042" || tg.Username != "app" || tg.Password != "s3cret" ||
		tg.Keyspace != "shop" || tg.Consistency != "local_quorum" || tg.DC != "dc1" || tg.Timeout.String() != "3s" {
		t.Errorf("ParseDSN = %+v", tg)
	}
	back, err := ParseDSN(tg.String())
	if err != nil || back.String() != tg.String() {
		t.Errorf("round trip: %q, %v", back.String(), err)
	}
	for _, bad := range []string{
		"cassandra://app:s3cret@/ks",
		"cassandra://app:s3cret@h:9042/ks?consistency=most",
		"cassandra://app:s3cret@h:9042/ks?replicas=3",
		"postgres://app:s3cret@h:9042",
		"cassandra://app:s3cret@h:9042?timeout=-1s",
	} {
		_, err := ParseDSN(bad)
		if err == nil {
			t.Errorf("ParseDSN(%s) accepted it", engines.RedactDSN(bad))
			continue
		}
		if strings.Contains(err.Error(), "s3cret") {
			t.Errorf("the error quotes the password: %v", err)
		}
	}
}

func TestPlanRefusesBadTopologiesAndSettingsBeforeAnythingStarts(t *testing.T) {
	for _, c := range []struct {
		spec engines.Spec
		want string
	}{
		{engines.Spec{Topology: RingTopology(0)}, "1 to 9 nodes"},
		{engines.Spec{Topology: engines.Topology{Kind: "cluster"}}, "unknown topology"},
		{engines.Spec{Settings: map[string]string{"listen_address": "0.0.0.0"}}, "managed by the engine"},
		{engines.Spec{Settings: map[string]string{"Read Timeout": "1s"}}, "not a cassandra.yaml name"},
		{engines.Spec{Settings: map[string]string{"jvm.heap": "lots"}}, "512m or 1g"},
		{engines.Spec{Settings: map[string]string{"read_request_timeout": "1s\nbad: x"}}, "one line"},
	} {
		_, err := newPlan(c.spec)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("newPlan(%+v) = %v, want an error saying %q", c.spec, err, c.want)
		}
	}
	pl, err := newPlan(engines.Spec{Topology: RingTopology(3), Settings: map[string]string{"read_request_timeout": "2000ms", "jvm.heap": "1G", "cluster_name_suffix": "a b"}})
	if err != nil {
		t.Fatal(err)
	}
	if pl.nodes != 3 || pl.heap != "1g" {
		t.Errorf("plan = %+v", pl)
	}
	y := cassandraYAML("/tmp/n1", pl, "127.0.7.2", "127.0.7.1:7000")
	for _, want := range []string{"listen_address: 127.0.7.2\n", "rpc_address: 127.0.7.2\n", `- seeds: "127.0.7.1:7000"`,
		"read_request_timeout: 2000ms\n", "cluster_name_suffix: 'a b'\n", "data_file_directories:\n  - '/tmp/n1/data'\n",
		"hints_directory: '/tmp/n1/hints'\n", "auto_bootstrap: false\n", "num_tokens: 16\n"} {
		if !strings.Contains(y, want) {
			t.Errorf("cassandra.yaml lacks %q:\n%s", want, y)
		}
	}
}

func TestParseConsistencyKnowsTheCQLNames(t *testing.T) {
	for _, s := range []string{"ONE", "quorum", "All", "local-quorum", "LOCAL_ONE"} {
		if _, err := ParseConsistency(s); err != nil {
			t.Errorf("ParseConsistency(%q): %v", s, err)
		}
	}
	if _, err := ParseConsistency("most"); err == nil || !strings.Contains(err.Error(), "QUORUM") {
		t.Errorf("ParseConsistency(most) = %v, want the list of levels", err)
	}
}

func TestTheLogsParameterNamesTheNodesLogFiles(t *testing.T) {
	tg, err := ParseDSN("cassandra://127.0.5.1:9042,127.0.5.2:9042?logs=/w/node-1/cassandra.log,/w/node-2/cassandra.log")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(tg.Logs, " ") != "/w/node-1/cassandra.log /w/node-2/cassandra.log" {
		t.Errorf("Logs = %q", tg.Logs)
	}
	back, err := ParseDSN(tg.String())
	if err != nil || strings.Join(back.Logs, " ") != strings.Join(tg.Logs, " ") {
		t.Errorf("round trip of %s: %+v, %v", tg.String(), back, err)
	}
}

func TestHintFileNamesGiveTheTargetAndWhenTheyWereCreated(t *testing.T) {
	id, created, ok := parseHintFile("0b1b7b3e-5d8c-4f36-9f2e-2f6a8d3c1e77-1733350000123-2.hints")
	if !ok || id != "0b1b7b3e-5d8c-4f36-9f2e-2f6a8d3c1e77" || created.UnixMilli() != 1733350000123 {
		t.Errorf("parseHintFile = %q, %v, %v", id, created, ok)
	}
	for _, bad := range []string{
		"0b1b7b3e-5d8c-4f36-9f2e-2f6a8d3c1e77-1733350000123-2.crc32",
		"0b1b7b3e-5d8c-4f36-9f2e-2f6a8d3c1e77-x-2.hints",
		"not-a-uuid-at-all-here-1733350000123-2.hints",
		"1733350000123-2.hints",
	} {
		if _, _, ok := parseHintFile(bad); ok {
			t.Errorf("parseHintFile(%q) accepted it", bad)
		}
	}
}
