/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Maps and load-time configuration shared by all dioscope programs.
 */
#ifndef DIOSCOPE_MAPS_BPF_H
#define DIOSCOPE_MAPS_BPF_H

/* --- load-time configuration, written by the loader into .rodata --- */

/* Kernel text addresses resolved from /proc/kallsyms (0 when unknown). */
const volatile u64 dsc_addr_aio_complete_rw = 0;
const volatile u64 dsc_addr_io_complete_rw = 0;
const volatile u64 dsc_addr_io_complete_rw_iopoll = 0;
const volatile u64 dsc_addr_iomap_dio_bio_end_io = 0;
const volatile u64 dsc_addr_bio_chain_endio = 0;

/* Filters: which of them are on. */
const volatile bool dsc_filter_dev = false;
const volatile bool dsc_filter_pid = false;
const volatile bool dsc_filter_cgroup = false;
const volatile u64 dsc_cgroup_id = 0;

/*
 * The device filter: up to DSC_DEV_SLOTS devices are compared inline (a
 * loop device's filesystem and disk are one dev_t); more go to dsc_devs.
 */
#define DSC_DEV_SLOTS 4
const volatile u32 dsc_dev_slots[DSC_DEV_SLOTS] = {};
const volatile bool dsc_devs_in_map = false;

/* In-kernel assembly of plain direct I/O (assemble.bpf.h) on or off. */
const volatile bool dsc_assemble = false;

/* Wake the consumer only once this many bytes are waiting in the ring. */
const volatile u64 dsc_wakeup_bytes = 1 << 20;

/* --- maps --- */

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 22); /* resized by the loader */
} dsc_events SEC(".maps");

/* Per-CPU counters indexed by enum dsc_probe_id. */
struct dsc_counter {
	u64 emitted;
	u64 dropped;
	u64 absorbed;	/* events held back into a record of another (DIO_STEPS, SYS_CALL, SYS_EXIT_REAP) */
	/* When this CPU's drops of the current drop epoch happened: the first and
	 * the last (bpf_ktime_get_ns), so that a lost window spans the drops, not
	 * the consumer's whole check interval (dsc_note_drops). */
	u64 drop_epoch;
	u64 drop_first_ns;
	u64 drop_last_ns;
};

/* The drop epoch: the consumer bumps it at each drop check (one u64). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, u64);
} dsc_drop_epoch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, DSC_P_MAX);
	__type(key, u32);
	__type(value, struct dsc_counter);
} dsc_counters SEC(".maps");

/* Devices (kernel dev_t) the user asked for: filesystems and their disks. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, u32);
	__type(value, u8);
} dsc_devs SEC(".maps");

/* Traced processes (tgid); children join at fork. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, u32);
	__type(value, u8);
} dsc_tgids SEC(".maps");

/*
 * Learned while tracing: inodes, block devices and processes that did
 * direct I/O passing the filters. Work done on their behalf in another
 * context (kworkers converting extents, interrupts completing requests)
 * is matched against these.
 */
struct dsc_inode_key {
	u64 ino;
	u32 dev;
	u32 _pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct dsc_inode_key);
	__type(value, u8);
} dsc_active_inodes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, u32);
	__type(value, u8);
} dsc_active_bdevs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, u32);
	__type(value, u8);
} dsc_active_tgids SEC(".maps");

/*
 * Per CPU, the last inode, block device and process noted active, so
 * that the same I/O stream does not look them up in the maps every time.
 * A cached entry may outlive an LRU eviction of the map entry only while
 * this CPU keeps seeing that same inode: then it is re-noted when it
 * changes, and kernel-context events meanwhile go by the map (accepted).
 */
struct dsc_note_cache {
	u64 ino;
	u32 dev;
	u32 bdev;
	u32 tgid;
	u32 fileless_tgid;	/* last tgid found in dsc_active_tgids */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct dsc_note_cache);
} dsc_note_cache SEC(".maps");

/* A system call in progress, per thread. */
struct dsc_sys_stash {
	u64 enter_ts;
	u64 inode;          /* struct inode * of the fd, 0 if none */
	u64 user_events;    /* io_getevents: user io_event array */
	s64 args[3];
	u64 ino;
	u32 dev;
	s32 fd;
	u16 sysno;          /* 0: no call in progress */
	u8 enter_emitted;
	u8 enter_held;      /* passed the filters, kept for a DSC_EV_SYS_CALL(_REAP) */
	u8 _pad[4];
};

/* Task-local storage: no global lock, freed with the task. */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct dsc_sys_stash);
} dsc_sys_inflight SEC(".maps");

/*
 * In-kernel assembly (assemble.bpf.h): the steps held back for a plain
 * direct I/O, in a slot chosen by its kiocb address. An array, not a hash:
 * a slot is claimed and released with one atomic operation on its tag and
 * found with an inlined array lookup, where a hash map took a bucket lock
 * and a free-list operation on insert and delete (measured: the hash cost
 * as much per I/O as the ring-buffer records it saved). When the slot is
 * taken by another I/O, this one is traced as ordinary events.
 */
#define DSC_ASM_SLOTS 4096

struct dsc_asm {
	u64 kiocb;          /* tag: the I/O holding the slot, 0 when free */
	u64 bio;            /* the I/O's one bio, once queued */
	u64 map_addr;
	s64 map_offset;
	u64 bio_sector;
	u64 ts[DSC_STEP_N];
	u64 ino;
	u64 count;          /* the I/O's size: its one bio's size */
	u32 map_length;
	u32 dev;
	u32 bdev;
	u16 map_flags;
	u16 bio_flags;
	u8 steps;
	u8 blkbits;
	u8 rq_error;
	u8 bio_op;
	u32 _pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, DSC_ASM_SLOTS);
	__type(key, u32);
	__type(value, struct dsc_asm);
} dsc_asm_slots SEC(".maps");

/*
 * The direct I/O being submitted on this CPU, for assembly: set by its
 * begin, read by its first mapping in the same task. Per CPU rather than
 * per task (an inlined array lookup instead of task storage): a task moved
 * to another CPU in between, or another task's begin meanwhile, only means
 * that the mapping does not find it (tid differs) and the I/O is traced as
 * ordinary events.
 */
struct dsc_dio_cur {
	u64 kiocb;
	u64 ino;
	s64 pos;
	u64 count;
	u32 dev;
	u32 tid;
	u8 state;           /* enum dsc_asm_state */
	u8 _pad[7];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct dsc_dio_cur);
} dsc_dio_cur_map SEC(".maps");

#endif /* DIOSCOPE_MAPS_BPF_H */
