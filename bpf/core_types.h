/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The few kernel types dioscope's BPF programs read, declared by hand.
 *
 * Every struct carries preserve_access_index, so each field access is a
 * CO-RE relocation that libbpf resolves against the running kernel's BTF
 * at load time: only the field names and types matter here, not the
 * order or the offsets. Fields we do not read are simply left out.
 */
#ifndef DIOSCOPE_CORE_TYPES_H
#define DIOSCOPE_CORE_TYPES_H

typedef unsigned char __u8;
typedef unsigned short __u16;
typedef unsigned int __u32;
typedef unsigned long long __u64;
typedef signed char __s8;
typedef short __s16;
typedef int __s32;
typedef long long __s64;
typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __u64 u64;
typedef __s32 s32;
typedef __s64 s64;
typedef __u16 __be16;
typedef __u32 __be32;
typedef __u32 __wsum;
typedef _Bool bool;
#define true 1
#define false 0
typedef __u32 dev_t;
typedef long long loff_t;
typedef unsigned long size_t;
typedef long ssize_t;
typedef __u64 sector_t;
typedef __u32 blk_opf_t;
typedef __u8 blk_status_t;
typedef __u32 ext4_lblk_t;
typedef __u64 ext4_fsblk_t;
typedef long long xfs_fsize_t;
typedef long long xfs_off_t;
typedef int pid_t;

enum bpf_map_type {
	BPF_MAP_TYPE_HASH = 1,
	BPF_MAP_TYPE_ARRAY = 2,
	BPF_MAP_TYPE_PERCPU_ARRAY = 6,
	BPF_MAP_TYPE_LRU_HASH = 9,
	BPF_MAP_TYPE_RINGBUF = 27,
	BPF_MAP_TYPE_TASK_STORAGE = 29,
};

enum {
	BPF_F_NO_PREALLOC = 1,
};

enum {
	BPF_LOCAL_STORAGE_GET_F_CREATE = 1,
};

enum {
	BPF_ANY = 0,
	BPF_NOEXIST = 1,
};

enum {
	BPF_RB_NO_WAKEUP = 1,
	BPF_RB_FORCE_WAKEUP = 2,
};

enum {
	BPF_RB_AVAIL_DATA = 0,
};

/* Block layer request operations and flag bits (relocated by name). */
enum req_op {
	REQ_OP_READ = 0,
	REQ_OP_WRITE = 1,
	REQ_OP_FLUSH = 2,
	REQ_OP_DISCARD = 3,
	REQ_OP_WRITE_ZEROES = 9,
};

enum req_flag_bits {
	__REQ_SYNC = 11,
	__REQ_META = 12,
	__REQ_FUA = 17,
	__REQ_PREFLUSH = 18,
	__REQ_RAHEAD = 19,
};

/* REQ_OP_BITS in include/linux/blk_types.h: the low 8 bits are the op. */
#define DSC_REQ_OP_MASK 0xffu

struct block_device;

struct super_block {
	dev_t s_dev;
	struct block_device *s_bdev;
} __attribute__((preserve_access_index));

struct inode {
	struct super_block *i_sb;
	unsigned long i_ino;
	loff_t i_size;
	u8 i_blkbits;
} __attribute__((preserve_access_index));

struct file {
	struct inode *f_inode;
	unsigned int f_flags;
} __attribute__((preserve_access_index));

struct kiocb {
	struct file *ki_filp;
	loff_t ki_pos;
	void (*ki_complete)(struct kiocb *, long);
	int ki_flags;
} __attribute__((preserve_access_index));

struct iov_iter {
	bool data_source;	/* ITER_SOURCE: the iterator feeds a write */
	size_t count;
} __attribute__((preserve_access_index));

struct iovec {
	void *iov_base;
	size_t iov_len;
};

struct io_event {
	__u64 data;
	__u64 obj;
	__s64 res;
	__s64 res2;
} __attribute__((preserve_access_index));

/* fs/aio.c: the kiocb is the first member (`rw`) of the aio_kiocb. */
struct aio_kiocb {
	struct kiocb rw;
	struct io_event ki_res;
} __attribute__((preserve_access_index));

struct io_cqe {
	__u64 user_data;
	__s32 res;
} __attribute__((preserve_access_index));

struct io_cmd_data {
	struct file *file;
} __attribute__((preserve_access_index));

/* io_uring: the io_rw (whose first member is the kiocb) lives in cmd. */
struct io_kiocb {
	struct io_cmd_data cmd;
	struct io_cqe cqe;
} __attribute__((preserve_access_index));

struct io_uring_cqe {
	__u64 user_data;
	__s32 res;
	__u32 flags;
} __attribute__((preserve_access_index));

struct io_ring_ctx;

struct gendisk {
	int major;
	int first_minor;
} __attribute__((preserve_access_index));

struct block_device {
	dev_t bd_dev;
	struct gendisk *bd_disk;
} __attribute__((preserve_access_index));

struct iomap {
	u64 addr;
	loff_t offset;
	u64 length;
	u16 type;
	u16 flags;
	struct block_device *bdev;
} __attribute__((preserve_access_index));

struct iomap_dio {
	struct kiocb *iocb;
} __attribute__((preserve_access_index));

struct bvec_iter {
	sector_t bi_sector;
	unsigned int bi_size;
} __attribute__((preserve_access_index));

struct bio;
typedef void bio_end_io_t(struct bio *);

struct bio {
	struct bio *bi_next;
	struct block_device *bi_bdev;
	blk_opf_t bi_opf;
	struct bvec_iter bi_iter;
	bio_end_io_t *bi_end_io;
	void *bi_private;
} __attribute__((preserve_access_index));

struct request_queue {
	struct gendisk *disk;
} __attribute__((preserve_access_index));

struct request {
	struct request_queue *q;
	blk_opf_t cmd_flags;
	unsigned int __data_len;
	sector_t __sector;
	struct block_device *part;
	struct bio *bio;
	struct bio *biotail;
} __attribute__((preserve_access_index));

struct xfs_inode {
	xfs_fsize_t i_disk_size;
	struct inode i_vnode;
} __attribute__((preserve_access_index));

struct ext4_map_blocks {
	ext4_fsblk_t m_pblk;
	ext4_lblk_t m_lblk;
	unsigned int m_len;
	unsigned int m_flags;
} __attribute__((preserve_access_index));

struct fdtable {
	unsigned int max_fds;
	struct file **fd;
} __attribute__((preserve_access_index));

struct files_struct {
	struct fdtable *fdt;
} __attribute__((preserve_access_index));

/* x86-64: the user registers at system call entry (raw_syscalls). */
struct pt_regs {
	unsigned long r10;
	unsigned long r8;
	unsigned long r9;
	unsigned long dx;
	unsigned long si;
	unsigned long di;
	unsigned long orig_ax;
} __attribute__((preserve_access_index));

struct thread_info {
	u32 status;		/* TS_COMPAT: a 32-bit system call */
} __attribute__((preserve_access_index));

typedef struct {
	int counter;
} atomic_t;

/* Shared by a process's threads: `live` counts the ones not yet exiting. */
struct signal_struct {
	atomic_t live;
} __attribute__((preserve_access_index));

struct task_struct {
	struct thread_info thread_info;
	pid_t pid;
	pid_t tgid;
	struct files_struct *files;
	struct signal_struct *signal;
	int exit_code;
} __attribute__((preserve_access_index));

#endif /* DIOSCOPE_CORE_TYPES_H */
