"""Tally of make calibrate-gate: per case, analysis and measure, how often the gate said
each verdict, and the effect the case produced (the median over comparisons of the
measure's ratio, candidate/baseline). Reads the index the script writes: one line per
comparison, "case<TAB>method<TAB>path of the compare --json report"."""

import collections
import json
import statistics
import sys

VERDICTS = ["regressed", "unchanged", "inconclusive", "improved"]

counts = collections.defaultdict(collections.Counter)  # (case, method, measure) -> verdicts
ratios = collections.defaultdict(list)  # (case, measure) -> ratios (paired reports)
busy = collections.Counter()  # (case, method) -> reports that said "machine busy"
cases, measures = [], []

for line in open(sys.argv[1]):
    case, method, path = line.rstrip("\n").split("\t")
    rep = json.load(open(path))
    if case not in cases:
        cases.append(case)
    key = (case, method)
    counts[(case, method, "overall")][rep["verdict"]] += 1
    if rep.get("busy"):
        busy[key] += 1
    for row in rep.get("rows", []):
        op = "all" if row["operation"] == "*" else row["operation"]
        m = f'{op} {row["measure"]}'
        if m not in measures:
            measures.append(m)
        counts[(case, method, m)][row["verdict"]] += 1
        if method == "paired" and row.get("ratio") is not None:
            ratios[(case, m)].append(row["ratio"])

print("| case | analysis | measure | effect | regressed | unchanged | inconclusive | improved |")
print("|---|---|---|--:|--:|--:|--:|--:|")
for case in cases:
    for method in ["paired", "unpaired"]:
        for m in ["overall"] + measures:
            c = counts.get((case, method, m))
            if not c:
                continue
            effect = ""
            if m != "overall" and ratios.get((case, m)):
                effect = f"{(statistics.median(ratios[(case, m)]) - 1) * 100:+.1f}%"
            n = sum(c.values())
            cells = " | ".join(f"{c[v]}/{n}" for v in VERDICTS)
            label = m
            if m == "overall" and busy[(case, method)]:
                label = f"overall ({busy[(case, method)]} said machine busy)"
            print(f"| {case} | {method} | {label} | {effect} | {cells} |")
