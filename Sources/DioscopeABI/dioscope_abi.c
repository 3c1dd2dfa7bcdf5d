/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Compile-time checks of the record ABI, and the offsets the Swift ABI
 * layout test compares with the Swift decoder (dsc_abi_offset()).
 */
#include <stddef.h>
#include "dioscope_abi.h"
#include "dioscope_abi_offsets.h"

_Static_assert(sizeof(struct dsc_hdr) == DSC_HEADER_SIZE, "header size");
_Static_assert(sizeof(struct dsc_event) == DSC_RECORD_SIZE, "record size");
#define PAYLOAD_FITS(t) _Static_assert(sizeof(struct t) == DSC_PAYLOAD_SIZE, #t " size")
PAYLOAD_FITS(dsc_dio_begin);
PAYLOAD_FITS(dsc_dio_queued);
PAYLOAD_FITS(dsc_dio_complete);
PAYLOAD_FITS(dsc_iomap);
PAYLOAD_FITS(dsc_dio_steps);
PAYLOAD_FITS(dsc_block);
PAYLOAD_FITS(dsc_xfs_io);
PAYLOAD_FITS(dsc_ext4_map);
PAYLOAD_FITS(dsc_uring_complete);
PAYLOAD_FITS(dsc_space_op);
PAYLOAD_FITS(dsc_sys_enter);
PAYLOAD_FITS(dsc_sys_exit);
PAYLOAD_FITS(dsc_aio_reap);
PAYLOAD_FITS(dsc_sys_call);
PAYLOAD_FITS(dsc_sys_exit_reap);
PAYLOAD_FITS(dsc_sys_call_reap);
PAYLOAD_FITS(dsc_task_exit);
PAYLOAD_FITS(dsc_lost);

#define OFF(s, f) { #s "." #f, offsetof(struct dsc_event, s.f), sizeof(((struct dsc_event *)0)->s.f) }
#define HOFF(f) { "hdr." #f, offsetof(struct dsc_event, hdr.f), sizeof(((struct dsc_event *)0)->hdr.f) }

static const struct dsc_abi_field fields[] = {
	HOFF(ts_ns), HOFF(tgid), HOFF(tid), HOFF(type), HOFF(cpu), HOFF(dev), HOFF(ino),
	OFF(dio_begin, kiocb), OFF(dio_begin, pos), OFF(dio_begin, count),
	OFF(dio_begin, isize), OFF(dio_begin, done_before), OFF(dio_begin, user_ref),
	OFF(dio_begin, ki_flags), OFF(dio_begin, dio_flags), OFF(dio_begin, api),
	OFF(dio_begin, blkbits),
	OFF(dio_queued, offset), OFF(dio_queued, length), OFF(dio_queued, isize),
	OFF(dio_complete, kiocb), OFF(dio_complete, pos), OFF(dio_complete, isize),
	OFF(dio_complete, ret), OFF(dio_complete, user_ref), OFF(dio_complete, error),
	OFF(dio_complete, ki_flags), OFF(dio_complete, api),
	OFF(iomap, addr), OFF(iomap, offset), OFF(iomap, length), OFF(iomap, type),
	OFF(iomap, flags), OFF(iomap, bdev), OFF(iomap, blkbits),
	OFF(steps, kiocb), OFF(steps, map_addr), OFF(steps, map_offset), OFF(steps, bio_sector),
	OFF(steps, map_length),
	OFF(steps, bdev), OFF(steps, map_flags), OFF(steps, bio_flags), OFF(steps, steps),
	OFF(steps, blkbits), OFF(steps, rq_error), OFF(steps, bio_op), OFF(steps, ago),
	OFF(block, sector), OFF(block, nr_sector), OFF(block, bytes), OFF(block, ptr),
	OFF(block, kiocb), OFF(block, error), OFF(block, flags), OFF(block, op),
	OFF(xfs, isize), OFF(xfs, disize), OFF(xfs, offset), OFF(xfs, count), OFF(xfs, kiocb),
	OFF(ext4, lblk), OFF(ext4, len), OFF(ext4, flags), OFF(ext4, allocated),
	OFF(ext4, pblk), OFF(ext4, newblk), OFF(ext4, blkbits),
	OFF(uring, ctx), OFF(uring, req), OFF(uring, user_data), OFF(uring, res),
	OFF(uring, cflags),
	OFF(space, offset), OFF(space, len), OFF(space, isize), OFF(space, mode), OFF(space, op),
	OFF(sys_enter, sysno), OFF(sys_enter, fd), OFF(sys_enter, args),
	OFF(sys_enter, isize), OFF(sys_enter, comm),
	OFF(sys_exit, sysno), OFF(sys_exit, fd), OFF(sys_exit, ret), OFF(sys_exit, isize),
	OFF(sys_exit, enter_ts),
	OFF(reap, ctx), OFF(reap, data), OFF(reap, obj), OFF(reap, res), OFF(reap, res2),
	OFF(reap, index), OFF(reap, total),
	OFF(sys_call, sysno), OFF(sys_call, ret), OFF(sys_call, enter_ts), OFF(sys_call, args),
	OFF(sys_call, comm),
	OFF(sys_exit_reap, sysno), OFF(sys_exit_reap, ret), OFF(sys_exit_reap, enter_ts),
	OFF(sys_exit_reap, ctx), OFF(sys_exit_reap, data), OFF(sys_exit_reap, obj),
	OFF(sys_exit_reap, res), OFF(sys_exit_reap, res2),
	OFF(sys_call_reap, sysno), OFF(sys_call_reap, enter_ago), OFF(sys_call_reap, min_nr),
	OFF(sys_call_reap, nr), OFF(sys_call_reap, ctx), OFF(sys_call_reap, data),
	OFF(sys_call_reap, obj), OFF(sys_call_reap, res), OFF(sys_call_reap, comm),
	OFF(task_exit, exit_code), OFF(task_exit, group_dead),
	OFF(lost, dropped), OFF(lost, since_ns), OFF(lost, probe), OFF(lost, flags), OFF(lost, until_ns),
};

size_t dsc_abi_field_count(void)
{
	return sizeof(fields) / sizeof(fields[0]);
}

const struct dsc_abi_field *dsc_abi_field_at(size_t i)
{
	return i < dsc_abi_field_count() ? &fields[i] : NULL;
}

unsigned int dsc_abi_version(void) { return DSC_ABI_VERSION; }
size_t dsc_abi_record_size(void) { return sizeof(struct dsc_event); }
