/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * dioscope event record ABI.
 *
 * This header is the single definition of the records that the BPF
 * programs write into the ring buffer, that `dioscope record` stores in
 * trace files unchanged, and that the Swift core decodes. It is included
 * by the BPF C (bpf/ symlinks it) and by the DioscopeABI C target, whose
 * offsetof() values the Swift ABI layout test compares against the Swift
 * decoder's constants.
 *
 * Rules:
 *  - every record is exactly DSC_RECORD_SIZE bytes, little-endian;
 *  - a 32-byte header followed by a 64-byte payload union;
 *  - every padding byte is an explicit, named field and is written as 0;
 *  - any change to a layout bumps DSC_ABI_VERSION.
 */
#ifndef DIOSCOPE_ABI_H
#define DIOSCOPE_ABI_H

#ifdef __bpf__
/* BPF side: fixed-width types come from the CO-RE types header. */
#else
#include <stdint.h>
typedef uint8_t __u8;
typedef uint16_t __u16;
typedef uint32_t __u32;
typedef uint64_t __u64;
typedef int32_t __s32;
typedef int64_t __s64;
#endif

/*
 * 2: DSC_EV_DIO_STEPS (in-kernel assembly).
 * 3: DSC_EV_SYS_CALL and DSC_EV_SYS_EXIT_REAP, records that each carry two
 *    events (a system call's enter and exit; io_getevents' exit and its one
 *    io_event). No existing layout changed: version 1 and 2 traces hold a
 *    subset of version 3's records and are read unchanged.
 * 4: DSC_EV_SYS_CALL_REAP, a record that carries three events (an
 *    io_getevents' enter, its exit and its one io_event). No existing
 *    layout changed; DSC_EV_SYS_CALL may now carry io_getevents too.
 * 5: DSC_EV_TASK_EXIT, a traced task's exit, so that readers can forget
 *    what they keep per thread and per process. No existing layout changed.
 */
#define DSC_ABI_VERSION 5
#define DSC_RECORD_SIZE 96
#define DSC_HEADER_SIZE 32
#define DSC_PAYLOAD_SIZE 64
#define DSC_COMM_LEN 16

/* Event types (dsc_hdr.type). Values are ABI: never reuse one. */
enum dsc_event_type {
	DSC_EV_NONE = 0,
	/* iomap direct I/O */
	DSC_EV_DIO_BEGIN = 1,        /* iomap:iomap_dio_rw_begin */
	DSC_EV_DIO_QUEUED = 2,       /* iomap:iomap_dio_rw_queued (-EIOCBQUEUED) */
	DSC_EV_DIO_COMPLETE = 3,     /* iomap:iomap_dio_complete (completion posted) */
	DSC_EV_IOMAP_DSTMAP = 4,     /* iomap:iomap_iter_dstmap */
	/* block layer */
	DSC_EV_BIO_QUEUE = 5,        /* block:block_bio_queue */
	DSC_EV_RQ_ISSUE = 6,         /* block:block_rq_issue */
	DSC_EV_RQ_COMPLETE = 7,      /* block:block_rq_complete */
	DSC_EV_IO_START = 8,         /* block:block_io_start */
	DSC_EV_IO_DONE = 9,          /* block:block_io_done */
	/* XFS */
	DSC_EV_XFS_DIRECT_WRITE = 10,   /* xfs:xfs_file_direct_write */
	DSC_EV_XFS_END_IO_DIRECT = 11,  /* xfs:xfs_end_io_direct_write */
	DSC_EV_XFS_UNWRITTEN_CONV = 12, /* xfs:xfs_unwritten_convert */
	DSC_EV_XFS_SETFILESIZE = 13,    /* xfs:xfs_setfilesize */
	/* ext4 */
	DSC_EV_EXT4_MAP_BLOCKS = 14,    /* ext4:ext4_ext_map_blocks_enter */
	DSC_EV_EXT4_UNWRITTEN = 15,     /* ext4:ext4_ext_handle_unwritten_extents */
	/* io_uring */
	DSC_EV_URING_COMPLETE = 16,     /* io_uring:io_uring_complete (CQE posted) */
	/* filesystem space operations seen from inside the filesystem */
	DSC_EV_FS_SPACE_OP = 17,        /* see enum dsc_space_op */
	/* several steps of one direct I/O, held back by the BPF side and
	 * emitted as one record (in-kernel assembly; struct dsc_dio_steps) */
	DSC_EV_DIO_STEPS = 18,
	/* system calls (classic syscalls:* tracepoints) */
	DSC_EV_SYS_ENTER = 20,
	DSC_EV_SYS_EXIT = 21,
	DSC_EV_AIO_REAP = 22,           /* one per io_event returned by io_getevents */
	/* two events in one record (ABI 3; struct dsc_sys_call, dsc_sys_exit_reap) */
	DSC_EV_SYS_CALL = 23,           /* io_submit: its enter and exit */
	DSC_EV_SYS_EXIT_REAP = 24,      /* io_getevents returning one io_event: exit and reap */
	/* three events in one record (ABI 4; struct dsc_sys_call_reap) */
	DSC_EV_SYS_CALL_REAP = 25,      /* io_getevents that did not wait: enter, exit, reap */
	DSC_EV_TASK_EXIT = 26,          /* sched:sched_process_exit of a traced task (ABI 5) */
	/* synthetic, written by user space (never by BPF) */
	DSC_EV_LOST = 30,               /* ring-buffer drops noticed by the consumer */
	DSC_EV_TYPE_MAX = 31,
};

/* Which user API an async kiocb belongs to (dsc_dio_begin.api). */
enum dsc_api {
	DSC_API_SYNC = 0,      /* is_sync_kiocb(): pread/pwrite/preadv2/pwritev2 */
	DSC_API_LIBAIO = 1,    /* ki_complete == aio_complete_rw */
	DSC_API_IO_URING = 2,  /* ki_complete == io_complete_rw{,_iopoll} */
	DSC_API_ASYNC_OTHER = 3, /* async, owner not identified */
};

/* System calls we trace (dsc_sys_enter.sysno). */
enum dsc_sysno {
	DSC_SYS_PREAD64 = 1,
	DSC_SYS_PWRITE64 = 2,
	DSC_SYS_PREADV2 = 3,
	DSC_SYS_PWRITEV2 = 4,
	DSC_SYS_IO_SUBMIT = 5,
	DSC_SYS_IO_GETEVENTS = 6,
	DSC_SYS_IO_PGETEVENTS = 7,
	DSC_SYS_IO_URING_ENTER = 8,
	DSC_SYS_FALLOCATE = 9,
	DSC_SYS_FTRUNCATE = 10,
	DSC_SYS_FSYNC = 11,
	DSC_SYS_FDATASYNC = 12,
	DSC_SYS_READ = 13,
	DSC_SYS_WRITE = 14,
};

/* Filesystem-internal space/size operations (dsc_space_op.op). */
enum dsc_space_op_kind {
	DSC_SPACE_XFS_ALLOC_FILE_SPACE = 1, /* xfs:xfs_alloc_file_space */
	DSC_SPACE_XFS_SETATTR = 2,          /* xfs:xfs_setattr */
	DSC_SPACE_EXT4_FALLOCATE_ENTER = 3, /* ext4:ext4_fallocate_enter */
	DSC_SPACE_EXT4_FALLOCATE_EXIT = 4,  /* ext4:ext4_fallocate_exit */
	DSC_SPACE_EXT4_TRUNCATE_ENTER = 5,  /* ext4:ext4_truncate_enter */
	/* xfs:xfs_zero_eof: a size change zeroes [offset, offset + len) past
	 * the size it sampled (isize = i_size when the zeroing starts) */
	DSC_SPACE_XFS_ZERO_EOF = 6,
};

/* Normalized block operation (dsc_block.op), independent of kernel enums. */
enum dsc_block_op {
	DSC_BOP_READ = 0,
	DSC_BOP_WRITE = 1,
	DSC_BOP_FLUSH = 2,
	DSC_BOP_DISCARD = 3,
	DSC_BOP_WRITE_ZEROES = 4,
	DSC_BOP_OTHER = 15,
};

/* Normalized block flags (dsc_block.flags), as in blktrace's rwbs. */
#define DSC_BF_SYNC     (1u << 0) /* S */
#define DSC_BF_FUA      (1u << 1) /* F after the op */
#define DSC_BF_PREFLUSH (1u << 2) /* F before the op */
#define DSC_BF_META     (1u << 3) /* M */
#define DSC_BF_AHEAD    (1u << 4) /* A */
/* bio belongs to an iomap direct I/O (bi_end_io == iomap_dio_bio_end_io) */
#define DSC_BF_IOMAP_DIO (1u << 8)

/* iomap extent types and flags, as in include/linux/iomap.h. */
#define DSC_IOMAP_HOLE 0
#define DSC_IOMAP_DELALLOC 1
#define DSC_IOMAP_MAPPED 2
#define DSC_IOMAP_UNWRITTEN 3
#define DSC_IOMAP_INLINE 4
#define DSC_IOMAP_F_NEW (1u << 0)
#define DSC_IOMAP_F_DIRTY (1u << 1)
#define DSC_IOMAP_F_SHARED (1u << 2)

/* iomap dio_flags */
#define DSC_DIO_FORCE_WAIT (1u << 0)
#define DSC_DIO_OVERWRITE_ONLY (1u << 1)
#define DSC_DIO_PARTIAL (1u << 2)
/* set by dioscope, not the kernel: the I/O writes (its iov_iter is a data
 * source). Synchronous kiocbs lack IOCB_WRITE, so this is the direction. */
#define DSC_DIO_X_WRITE (1u << 15)

/* kiocb ki_flags bits we interpret (IOCB_*). */
#define DSC_IOCB_DSYNC (1u << 1)
#define DSC_IOCB_SYNC (1u << 2)
#define DSC_IOCB_NOWAIT (1u << 3)
#define DSC_IOCB_APPEND (1u << 4)
#define DSC_IOCB_DIRECT (1u << 17)
#define DSC_IOCB_WRITE (1u << 18)

/* ext4 map flags (EXT4_GET_BLOCKS_*) */
#define DSC_EXT4_CREATE 0x0001
#define DSC_EXT4_UNWRIT 0x0002
#define DSC_EXT4_CONVERT 0x0010
#define DSC_EXT4_CONVERT_UNWRITTEN 0x0100

/* Header: 32 bytes. */
struct dsc_hdr {
	__u64 ts_ns;   /* CLOCK_MONOTONIC (bpf_ktime_get_ns) */
	__u32 tgid;    /* process id of the context the event ran in */
	__u32 tid;     /* thread id of that context (0 in irq/idle) */
	__u16 type;    /* enum dsc_event_type */
	__u16 cpu;
	__u32 dev;     /* kernel dev_t (major << 20 | minor): fs s_dev or block dev */
	__u64 ino;     /* inode number, 0 when not applicable */
};

/* DSC_EV_DIO_BEGIN */
struct dsc_dio_begin {
	__u64 kiocb;       /* kernel kiocb address: joins begin/complete/bios */
	__s64 pos;
	__u64 count;
	__s64 isize;       /* i_size when the I/O began */
	__u64 done_before;
	__u64 user_ref;    /* libaio: user iocb pointer; io_uring: user_data */
	__u32 ki_flags;
	__u16 dio_flags;
	__u8 api;          /* enum dsc_api */
	__u8 blkbits;      /* inode->i_blkbits (fs block size = 1 << blkbits) */
	__u64 _rsvd0;
};

/* DSC_EV_DIO_QUEUED */
struct dsc_dio_queued {
	__s64 offset;
	__u64 length;
	__s64 isize;
	__u64 _rsvd0[5];
};

/* DSC_EV_DIO_COMPLETE */
struct dsc_dio_complete {
	__u64 kiocb;
	__s64 pos;         /* ki_pos at completion (advanced by ret for writes) */
	__s64 isize;       /* i_size after the filesystem's end_io */
	__s64 ret;
	__u64 user_ref;
	__s32 error;
	__u32 ki_flags;
	__u8 api;
	__u8 _pad0[7];
	__u64 _rsvd0;
};

/*
 * DSC_EV_DIO_STEPS: in-kernel assembly of a plain direct I/O.
 *
 * Between its DSC_EV_DIO_BEGIN and DSC_EV_DIO_COMPLETE, a direct I/O whose
 * one mapping is a MAPPED, not NEW extent covering the whole I/O, and
 * which goes to the device as one bio of the I/O's size that is alone in
 * its request, needs no event of its own for the analysis: nothing can
 * race with it. The BPF side keeps those steps in a map keyed by kiocb
 * instead of emitting DSC_EV_IOMAP_DSTMAP, DSC_EV_BIO_QUEUE,
 * DSC_EV_RQ_ISSUE and DSC_EV_RQ_COMPLETE records, and emits this one
 * record just before the I/O's DSC_EV_DIO_COMPLETE.
 *
 * When the I/O turns out not to be plain (a second mapping or bio, a bio
 * of another size, a request holding other bios too), the record is
 * emitted at that moment with DSC_STEP_PARTIAL set, and the I/O's later
 * steps follow as ordinary records.
 *
 * hdr: time and context of the emission; dev/ino: the file. Step i
 * happened at hdr.ts_ns - ago[i]; MAP and BIO in the task that began the
 * I/O. The bio (DSC_STEP_BIO) is of the I/O's size (count of its
 * DSC_EV_DIO_BEGIN), at bio_sector of bdev.
 */
#define DSC_STEP_IDX_MAP 0
#define DSC_STEP_IDX_BIO 1
#define DSC_STEP_IDX_ISSUE 2
#define DSC_STEP_IDX_RQ_DONE 3
#define DSC_STEP_N 4
#define DSC_STEP_MAP (1u << DSC_STEP_IDX_MAP)
#define DSC_STEP_BIO (1u << DSC_STEP_IDX_BIO)
#define DSC_STEP_ISSUE (1u << DSC_STEP_IDX_ISSUE)
#define DSC_STEP_RQ_DONE (1u << DSC_STEP_IDX_RQ_DONE)
#define DSC_STEP_PARTIAL (1u << 7)

struct dsc_dio_steps {
	__u64 kiocb;
	__u64 map_addr;    /* the mapping's disk byte address */
	__s64 map_offset;  /* its file offset */
	__u64 bio_sector;  /* the bio's first sector, as block_bio_queue gives it */
	__u32 map_length;  /* the mapping's length (the BPF side assembles < 4 GiB) */
	__u32 bdev;        /* block device of the mapping and the bio */
	__u16 map_flags;   /* DSC_IOMAP_F_*; the type is DSC_IOMAP_MAPPED */
	__u16 bio_flags;   /* DSC_BF_* of the bio */
	__u8 steps;        /* DSC_STEP_* present, DSC_STEP_PARTIAL */
	__u8 blkbits;      /* inode->i_blkbits */
	__u8 rq_error;     /* blk_status_t of the request completion */
	__u8 bio_op;       /* enum dsc_block_op */
	__u32 ago[DSC_STEP_N]; /* ns before hdr.ts_ns, by DSC_STEP_IDX_* */
};

/* DSC_EV_IOMAP_DSTMAP */
struct dsc_iomap {
	__u64 addr;        /* disk byte address, or IOMAP_NULL_ADDR */
	__s64 offset;      /* file offset */
	__u64 length;
	__u16 type;        /* DSC_IOMAP_* */
	__u16 flags;       /* DSC_IOMAP_F_* */
	__u32 bdev;        /* kernel dev_t of the block device */
	__u8 blkbits;
	__u8 _pad0[7];
	__u64 _rsvd0[3];
};

/* DSC_EV_BIO_QUEUE, DSC_EV_RQ_ISSUE, DSC_EV_RQ_COMPLETE, DSC_EV_IO_START/DONE */
struct dsc_block {
	__u64 sector;      /* 512-byte sectors */
	__u32 nr_sector;
	__u32 bytes;       /* rq: data bytes; complete: nr_bytes */
	__u64 ptr;         /* bio or request address */
	__u64 kiocb;       /* bio of an iomap DIO: the dio's kiocb, else 0 */
	__s32 error;       /* rq_complete: blk_status_t; 0 otherwise */
	__u16 flags;       /* DSC_BF_* */
	__u8 op;           /* enum dsc_block_op */
	__u8 _pad0;
	__u64 _rsvd0[3];
};

/* DSC_EV_XFS_DIRECT_WRITE, DSC_EV_XFS_END_IO_DIRECT,
 * DSC_EV_XFS_UNWRITTEN_CONV, DSC_EV_XFS_SETFILESIZE */
struct dsc_xfs_io {
	__s64 isize;
	__s64 disize;
	__s64 offset;
	__u64 count;
	__u64 kiocb;       /* xfs_file_direct_write only */
	__u64 _rsvd0[3];
};

/* DSC_EV_EXT4_MAP_BLOCKS, DSC_EV_EXT4_UNWRITTEN */
struct dsc_ext4_map {
	__u32 lblk;        /* logical block */
	__u32 len;
	__u32 flags;       /* EXT4_GET_BLOCKS_* */
	__u32 allocated;   /* unwritten: allocated */
	__u64 pblk;        /* unwritten: m_pblk */
	__u64 newblk;      /* unwritten: newblock */
	__u8 blkbits;
	__u8 _pad0[7];
	__u64 _rsvd0[3];
};

/* DSC_EV_URING_COMPLETE */
struct dsc_uring_complete {
	__u64 ctx;
	__u64 req;         /* io_kiocb address == kiocb address for rw requests */
	__u64 user_data;
	__s32 res;
	__u32 cflags;
	__u64 _rsvd0[4];
};

/* DSC_EV_FS_SPACE_OP */
struct dsc_space_op {
	__s64 offset;
	__s64 len;
	__s64 isize;
	__s32 mode;        /* fallocate mode, or exit return value */
	__u32 op;          /* enum dsc_space_op_kind */
	__u64 _rsvd0[4];
};

/* DSC_EV_SYS_ENTER */
struct dsc_sys_enter {
	__u16 sysno;       /* enum dsc_sysno */
	__u16 _pad0;
	__s32 fd;          /* -1 when the call takes no fd */
	__s64 args[3];     /* see docs/trace-format.md for each call */
	__s64 isize;       /* i_size of the fd's inode, -1 if none */
	char comm[DSC_COMM_LEN];
	__u64 _rsvd0;
};

/* DSC_EV_SYS_EXIT */
struct dsc_sys_exit {
	__u16 sysno;
	__u16 _pad0;
	__s32 fd;
	__s64 ret;
	__s64 isize;       /* i_size of the fd's inode after the call, -1 if none */
	__u64 enter_ts;    /* ts_ns of the matching enter, 0 if not seen */
	__u64 _rsvd0[4];
};

/* DSC_EV_AIO_REAP: one per io_event copied to user space */
struct dsc_aio_reap {
	__u64 ctx;         /* aio_context_t */
	__u64 data;        /* io_event.data */
	__u64 obj;         /* io_event.obj: the user iocb pointer */
	__s64 res;
	__s64 res2;
	__u32 index;       /* position in the returned array */
	__u32 total;       /* events returned by the call */
	__u64 _rsvd0[2];
};

/*
 * DSC_EV_SYS_CALL (ABI 3): an io_submit whose enter record was held back
 * and is written with its exit, saving a record per call. Since ABI 4 also
 * an io_getevents/io_pgetevents whose enter was held (see
 * DSC_EV_SYS_CALL_REAP) but whose exit could not be folded with its reap;
 * its io_events follow as DSC_EV_AIO_REAP records. hdr.ts_ns is the
 * exit, enter_ts the enter; args and comm are what DSC_EV_SYS_ENTER would
 * carry. Read as two events: a SYS_ENTER at enter_ts (fd -1, isize -1),
 * then a SYS_EXIT at hdr.ts_ns (fd -1, isize -1, enter_ts). The enter thus
 * reaches user space after the direct I/O the call began: a reader puts it
 * back in time order within its reordering window (20 ms by default), so a
 * call blocked longer than that after its first I/O began has its enter
 * reported late.
 */
struct dsc_sys_call {
	__u16 sysno;
	__u16 _pad0;
	__u32 _pad1;
	__s64 ret;
	__u64 enter_ts;
	__s64 args[3];
	char comm[DSC_COMM_LEN];
};

/*
 * DSC_EV_SYS_EXIT_REAP (ABI 3): io_getevents/io_pgetevents returning
 * exactly one io_event. Read as two events at hdr.ts_ns: the SYS_EXIT
 * (fd -1, isize -1, enter_ts), then the AIO_REAP (ctx, the io_event,
 * index 0, total 1).
 */
struct dsc_sys_exit_reap {
	__u16 sysno;
	__u16 _pad0;
	__u32 _pad1;
	__s64 ret;
	__u64 enter_ts;
	__u64 ctx;         /* aio_context_t (the call's first argument) */
	__u64 data;        /* io_event.data */
	__u64 obj;         /* io_event.obj: the user iocb pointer */
	__s64 res;
	__s64 res2;
};

/*
 * DSC_EV_SYS_CALL_REAP (ABI 4): io_getevents/io_pgetevents that found at
 * least min_nr io_events waiting in the ring when it was entered (so it
 * could not sleep, and its enter was held back) and returned exactly one,
 * whose res2 is 0. Read as three events: a SYS_ENTER at
 * hdr.ts_ns - enter_ago (fd -1, args ctx, min_nr and nr, isize -1, comm),
 * a SYS_EXIT at hdr.ts_ns (fd -1, ret 1, isize -1, the enter's time), and
 * an AIO_REAP at hdr.ts_ns (ctx, the io_event with res2 0, index 0,
 * total 1).
 */
struct dsc_sys_call_reap {
	__u16 sysno;
	__u16 _pad0;
	__u32 enter_ago;   /* ns from the enter to the exit (hdr.ts_ns) */
	__s32 min_nr;      /* the call's second argument */
	__s32 nr;          /* its third */
	__u64 ctx;         /* aio_context_t (its first) */
	__u64 data;        /* io_event.data */
	__u64 obj;         /* io_event.obj: the user iocb pointer */
	__s64 res;         /* io_event.res */
	char comm[DSC_COMM_LEN];
};

/*
 * DSC_EV_TASK_EXIT (ABI 5): a task that passes the process filter exits
 * (sched:sched_process_exit, in the task's own context: hdr.tgid/tid are
 * its ids). By then the process's libaio contexts are gone when
 * group_dead is set: exit_mm() waited for their I/Os, so a completion
 * it posted that was not reaped never will be.
 */
struct dsc_task_exit {
	__s32 exit_code;   /* task->exit_code: exit status << 8 | signal */
	__u8 group_dead;   /* 1: the last thread of its process */
	__u8 _pad0[3];
	__u64 _rsvd0[7];
};

/* DSC_EV_LOST: synthetic, inserted by the consumer when drops were seen. */
enum dsc_lost_flags {
	/*
	 * Every drop is a recursion miss of program @probe: a hit the kernel
	 * skipped because that program was already running on the CPU. Only
	 * that program's record of the hit is missing, not any ring record.
	 */
	DSC_LOST_F_RECURSION = 0x1,
};
struct dsc_lost {
	__u64 dropped;     /* records lost since the previous DSC_EV_LOST */
	__u64 since_ns;    /* drops happened in (since_ns, until_ns] */
	__u32 probe;       /* probe id with the most drops, or 0xffffffff */
	__u32 flags;       /* DSC_LOST_F_*; 0 in records before session 19 */
	__u64 until_ns;    /* the last drop; 0: unknown, hdr.ts_ns (until session 17) */
	__u64 _rsvd0[4];
};

struct dsc_event {
	struct dsc_hdr hdr;
	union {
		struct dsc_dio_begin dio_begin;
		struct dsc_dio_queued dio_queued;
		struct dsc_dio_complete dio_complete;
		struct dsc_iomap iomap;
		struct dsc_dio_steps steps;
		struct dsc_block block;
		struct dsc_xfs_io xfs;
		struct dsc_ext4_map ext4;
		struct dsc_uring_complete uring;
		struct dsc_space_op space;
		struct dsc_sys_enter sys_enter;
		struct dsc_sys_exit sys_exit;
		struct dsc_aio_reap reap;
		struct dsc_sys_call sys_call;
		struct dsc_sys_exit_reap sys_exit_reap;
		struct dsc_sys_call_reap sys_call_reap;
		struct dsc_task_exit task_exit;
		struct dsc_lost lost;
		__u8 raw[DSC_PAYLOAD_SIZE];
	};
};

/* Probe identifiers: index of the per-probe counters in the BPF maps. */
enum dsc_probe_id {
	DSC_P_DIO_BEGIN = 0,
	DSC_P_DIO_QUEUED,
	DSC_P_DIO_COMPLETE,
	DSC_P_IOMAP_DSTMAP,
	DSC_P_BIO_QUEUE,
	DSC_P_RQ_ISSUE,
	DSC_P_RQ_COMPLETE,
	DSC_P_IO_START,
	DSC_P_IO_DONE,
	DSC_P_XFS_DIRECT_WRITE,
	DSC_P_XFS_END_IO_DIRECT,
	DSC_P_XFS_UNWRITTEN_CONV,
	DSC_P_XFS_SETFILESIZE,
	DSC_P_EXT4_MAP_BLOCKS,
	DSC_P_EXT4_UNWRITTEN,
	DSC_P_URING_COMPLETE,
	DSC_P_XFS_ALLOC_FILE_SPACE,
	DSC_P_XFS_SETATTR,
	DSC_P_EXT4_FALLOCATE_ENTER,
	DSC_P_EXT4_FALLOCATE_EXIT,
	DSC_P_EXT4_TRUNCATE_ENTER,
	DSC_P_SYS_PREAD64,
	DSC_P_SYS_PWRITE64,
	DSC_P_SYS_PREADV2,
	DSC_P_SYS_PWRITEV2,
	DSC_P_SYS_IO_SUBMIT,
	DSC_P_SYS_IO_GETEVENTS,
	DSC_P_SYS_IO_PGETEVENTS,
	DSC_P_SYS_IO_URING_ENTER,
	DSC_P_SYS_FALLOCATE,
	DSC_P_SYS_FTRUNCATE,
	DSC_P_SYS_FSYNC,
	DSC_P_SYS_FDATASYNC,
	DSC_P_SCHED_FORK,  /* follows the traced process tree; emits nothing */
	DSC_P_XFS_ZERO_EOF,
	DSC_P_SCHED_EXIT,  /* forgets a process that exited; DSC_EV_TASK_EXIT */
	DSC_P_SYS_READ,    /* read/write on an O_DIRECT file only (session 17) */
	DSC_P_SYS_WRITE,
	DSC_P_MAX,
};

#define DSC_MAX_REAP_PER_CALL 64

#endif /* DIOSCOPE_ABI_H */
