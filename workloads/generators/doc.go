// Package generators draws the keys, lengths and operation choices of a workload, with the
// behaviour of YCSB's generators (uniform, scrambled zipfian, skewed latest, hotspot,
// sequential, exponential; discrete choice; field and scan lengths).
//
// Every draw takes the caller's *rand.Rand (one per virtual user), so a run can be replayed
// from its recorded seeds. A Generator's parameters never change after New, and its only
// mutable state (the sequential counter, the insert Counter that latest reads) is atomic, so
// one Generator may be shared by every virtual user.
//
// Note: a run that inserts while it reads with "latest" depends on the order in which inserts
// were acknowledged, which the seeds alone do not fix; YCSB has the same property.
package generators
