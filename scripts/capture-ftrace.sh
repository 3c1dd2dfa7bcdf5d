#!/usr/bin/env bash
# Records an ftrace text trace of one command's direct/async I/O on one block
# device, with private tracefs instances (others may trace at the same time).
#
#   scripts/capture-ftrace.sh -o OUT (--dev /dev/loopN | --mnt MNT) [-b KB] -- COMMAND [ARG...]
#
#   -o OUT        where to write the merged trace text
#   --dev DEV     the traced filesystem's block device, or
#   --mnt MNT     its mount point (its device is looked up)
#   -b KB         per-CPU buffer size of the instance (default 16384)
#   --comm NAME   task name(s) whose syscalls to record (repeatable; glob
#                 allowed); default: the basename of COMMAND, cut to 15 chars
#
# One private instance, dioscope-capture-$$, records:
#   iomap, xfs, ext4 and block events, each filtered by `dev == DEV` (block:
#   the loop device itself, so the backing file's writeback on the host fs
#   is excluded); they are NOT pid-filtered: conversion and completion run
#   in kworkers and irqs.
#   syscall enter/exit (read and write too: `dd oflag=direct` does its I/O
#   with them; ftrace cannot tell an O_DIRECT file's, so the command's other
#   reads and writes are recorded as calls without I/O) and
#   io_uring:io_uring_submit_req/_complete, filtered
#   by `comm ~ NAME` (the io_uring events also accept iou-* workers), less the
#   tasks that had such a name before COMMAND started (`common_pid != T`
#   each). COMMAND is started stopped, so the filter is in place before it
#   runs. Not `common_pid >= PID` of COMMAND: pids wrap at pid_max, and its
#   later threads were dropped (with more than 150 such tasks it is that
#   filter again, with a warning).
# Lines carry their task's tgid (record-tgid) and `mono` clock times (in step on all CPUs).
# set_event_pid is NOT used: it filters every event of an instance, which
# would drop the kworker events, and merging two instances' text is not
# exact (the text shows microseconds; the kernel orders by nanoseconds).
# The instance's `trace` file is saved as OUT. If events were lost (buffer
# overrun), a warning is printed and the exit status is 3.
#
# Exit: COMMAND's exit status if it ran and nothing was lost; 3 events lost;
#       4 tracing unavailable; 64 usage.
set -euo pipefail

usage() {
	sed -n '2,37s/^# \{0,1\}//p' "$0" >&2
	exit 64
}

# die MESSAGE [STATUS]  (default status 4: tracing unavailable)
die() {
	echo "capture-ftrace: $1" >&2
	exit "${2:-4}"
}

out= dev= mnt= kb=16384
comms=()
while (($#)); do
	case $1 in
	-o) out=${2:?}; shift 2 ;;
	--dev) dev=${2:?}; shift 2 ;;
	--mnt) mnt=${2:?}; shift 2 ;;
	-b) kb=${2:?}; shift 2 ;;
	--comm) comms+=("${2:?}"); shift 2 ;;
	-h | --help) sed -n '2,37s/^# \{0,1\}//p' "$0"; exit 0 ;;
	--) shift; break ;;
	*) usage ;;
	esac
done
(($#)) && [[ -n $out ]] || usage
[[ -n $dev || -n $mnt ]] || usage
[[ $kb =~ ^[0-9]+$ ]] || usage

[[ $(id -u) -eq 0 ]] || die "needs root (tracefs)"
tfs=/sys/kernel/tracing
if [[ ! -d $tfs/instances ]]; then
	mount -t tracefs nodev "$tfs" 2>/dev/null || die "tracefs not available at $tfs"
fi

if [[ -n $mnt ]]; then
	majmin=$(mountpoint -d -- "$mnt") || die "$mnt is not a mount point" 64
else
	[[ -b $dev ]] || die "$dev is not a block device" 64
	majmin=$(printf '%d:%d' "0x$(stat -L -c %t "$dev")" "0x$(stat -L -c %T "$dev")")
fi
major=${majmin%%:*} minor=${majmin##*:}
devt=$(((major << 20) | minor))

inst=$tfs/instances/dioscope-capture-$$
tmp=$(mktemp /tmp/dioscope-capture.XXXXXX)
child=

cleanup() {
	[[ -n $child ]] && kill -KILL "$child" 2>/dev/null
	if [[ -d $inst ]]; then
		echo 0 >"$inst/tracing_on" 2>/dev/null || true
		echo 0 >"$inst/events/enable" 2>/dev/null || true
		rmdir "$inst" 2>/dev/null || echo "capture-ftrace: could not remove $inst" >&2
	fi
	rm -f -- "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

dev_events=(
	iomap:iomap_dio_rw_begin iomap:iomap_dio_rw_queued iomap:iomap_dio_complete iomap:iomap_iter_dstmap
	block:block_bio_queue block:block_rq_issue block:block_rq_complete
	xfs:xfs_file_direct_write xfs:xfs_end_io_direct_write xfs:xfs_unwritten_convert xfs:xfs_setfilesize
	xfs:xfs_alloc_file_space xfs:xfs_setattr xfs:xfs_zero_eof
	ext4:ext4_ext_map_blocks_enter ext4:ext4_ext_handle_unwritten_extents ext4:ext4_fallocate_enter
	ext4:ext4_fallocate_exit ext4:ext4_truncate_enter
)
task_events=()
for sc in read write pread64 pwrite64 preadv2 pwritev2 io_submit io_getevents io_pgetevents io_uring_enter \
	fallocate ftruncate fsync fdatasync; do
	task_events+=("syscalls:sys_enter_$sc" "syscalls:sys_exit_$sc")
done
# the command's tasks exiting: the analysis forgets them, and settles the completions a process
# posted and never reaped
task_events+=(sched:sched_process_exit)

if ((${#comms[@]} == 0)); then
	base=$(basename -- "$1")
	comms=("${base:0:15}")
fi
for c in "${comms[@]}"; do
	[[ $c =~ ^[][A-Za-z0-9_.:/*?@+-]+$ ]] || die "--comm '$c': unsupported characters" 64
done

mkdir "$inst" || die "cannot create tracefs instance $inst"
missing=()
enabled=0
# enable_event GROUP:EVENT [FILTER]
enable_event() {
	local d=$inst/events/${1%%:*}/${1#*:}
	if [[ ! -d $d ]]; then
		missing+=("$1")
		return
	fi
	if [[ -n ${2:-} ]]; then
		echo "$2" >"$d/filter" || die "filter '$2' rejected by $1"
	fi
	echo 1 >"$d/enable" || die "cannot enable $1"
	enabled=$((enabled + 1))
}

echo 0 >"$inst/tracing_on"
echo "$kb" >"$inst/buffer_size_kb"
echo nop >"$inst/current_tracer"
# a "(tgid)" column after each task: the analysis groups threads by process (a libaio completion
# reaped by another thread of the process, the process's exit)
echo 1 >"$inst/options/record-tgid" || die "cannot set record-tgid"
# The default clock, `local`, is per CPU and not kept in step across CPUs: the merged text orders
# a thread's events by it, so a system call that migrates between its enter and its exit could
# print its exit first (an analyzer then sees a return without its call). `mono` is the
# monotonic clock, consistent across CPUs (and the one dioscope's own recordings use).
if grep -qw mono "$inst/trace_clock" 2>/dev/null; then
	echo mono >"$inst/trace_clock" || die "cannot set the instance's trace_clock"
fi
for e in "${dev_events[@]}"; do enable_event "$e" "dev == $devt"; done

# Start COMMAND stopped so that its pid is known before it does anything.
(
	kill -STOP "$BASHPID"
	exec "$@"
) &
child=$!
cmdpid=$child
state=X
for _ in $(seq 1 500); do
	state=$(awk '{print $3}' "/proc/$child/stat" 2>/dev/null || echo X)
	[[ $state == T || $state == X ]] && break
	sleep 0.01
done
[[ $state == T ]] || die "could not start the command stopped"

names=
for c in "${comms[@]}"; do names+="${names:+ || }comm ~ \"$c\""; done
# the tasks named like the command (or iou-*) that exist now, the command's own stopped one aside
older=()
while read -r tid comm; do
	((tid == cmdpid)) && continue
	for c in "${comms[@]}" "iou-*"; do
		# shellcheck disable=SC2053  # a glob, as ftrace's `~`
		if [[ $comm == $c ]]; then older+=("$tid"); break; fi
	done
done < <(ps -eLo tid=,comm=)
if ((${#older[@]} <= 150)); then
	notolder=
	for t in "${older[@]}"; do notolder+=" && common_pid != $t"; done
else
	echo "capture-ftrace: ${#older[@]} tasks already have the command's name; filtering by pid >= $cmdpid" \
		"(threads whose pid wraps past pid_max are not recorded)" >&2
	notolder=" && common_pid >= $cmdpid"
fi
for e in "${task_events[@]}"; do enable_event "$e" "($names)$notolder"; done
# (submit_req: the importer gives the direct I/O that follows it in its task its user_data, which
# the completion also prints: a completion then goes to its own I/O, not to one of another ring)
for e in io_uring:io_uring_submit_req io_uring:io_uring_complete; do
	enable_event "$e" "($names || comm ~ \"iou-*\")$notolder"
done
if ((${#missing[@]})); then
	echo "capture-ftrace: events not available on this kernel (not recorded): ${missing[*]}" >&2
fi
((enabled)) || die "no events could be enabled"

echo 1 >"$inst/tracing_on"
kill -CONT "$child"
set +e
wait "$child"
rc=$?
set -e
child=
echo 0 >"$inst/tracing_on"
cat "$inst/trace" >"$tmp"
chmod 644 "$tmp"
mv -f -- "$tmp" "$out"

read -r inbuf written < <(sed -n 's/^# entries-in-buffer\/entries-written: \([0-9]*\)\/\([0-9]*\).*/\1 \2/p' "$out")
lines=$(grep -vc '^#' "$out" || true)
echo "capture-ftrace: $lines events (dev $majmin, comm ${comms[*]}, command pid $cmdpid) -> $out; command exit $rc" >&2
if ((written > inbuf)) || grep -q 'LOST [0-9]* EVENTS' "$out"; then
	echo "capture-ftrace: WARNING: $((written - inbuf)) events were lost (buffer overrun); raise -b" >&2
	exit 3
fi
exit "$rc"
