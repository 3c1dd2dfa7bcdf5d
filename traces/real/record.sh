#!/usr/bin/env bash
# Re-records the real ftrace traces in this directory on this machine: for
# XFS and ext4, each on a fresh loop filesystem (scripts/loopfs.sh), one small
# trace per workload shape, via scripts/capture-ftrace.sh. Needs root and the
# workloads built (scripts/build-workloads.sh).
#
#   traces/real/record.sh [xfs|ext4 ...] [-- SHAPE ...]
#
# Writes <fs>-<shape>.ftrace.txt and <fs>-<shape>.log (the workload's output
# and exit status), then runs write-expected.py for the .expected.json
# sidecars (its notes were written after reading the traces; it checks that
# each trace still shows what its note claims).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
out=$root/traces/real
W=$root/.build/workloads
fss=() shapes=()
while (($#)); do
	case $1 in
	--) shift; shapes=("$@"); break ;;
	*) fss+=("$1"); shift ;;
	esac
done
((${#fss[@]})) || fss=(xfs ext4)
((${#shapes[@]})) || shapes=(aio-hole-read uring-hole-read unaligned-overlap uring-unaligned-overlap
	extend-vs-fallocate extend-vs-keep-size extend-vs-truncate write-fsync
	short-write-rlimit short-write-rlimit-aio short-write-enospc fio-two-threads aio-read-eof
	fio-uring-two-threads)

for f in aio_hole_read unaligned_overlap extend_vs_fallocate write_fsync short_write aio_read_eof; do
	[[ -x $W/$f ]] || { echo "record: $W/$f missing; run scripts/build-workloads.sh" >&2; exit 2; }
done
command -v fio >/dev/null || { echo "record: fio missing (apt-get install fio)" >&2; exit 2; }

# cmd_for SHAPE MNT: the workload command line of one shape
cmd_for() {
	case $1 in
	aio-hole-read) echo "$W/aio_hole_read --engine libaio -n 3 $2/hole" ;;
	uring-hole-read) echo "$W/aio_hole_read --engine uring -n 3 $2/hole" ;;
	unaligned-overlap) echo "$W/unaligned_overlap --engine libaio -n 2 $2/unaligned" ;;
	uring-unaligned-overlap) echo "$W/unaligned_overlap --engine uring -n 2 $2/unaligned" ;;
	extend-vs-fallocate) echo "$W/extend_vs_fallocate --engine libaio --mode falloc --io-size 64k --delay-us 10 -n 3 $2/extend" ;;
	extend-vs-keep-size) echo "$W/extend_vs_fallocate --engine libaio --mode keep-size --io-size 64k --delay-us 10 -n 3 $2/extend" ;;
	extend-vs-truncate) echo "$W/extend_vs_fallocate --engine libaio --mode truncate --io-size 64k --delay-us 10 -n 3 $2/extend" ;;
	write-fsync) echo "$W/write_fsync --engine libaio --sync alternate -n 2 $2/sync" ;;
	short-write-rlimit) echo "$W/short_write --mode rlimit --engine pwrite -n 1 $2/short" ;;
	short-write-rlimit-aio) echo "$W/short_write --mode rlimit --engine libaio -n 1 $2/short" ;;
	short-write-enospc) echo "$W/short_write --mode enospc --engine libaio --leave 16m --over 4m -n 1 $2/enospc" ;;
	# two threads of one process, each with its own aio context and file, each reaping its own
	fio-two-threads) echo "fio --name=t --thread --numjobs=2 --directory=$2 --size=512k --bs=4k --rw=randwrite --direct=1 --ioengine=libaio --iodepth=8 --io_size=256k --group_reporting" ;;
	# the same with io_uring: a ring per thread; io_uring_submit_req gives each inline begin its user_data
	fio-uring-two-threads) echo "fio --name=t --thread --numjobs=2 --directory=$2 --size=512k --bs=4k --rw=randwrite --direct=1 --ioengine=io_uring --iodepth=8 --io_size=256k --group_reporting" ;;
	# libaio reads of the last block and at or past the end, in one io_submit each
	aio-read-eof) echo "$W/aio_read_eof -n 3 $2/eof" ;;
	*) echo "record: unknown shape $1" >&2; return 2 ;;
	esac
}

# overlaps TRACE: how many fallocate/ftruncate calls entered while an AIO
# write was in flight (between its iomap_dio_rw_begin and iomap_dio_complete)
overlaps() {
	awk '/iomap_dio_rw_begin.*aio 1/ { n++ }
		/iomap_dio_complete.*aio 1/ { if (n > 0) n-- }
		/sys_(fallocate|ftruncate)\(/ { if (n > 0) o++ }
		END { print o + 0 }' "$1"
}

mnt=
cleanup() { [[ -n $mnt ]] && scripts/loopfs.sh down "$mnt"; mnt=; }
trap cleanup EXIT

for fs in "${fss[@]}"; do
	for shape in "${shapes[@]}"; do
		cmd=$(cmd_for "$shape" MNT)
		eval "$(scripts/loopfs.sh up "$fs")"
		mnt=$MNT
		name=$fs-$shape
		# extend-vs-*: retry (fresh fs each time) until the racer really ran
		# while the write was in flight; on XFS extend-vs-truncate until the
		# workload itself reports the data loss, so that the trace shows it
		tries=1 want=exit0
		[[ $shape == extend-vs-* ]] && tries=30 want=overlap
		[[ $shape == extend-vs-truncate && $fs == xfs ]] && want=exit1
		for ((t = 1; t <= tries; t++)); do
			set +e
			scripts/capture-ftrace.sh -o "$out/$name.ftrace.txt" --mnt "$mnt" -- \
				${cmd//MNT/$mnt} >"$out/$name.log" 2>&1
			rc=$?
			set -e
			case $want in
			exit0) break ;;
			exit1) ((rc == 1)) && break ;;
			overlap) ((rc == 0 && $(overlaps "$out/$name.ftrace.txt") > 0)) && break ;;
			esac
			if ((t < tries)); then
				cleanup
				eval "$(scripts/loopfs.sh up "$fs")"
				mnt=$MNT
			fi
		done
		{
			echo "# command: ${cmd//$W\//.build/workloads/}"
			echo "# fs: $fs on $DEV ($MAJMIN), kernel $(uname -r), attempts $((t > tries ? tries : t))"
			echo "# exit: $rc"
		} >>"$out/$name.log"
		printf '%-36s exit %d  %5d lines  %d racer call(s) during an AIO\n' "$name" "$rc" \
			"$(grep -vc '^#' "$out/$name.ftrace.txt")" "$(overlaps "$out/$name.ftrace.txt")"
		cleanup
	done
done
python3 "$out/write-expected.py"
