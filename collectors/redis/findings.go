package redis

import "github.com/dbharness/dbharness/collectors"

// The finding kinds Analyze reports.
const (
	KindCommand    = "command"
	KindSlowlog    = "slowlog"
	KindKeyPattern = "key-pattern"
	KindBigKey     = "big-key"
	KindHotKey     = "hot-key"
	KindMemory     = "memory"
	KindPubsub     = "pubsub"
)

// FindingKind and FindingValue are the shared declarations; "<type>" in a key stands for one
// key per Redis type (string, hash, list, set, zset, stream, ...).
type (
	FindingKind  = collectors.FindingKind
	FindingValue = collectors.FindingValue
)

func init() { collectors.DeclareFindings(Database, FindingKinds...) }

// FindingKinds lists every kind of finding Analyze reports.
var FindingKinds = []FindingKind{
	{
		Kind:    KindCommand,
		Subject: `the command as INFO commandstats names it ("get", "config|get")`,
		About: "INFO commandstats deltas since Mark, summed over the primaries (replicas replay the primaries' " +
			"writes and would count them twice; a topology without a primary uses every data node). The " +
			"collector's own commands are taken out; time is scaled by the share of calls that were not the collector's. " +
			"Other monitors are not: in a sentinel topology the sentinels' PING, INFO and PUBLISH count too.",
		Values: []FindingValue{
			{Key: "calls", Help: "calls since Mark"},
			{Key: "calls_per_second", Help: "calls divided by the seconds since Mark"},
			{Key: "total_seconds", Help: "server time spent in the command since Mark"},
			{Key: "mean_seconds", Help: "total_seconds / calls (what INFO calls usec_per_call, in seconds)"},
			{Key: "rejected_calls", Help: "calls refused before running since Mark (arity, ACL, OOM, ...)"},
			{Key: "failed_calls", Help: "calls that ran and returned an error since Mark"},
		},
	},
	{
		Kind:    KindSlowlog,
		Subject: `the command shape: name and argument shape, keys as their patterns ("SET user:{id}:session ? EX ?")`,
		About: "SLOWLOG entries since Mark on every data node, read incrementally so none is counted twice; " +
			"entries lost because the log overflowed or was reset are named in Method. Entries that are not the workload's " +
			"are left out: the collector's own, the writes a replica replays from its primary, and the sentinels' commands.",
		Values: []FindingValue{
			{Key: "entries", Help: "slow log entries of the shape since Mark"},
			{Key: "total_seconds", Help: "their summed execution time"},
			{Key: "mean_seconds", Help: "their mean execution time"},
			{Key: "max_seconds", Help: "the longest of them"},
		},
	},
	{
		Kind:    KindKeyPattern,
		Subject: `the key pattern ("user:{id}:session"; "(other)" for the patterns past keys.patterns)`,
		About: "A SCAN sample of at most keys.sample keys within keys.budget, read on a replica where the shard has one, " +
			"grouped into patterns; counts extrapolated from DBSIZE by the sampled fraction, memory from MEMORY USAGE " +
			"on a bounded sample (keys.memory_sample), TTLs from PTTL of every sampled key.",
		Values: []FindingValue{
			{Key: "keys", Help: "estimated keys of the pattern: sampled keys times DBSIZE / sampled keys of each shard"},
			{Key: "sampled_keys", Help: "keys of the pattern in the sample"},
			{Key: "bytes", Help: "estimated memory of the pattern: bytes_per_key times keys", Optional: true},
			{Key: "bytes_per_key", Help: "mean MEMORY USAGE of the measured keys", Optional: true},
			{Key: "measured_keys", Help: "keys of the pattern measured with MEMORY USAGE"},
			{Key: "no_ttl_ratio", Help: "fraction of the sampled keys without a TTL"},
			{Key: "ttl_min_seconds", Help: "shortest remaining TTL among the sampled keys with one", Optional: true},
			{Key: "ttl_median_seconds", Help: "median remaining TTL among the sampled keys with one", Optional: true},
			{Key: "ttl_max_seconds", Help: "longest remaining TTL among the sampled keys with one", Optional: true},
			{Key: "<type>_keys", Help: "estimated keys of the pattern of that type (string_keys, hash_keys, ...)", Optional: true},
		},
	},
	{
		Kind:    KindBigKey,
		Subject: "the key (cut at 200 bytes)",
		About: "A sampled key whose MEMORY USAGE (SAMPLES 5: an estimate for collections) is at least keys.big_bytes. " +
			"The keys measured are the largest of the sample by element count (STRLEN for strings) plus a few per pattern, " +
			"so only keys in the sample can be found.",
		Values: []FindingValue{
			{Key: "bytes", Help: "MEMORY USAGE of the key"},
			{Key: "elements", Help: "elements (bytes for a string) of the key", Optional: true},
		},
	},
	{
		Kind:    KindHotKey,
		Subject: `the key (cut at 200 bytes), or "(unavailable)" with the reason in Summary`,
		About: "With an LFU maxmemory-policy (allkeys-lfu, volatile-lfu): OBJECT FREQ of every sampled key, read on the " +
			"shard's primary, highest first. Otherwise: the keys named most often by the slow log entries since Mark, " +
			"which sees only commands slower than slowlog-log-slower-than. When neither applies, one finding says why.",
		Values: []FindingValue{
			{Key: "lfu_counter", Help: "the key's LFU counter (0-255, logarithmic: with the default lfu-log-factor 10 about 10 after 100 accesses, 18 after 1000, 255 after a million; new keys start at 5; it decays by 1 every lfu-decay-time minutes)", Optional: true},
			{Key: "slowlog_entries", Help: "slow log entries since Mark whose first key is this key", Optional: true},
		},
	},
	{
		Kind:    KindMemory,
		Subject: `"node" for a data node's memory (Node says which), "type:<type>" for the memory of one Redis type estimated from the key sample`,
		About:   "INFO memory and stats of each data node now, evictions and expirations since Mark; per type from the key-pattern sample.",
		Values: []FindingValue{
			{Key: "used_bytes", Help: "node: used_memory", Optional: true},
			{Key: "rss_bytes", Help: "node: used_memory_rss", Optional: true},
			{Key: "peak_bytes", Help: "node: used_memory_peak", Optional: true},
			{Key: "dataset_bytes", Help: "node: used_memory_dataset", Optional: true},
			{Key: "overhead_bytes", Help: "node: used_memory_overhead", Optional: true},
			{Key: "max_bytes", Help: "node: maxmemory (0: no limit)", Optional: true},
			{Key: "used_ratio", Help: "node: used_bytes / max_bytes, when maxmemory is set", Optional: true},
			{Key: "fragmentation_ratio", Help: "node: mem_fragmentation_ratio (RSS / used; above 1.5 is fragmented)", Optional: true},
			{Key: "evicted_keys", Help: "node: keys evicted since Mark", Optional: true},
			{Key: "expired_keys", Help: "node: keys expired since Mark", Optional: true},
			{Key: "evicted_keys_per_second", Help: "node: evicted_keys over the seconds since Mark", Optional: true},
			{Key: "expired_keys_per_second", Help: "node: expired_keys over the seconds since Mark", Optional: true},
			{Key: "bytes", Help: "type: estimated memory of the keys of the type", Optional: true},
			{Key: "keys", Help: "type: estimated keys of the type", Optional: true},
		},
	},
	{
		Kind:    KindPubsub,
		Subject: `"pubsub" for the totals, "channel:<name>" for each of the channels with the most subscribers`,
		About: "PUBSUB CHANNELS and NUMSUB on every data node now; messages published from the publish and spublish " +
			"calls of INFO commandstats on the primaries since Mark. The sentinels' own channel (__sentinel__:hello) and, " +
			"roughly, their hello messages (one every 2 s per sentinel) are taken out. Reported only when there is pub/sub activity.",
		Values: []FindingValue{
			{Key: "channels", Help: "totals: channels with subscribers, summed over the nodes", Optional: true},
			{Key: "patterns", Help: "totals: pattern subscriptions, summed over the nodes", Optional: true},
			{Key: "subscriptions", Help: "totals: channel subscriptions (NUMSUB), summed over the nodes", Optional: true},
			{Key: "messages_published", Help: "totals: PUBLISH and SPUBLISH calls since Mark", Optional: true},
			{Key: "messages_per_second", Help: "totals: messages_published over the seconds since Mark", Optional: true},
			{Key: "subscribers", Help: "channel: subscribers of the channel, summed over the nodes", Optional: true},
		},
	},
}

// LookupFindingKind returns the documentation of a kind, so a check on a finding's values
// can refuse a key that kind never has.
func LookupFindingKind(kind string) (FindingKind, bool) {
	k, err := collectors.LookupFindingKind(Database, kind)
	return k, err == nil
}
