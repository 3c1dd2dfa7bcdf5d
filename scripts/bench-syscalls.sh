#!/usr/bin/env bash
# `make bench-syscalls`: what dioscope's system call programs cost a process it does not trace.
#
#   scripts/bench-syscalls.sh [ROUNDS]     (default 5)
#
# The raw_syscalls programs run for every system call on the machine and test the call number
# first; read(2) and write(2), which every program makes, also look their file up (they are
# reported on O_DIRECT files only). Measured: the elapsed time of `dd bs=1` copying 2 M bytes
# from /dev/zero to /dev/null (4 M read and write calls, no O_DIRECT, nothing on the traced
# device), interleaved rounds of
#   untraced                 no dioscope
#   live                     dioscope live --dev MNT (read/write probes off: the default)
#   live+rw                  the same with --enable-probe read --enable-probe write
#   run                      dioscope run --dev MNT -- sleep (a traced command: read/write on,
#                            the dd is outside its process filter)
#   run-rw                   the same with --disable-probe read --disable-probe write
# and prints the median seconds of each and the cost per call against untraced. Needs root and
# a release build (swift build -c release); makes and removes its own loop XFS.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
bin=$PWD/.build/release/dioscope
[[ -x $bin ]] || { echo "bench-syscalls: build first (swift build -c release)" >&2; exit 2; }
[[ $(id -u) -eq 0 ]] || { echo "bench-syscalls: needs root" >&2; exit 4; }

mnt=
cleanup() { [[ -n $mnt ]] && scripts/loopfs.sh down "$mnt"; mnt=; }
trap cleanup EXIT
eval "$(scripts/loopfs.sh up xfs)"
mnt=$MNT

calls=4000000
copy() { /usr/bin/time -f %e dd if=/dev/zero of=/dev/null bs=1 count=$((calls / 2)) status=none 2>&1 | tail -1; }
# under MODE's tracer: the tracer starts, attaches (2 s), the copy runs, the tracer stops
under() {
	local pid t
	case $1 in
	live) "$bin" live --dev "$mnt" >/dev/null 2>&1 & pid=$! ;;
	live+rw) "$bin" live --dev "$mnt" --enable-probe read --enable-probe write >/dev/null 2>&1 & pid=$! ;;
	run) "$bin" run --dev "$mnt" -- sleep 3600 >/dev/null 2>&1 & pid=$! ;;
	run-rw) "$bin" run --dev "$mnt" --disable-probe read --disable-probe write -- sleep 3600 >/dev/null 2>&1 & pid=$! ;;
	esac
	sleep 2
	t=$(copy)
	kill -INT "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	echo "$t"
}

modes=(untraced live live+rw run run-rw)
declare -A times
for ((r = 1; r <= rounds; r++)); do
	for m in "${modes[@]}"; do
		if [[ $m == untraced ]]; then t=$(copy); else t=$(under "$m"); fi
		times[$m]+="$t "
		echo "round $r $m ${t}s" >&2
	done
done
median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
base=$(echo "${times[untraced]}" | median)
printf '%-10s %8s %14s   (%d read+write calls, median of %d)\n' mode seconds "ns per call" "$calls" "$rounds"
for m in "${modes[@]}"; do
	s=$(echo "${times[$m]}" | median)
	awk -v m="$m" -v s="$s" -v b="$base" -v n="$calls" 'BEGIN { printf "%-10s %8.2f %14.0f\n", m, s, (s - b) * 1e9 / n }'
done
