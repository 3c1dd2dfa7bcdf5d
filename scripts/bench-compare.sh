#!/usr/bin/env bash
# `make bench-compare BASE=REV TRACE=FILE`: the offline analysis of this tree against revision
# REV, side by side on one recording, in alternation (what BENCHMARKS.md's "side by side"
# figures are).
#
#   scripts/bench-compare.sh REV TRACE [OUTDIR]     (default OUTDIR out/compare-REV)
#
# Builds REV in a git worktree (a clean release build: a few minutes) and this tree, then runs,
# ROUNDS times (default 2) and each build in turn:
#   - `dioscope-bench engine TRACE 3`: the analysis alone, events decoded into memory first;
#   - `dioscope analyze TRACE` three times (wall and CPU seconds, peak RSS);
# then `dioscope-bench inflight` at 10 000 and 100 000 I/Os in flight for each. It prints a table
# (best of the engine runs per round, median of the analyze runs, bytes per I/O) and writes
# OUTDIR/compare.json. Timing on a shared VM moves by a few per cent between identical binaries:
# read the rounds, not one figure. Run nothing else meanwhile.
set -euo pipefail
cd "$(dirname "$0")/.."

[[ $# -ge 2 ]] || { echo "usage: scripts/bench-compare.sh REV TRACE [OUTDIR]" >&2; exit 2; }
rev=$1 trace=$2
base=$(git rev-parse --short "$rev") || { echo "bench-compare: no revision $rev" >&2; exit 2; }
out=${3:-out/compare-$base}
rounds=${ROUNDS:-2}
[[ -s $trace ]] || { echo "bench-compare: no trace at $trace" >&2; exit 2; }
mkdir -p "$out"

wt=$(mktemp -d)
cleanup() { git worktree remove --force "$wt/base" >/dev/null 2>&1 || true; rm -rf "$wt"; }
trap cleanup EXIT
echo "== building $base in a worktree" >&2
git worktree add -q --detach "$wt/base" "$base"
(cd "$wt/base" && swift build -c release --product dioscope >/dev/null &&
	swift build -c release --product dioscope-bench >/dev/null)
echo "== building this tree" >&2
swift build -c release --product dioscope >/dev/null
swift build -c release --product dioscope-bench >/dev/null
head=$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- Sources Package.swift || echo "+changes")
mkdir -p "$out/bin"
cp "$wt/base/.build/release/dioscope" "$out/bin/dioscope-base"
cp "$wt/base/.build/release/dioscope-bench" "$out/bin/bench-base"
cp .build/release/dioscope "$out/bin/dioscope-head"
cp .build/release/dioscope-bench "$out/bin/bench-head"

for round in $(seq 1 "$rounds"); do
	for v in base head; do
		echo "== round $round: $v" >&2
		"$out/bin/bench-$v" engine "$trace" 3 >"$out/engine-$v.$round.json"
		for i in 1 2 3; do
			/usr/bin/time -f '%e %M %U %S' -o "$out/analyze-$v.$round.$i.time" \
				"$out/bin/dioscope-$v" analyze "$trace" >"$out/analyze-$v.txt" 2>&1 || true
		done
	done
done
for v in base head; do
	"$out/bin/bench-$v" inflight 10000 >"$out/inflight-$v.json"
	"$out/bin/bench-$v" inflight 100000 >"$out/inflight100k-$v.json"
done

python3 - "$out" "$rounds" "$base" "$head" <<'EOF'
import json, statistics, sys
out, rounds, base, head = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
r = {"base": base, "head": head}
for v in ("base", "head"):
    eng = [json.load(open(f"{out}/engine-{v}.{k}.json")) for k in range(1, rounds + 1)]
    runs = [open(f"{out}/analyze-{v}.{k}.{i}.time").read().split()[-4:]
            for k in range(1, rounds + 1) for i in (1, 2, 3)]
    events = eng[0]["events"]
    secs = statistics.median(float(x[0]) for x in runs)
    r[v] = {"engine_events_per_s": [e["best_events_per_s"] for e in eng],
            "engine_ns_per_io": [e["best_ns_per_io"] for e in eng],
            "analyze_seconds": [float(x[0]) for x in runs],
            "analyze_events_per_s_median": events / secs,
            "analyze_peak_rss_mb": max(int(x[1]) for x in runs) / 1024,
            "bytes_per_io_in_flight": json.load(open(f"{out}/inflight-{v}.json"))["bytes_per_io_in_flight"],
            "bytes_per_io_in_flight_100k": json.load(open(f"{out}/inflight100k-{v}.json"))["bytes_per_io_in_flight"]}
r["events"] = events
json.dump(r, open(f"{out}/compare.json", "w"), indent=1)
m = lambda xs: " / ".join(f"{x / 1e6:.2f}" for x in xs)
b, h = r["base"], r["head"]
print(f"side by side on {events / 1e6:.1f} M events, {rounds} rounds, alternating: {base} against {head}")
print(f"  analysis alone (best of 3 per round)  {m(b['engine_events_per_s'])} M/s  against  {m(h['engine_events_per_s'])} M/s")
print(f"  analyze (median of {3 * rounds})               {b['analyze_events_per_s_median'] / 1e6:.2f} M/s  against  "
      f"{h['analyze_events_per_s_median'] / 1e6:.2f} M/s  (runs {min(b['analyze_seconds']):.2f}-{max(b['analyze_seconds']):.2f} s "
      f"against {min(h['analyze_seconds']):.2f}-{max(h['analyze_seconds']):.2f} s)")
print(f"  bytes per I/O in flight (10k / 100k)  {b['bytes_per_io_in_flight']} / {b['bytes_per_io_in_flight_100k']}  against  "
      f"{h['bytes_per_io_in_flight']} / {h['bytes_per_io_in_flight_100k']}")
EOF
