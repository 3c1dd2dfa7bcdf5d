#!/usr/bin/env bash
# The long live run of issue #4: `dioscope live` beside fio at full speed on a
# loop XFS, sampling dioscope's RSS every 10 s.
#
#   scripts/soak.sh [SECONDS] [OUTDIR]     (default 600 s, out/soak)
#
# Writes OUTDIR/rss.tsv (elapsed_s, rss_kB), OUTDIR/live.out/.err (dioscope's
# output; DIOSCOPE_DEBUG_MEMORY=1 puts the analyzer's collection sizes in .err
# every tick), OUTDIR/fio.json, and prints the RSS at start, peak and end.
# Needs root and a release build (swift build -c release).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bench-workload.sh

secs=${1:-600}
out=${2:-out/soak}
bin=${DIOSCOPE:-.build/release/dioscope}
mkdir -p "$out"
[[ -x $bin ]] || { echo "soak: build first: swift build -c release" >&2; exit 1; }

eval "$(scripts/loopfs.sh up xfs 2G)"
live_pid=
fio_pid=
cleanup() {
	[[ -n $fio_pid ]] && kill "$fio_pid" 2>/dev/null || true
	[[ -n $live_pid ]] && kill -INT "$live_pid" 2>/dev/null || true
	wait 2>/dev/null || true
	scripts/loopfs.sh down "$MNT" >/dev/null 2>&1 || true
}
trap cleanup EXIT

bench_layout "$MNT/f"

DIOSCOPE_DEBUG_MEMORY=${DIOSCOPE_DEBUG_MEMORY:-1} "$bin" live --dev "$MNT" \
	--duration $((secs + 30)) >"$out/live.out" 2>"$out/live.err" &
live_pid=$!
sleep 3
bench_randwrite_cmd "$MNT/f" "$secs"
"${BENCH_CMD[@]}" --output-format=json --output="$out/fio.json" &  # $! is fio itself (cleanup kills it)
fio_pid=$!

: >"$out/rss.tsv"
start=$(date +%s)
while kill -0 "$fio_pid" 2>/dev/null; do
	rss=$(awk '/^VmRSS/ {print $2}' "/proc/$live_pid/status" 2>/dev/null || echo 0)
	printf '%d\t%s\n' $(($(date +%s) - start)) "$rss" >>"$out/rss.tsv"
	sleep 10
done
wait "$fio_pid" || true
fio_pid=
kill -INT "$live_pid" 2>/dev/null || true
rc=0
wait "$live_pid" || rc=$?
live_pid=
awk -v rc="$rc" 'NR == 1 {first = $2} {if ($2 > peak) peak = $2; last = $2}
	END {printf "soak: RSS start %d kB, peak %d kB, end %d kB; live exit %d\n", first, peak, last, rc}' "$out/rss.tsv"
