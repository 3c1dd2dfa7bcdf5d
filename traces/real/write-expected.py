#!/usr/bin/env python3
"""Writes <name>.expected.json next to each real trace in this directory.

The notes were written after reading each trace by hand; the values that vary
from one recording to the next (which AIO write the XFS truncate race zeroed,
the short pwrite64's sizes) are taken from the trace itself, and the script
fails if a trace does not show what its note claims.
"""
import glob
import json
import os
import re
import sys

KERNEL = os.uname().release

CLEAN = {
    'aio-hole-read': "AIO+DIO (libaio) 4 KiB writes into holes, each reaped, then read back with pread(O_DIRECT). Each write's unwritten-extent conversion ({conv}) precedes its iomap_dio_complete and the io_getevents return; the reads map MAPPED extents. No race.",
    'uring-hole-read': "As aio-hole-read with io_uring. Each write is first tried inside io_uring_enter with NOWAIT and fails with -EAGAIN ({nowait}); the iou-wrk worker retries it without NOWAIT. That -11 completion is NOT the user's completion: the user's is io_uring_complete (result 4096), after the conversion. No race.",
    'unaligned-overlap': "Two 512-byte AIO+DIO writes (offsets 0 and 512 of a new 4 KiB block) submitted in one io_submit (nr 2). {unal} No race: the block reads back with both halves and zeros.",
    'uring-unaligned-overlap': "As unaligned-overlap with io_uring (one io_uring_enter, to_submit 2). {unalu} No race.",
    'extend-vs-fallocate': "Extending 64 KiB AIO+DIO writes at EOF racing fallocate(mode 0) of the first half of the written range from a second thread (same comm, other pid). {falloc} Sizes and data verified. No race.",
    'extend-vs-keep-size': "As extend-vs-fallocate with FALLOC_FL_KEEP_SIZE. {falloc} No race.",
    'write-fsync': "AIO+DIO 4 KiB write into a hole, reaped, then fsync (iteration 0) / fdatasync (iteration 1), then read back. The conversion precedes the completion, the reap and the sync; the sync issues the log/journal write and cache flushes (block flags FF/FWFSM; a flush completes as sector 18446744073709551615 + 0). No race.",
    'short-write-rlimit-aio': "RLIMIT_FSIZE = 1 MiB, SIGXFSZ ignored; one libaio write of 2 MiB at offset 0. The kernel shortens it before the filesystem sees it ({fsev} already shows 0x100000), and io_submit's iocb (the 2 MiB request) is not in ftrace text. The buffered fallback pwrite64(fd 4, count 0x100000, pos 0x100000) follows. The shortening is NOT detectable from this ftrace text (it needs the iocb, e.g. a BPF capture reading it at io_submit), so no finding is expected from it.",
}

FS = {
    'xfs': dict(
        ino=0x83,
        conv="xfs_unwritten_convert in a kworker",
        nowait="xfs_end_io_direct_write bytecount 0x0, then iomap_dio_complete error -11",
        unal="The first write is refused under DIO_OVERWRITE_ONLY (iomap_dio_complete error -11) and retried with DIO_FORCE_WAIT (data bio 'WS +1' and sub-block zeroing bio 'WS +7'; conversion and completion in the submitting task); the second then runs as a MAPPED overwrite.",
        unalu="In the submitter both writes fail NOWAIT|DIO_OVERWRITE_ONLY with -11; in the iou-wrk worker the first fails DIO_OVERWRITE_ONLY (-11) again and then runs DIO_FORCE_WAIT; the second is then a MAPPED overwrite. The first io_uring_complete is posted by the iou-wrk thread.",
        falloc="sys_fallocate enters while a write is in flight, but xfs_alloc_file_space runs only after that write's iomap_dio_complete (seed 002's fix: inode_dio_wait before the size is sampled).",
        fsev="xfs_file_direct_write bytecount",
        trunc_clean=None),
    'ext4': dict(
        ino=12,
        conv="ext4_ext_map_blocks_enter ...CONVERT... then ext4_ext_handle_unwritten_extents, in a kworker",
        nowait="iomap_dio_complete error -11",
        unal="The first write runs with DIO_FORCE_WAIT (unaligned into an unwritten block: waited, completed in the submitting task), the second after it.",
        unalu="The submitter's NOWAIT attempts fail with -11; the iou-wrk worker runs them, the first with DIO_FORCE_WAIT.",
        falloc="ext4_fallocate_enter/exit bracket the fallocate, which does not overlap the write's completion (ext4 waits for in-flight DIO).",
        fsev="iomap_dio_rw_begin length",
        trunc_clean="Extending 64 KiB AIO+DIO writes at EOF racing ftruncate() to 1.5x the write's end. On ext4 a truncate up sets the size without zeroing written data; sizes and data verified. No race."),
}

# task-pid, then "(tgid)" when the capture recorded tgids (capture-ftrace.sh does since session 17)
TS = re.compile(r'^\s*(\S+)-(\d+)\s+(?:\(\s*[\d-]+\)\s+)?\[\d+\]\s+\S+\s+([0-9.]+): (\w+): (.*)$')


def events(path):
    with open(path) as f:
        for line in f:
            if line.startswith('#'):
                continue
            m = TS.match(line)
            if m:
                yield m.group(4), m.group(5)


def hexfield(body, name):
    m = re.search(r'\b%s (0x[0-9a-f]+|-?\d+)' % name, body)
    return int(m.group(1), 0) if m else None


def truncate_losses(path):
    """AIO writes zeroed by xfs_zero_eof starting below the current size."""
    writes, lost = [], []
    for ev, body in events(path):
        if ev == 'iomap_dio_rw_begin' and 'WRITE' in body and body.endswith('aio 1'):
            writes.append((hexfield(body, 'ino'), hexfield(body, 'offset'), hexfield(body, 'length')))
        elif ev == 'xfs_zero_eof':
            pos, isize, ino = hexfield(body, 'pos'), hexfield(body, 'isize'), hexfield(body, 'ino')
            if pos < isize:
                lost += [w for w in writes if w[0] == ino and w[1] >= pos and w[1] + w[2] <= isize]
    return sorted(set(lost))


def short_pwrite(path):
    """(count, returned) of the O_DIRECT pwrite64 on fd 3."""
    # the exit is its own line, "sys_pwrite64 -> 0x...", right after the enter
    with open(path) as f:
        lines = [l for l in f if 'sys_pwrite64' in l]
    for i, l in enumerate(lines):
        if 'fd: 3,' in l and i + 1 < len(lines) and '->' in lines[i + 1]:
            count = int(re.search(r'count: (0x[0-9a-f]+)', l).group(1), 16)
            ret = int(lines[i + 1].rsplit('-> ', 1)[1], 16)
            return count, ret
    raise SystemExit('%s: no O_DIRECT pwrite64 on fd 3' % path)


def first_per_tid(path, event):
    """{tid: the first field after EVENT} of a trace's lines: the aio context of each thread's
    first io_submit (`sys_io_submit(ctx_id: ...`), the ring of its first io_uring submission
    (`io_uring_submit_req: ring ...`)."""
    line_re = re.compile(r'^\s*\S+-(\d+)\s.*: ' + re.escape(event) + r'(\w+),')
    out = {}
    with open(path) as f:
        for line in f:
            m = line_re.match(line)
            if m:
                out.setdefault(m.group(1), m.group(2))
    return out


def aio_contexts(path):
    """{tid: ctx_id} of the io_submit calls in a trace."""
    return first_per_tid(path, 'sys_io_submit(ctx_id: ')


def uring_rings(path):
    """{tid: ring} of the io_uring_submit_req lines in a trace."""
    return first_per_tid(path, 'io_uring_submit_req: ring ')


def reads_at_end(path):
    """(AIO iomap_dio_rw_begin lines at or past the size they print, AIO iomap_dio_complete lines)."""
    begin = re.compile(r'iomap_dio_rw_begin: .* size (0x[0-9a-f]+) offset (0x[0-9a-f]+) .*aio 1')
    at_end = completes = 0
    with open(path) as f:
        for line in f:
            m = begin.search(line)
            if m and int(m.group(2), 16) >= int(m.group(1), 16):
                at_end += 1
            elif 'iomap_dio_complete:' in line and 'aio 1' in line:
                completes += 1
    return at_end, completes


def expect(fs, shape, path):
    d = FS[fs]
    ino = d['ino']
    if shape == 'extend-vs-truncate':
        lost = truncate_losses(path)
        if fs == 'ext4' or not lost:
            if lost:
                raise SystemExit('%s: unexpected zeroing' % path)
            note = d['trunc_clean'] or "Extending AIO+DIO writes racing ftruncate() up; this recording did not hit the race. No finding."
            return [], note
        findings = [{"kind": "size-extension-race", "severity": "error", "inode": i, "offset": o, "length": n}
                    for i, o, n in lost]
        where = ', '.join('ino 0x%x offset 0x%x length 0x%x' % w for w in lost)
        note = ("Extending 64 KiB AIO+DIO writes at EOF racing ftruncate() to 1.5x the write's end. REAL DATA LOSS "
                "on this kernel (the workload exited 1: the write read back as zeros): %s. Sequence: sys_ftruncate "
                "enters while the AIO write is in flight; xfs_setattr fires before that write's iomap_dio_complete "
                "(which extends the size); then xfs_zero_eof shows pos (the size sampled before inode_dio_wait) below "
                "isize (the size after the completion) and zeroes [pos, new size), over the data the completed write "
                "just put there (iomap_iter_dstmap MAPPED inside the zeroed range). Signature: xfs_zero_eof pos < isize. "
                "Same class as seed 002 (size sampled before the DIO wait), in xfs_setattr_size instead of fallocate." % where)
        return findings, note
    if shape == 'short-write-rlimit':
        count, ret = short_pwrite(path)
        if not 0 < ret < count:
            raise SystemExit('%s: pwrite64 %#x -> %#x is not short' % (path, count, ret))
        return ([{"kind": "short-dio-write", "severity": "warning", "inode": ino, "offset": 0, "length": count}],
                "RLIMIT_FSIZE = 1 MiB, SIGXFSZ ignored; pwrite64(fd 3 O_DIRECT, count %#x, pos 0) -> %#x. The "
                "filesystem only sees the shortened write (%s %#x); the shortening is visible only against the "
                "syscall's count. The rest is written by the buffered fallback pwrite64(fd 4, pos %#x) (no iomap_dio "
                "events; a DELALLOC mapping on XFS); all %d bytes verified by the workload. Finding: the DIO write "
                "ino %d offset 0 length %d completed only %d bytes." % (count, ret, d['fsev'], ret, ret, count, ino, count, ret))
    if shape == 'short-write-enospc':
        if fs == 'xfs':
            return [], ("The filesystem is first filled (fallocate of a filler file) to ~16 MiB free; one libaio write of "
                        "20 MiB at 0 then fails as a whole: iomap_dio_complete error -28 ret -28 with no data bio (XFS "
                        "reserves for the whole range first). The buffered fallback pwrite64 writes part of the data, then "
                        "gets ENOSPC (-> 0xffffffffffffffe4). Not a short DIO write (it failed entirely, res -28), so no "
                        "short-dio-write finding; an analyzer may report the failed DIO as information.")
        return [], ("The filesystem is first filled to ~16 MiB free; one libaio write of 20 MiB at 0 (extending, so ext4 "
                    "uses DIO_FORCE_WAIT and MAPPED NEW extents, completing inside io_submit) allocates and submits data "
                    "bios for several MiB, then allocation fails: iomap_dio_complete error -28 ret -28, and "
                    "ext4_truncate_enter trims the blocks allocated beyond EOF. The whole IO is reported as -28 (partial "
                    "work, failed result). The buffered fallback writes 4 MiB, then ENOSPC. Not a short DIO write (res "
                    "-28), so no short-dio-write finding; an analyzer may report the failed DIO as information.")
    if shape == 'fio-two-threads':
        ctxs = aio_contexts(path)
        if len(ctxs) != 2 or len(set(ctxs.values())) != 2:
            raise SystemExit('%s: expected two threads with an aio context each, got %s' % (path, ctxs))
        return [], ("fio --thread --numjobs=2: two threads of one process (one tgid in the trace's tgid column), each "
                    "with its own aio context (io_submit ctx_id %s), each writing 4 KiB AIO+DIO blocks at random into "
                    "its own new 512 KiB file (inodes %d and %d) at iodepth 8 and reaping its own completions with "
                    "io_getevents. Each write's conversion (%s) precedes its iomap_dio_complete. No race. Two joins an "
                    "analyzer can get wrong here, each of which made a completion user-visible before its conversion "
                    "(a false completion-before-conversion): pairing an io_getevents return with the process's "
                    "oldest completions instead of its aio context's, and giving a completion (iomap_dio_complete "
                    "prints the offset where the I/O ended) to an adjacent write that starts there."
                    % (' and '.join(sorted(ctxs.values())), ino, ino + 1, d['conv']))
    if shape == 'fio-uring-two-threads':
        rings = uring_rings(path)
        if len(rings) != 2 or len(set(rings.values())) != 2:
            raise SystemExit('%s: expected two threads submitting to a ring each, got %s' % (path, rings))
        return [], ("fio --thread --numjobs=2 --ioengine=io_uring: two threads of one process, each with its own ring "
                    "and its own new 512 KiB file (inodes %d and %d), 64 random 4 KiB O_DIRECT writes each at iodepth "
                    "8. Each request's io_uring_submit_req (user_data, opcode WRITE) is followed in the submitting "
                    "thread by its first attempt's iomap_dio_rw_begin when io_uring issues it inline; the others "
                    "begin in the thread's iou-wrk worker. io_uring_complete prints the same user_data, so an "
                    "analyzer can give each completion to its own ring's write instead of matching by process and "
                    "result. Each write's conversion (%s) precedes its iomap_dio_complete. No race."
                    % (ino, ino + 1, d['conv']))
    if shape == 'aio-read-eof':
        at_end, completes = reads_at_end(path)
        if at_end != 3 or completes != 3:
            raise SystemExit('%s: expected 3 AIO reads at or past the end and 3 AIO completions, got %d and %d'
                             % (path, at_end, completes))
        return [], ("aio_read_eof -n 3: an 8 KiB file written with pwrite O_DIRECT, then 3 x one io_submit of two "
                    "libaio O_DIRECT reads: the last block (0x1000) and one at or past the end (0x2000, 0x3000, "
                    "0x4000), reaped with io_getevents. iomap returns 0 for a read at or past i_size before mapping "
                    "anything and records no iomap_dio_complete for it (3 AIO begins at the end, 3 AIO completions: "
                    "the last-block reads'); io_submit posts its event itself, so io_getevents can return it "
                    "before the last-block read has completed. An analyzer must end the read at the end where it began "
                    "and count it as posted by io_submit: ftrace shows no iocb, only how many events each "
                    "io_getevents returned. No race; every read verified.")
    if shape in CLEAN:
        return [], CLEAN[shape].format(**d)
    raise SystemExit('no expectation for %s' % path)


def recorded_kernel(name):
    """The kernel a trace was recorded on, from its .log (record.sh writes it), else this one."""
    try:
        with open(name + '.log') as f:
            for line in f:
                m = re.match(r'# fs: .*, kernel (\S+),', line)
                if m:
                    return m.group(1)
    except FileNotFoundError:
        pass
    return KERNEL


def main():
    os.chdir(os.path.dirname(os.path.abspath(__file__)))
    for path in sorted(glob.glob('*.ftrace.txt')):
        name = path[:-len('.ftrace.txt')]
        fs, shape = name.split('-', 1)
        findings, notes = expect(fs, shape, path)
        ino = FS[fs]['ino']
        files = ('traced files ino %d and %d' % (ino, ino + 1) if shape in ('fio-two-threads', 'fio-uring-two-threads')
                 else 'traced file ino %d (0x%x)' % (ino, ino))
        notes += ' Recorded on kernel %s, %s on a loop device, %s.' % (recorded_kernel(name), fs, files)
        with open(name + '.expected.json', 'w') as f:
            json.dump({"trace": path, "findings": findings, "notes": notes}, f, indent=2)
            f.write('\n')
        print('%-40s %d finding(s)' % (name, len(findings)))


if __name__ == '__main__':
    sys.exit(main())
