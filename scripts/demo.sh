#!/usr/bin/env bash
# The main job on a bundled example: make a real XFS on a loop device in a temp
# dir, record an AIO+DIO write into a hole followed by a read (the shape of the
# seed-000 race) with `dioscope record`, then show what was captured and what
# the analyzer concludes. Needs root (BPF, loop devices, mount).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
bin=$(swift build -c "${CONFIG:-release}" --show-bin-path)/dioscope
work=.build/workloads/aio_hole_read
out=${DEMO_OUT:-$root/out}
mkdir -p "$out"

if [[ $(id -u) -ne 0 ]]; then
	echo "demo: needs root (BPF programs, loop devices, mount); run it with sudo" >&2
	exit 4
fi

tmp=$(mktemp -d /tmp/dioscope-demo.XXXXXX)
mnt=$tmp/mnt
loop=
cleanup() {
	mountpoint -q "$mnt" 2>/dev/null && umount "$mnt"
	[[ -n $loop ]] && losetup -d "$loop" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

truncate -s 512M "$tmp/xfs.img"
loop=$(losetup -f --show "$tmp/xfs.img")
mkfs.xfs -q -f "$loop"
mkdir -p "$mnt"
mount "$loop" "$mnt"

echo "== dioscope probes"
"$bin" probes

echo
echo "== recording: aio_hole_read on XFS ($loop mounted at $mnt), 8 iterations"
"$bin" record -o "$out/demo.dscope" --dev "$mnt" -- "$work" "$mnt/file" 8

echo
echo "== dioscope dump (first 40 events)"
"$bin" dump "$out/demo.dscope" --limit 40

echo
echo "== dioscope analyze --timelines"
set +e
"$bin" analyze "$out/demo.dscope" --timelines
status=$?
set -e
"$bin" export "$out/demo.dscope" --json "$out/demo.json" --perfetto "$out/demo.perfetto.json"
echo
echo "trace: $out/demo.dscope; timelines: $out/demo.json; Perfetto: $out/demo.perfetto.json"
echo "analyze exit status: $status (0 clean, 1 findings, 2 inconclusive, 3 bad input)"
exit "$status"
