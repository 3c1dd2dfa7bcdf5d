#!/usr/bin/env bash
# Records the ftrace-text fixtures in this directory (root; kernel with iomap/xfs/ext4 tracepoints).
# usage: capture.sh INSTANCE_DIR OUTDIR XFS_MNT EXT4_MNT AIO_HOLE_READ
# Uses its own tracefs instance; the caller mounts the filesystems and removes them afterwards.
# Host noise (the loop files' backing fs, dev 254:0) was filtered out of the committed fixtures
# with: grep -v 'dev 254\| 254,0 '.
# xfs-aio-hole.pipe: same events, `cat $inst/trace_pipe` while aio_hole_read ran.
# xfs-aio-hole.trace-cmd: trace-cmd 3.1.6 (Debian 12); `trace-cmd record` cannot run here
# (function tracer writes fail with EPERM), so the instance's buffer was extracted instead:
#   trace-cmd extract -B <instance> -o tc.dat; trace-cmd report -i tc.dat
# (the whole iomap group was enabled, hence the skipped iomap_iter lines).
set -euo pipefail
inst=$1 out=$2 mx=$3 me=$4 aio=$5
mkdir -p "$inst"
trap 'echo 0 > "$inst/tracing_on"; rmdir "$inst"' EXIT
echo 0 > "$inst/tracing_on"
echo 8192 > "$inst/buffer_size_kb"
events="iomap/iomap_dio_rw_begin iomap/iomap_dio_rw_queued iomap/iomap_dio_complete iomap/iomap_iter_dstmap
 block/block_bio_queue block/block_rq_issue block/block_rq_complete block/block_io_start block/block_io_done
 xfs/xfs_file_direct_write xfs/xfs_end_io_direct_write xfs/xfs_unwritten_convert xfs/xfs_setfilesize
 ext4/ext4_ext_map_blocks_enter ext4/ext4_ext_handle_unwritten_extents io_uring/io_uring_complete
 xfs/xfs_alloc_file_space xfs/xfs_setattr ext4/ext4_fallocate_enter ext4/ext4_fallocate_exit ext4/ext4_truncate_enter"
for e in $events; do echo 1 > "$inst/events/$e/enable"; done
for s in pread64 pwrite64 preadv2 pwritev2 io_submit io_getevents io_pgetevents io_uring_enter fallocate ftruncate fsync fdatasync; do
	for d in enter exit; do
		f="$inst/events/syscalls/sys_${d}_$s"
		echo 'comm == "aio_hole_read" || comm ~ "fio*" || comm == "xfs_io"' > "$f/filter"
		echo 1 > "$f/enable"
	done
done
run() {
	echo > "$inst/trace"
	echo 1 > "$inst/tracing_on"
	"$@" || true
	sync
	sleep 0.2
	echo 0 > "$inst/tracing_on"
}
run "$aio" "$mx/hole" 2 4096
cp "$inst/trace" "$out/xfs-aio-hole.trace"
run "$aio" "$me/hole" 2 4096
cp "$inst/trace" "$out/ext4-aio-hole.trace"
echo 1 > "$inst/options/record-tgid"
run fio --name=u --filename="$mx/uring" --ioengine=io_uring --direct=1 --rw=write --bs=4k --size=16k --iodepth=2 --fallocate=none
cp "$inst/trace" "$out/xfs-uring-tgid.trace"
echo 0 > "$inst/options/record-tgid"
run xfs_io -f -d -c "pwrite 0 8k" -c "falloc 8k 8k" -c "truncate 4k" -c fsync -c fdatasync "$mx/misc"
cp "$inst/trace" "$out/xfs-misc.trace"
run xfs_io -f -d -c "pwrite 0 8k" -c "falloc 8k 8k" -c "truncate 4k" -c fsync "$me/misc"
cp "$inst/trace" "$out/ext4-misc.trace"
