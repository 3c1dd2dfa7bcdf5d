// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * dioscope's BPF programs: one object, every probe in two variants
 * (tp_btf and raw_tp). System calls have both a pair of raw syscall
 * programs shared by all of them and, as a fallback, the classic
 * syscalls:* tracepoints. The loader autoloads one variant per probe.
 */
#include "core_types.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "dioscope_abi.h"
#include "maps.bpf.h"
#include "emit.bpf.h"
#include "filter.bpf.h"
#include "inode.bpf.h"
#include "assemble.bpf.h"
#include "dio.bpf.h"
#include "block.bpf.h"
#include "xfs.bpf.h"
#include "ext4.bpf.h"
#include "uring.bpf.h"
#include "syscalls.bpf.h"
#include "rawsys.bpf.h"
#include "sched.bpf.h"
#include "blind.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/*
 * One handler, two attachment types: <tp>_btf for tp_btf/<tp> and
 * <tp>_raw for raw_tp/<tp>. Both receive the tracepoint's arguments as
 * an array of u64. In tp_btf programs they are BTF-typed pointers that
 * the handlers dereference directly (btf = true); raw_tp programs read
 * through them with bpf_probe_read_kernel (see DSC_RD).
 */
#define DSC_TP(tp, handler)					\
SEC("tp_btf/" #tp)						\
int tp##_btf(u64 *ctx)						\
{								\
	return handler(ctx, true);				\
}								\
SEC("raw_tp/" #tp)						\
int tp##_raw(u64 *ctx)						\
{								\
	return handler(ctx, false);				\
}

DSC_TP(iomap_dio_rw_begin, dsc_dio_begin)
DSC_TP(iomap_dio_rw_queued, dsc_dio_queued)
DSC_TP(iomap_dio_complete, dsc_dio_complete)
DSC_TP(iomap_iter_dstmap, dsc_iomap_dstmap)
DSC_TP(block_bio_queue, dsc_bio_queue)
DSC_TP(block_rq_issue, dsc_rq_issue)
DSC_TP(block_rq_complete, dsc_rq_complete)
DSC_TP(block_io_start, dsc_io_start)
DSC_TP(block_io_done, dsc_io_done)
DSC_TP(xfs_file_direct_write, dsc_xfs_direct_write)
DSC_TP(xfs_end_io_direct_write, dsc_xfs_end_io_direct)
DSC_TP(xfs_unwritten_convert, dsc_xfs_unwritten_convert)
DSC_TP(xfs_setfilesize, dsc_xfs_setfilesize)
DSC_TP(ext4_ext_map_blocks_enter, dsc_ext4_map_blocks)
DSC_TP(ext4_ext_handle_unwritten_extents, dsc_ext4_unwritten)
DSC_TP(io_uring_complete, dsc_uring_complete)
DSC_TP(xfs_alloc_file_space, dsc_xfs_alloc_file_space)
DSC_TP(xfs_setattr, dsc_xfs_setattr)
DSC_TP(xfs_zero_eof, dsc_xfs_zero_eof)
DSC_TP(ext4_fallocate_enter, dsc_ext4_fallocate_enter)
DSC_TP(ext4_fallocate_exit, dsc_ext4_fallocate_exit)
DSC_TP(ext4_truncate_enter, dsc_ext4_truncate_enter)
DSC_TP(sched_process_fork, dsc_sched_fork)
DSC_TP(sched_process_exit, dsc_sched_exit)
DSC_TP(sys_enter, dsc_raw_sys_enter)
DSC_TP(sys_exit, dsc_raw_sys_exit)

/* The blind-task check's counters (blind.bpf.h): no arguments read, so the
 * two variants are the same program. */
static __always_inline int dsc_blind_irq(u64 *ctx, bool btf)
{
	return dsc_blind_count();
}

DSC_TP(softirq_entry, dsc_blind_irq)
DSC_TP(irq_handler_entry, dsc_blind_irq)
