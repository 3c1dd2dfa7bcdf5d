# shellcheck shell=bash
# The workload every benchmark script measures (sourced by bench-live.sh,
# bench.sh and soak.sh), defined once so their figures stay comparable:
# a 256 MiB file on the loop XFS, laid out first so the timed part is
# overwrites, then fio randwrite bs=4k direct=1 libaio iodepth=16, time based.
#
# The loop device's image lives on tmpfs (/dev/shm) unless LOOPFS_DIR says otherwise: over a
# file on the host's disk, its writes went through the host's page cache and writeback, and
# untraced fio varied by +-20 % from run to run (117-175 k IOPS in five runs; on tmpfs 211-234 k
# at the same moment), more than the tracers' costs being measured.
if [[ -z ${LOOPFS_DIR:-} && $(stat -f -c %T /dev/shm 2>/dev/null) == tmpfs ]]; then
	export LOOPFS_DIR=/dev/shm
fi

# bench_layout FILE: write FILE once, sequentially.
bench_layout() {
	fio --name=layout --filename="$1" --size=256m --rw=write --bs=1m --direct=1 \
		--ioengine=psync >/dev/null
}

# bench_randwrite_cmd FILE SECONDS: the timed fio run on FILE as the array BENCH_CMD (iodepth
# BENCH_IODEPTH, 16 unless set)
# (for a tracer to start: dioscope record -- "${BENCH_CMD[@]}").
bench_randwrite_cmd() {
	BENCH_CMD=(fio --name=bench --filename="$1" --size=256m --rw=randwrite --bs=4k --direct=1
		--ioengine=libaio --iodepth="${BENCH_IODEPTH:-16}" --time_based --runtime="$2")
}

# bench_randwrite FILE SECONDS [FIO-ARGS...]: run it.
bench_randwrite() {
	bench_randwrite_cmd "$1" "$2"
	shift 2
	"${BENCH_CMD[@]}" "$@"
}
