#!/usr/bin/env bash
# `make bench`: dioscope's performance figures, measured side by side in one run.
#
#   scripts/bench.sh [OUTDIR]          (default out/bench)
#
# Environment:
#   BENCH_ROUNDS=5           interleaved rounds of the live-overhead comparison
#   BENCH_FIO_SECONDS=10     fio run time per live-overhead round
#   BENCH_RECORD_SECONDS=25  fio run time recorded for each offline trace (>= 20 M events step by step)
#   BENCH_SOAK_SECONDS=600   the long live run for flat memory (0 skips it)
#   BENCH_MODES="untraced dioscope full record record-full bpftrace bpftrace-sys bpftrace-io"
#                            live-overhead modes (bench-live.sh)
#
# Sections (each writes OUTDIR/<name>.json; a summary table is printed at the end):
#   live     fio IOPS untraced / under `dioscope live` / under bpftrace counting the same
#            tracepoints, interleaved, median of BENCH_ROUNDS each (scripts/bench-live.sh); also
#            `dioscope record` (the tracing cost without the analyzer), each also with
#            --no-assemble (full, record-full: every step its own record, no in-kernel assembly);
#            bpftrace counting only the system-call tracepoints, and only the rest (where
#            merely observing costs); `classic` (live on the classic syscall tracepoints) on
#            request (BENCH_MODES)
#   offline  `dioscope analyze` on a recorded fio trace: events/s, I/Os/s, MB/s, peak RSS, and as
#            a fraction of a plain scan of the same file's records (dioscope-bench scan); the
#            trace recorded step by step (--no-assemble, the most events per I/O), and again
#            with in-kernel assembly; beside each, the analysis alone (dioscope-bench engine) and
#            the floor of a slot layout on the same events (dioscope-bench bound)
#   unwritten the analysis alone (best of 3) and `dioscope analyze` on a recording of fio writing
#            a fallocated 1 GiB file once (every write lands in an unwritten extent and is
#            converted at completion: the engine's conversion path), recorded step by step, on
#            XFS and on ext4
#   exports  analyze --format json, analyze --timelines and export --perfetto of the step-by-step
#            recording (every timeline): seconds, timelines/s, output size, peak RSS
#   ftrace   ftrace text import lines/s on a capture of the same workload
#   memory   analyzer bytes per I/O in flight (dioscope-bench inflight: the whole analyzer, and
#            the engine alone with no reorder window, which is what the slot layout's floor,
#            bound-inflight, measures; the engine alone again for writes into unwritten
#            extents, each with a range needing conversion), bytes kept per
#            short-lived process with and without exit records (dioscope-bench processes), and
#            RSS at start and end of a BENCH_SOAK_SECONDS live run beside fio (scripts/soak.sh)
# Needs root (tracing, loop devices). Leaves nothing mounted or attached.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bench-workload.sh

out=${1:-out/bench}
rounds=${BENCH_ROUNDS:-5}
fio_secs=${BENCH_FIO_SECONDS:-10}
rec_secs=${BENCH_RECORD_SECONDS:-25}
soak_secs=${BENCH_SOAK_SECONDS:-600}
mkdir -p "$out"
bin=.build/release/dioscope
bench=.build/release/dioscope-bench

[[ $(id -u) -eq 0 ]] || { echo "bench: needs root (tracing, loop devices)" >&2; exit 4; }
scripts/install-deps.sh
for p in bpftrace jq time; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$p" >/dev/null
done
mountpoint -q /sys/kernel/tracing || mount -t tracefs nodev /sys/kernel/tracing
swift build -c release --product dioscope >/dev/null
swift build -c release --product dioscope-bench >/dev/null

machine() {
	printf '{"host":"%s","kernel":"%s","cpus":%d,"cpu_model":"%s","mem_gib":%d,"date":"%s","commit":"%s"}\n' \
		"$(hostname)" "$(uname -r)" "$(nproc)" \
		"$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)" \
		$(($(awk '/^MemTotal/ {print $2}' /proc/meminfo) / 1048576)) \
		"$(date -u +%FT%TZ)" "$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
}
machine >"$out/machine.json"

# ---- live overhead -------------------------------------------------------------------------
echo "== live overhead: $rounds interleaved rounds of ${fio_secs}s per mode" >&2
MODES=${BENCH_MODES:-untraced dioscope full record record-full bpftrace bpftrace-sys bpftrace-io} BPF_STATS=1 RUNTIME=$fio_secs \
	scripts/bench-live.sh "$rounds" "$out/live" >&2
cp "$out/live/summary.json" "$out/live.json"

# ---- offline: record a large trace, then scan and analyze it --------------------------------
echo "== offline: recording ${rec_secs}s of fio" >&2
eval "$(scripts/loopfs.sh up xfs 2G)"
trap 'scripts/loopfs.sh down "$MNT" >/dev/null 2>&1 || true' EXIT
bench_layout "$MNT/f"
# record_fio NAME [RECORD-ARGS...]: records BENCH_CMD to $out/fio-NAME.dscope (the recorder's
# errors in $out/record-NAME.err, printed and the bench ended if nothing was recorded)
record_fio() {
	local name=$1 to=$out/fio-$1.dscope
	shift
	rm -f "$to"
	"$bin" record "$@" -o "$to" -- "${BENCH_CMD[@]}" --output-format=terse >/dev/null 2>"$out/record-$name.err" || true
	[[ -s $to ]] || { echo "bench: recording $name failed:" >&2; cat "$out/record-$name.err" >&2; exit 1; }
}
# offline_case NAME [RECORD-ARGS...]: record, scan, analyze 3 times -> $out/offline-NAME.json
offline_case() {
	local name=$1 big=$out/fio-$1.dscope
	shift
	bench_randwrite_cmd "$MNT/f" "$rec_secs"
	record_fio "$name" "$@"
	"$bench" scan "$big" >"$out/scan-$name.json"
	# the analysis alone, its events decoded into memory first (the analyzing thread's ceiling)
	"$bench" engine "$big" 3 >"$out/engine-$name.json"
	# the floor of a slot layout on the same events (Sources/dioscope-bench/Bound.swift): the
	# joins and phase table alone, checked equal to the analyzer's (exit 1 if not)
	"$bench" bound "$big" 3 >"$out/bound-$name.json" 2>"$out/bound-$name.err" || true
	# analyze once to warm the page cache, then five timed runs (median reported; the decoder
	# runs on a second thread, so CPU time is reported beside wall time)
	"$bin" analyze "$big" >/dev/null 2>&1 || true
	# (five: single runs on these VMs spread by a third, 2.2-3.1 s in session 27's run of three)
	for i in 1 2 3 4 5; do
		/usr/bin/time -f '%e %M %U %S' -o "$out/analyze-$name.$i.time" "$bin" analyze "$big" \
			>"$out/analyze-$name.txt" 2>&1 || true
	done
	python3 - "$out" "$name" <<'EOF'
import json, sys, statistics, re
out, name = sys.argv[1], sys.argv[2]
scan = json.load(open(f"{out}/scan-{name}.json"))
runs = [open(f"{out}/analyze-{name}.{i}.time").read().split()[-4:] for i in (1, 2, 3, 4, 5)]
secs = statistics.median(float(r[0]) for r in runs)
cpu = statistics.median(float(r[2]) + float(r[3]) for r in runs)
rss_kb = max(int(r[1]) for r in runs)
# events as decoded; records as stored (fewer, from record ABI 3: some records carry two or three events)
ev = scan.get("events", scan["records"])
recs = scan["records"]
ios = int(re.search(r"^I/Os: (\d+)", open(f"{out}/analyze-{name}.txt").read(), re.M).group(1))
r = {"events": ev, "records": recs, "ios": ios, "events_per_io": ev / ios, "records_per_io": recs / ios,
     "bytes": scan["bytes"], "analyze_seconds": secs,
     "analyze_cpu_seconds": cpu, "analyze_events_per_s": ev / secs, "analyze_events_per_cpu_s": ev / cpu,
     "analyze_ios_per_s": ios / secs,
     "analyze_events_per_s_best": ev / min(float(r[0]) for r in runs),
     "analyze_mb_per_s": scan["bytes"] / 1e6 / secs,
     "analyze_peak_rss_mb": int(rss_kb) / 1024,
     "scan_records_per_s": scan["raw_records_per_s"], "decode_events_per_s": scan["decode_events_per_s"],
     "ordered_events_per_s": scan.get("ordered_events_per_s"), "pipelined_events_per_s": scan.get("pipelined_events_per_s"),
     "engine_events_per_s": json.load(open(f"{out}/engine-{name}.json"))["best_events_per_s"],
     "engine_ns_per_io": json.load(open(f"{out}/engine-{name}.json"))["best_ns_per_io"],
     "analyze_fraction_of_scan": (recs / secs) / scan["raw_records_per_s"]}
try:
    b = json.load(open(f"{out}/bound-{name}.json"))
    r.update({"bound_events_per_s": b["best_events_per_s"], "bound_ns_per_io": b["best_ns_per_io"],
              "bound_matches_analyzer": b["matches_analyzer"]})
except Exception:
    pass
json.dump(r, open(f"{out}/offline-{name}.json", "w"), indent=1)
EOF
}
offline_case randwrite --no-assemble
cp "$out/offline-randwrite.json" "$out/offline.json"

# exports of the same recording, every timeline: JSON, the text report with --timelines, Perfetto
# (output to a pipe, its size counted; the timelines are spilled to a temporary file and read back)
big=$out/fio-randwrite.dscope
for x in json:"analyze --format json" text:"analyze --timelines" perfetto:"export --perfetto -"; do
	# shellcheck disable=SC2086 # the command's words
	/usr/bin/time -f '%e %M %U %S' -o "$out/export-${x%%:*}.time" "$bin" ${x#*:} "$big" 2>/dev/null |
		wc -c >"$out/export-${x%%:*}.bytes" || true
done
python3 - "$out" <<'EOF3'
import json, sys
out = sys.argv[1]
ios = json.load(open(f"{out}/offline-randwrite.json"))["ios"]
r = {"timelines": ios}
for k in ("json", "text", "perfetto"):
    secs, rss_kb, user, sys_ = open(f"{out}/export-{k}.time").read().split()[-4:]
    size = int(open(f"{out}/export-{k}.bytes").read())
    r[k] = {"seconds": float(secs), "peak_rss_mb": int(rss_kb) / 1024, "output_mb": size / 1e6,
            "timelines_per_s": ios / float(secs), "output_mb_per_s": size / 1e6 / float(secs)}
json.dump(r, open(f"{out}/exports.json", "w"), indent=1)
EOF3
offline_case assembled
rm -f "$out/fio-assembled.dscope"

# ---- the analysis by queue depth -------------------------------------------------------------
# One file, fio iodepth 16, 128 and 1 024, recorded assembled for 5 s each; the analysis alone on
# each (best of 3). A file's in-flight I/Os are what the completion-side joins search, so this
# shows whether an I/O's cost grows with the number in flight (InflightList).
for qd in 16 128 1024; do
	BENCH_IODEPTH=$qd bench_randwrite_cmd "$MNT/f" 5
	record_fio "qd$qd"
	"$bench" engine "$out/fio-qd$qd.dscope" 3 >"$out/depth-$qd.json"
	rm -f "$out/fio-qd$qd.dscope"
done
python3 - "$out" <<'EOF4'
import json, sys
out = sys.argv[1]
r = {}
for qd in (16, 128, 1024):
    e = json.load(open(f"{out}/depth-{qd}.json"))
    r[str(qd)] = {"events": e["events"], "ios": e["ios"], "engine_events_per_s": e["best_events_per_s"],
                  "engine_ns_per_io": e["best_ns_per_io"]}
json.dump(r, open(f"{out}/depth.json", "w"), indent=1)
EOF4

# ---- writes into unwritten extents -----------------------------------------------------------
# fio writes a fallocated 1 GiB file once, sequentially: every 4 KiB write lands in an unwritten
# extent, converted at completion (XFS: xfs_unwritten_convert; ext4: ext4_ext_map_blocks_enter,
# then ext4_ext_handle_unwritten_extents), the path of race 1. The randwrite recordings above
# overwrite written blocks and never take it. On XFS (the mount above) and on an ext4 of its own.
# unwritten_case FS DIR: record it on DIR, the analysis alone (best of 3) and analyze's verdict
# -> $out/unwritten-FS.json
unwritten_case() {
	local name=unwritten-$1 dir=$2
	fallocate -l 1G "$dir/u"
	BENCH_CMD=(fio --name=unwritten --filename="$dir/u" --size=1g --rw=write --bs=4k --direct=1 --ioengine=libaio
		--iodepth=16 --fallocate=none)
	record_fio "$name" --no-assemble
	"$bench" engine "$out/fio-$name.dscope" 3 >"$out/engine-$name.json"
	"$bin" analyze "$out/fio-$name.dscope" >"$out/analyze-$name.txt" 2>&1 || true
	rm -f "$out/fio-$name.dscope" "$dir/u"
	python3 - "$out" "$name" <<'EOF5'
import json, sys, re
out, name = sys.argv[1], sys.argv[2]
e = json.load(open(f"{out}/engine-{name}.json"))
txt = open(f"{out}/analyze-{name}.txt").read()
conv = re.search(r"^\s+device->conv\s+(\d+)", txt, re.M)
verdict = re.search(r"^Verdict: (\S+)", txt, re.M)
json.dump({"events": e["events"], "ios": e["ios"], "engine_events_per_s": e["best_events_per_s"],
           "engine_ns_per_io": e["best_ns_per_io"], "converted_ios": int(conv.group(1)) if conv else 0,
           "verdict": verdict.group(1) if verdict else "none"}, open(f"{out}/{name}.json", "w"), indent=1)
EOF5
}
unwritten_case xfs "$MNT"
ext4_mnt=$(scripts/loopfs.sh up ext4 2G | sed -n 's/^MNT=//p')
trap 'scripts/loopfs.sh down "$ext4_mnt" >/dev/null 2>&1 || true; scripts/loopfs.sh down "$MNT" >/dev/null 2>&1 || true' EXIT
unwritten_case ext4 "$ext4_mnt"
scripts/loopfs.sh down "$ext4_mnt" >/dev/null
trap 'scripts/loopfs.sh down "$MNT" >/dev/null 2>&1 || true' EXIT

# ---- ftrace text import ----------------------------------------------------------------------
echo "== ftrace: capturing 5s of the same fio as text" >&2
rc=0
bench_randwrite_cmd "$MNT/f" 5
scripts/capture-ftrace.sh -o "$out/fio-randwrite.trace" --mnt "$MNT" -b 262144 -- \
	"${BENCH_CMD[@]}" --output-format=terse >/dev/null 2>"$out/ftrace.err" || rc=$?
((rc == 0 || rc == 3)) || { echo "bench: ftrace capture failed ($rc):" >&2; cat "$out/ftrace.err" >&2; exit 1; }
# several runs: on a shared 2-vCPU VM one wall-clock figure mixes in whatever else runs
for i in 1 2 3; do "$bench" ftrace "$out/fio-randwrite.trace" >"$out/ftrace.$i.json"; done
rm -f "$out/fio-randwrite.trace"
python3 - "$out" <<'EOF2'
import json, sys, statistics
out = sys.argv[1]
runs = [json.load(open(f"{out}/ftrace.{i}.json")) for i in (1, 2, 3)]
r = dict(runs[0])
for k in ("lines_per_s", "mb_per_s", "lines_per_cpu_s"):
    r[k] = statistics.median(x[k] for x in runs)
    r[k + "_best"] = max(x[k] for x in runs)
r["runs"] = len(runs)
json.dump(r, open(f"{out}/ftrace.json", "w"), indent=1)
EOF2
scripts/loopfs.sh down "$MNT" >/dev/null
trap - EXIT

# ---- memory ----------------------------------------------------------------------------------
echo "== memory: bytes per I/O in flight; ${soak_secs}s live run" >&2
"$bench" inflight 10000 >"$out/inflight.json"
"$bench" inflight 10000 --no-window >"$out/inflight-engine.json"
"$bench" inflight 10000 --no-window --unwritten >"$out/inflight-engine-unwritten.json"
"$bench" bound-inflight 10000 >"$out/bound-inflight.json"
"$bench" processes 200000 >"$out/processes.json"
"$bench" processes 200000 --no-exits >"$out/processes-no-exits.json"
if ((soak_secs > 0)); then
	scripts/soak.sh "$soak_secs" "$out/soak" >&2
fi
python3 - "$out" "$soak_secs" <<'EOF'
import json, sys, os
out, soak = sys.argv[1], int(sys.argv[2])
m = json.load(open(f"{out}/inflight.json"))
r = {"bytes_per_io_in_flight": m["bytes_per_io_in_flight"], "ios_in_flight": m["ios_in_flight"],
     "reorder_ring_bytes": m["reorder_ring_bytes"],
     "engine_bytes_per_io_in_flight": json.load(open(f"{out}/inflight-engine.json"))["bytes_per_io_in_flight"],
     "engine_unwritten_bytes_per_io_in_flight":
         json.load(open(f"{out}/inflight-engine-unwritten.json"))["bytes_per_io_in_flight"],
     "bound_bytes_per_io_in_flight": json.load(open(f"{out}/bound-inflight.json"))["bytes_per_io_in_flight"]}
p, q = json.load(open(f"{out}/processes.json")), json.load(open(f"{out}/processes-no-exits.json"))
r.update({"processes": p["processes"], "bytes_per_process": p["bytes_per_process"],
          "bytes_per_process_no_exits": q["bytes_per_process"]})
if soak > 0 and os.path.exists(f"{out}/soak/rss.tsv"):
    rows = [tuple(map(int, l.split())) for l in open(f"{out}/soak/rss.tsv") if l.strip()]
    r.update({"soak_seconds": soak, "soak_rss_start_mb": rows[0][1] / 1024,
              "soak_rss_peak_mb": max(x[1] for x in rows) / 1024, "soak_rss_end_mb": rows[-1][1] / 1024})
    try:
        fio = json.load(open(f"{out}/soak/fio.json"))
        r["soak_fio_iops"] = fio["jobs"][0]["write"]["iops"]
    except Exception:
        pass
json.dump(r, open(f"{out}/memory.json", "w"), indent=1)
EOF

# ---- summary ---------------------------------------------------------------------------------
python3 - "$out" <<'EOF'
import json, sys
out = sys.argv[1]
M = json.load(open(f"{out}/machine.json"))
L = json.load(open(f"{out}/live.json"))
O = json.load(open(f"{out}/offline.json"))
F = json.load(open(f"{out}/ftrace.json"))
Y = json.load(open(f"{out}/memory.json"))
print(f"dioscope bench — {M['host']}, {M['cpu_model']}, {M['cpus']} CPUs, {M['mem_gib']} GiB, "
      f"kernel {M['kernel']}, commit {M['commit']}, {M['date']}")
print()
print("live overhead (fio randwrite 4k libaio iodepth 16, loop XFS; median of interleaved rounds)")
names = {"dioscope": "dioscope live", "record": "dioscope record (no analyzer)",
         "full": "dioscope live --no-assemble", "record-full": "dioscope record --no-assemble",
         "classic": "live, classic syscall tracepoints", "bpftrace": "bpftrace counting all of them",
         "bpftrace-sys": "bpftrace counting syscalls only", "bpftrace-io": "bpftrace counting the rest only"}
for mode in ("untraced", "dioscope", "full", "record", "record-full", "classic", "bpftrace", "bpftrace-sys",
             "bpftrace-io"):
    if f"{mode}_iops" not in L:
        continue
    extra = ""
    if mode != "untraced":
        cpu = L.get(mode + '_process_cpu_pct', 0)
        # CPU time per I/O: comparable between runs when the disk's speed is not (noisy VMs)
        per_io = cpu / 100 / L[mode + '_iops'] * 1e6 if L[mode + '_iops'] else float('nan')
        paired = L.get(mode + '_paired_cost_pct')
        extra = (f"  cost {L.get(mode + '_cost_pct', float('nan')):5.1f} %"
                 + (f" (paired {paired:5.1f} %)" if paired is not None else "")
                 + f"  tracer CPU {cpu} % ({per_io:.1f} us per I/O)")
    print(f"  {names.get(mode, mode):34s} {L[mode + '_iops']/1e3:7.1f} k IOPS{extra}")
if "dioscope_events_per_s" in L:
    print(f"  dioscope: {L['dioscope_events_per_s']/1e6:.2f} M records/s, {L['dioscope_drops']} events dropped over all rounds"
          + (f"; BPF {L['dioscope_bpf_ns_per_io']} ns per fio I/O" if "dioscope_bpf_ns_per_io" in L else ""))
print("  targets: dioscope cost <= 10 % and below bpftrace's; 0 drops")
print()
print(f"offline analyze: {O['events']/1e6:.1f} M events ({O['events_per_io']:.1f} per I/O, recorded --no-assemble), "
      f"{O['bytes']/1e6:.0f} MB")
print(f"  analyze          {O['analyze_events_per_s']/1e6:8.2f} M events/s  {O['analyze_mb_per_s']:7.0f} MB/s  "
      f"peak RSS {O['analyze_peak_rss_mb']:.0f} MB  (target >= 30 M events/s)")
print(f"                   median of 5; best {O['analyze_events_per_s_best']/1e6:.2f} M/s; "
      f"{O['analyze_events_per_cpu_s']/1e6:.2f} M events per CPU-second")
print(f"  plain scan       {O['scan_records_per_s']/1e6:8.2f} M records/s (decoded: {O['decode_events_per_s']/1e6:.2f} M/s)")
if O.get("pipelined_events_per_s"):
    print(f"  decoding thread  {O['pipelined_events_per_s']/1e6:8.2f} M events/s decoded and put in time order on analyze's "
          f"decoding thread, nothing after it ({O['ordered_events_per_s']/1e6:.2f} M/s on one thread)")
print(f"  engine alone     {O['engine_events_per_s']/1e6:8.2f} M events/s, {O['engine_ns_per_io']:.0f} ns per I/O "
      f"(events decoded into memory first; best of 3)")
if "bound_events_per_s" in O:
    same = O["bound_matches_analyzer"]
    print(f"  slot-layout floor{O['bound_events_per_s']/1e6:8.2f} M events/s, {O['bound_ns_per_io']:.0f} ns per I/O "
          f"(joins and phase table only; " + ("same phase table as the analyzer)" if same else "NOT the analyzer's phase table: no bound)"))
else:
    print(f"  slot-layout floor  not measured: dioscope-bench bound failed ({out}/bound-randwrite.err)")
print(f"  analyze / scan   {O['analyze_fraction_of_scan']:8.3f}; {O['analyze_ios_per_s']/1e3:.0f} k I/Os/s")
A = json.load(open(f"{out}/offline-assembled.json"))
print(f"  assembled trace  {A['analyze_events_per_s']/1e6:8.2f} M events/s, {A['analyze_ios_per_s']/1e3:.0f} k I/Os/s "
      f"({A['events']/1e6:.1f} M events, {A['events_per_io']:.1f} per I/O, in "
      f"{A.get('records', A['events'])/1e6:.1f} M records, {A.get('records_per_io', A['events_per_io']):.1f} per I/O; median of 5)")
D = json.load(open(f"{out}/depth.json"))
print("  by fio iodepth   " + ", ".join(f"{qd}: {D[qd]['engine_ns_per_io']:.0f} ns per I/O ({D[qd]['engine_events_per_s']/1e6:.2f} M events/s)"
                                        for qd in ("16", "128", "1024")) + " (engine alone, assembled, one file)")
print("  writes into unwritten extents (fio writing a fallocated 1 GiB file, recorded step by step; the engine alone, best of 3):")
for fs in ("xfs", "ext4"):
    U = json.load(open(f"{out}/unwritten-{fs}.json"))
    print(f"    {fs:5s} {U['engine_events_per_s']/1e6:7.2f} M events/s, {U['engine_ns_per_io']:.0f} ns per I/O "
          f"({U['ios']/1e3:.0f} k I/Os, {U['events']/1e6:.1f} M events, {U['events']/U['ios']:.1f} per I/O, "
          f"{U['converted_ios']/1e3:.0f} k converted; verdict {U['verdict']})")
X = json.load(open(f"{out}/exports.json"))
print(f"  exports of its {X['timelines']/1e3:.0f} k timelines (analysis included; output to a pipe):")
for k, what in (("json", "analyze --format json"), ("text", "analyze --timelines"), ("perfetto", "export --perfetto")):
    e = X[k]
    print(f"    {what:22s} {e['seconds']:6.1f} s  {e['timelines_per_s']/1e3:6.1f} k timelines/s  "
          f"{e['output_mb']:6.0f} MB out  peak RSS {e['peak_rss_mb']:.0f} MB")
print()
print(f"ftrace import: {F['lines']/1e6:.2f} M lines: {F['lines_per_s']/1e6:.2f} M lines/s, {F['mb_per_s']:.0f} MB/s "
      f"(target >= 2 M lines/s)")
print(f"  median of {F['runs']}; best {F['lines_per_s_best']/1e6:.2f} M lines/s; "
      f"{F['lines_per_cpu_s']/1e6:.2f} M lines per CPU-second")
print()
print(f"memory: {Y['bytes_per_io_in_flight']:.0f} bytes per I/O in flight ({Y['ios_in_flight']} in flight; target <= 256)")
if "engine_bytes_per_io_in_flight" in Y:
    print(f"  of which the 20 ms reorder window's ring ({Y['reorder_ring_bytes']/1e6:.1f} MB at this event rate) "
          f"{Y['bytes_per_io_in_flight'] - Y['engine_bytes_per_io_in_flight']:.0f}; "
          f"the engine alone {Y['engine_bytes_per_io_in_flight']:.0f} (no window), "
          f"against the slot-layout floor's {Y['bound_bytes_per_io_in_flight']:.0f} (no window either)")
    if "engine_unwritten_bytes_per_io_in_flight" in Y:
        print(f"  the engine alone for writes into unwritten extents (each needing conversion): "
              f"{Y['engine_unwritten_bytes_per_io_in_flight']:.0f}")
else:
    print(f"  slot-layout floor {Y['bound_bytes_per_io_in_flight']:.0f}")
print(f"  {Y['processes']} short-lived processes: {Y['bytes_per_process']:.1f} bytes kept per process with exit records, "
      f"{Y['bytes_per_process_no_exits']:.0f} without (traces before record ABI 5)")
if "soak_seconds" in Y:
    print(f"  {Y['soak_seconds']} s live run beside fio: RSS {Y['soak_rss_start_mb']:.0f} MB at start, "
          f"{Y['soak_rss_peak_mb']:.0f} MB peak, {Y['soak_rss_end_mb']:.0f} MB at end"
          + (f" (fio {Y['soak_fio_iops']/1e3:.0f} k IOPS)" if 'soak_fio_iops' in Y else ""))
EOF
