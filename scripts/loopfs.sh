#!/usr/bin/env bash
# A throw-away XFS or ext4 on a loop device, for the workloads and live tests.
#
#   scripts/loopfs.sh up xfs|ext4 [SIZE]   (SIZE as for truncate(1), default 512M)
#       creates a temp dir holding a sparse image, attaches it to a loop device,
#       makes the filesystem and mounts it; prints, one per line:
#         MNT=/tmp/dioscope-loopfs.XXXXXX/mnt
#         DEV=/dev/loopN
#         IMG=/tmp/dioscope-loopfs.XXXXXX/fs.img
#         MAJMIN=7:N      (major:minor of DEV, as block events print it)
#         FSTYPE=xfs|ext4
#       so that `eval "$(scripts/loopfs.sh up xfs)"` sets those variables.
#       The temp dir is made in $LOOPFS_DIR (default /tmp); the benchmarks put it
#       on tmpfs (/dev/shm) so that the device's writes end in memory, not in
#       the host's page-cache writeback to disk.
#       Anything set up before a failure is torn down again.
#   scripts/loopfs.sh down MNT
#       unmounts MNT, detaches its loop device and removes the temp dir. Works
#       on half-built setups too (not mounted, or device already detached).
# Needs root. Exit: 0 done, 2 usage, 1 failure.
set -euo pipefail

prefix=dioscope-loopfs.

usage() {
	sed -n '2,20s/^# \{0,1\}//p' "$0" >&2
	exit 2
}

help() {
	sed -n '2,20s/^# \{0,1\}//p' "$0"
	exit 0
}

die() {
	echo "loopfs: $*" >&2
	exit 1
}

# Loop devices whose backing file is IMG (losetup -j matches by inode).
loops_of() {
	[[ -e $1 ]] || return 0
	losetup -n -O NAME -j "$1" 2>/dev/null || true
}

teardown() {
	local dir=$1 mnt=$1/mnt img=$1/fs.img dev
	if mountpoint -q "$mnt" 2>/dev/null; then
		umount "$mnt" || umount -l "$mnt" || echo "loopfs: cannot unmount $mnt" >&2
	fi
	for dev in $(loops_of "$img"); do
		losetup -d "$dev" || echo "loopfs: cannot detach $dev" >&2
	done
	if mountpoint -q "$mnt" 2>/dev/null || [[ -n $(loops_of "$img") ]]; then
		die "$dir left in place: still mounted or attached"
	fi
	rm -rf -- "$dir"
}

# the directory being built by up(); global so that the EXIT trap sees it
building=

up() {
	local fs=$1 size=${2:-512M} dir dev
	case $fs in
	xfs | ext4) ;;
	*) usage ;;
	esac
	command -v "mkfs.$fs" >/dev/null || die "mkfs.$fs not found"
	dir=$(mktemp -d "${LOOPFS_DIR:-/tmp}/${prefix}XXXXXX")
	building=$dir
	trap '[[ -n $building ]] && teardown "$building"' EXIT
	truncate -s "$size" "$dir/fs.img"
	dev=$(losetup -f --show "$dir/fs.img")
	case $fs in
	xfs) mkfs.xfs -q -f "$dev" >&2 ;;
	ext4) mkfs.ext4 -q -F "$dev" >&2 ;;
	esac
	mkdir "$dir/mnt"
	mount -t "$fs" "$dev" "$dir/mnt"
	trap - EXIT
	building=
	echo "MNT=$dir/mnt"
	echo "DEV=$dev"
	echo "IMG=$dir/fs.img"
	echo "MAJMIN=$(lsblk -dn -o MAJ:MIN "$dev" | tr -d ' ')"
	echo "FSTYPE=$fs"
}

down() {
	local mnt dir
	mnt=$(realpath -m -- "$1")
	dir=$(dirname -- "$mnt")
	[[ $(basename -- "$mnt") == mnt && $(basename -- "$dir") == "$prefix"* ]] ||
		die "$1 was not made by loopfs.sh up"
	[[ -d $dir ]] || die "$dir does not exist"
	teardown "$dir"
}

case ${1:-} in -h | --help) help ;; esac
[[ $(id -u) -eq 0 ]] || die "needs root (losetup, mkfs, mount)"
case ${1:-} in
up) (($# >= 2 && $# <= 3)) || usage; up "$2" "${3:-}" ;;
down) (($# == 2)) || usage; down "$2" ;;
-h | --help) help ;;
*) usage ;;
esac
