#!/usr/bin/env bash
# Live tracing overhead (issue #5): fio IOPS untraced, under `dioscope live`
# and under bpftrace counting the same tracepoints, in interleaved rounds.
#
#   scripts/bench-live.sh [ROUNDS] [OUTDIR]        (default 5 rounds, out/bench-live)
#
# Environment:
#   RUNTIME=10            seconds of fio per run
#   MODES="untraced dioscope bpftrace"   (also: record, `dioscope record` to a
#                         file: the tracing cost without the live analyzer; classic,
#                         `dioscope live` with the classic per-call syscall tracepoints
#                         instead of raw sys_enter/sys_exit, DIOSCOPE_CLASSIC_SYSCALLS=1;
#                         full, `dioscope live --no-assemble`: every step of every I/O
#                         its own record, no in-kernel assembly; record-full, the
#                         same for `dioscope record`; bpftrace-sys and bpftrace-io,
#                         bpftrace counting only the system-call tracepoints, or only
#                         the others: where bpftrace's own cost comes from)
#   DIOSCOPE=.build/release/dioscope
#   DIOSCOPE_ARGS=        extra arguments for `dioscope live` (e.g. --disable-probe X)
#   BASELINE=path         another dioscope binary (e.g. an older build): adds the
#                         mode "baseline", `live` of that binary, to compare
#   BPF_STATS=1           afterwards, one more dioscope run with
#                         kernel.bpf_stats_enabled=1: ns per run of each program
#
# Each round runs every mode once (the order rotates from round to round) on
# a loop XFS (2 GiB) with a 256 MiB file laid out first: fio randwrite bs=4k
# direct=1 libaio iodepth=16, time_based. Prints the median IOPS per mode,
# the cost of each tracer relative to untraced, dioscope's events/s and drops,
# and ends with one JSON line (also in OUTDIR/summary.json). Per-run fio JSON
# and tracer output stay in OUTDIR. Needs root, fio, bpftrace, bpftool and a
# release build. Everything (tracers, mount, loop device, bpf_stats) is undone
# on exit, also on Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bench-workload.sh

rounds=${1:-5}
out=${2:-out/bench-live}
runtime=${RUNTIME:-10}
modes=(${MODES:-untraced dioscope bpftrace})
baseline=${BASELINE:-}
[[ -z $baseline || " ${modes[*]} " == *" baseline "* ]] || modes+=(baseline)
bin=${DIOSCOPE:-.build/release/dioscope}
read -r -a extra <<<"${DIOSCOPE_ARGS:-}"

die() {
	echo "bench-live: $*" >&2
	exit 1
}
[[ $(id -u) -eq 0 ]] || die "needs root"
[[ -x $bin ]] || die "build first: swift build -c release"
for t in fio bpftrace bpftool jq; do
	command -v "$t" >/dev/null || die "$t not found"
done
mkdir -p "$out"
rm -f "$out"/*.fio.json "$out"/*.err "$out"/*.out "$out"/*.cpu

MNT=
tracer_pid=
stats_old=
cleanup() {
	if [[ -n $tracer_pid ]]; then
		kill -INT "$tracer_pid" 2>/dev/null || true
		wait "$tracer_pid" 2>/dev/null || true
	fi
	[[ -n $stats_old ]] && sysctl -q kernel.bpf_stats_enabled="$stats_old" || true
	[[ -n $MNT ]] && scripts/loopfs.sh down "$MNT" >/dev/null 2>&1 || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

eval "$(scripts/loopfs.sh up xfs 2G)"
file=$MNT/bench
bench_layout "$file"

# The bpftrace program: a count on every tracepoint dioscope attaches. For
# system calls, the classic per-call tracepoints (dioscope uses the raw
# sys_enter/sys_exit ones, which fire for every call on the machine: counting
# those would not be what a bpftrace user does).
bt_probes=$("$bin" probes --format json | jq -r '
	.probes[] | select(.attach != "unavailable") |
	(.name | split(":")) as [$g, $n] |
	if $g == "syscalls" then "tracepoint:syscalls:sys_enter_\($n)", "tracepoint:syscalls:sys_exit_\($n)"
	else "tracepoint:\($g):\($n)" end' | paste -sd, -)
[[ -n $bt_probes ]] || die "no probes from dioscope probes"
bt_count='{ @[probe] = count(); }'
bt_prog="$bt_probes $bt_count"
echo "$bt_prog" >"$out/bpftrace.bt"
# The same count split in two: the system calls alone (enabling any syscall tracepoint sends
# every system call of every task through the kernel's slow path) and the rest alone.
bt_sys=$(tr ',' '\n' <<<"$bt_probes" | grep '^tracepoint:syscalls:' | paste -sd, -)
bt_io=$(tr ',' '\n' <<<"$bt_probes" | grep -v '^tracepoint:syscalls:' | paste -sd, -)
[[ -n $bt_sys && -n $bt_io ]] || die "cannot split the probes into system calls and the rest"
declare -A bt_progs=([bpftrace]="$bt_prog" [bpftrace-sys]="$bt_sys $bt_count" [bpftrace-io]="$bt_io $bt_count")

# Waits until FILE contains PATTERN (the tracer is attached) or PID died.
wait_for() {
	local file=$1 pattern=$2 pid=$3 i
	for ((i = 0; i < 600; i++)); do
		[[ -e $file ]] && grep -q "$pattern" "$file" 2>/dev/null && return 0
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# CPU seconds (user + system) the tracer process has used so far.
tracer_cpu() {
	awk -v hz="$(getconf CLK_TCK)" '{printf "%.2f", ($14 + $15) / hz}' "/proc/$tracer_pid/stat" 2>/dev/null || echo 0
}

# Stops the tracer with SIGINT and waits for it. With `insist` (bpftrace): bpftrace once slept on
# in epoll_wait after its SIGINT, and the bench with it (session 16); after 20 s it is asked
# again, after 25 s ended (its counts are not used, and fio's run is complete by then).
stop_tracer() {
	local rc=0 i
	kill -INT "$tracer_pid" 2>/dev/null || true
	if [[ ${1:-} == insist ]]; then
		for ((i = 0; i < 300; i++)); do
			kill -0 "$tracer_pid" 2>/dev/null || break
			((i == 200)) && kill -INT "$tracer_pid" 2>/dev/null
			((i == 250)) && kill -TERM "$tracer_pid" 2>/dev/null
			sleep 0.1
		done
	fi
	wait "$tracer_pid" || rc=$?
	tracer_pid=
	return $rc
}

run_fio() {
	bench_randwrite "$file" "$runtime" --output-format=json --output="$1" >/dev/null
}

# One run of MODE, as run R: fio JSON in $out/R.MODE.fio.json.
run_mode() {
	local mode=$1 r=$2 base=$out/$r.$mode rc
	case $mode in
	untraced)
		run_fio "$base.fio.json"
		;;
	record | record-full) # tracing without the analyzer: the trace goes to a file, deleted after
		local rec_args=()
		[[ $mode == record-full ]] && rec_args=(--no-assemble)
		"$bin" record --dev "$MNT" "${extra[@]}" "${rec_args[@]}" -o "$base.dscope" >"$base.out" 2>"$base.err" &
		tracer_pid=$!
		# the file is created once the probes are attached
		wait_for "$base.dscope" "" "$tracer_pid" || die "dioscope record did not start: $(cat "$base.err")"
		run_fio "$base.fio.json"
		tracer_cpu >"$base.cpu"
		stop_tracer || true
		rm -f "$base.dscope"
		;;
	dioscope | baseline | classic | full)
		if [[ $mode == baseline ]]; then
			"$baseline" live --dev "$MNT" >"$base.out" 2>"$base.err" &
		elif [[ $mode == classic ]]; then
			DIOSCOPE_CLASSIC_SYSCALLS=1 "$bin" live --dev "$MNT" "${extra[@]}" >"$base.out" 2>"$base.err" &
		elif [[ $mode == full ]]; then
			"$bin" live --dev "$MNT" --no-assemble "${extra[@]}" >"$base.out" 2>"$base.err" &
		else
			"$bin" live --dev "$MNT" "${extra[@]}" >"$base.out" 2>"$base.err" &
		fi
		tracer_pid=$!
		wait_for "$base.err" "^dioscope: tracing" "$tracer_pid" || die "dioscope live did not start: $(cat "$base.err")"
		run_fio "$base.fio.json"
		tracer_cpu >"$base.cpu"
		rc=0
		stop_tracer || rc=$?
		# 0 clean, 1 findings, 2 inconclusive (drops): all are measurements
		((rc <= 2)) || die "dioscope live exited $rc: $(tail -5 "$base.err")"
		;;
	bpftrace | bpftrace-sys | bpftrace-io)
		bpftrace -e "${bt_progs[$mode]}" >"$base.out" 2>"$base.err" &
		tracer_pid=$!
		wait_for "$base.out" "^Attaching" "$tracer_pid" || die "bpftrace did not start: $(cat "$base.err")"
		sleep 1 # bpftrace prints before it has attached everything
		run_fio "$base.fio.json"
		tracer_cpu >"$base.cpu"
		stop_tracer insist || true
		;;
	*) die "unknown mode $mode" ;;
	esac
	jq -r '.jobs[0].write.iops' "$base.fio.json"
}

declare -A iops
for ((r = 1; r <= rounds; r++)); do
	n=${#modes[@]}
	line="round $r:"
	for ((k = 0; k < n; k++)); do
		mode=${modes[(k + r - 1) % n]}
		v=$(run_mode "$mode" "$r")
		iops[$mode]+="$v "
		line+=" $mode $(printf '%.0f' "$v")"
	done
	echo "$line"
done

median() { tr ' ' '\n' | grep . | sort -g | awk '{a[NR] = $1} END {
	if (NR == 0) print 0; else if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

# dioscope's records and drops, per run: the stats line on stderr ("live: N
# records in S s (R records/s), D dropped"; "events" before record ABI 3, when
# every record was one event), or from older binaries the summary on stdout
# ("N events read", "source INCOMPLETE: D events dropped").
dio_stats() {
	local f err events secs drops
	for f in "$out"/*."$1".out; do
		[[ -e $f ]] || continue
		err=${f%.out}.err
		read -r events secs drops < <(sed -n \
			's/^dioscope: live: \([0-9]*\) \(events\|records\) in \([0-9.]*\) s .*, \([0-9]*\) dropped$/\1 \3 \4/p' "$err" |
			tail -1) || true
		if [[ -z $events ]]; then # older binaries: the analysis summary only
			events=$(sed -n 's/^dioscope analysis: .*, \([0-9]*\) events read.*/\1/p' "$f" | head -1)
			secs=$runtime
			drops=$(sed -n 's/^source INCOMPLETE: \([0-9]*\) events dropped.*/\1/p' "$f" | head -1)
		fi
		# nearly every event is fio's: rate over fio's runtime, not the tracer's
		secs=$(jq '.jobs[0].job_runtime / 1000' "${f%.out}.fio.json" 2>/dev/null || echo "$secs")
		echo "${events:-0} ${secs:-0} ${drops:-0}"
	done
}

declare -A med
summary="{\"rounds\":$rounds,\"runtime_s\":$runtime"
echo
echo "median fio randwrite 4k QD16 IOPS over $rounds rounds (${runtime} s each):"
for mode in "${modes[@]}"; do
	med[$mode]=$(median <<<"${iops[$mode]}")
	printf '  %-9s %8.0f   (%s)\n' "$mode" "${med[$mode]}" "${iops[$mode]% }"
	summary+=",\"${mode}_iops\":$(printf '%.0f' "${med[$mode]}")"
	summary+=",\"${mode}_runs\":[$(tr ' ' '\n' <<<"${iops[$mode]}" | grep . | xargs printf '%.0f\n' | paste -sd,)]"
done
for mode in "${modes[@]}"; do
	[[ $mode == untraced ]] && continue
	cpu=$(for f in "$out"/*."$mode".cpu; do
		[[ -e $f ]] && awk -v c="$(cat "$f")" '{printf "%.1f ", 100 * c / ($1 / 1000)}' \
			<(jq '.jobs[0].job_runtime' "${f%.cpu}.fio.json")
	done | median)
	echo "  $mode process: median $cpu % of a CPU during fio"
	summary+=",\"${mode}_process_cpu_pct\":$cpu"
done
if [[ -n ${med[untraced]:-} ]]; then
	read -r -a unt <<<"${iops[untraced]}"
	for mode in "${modes[@]}"; do
		[[ $mode != untraced ]] || continue
		cost=$(awk -v u="${med[untraced]}" -v t="${med[$mode]}" 'BEGIN {printf "%.1f", 100 * (1 - t / u)}')
		# Paired: each round's cost against that round's own untraced run, then the median and
		# range over rounds (a machine whose speed drifts moves both runs of a round together).
		read -r -a runs <<<"${iops[$mode]}"
		paired=$(for ((r = 0; r < ${#runs[@]}; r++)); do
			awk -v u="${unt[r]}" -v t="${runs[r]}" 'BEGIN {printf "%.1f\n", 100 * (1 - t / u)}'
		done | sort -g | paste -sd' ')
		pmed=$(median <<<"$paired")
		echo "  $mode costs $cost % of the untraced IOPS (paired by round: median $pmed %, rounds $paired)"
		summary+=",\"${mode}_cost_pct\":$cost,\"${mode}_paired_cost_pct\":$pmed"
		summary+=",\"${mode}_paired_costs\":[$(tr ' ' ',' <<<"$paired")]"
	done
fi
for mode in dioscope baseline classic full; do
	[[ " ${modes[*]} " == *" $mode "* ]] || continue
	stats=$(dio_stats "$mode")
	ev_rate=$(awk '$2 > 0 {printf "%.0f ", $1 / $2}' <<<"$stats" | median)
	read -r ev_total drops_total drops_max < <(awk '
		{ ev += $1; d += $3; if ($3 > m) m = $3 } END { printf "%d %d %d\n", ev, d, m }' <<<"$stats")
	# ring-buffer records (a record may carry two or three events since record ABI 3 and 4); the JSON keys keep
	# their old names so that earlier summaries compare
	echo "  $mode: median $ev_rate records/s; $drops_total events dropped over all runs (worst run $drops_max)"
	summary+=",\"${mode}_events_per_s\":$ev_rate,\"${mode}_events\":$ev_total"
	summary+=",\"${mode}_drops\":$drops_total,\"${mode}_drops_worst_run\":$drops_max"
done

# ns per program run, from the kernel's BPF statistics, in a separate run
# (the statistics cost a clock read per run and would skew the rounds above).
# Other tracing on the machine runs these programs too (filtered out early):
# run counts above fio's I/Os are theirs.
bpf_stats_run() {
	local label=$1 before secs ios
	shift
	local base=$out/stats.$label
	before=$(bpftool prog show -j | jq -c '[.[].id]')
	"$@" live --dev "$MNT" >"$base.out" 2>"$base.err" &
	tracer_pid=$!
	wait_for "$base.err" "^dioscope: tracing" "$tracer_pid" || die "$label live did not start"
	run_fio "$base.fio.json"
	bpftool prog show -j | jq --argjson before "$before" -c \
		'[.[] | select(.id as $i | $before | index($i) | not) | select(.run_cnt != null and .run_cnt > 0)
		  | {name, run_cnt, run_time_ns, ns_per_run: (.run_time_ns / .run_cnt | floor)}]
		  | sort_by(-.run_time_ns)' >"$base.bpf_stats.json"
	stop_tracer || true
	secs=$(jq '.jobs[0].job_runtime / 1000' "$base.fio.json")
	ios=$(jq '.jobs[0].write.total_ios' "$base.fio.json")
	echo
	echo "$label: BPF programs under fio ($(jq -r '.jobs[0].write.iops | floor' "$base.fio.json") IOPS with bpf_stats on, $ios I/Os):"
	jq -r --argjson s "$secs" '.[] | "  \(.name | .[0:22] | . + " " * (22 - length)) \(.run_cnt) runs  \(.ns_per_run) ns/run  \(.run_time_ns / 1e5 / $s | floor / 100) % of a CPU"' \
		"$base.bpf_stats.json"
	jq -r --argjson s "$secs" --argjson ios "$ios" '"  total: \(map(.run_time_ns) | add / 1e5 / $s | floor / 100) % of a CPU; \(map(.run_time_ns) | add / $ios | floor) ns and \(map(.run_cnt) | add / $ios * 10 | floor / 10) program runs per fio I/O"' \
		"$base.bpf_stats.json"
	summary+=",\"${label}_bpf_ns_per_io\":$(jq --argjson ios "$ios" 'map(.run_time_ns) | add / $ios | floor' "$base.bpf_stats.json")"
	summary+=",\"${label}_bpf_stats\":$(cat "$base.bpf_stats.json")"
}
if [[ -n ${BPF_STATS:-} ]]; then
	stats_old=$(sysctl -n kernel.bpf_stats_enabled)
	sysctl -q kernel.bpf_stats_enabled=1
	[[ -n $baseline ]] && bpf_stats_run baseline "$baseline"
	bpf_stats_run dioscope "$bin"
	sysctl -q kernel.bpf_stats_enabled="$stats_old"
	stats_old=
fi

summary+="}"
echo "$summary" >"$out/summary.json"
echo
echo "BENCH_LIVE $summary"
