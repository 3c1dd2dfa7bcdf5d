#!/usr/bin/env bash
# Runs every workload, both engines, many iterations, on fresh loop-mounted
# XFS and ext4 filesystems (scripts/loopfs.sh), and prints each one-line
# summary with its exit status. Needs root and the built workloads.
#
#   workloads/run-all.sh [-n SCALE] [xfs|ext4 ...]
#
# SCALE (default 1) multiplies the iteration counts. Exit: 0 if every run
# verified its data, 1 if any reported a mismatch, 2 on a setup error.
set -uo pipefail
cd "$(dirname "$0")/.."
W=$PWD/.build/workloads
scale=1
if [[ ${1:-} == -n ]]; then scale=$2; shift 2; fi
fss=("$@")
((${#fss[@]})) || fss=(xfs ext4)
status=0

run() {
	local out rc
	out=$("$@" 2>&1)
	rc=$?
	printf '  [exit %d] %s\n' "$rc" "$(tail -n 1 <<<"$out")"
	if ((rc != 0)); then
		grep -v "result=" <<<"$out" | head -n 3 | sed 's/^/           /'
		((rc > status)) && status=$rc
	fi
	# each run starts with a mostly empty filesystem
	find "$MNT" -maxdepth 1 -type f -delete
}

for fs in "${fss[@]}"; do
	setup=$(scripts/loopfs.sh up "$fs") || exit 2
	eval "$setup"
	echo "== $fs on $DEV ($(uname -r))"
	for e in libaio uring; do
		run "$W/aio_hole_read" --engine $e -n $((2000 * scale)) "$MNT/hole-$e"
		run "$W/unaligned_overlap" --engine $e -n $((2000 * scale)) "$MNT/unaligned-$e"
		run "$W/unaligned_overlap" --engine $e -n $((500 * scale)) --writers 4 --io-size 1k "$MNT/unaligned4-$e"
		for m in falloc keep-size truncate; do
			run "$W/extend_vs_fallocate" --engine $e --mode $m -n $((300 * scale)) "$MNT/extend-$m-$e"
			run "$W/extend_vs_fallocate" --engine $e --mode $m --delay-us 10 -n $((300 * scale)) "$MNT/extend-d-$m-$e"
		done
		run "$W/write_fsync" --engine $e -n $((300 * scale)) "$MNT/sync-$e"
		run "$W/write_fsync" --engine $e --order sync-first -n $((300 * scale)) "$MNT/syncfirst-$e"
	done
	run "$W/short_write" --mode rlimit --engine pwrite -n $((5 * scale)) "$MNT/short"
	run "$W/short_write" --mode rlimit --engine libaio -n $((5 * scale)) "$MNT/short"
	run "$W/short_write" --mode rlimit --engine uring -n $((5 * scale)) "$MNT/short"
	run "$W/short_write" --mode enospc --engine libaio --leave 16m --over 4m -n $((3 * scale)) "$MNT/enospc"
	run "$W/short_write" --mode enospc --engine uring --leave 16m --over 4m -n $((3 * scale)) "$MNT/enospc"
	scripts/loopfs.sh down "$MNT"
done
exit $status
