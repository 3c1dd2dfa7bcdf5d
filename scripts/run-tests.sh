#!/usr/bin/env bash
# Runs every test: the embedded BPF object is fresh, then unit and live tests.
# Live tests need root and a traceable kernel; with CI set they fail (not skip)
# when tracing is impossible.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== BPF object freshness"
scripts/build-bpf.sh --check

if [[ $(id -u) -eq 0 ]] && ! mountpoint -q /sys/kernel/tracing; then
	mount -t tracefs nodev /sys/kernel/tracing || true
fi

echo "== swift test"
swift test 2>&1 | tee .build/test-output.txt
status=${PIPESTATUS[0]}

# Every input parser under libFuzzer for a short, bounded time (make fuzz runs longer).
echo "== fuzz (${CI_FUZZ_TIME:-30} s per target)"
if ! FUZZ_TIME=${CI_FUZZ_TIME:-30} scripts/fuzz.sh run; then
	echo "the fuzz step failed: a fuzz target did not build or a fuzzer found a crash (see above)" >&2
	((status != 0)) || status=1
fi

echo "== leftovers"
leftover=0
if losetup -a 2>/dev/null | grep -q dioscope; then
	echo "loop devices left behind:"; losetup -a | grep dioscope; leftover=1
fi
if mount | grep -q dioscope; then
	echo "mounts left behind:"; mount | grep dioscope; leftover=1
fi
# dioscope's programs are named <tracepoint>_btf, <tracepoint>_raw, sys_enter_<call>, sys_exit_<call>
ours='name (iomap_|block_|xfs_|ext4_|io_uring_|sched_)[a-z0-9_]*_(btf|raw) |name sys_(enter|exit)_'
if command -v bpftool >/dev/null && bpftool prog list 2>/dev/null | grep -Eq "$ours"; then
	echo "BPF programs left loaded:"; bpftool prog list | grep -E "$ours"; leftover=1
fi
if ((status == 0 && leftover)); then
	echo "tests passed but left resources behind" >&2
	exit 1
fi
exit "$status"
