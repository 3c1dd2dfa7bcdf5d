/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Block layer: bios entering a queue, requests issued and completed.
 */
#ifndef DIOSCOPE_BLOCK_BPF_H
#define DIOSCOPE_BLOCK_BPF_H

/* Normalize a blk_opf_t to enum dsc_block_op. */
static __always_inline u8 dsc_block_op(blk_opf_t opf)
{
	u32 op = opf & DSC_REQ_OP_MASK;

	if (op == bpf_core_enum_value(enum req_op, REQ_OP_READ))
		return DSC_BOP_READ;
	if (op == bpf_core_enum_value(enum req_op, REQ_OP_WRITE))
		return DSC_BOP_WRITE;
	if (op == bpf_core_enum_value(enum req_op, REQ_OP_FLUSH))
		return DSC_BOP_FLUSH;
	if (op == bpf_core_enum_value(enum req_op, REQ_OP_DISCARD))
		return DSC_BOP_DISCARD;
	if (op == bpf_core_enum_value(enum req_op, REQ_OP_WRITE_ZEROES))
		return DSC_BOP_WRITE_ZEROES;
	return DSC_BOP_OTHER;
}

/* Normalize the REQ_* flag bits to DSC_BF_*. */
static __always_inline u16 dsc_block_flags(blk_opf_t opf)
{
	u16 f = 0;

	if (opf & (1u << bpf_core_enum_value(enum req_flag_bits, __REQ_SYNC)))
		f |= DSC_BF_SYNC;
	if (opf & (1u << bpf_core_enum_value(enum req_flag_bits, __REQ_FUA)))
		f |= DSC_BF_FUA;
	if (opf & (1u << bpf_core_enum_value(enum req_flag_bits, __REQ_PREFLUSH)))
		f |= DSC_BF_PREFLUSH;
	if (opf & (1u << bpf_core_enum_value(enum req_flag_bits, __REQ_META)))
		f |= DSC_BF_META;
	if (opf & (1u << bpf_core_enum_value(enum req_flag_bits, __REQ_RAHEAD)))
		f |= DSC_BF_AHEAD;
	return f;
}

/* block_bio_queue(bio *) */
static __always_inline int dsc_bio_queue(u64 *ctx, bool btf)
{
	struct bio *bio = (struct bio *)ctx[0];
	u32 bdev = DSC_RD(btf, bio, bi_bdev, bd_dev);
	blk_opf_t opf;
	struct dsc_event *e;
	u64 sector, kiocb = 0;
	u32 bytes;
	u16 flags;
	u8 op;

	if (!dsc_pass_block_event(bdev))
		return 0;
	opf = DSC_RD(btf, bio, bi_opf);
	flags = dsc_block_flags(opf);
	op = dsc_block_op(opf);
	sector = DSC_RD(btf, bio, bi_iter.bi_sector);
	bytes = DSC_RD(btf, bio, bi_iter.bi_size);
	if (dsc_addr_iomap_dio_bio_end_io &&
	    (u64)DSC_RD(btf, bio, bi_end_io) == dsc_addr_iomap_dio_bio_end_io) {
		struct iomap_dio *dio = DSC_RD(btf, bio, bi_private);

		/* bi_private is a void *: not a BTF pointer, read it by helper */
		kiocb = (u64)BPF_CORE_READ(dio, iocb);
		flags |= DSC_BF_IOMAP_DIO;
		if (dsc_asm_bio(kiocb, (u64)bio, sector, bytes, flags, op))
			return 0;
	}
	e = dsc_reserve(DSC_P_BIO_QUEUE, DSC_EV_BIO_QUEUE, bdev, 0);
	if (!e)
		return 0;
	e->block.sector = sector;
	e->block.bytes = bytes;
	e->block.nr_sector = bytes >> 9;
	e->block.ptr = (u64)bio;
	e->block.kiocb = kiocb;
	e->block.flags = flags;
	e->block.op = op;
	dsc_submit(e, DSC_P_BIO_QUEUE);
	return 0;
}

/* The device a request is for, as the block tracepoints print it. */
static __always_inline u32 dsc_rq_dev(struct request *rq, bool btf)
{
	struct gendisk *disk = DSC_RD(btf, rq, q, disk);
	u32 major, minor;

	if (!disk)
		return 0;
	major = DSC_RD(btf, disk, major);
	minor = DSC_RD(btf, disk, first_minor);
	return (major << 20) | minor;
}

/* Step a request event is for a held bio (assemble.bpf.h); none for io_start/done. */
#define DSC_RQ_NO_STEP 0xff

static __always_inline int dsc_rq_event(u64 *ctx, u32 probe, u16 type, u8 step,
					s32 error, u32 bytes_override, bool btf)
{
	struct request *rq = (struct request *)ctx[0];
	u32 bdev = dsc_rq_dev(rq, btf);
	blk_opf_t opf;
	struct dsc_event *e;

	if (!dsc_pass_block_event(bdev))
		return 0;
	if (step != DSC_RQ_NO_STEP && dsc_asm_request(rq, probe, step, error, btf))
		return 0;
	e = dsc_reserve(probe, type, bdev, 0);
	if (!e)
		return 0;
	opf = DSC_RD(btf, rq, cmd_flags);
	e->block.sector = DSC_RD(btf, rq, __sector);
	e->block.bytes = bytes_override ? bytes_override : DSC_RD(btf, rq, __data_len);
	e->block.nr_sector = e->block.bytes >> 9;
	e->block.ptr = (u64)rq;
	e->block.error = error;
	e->block.flags = dsc_block_flags(opf);
	e->block.op = dsc_block_op(opf);
	dsc_submit(e, probe);
	return 0;
}

/* block_rq_issue(request *) */
static __always_inline int dsc_rq_issue(u64 *ctx, bool btf)
{
	return dsc_rq_event(ctx, DSC_P_RQ_ISSUE, DSC_EV_RQ_ISSUE, DSC_STEP_IDX_ISSUE, 0, 0, btf);
}

/* block_rq_complete(request *, blk_status_t error, unsigned int nr_bytes) */
static __always_inline int dsc_rq_complete(u64 *ctx, bool btf)
{
	return dsc_rq_event(ctx, DSC_P_RQ_COMPLETE, DSC_EV_RQ_COMPLETE, DSC_STEP_IDX_RQ_DONE,
			    (s32)(u8)ctx[1], (u32)ctx[2], btf);
}

/* block_io_start(request *) */
static __always_inline int dsc_io_start(u64 *ctx, bool btf)
{
	return dsc_rq_event(ctx, DSC_P_IO_START, DSC_EV_IO_START, DSC_RQ_NO_STEP, 0, 0, btf);
}

/* block_io_done(request *) */
static __always_inline int dsc_io_done(u64 *ctx, bool btf)
{
	return dsc_rq_event(ctx, DSC_P_IO_DONE, DSC_EV_IO_DONE, DSC_RQ_NO_STEP, 0, 0, btf);
}

#endif /* DIOSCOPE_BLOCK_BPF_H */
