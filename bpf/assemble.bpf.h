/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * In-kernel assembly of plain direct I/O (DSC_EV_DIO_STEPS, see the ABI
 * header).
 *
 * Most direct I/O overwrites allocated blocks: one MAPPED mapping, one bio,
 * one request. None of those steps can take part in a race the analyzer
 * looks for, yet each cost a ring-buffer record. From its begin, a task's
 * I/O is a candidate (dsc_dio_cur_map); its first mapping decides:
 *  - MAPPED, not NEW, covering the whole I/O: an entry in dsc_asm_map keyed
 *    by kiocb holds the mapping, then the bio, then the request's issue and
 *    completion, and the whole is emitted as one record just before the
 *    I/O's DSC_EV_DIO_COMPLETE;
 *  - anything else: the I/O is traced as ordinary events.
 * An entry that stops being plain (a second mapping or bio, a bio of
 * another size, a request holding other bios too) is emitted at once with
 * DSC_STEP_PARTIAL, and the rest of its I/O follows as ordinary events; so
 * every step reaches user space, in order, exactly once.
 */
#ifndef DIOSCOPE_ASSEMBLE_BPF_H
#define DIOSCOPE_ASSEMBLE_BPF_H

enum dsc_asm_state {
	DSC_ASM_NONE = 0,
	DSC_ASM_CANDIDATE = 1,	/* begun, no mapping yet */
	DSC_ASM_HELD = 2,	/* its steps are in dsc_asm_map */
	DSC_ASM_STREAMING = 3,	/* traced as ordinary events */
};

static __always_inline struct dsc_dio_cur *dsc_cur(bool create)
{
	return bpf_task_storage_get(&dsc_dio_cur_map, bpf_get_current_task_btf(), 0,
				    create ? BPF_LOCAL_STORAGE_GET_F_CREATE : 0);
}

/* Emit what @a holds for @kiocb (now, or with @partial because it stopped
 * being plain) and forget it. */
static __always_inline void dsc_asm_emit(struct dsc_asm *a, u64 kiocb, u32 probe,
					 bool partial)
{
	struct dsc_event *e;
	u8 steps = a->steps;
	u64 now, d;
	int i;

	e = dsc_reserve(probe, DSC_EV_DIO_STEPS, a->dev, a->ino);
	if (e) {
		now = e->hdr.ts_ns;
		for (i = 0; i < DSC_STEP_N; i++) {
			if (!(steps & (1u << i)))
				continue;
			d = now - a->ts[i];
			/* a step older than 4.29 s cannot be stated: leave it out */
			if (d >> 32)
				steps &= ~(1u << i);
			else
				e->steps.ago[i] = (u32)d;
		}
		e->steps.kiocb = kiocb;
		e->steps.map_addr = a->map_addr;
		e->steps.map_offset = a->map_offset;
		e->steps.bio_sector = a->bio_sector;
		e->steps.map_length = a->map_length;
		e->steps.bdev = a->bdev;
		e->steps.map_flags = a->map_flags;
		e->steps.bio_flags = a->bio_flags;
		e->steps.steps = steps | (partial ? DSC_STEP_PARTIAL : 0);
		e->steps.blkbits = a->blkbits;
		e->steps.rq_error = a->rq_error;
		e->steps.bio_op = a->bio_op;
		dsc_submit(e, probe);
	}
	bpf_map_delete_elem(&dsc_asm_map, &kiocb);
}

static __always_inline void dsc_asm_escalate(u64 kiocb, u32 probe)
{
	struct dsc_asm *a = bpf_map_lookup_elem(&dsc_asm_map, &kiocb);

	if (a)
		dsc_asm_emit(a, kiocb, probe, true);
}

/* iomap_dio_rw_begin, after its record was emitted. */
static __always_inline void dsc_asm_begin(u64 kiocb, u32 dev, u64 ino, s64 pos, u64 count)
{
	struct dsc_dio_cur *cur;

	if (!dsc_assemble)
		return;
	cur = dsc_cur(true);
	if (!cur)
		return;
	cur->kiocb = kiocb;
	cur->ino = ino;
	cur->dev = dev;
	cur->pos = pos;
	cur->count = count;
	cur->state = DSC_ASM_CANDIDATE;
}

/* iomap_iter_dstmap in the submitting task: true when the event is held. */
static __always_inline bool dsc_asm_mapping(u32 dev, u64 ino, u64 addr, s64 offset,
					    u64 length, u16 type, u16 flags, u32 bdev,
					    u8 blkbits)
{
	struct dsc_dio_cur *cur;
	struct dsc_asm a = {};
	u64 kiocb;

	if (!dsc_assemble)
		return false;
	cur = dsc_cur(false);
	if (!cur || cur->ino != ino || cur->dev != dev)
		return false;
	kiocb = cur->kiocb;
	if (cur->state == DSC_ASM_HELD) {
		/* a second mapping: no longer plain */
		cur->state = DSC_ASM_STREAMING;
		dsc_asm_escalate(kiocb, DSC_P_IOMAP_DSTMAP);
		return false;
	}
	if (cur->state != DSC_ASM_CANDIDATE)
		return false;
	cur->state = DSC_ASM_STREAMING;
	if (type != DSC_IOMAP_MAPPED || (flags & DSC_IOMAP_F_NEW) || !cur->count ||
	    offset > cur->pos || offset + (s64)length < cur->pos + (s64)cur->count ||
	    (length >> 32))
		return false;
	a.map_addr = addr;
	a.map_offset = offset;
	a.map_length = (u32)length;
	a.map_flags = flags;
	a.bdev = bdev;
	a.blkbits = blkbits;
	a.ino = ino;
	a.dev = dev;
	a.count = cur->count;
	a.ts[DSC_STEP_IDX_MAP] = bpf_ktime_get_ns();
	a.steps = DSC_STEP_MAP;
	/* BPF_ANY: replaces an entry an earlier I/O under this kiocb address
	 * left behind (one that failed between its mapping and its completion) */
	if (bpf_map_update_elem(&dsc_asm_map, &kiocb, &a, BPF_ANY))
		return false;	/* full: trace this I/O as ordinary events */
	cur->state = DSC_ASM_HELD;
	dsc_count_absorbed(DSC_P_IOMAP_DSTMAP);
	return true;
}

/* iomap_dio_rw_queued in the submitting task: its submission is over. */
static __always_inline void dsc_asm_submitted(void)
{
	struct dsc_dio_cur *cur;

	if (!dsc_assemble)
		return;
	cur = dsc_cur(false);
	if (cur)
		cur->state = DSC_ASM_NONE;
}

/* block_bio_queue of an iomap DIO bio: true when the event is held. */
static __always_inline bool dsc_asm_bio(u64 kiocb, u64 bio, u64 sector, u32 bytes,
					u16 flags, u8 op)
{
	struct dsc_asm *a;

	if (!dsc_assemble || !kiocb)
		return false;
	a = bpf_map_lookup_elem(&dsc_asm_map, &kiocb);
	if (!a)
		return false;
	if ((a->steps & DSC_STEP_BIO) || bytes != a->count) {
		dsc_asm_emit(a, kiocb, DSC_P_BIO_QUEUE, true);
		return false;
	}
	a->bio = bio;
	a->bio_sector = sector;
	a->bio_flags = flags;
	a->bio_op = op;
	a->ts[DSC_STEP_IDX_BIO] = bpf_ktime_get_ns();
	a->steps |= DSC_STEP_BIO;
	dsc_count_absorbed(DSC_P_BIO_QUEUE);
	return true;
}

/*
 * The held entry whose bio is @bio, if @bio belongs to an iomap DIO. A
 * part the block layer split off a held bio (bi_end_io bio_chain_endio,
 * bi_private the bio) finds its bio's entry too, with *@split set.
 */
static __always_inline struct dsc_asm *dsc_asm_of_bio(struct bio *bio, u64 *kiocb,
						      bool *split, bool btf)
{
	struct iomap_dio *dio;
	struct dsc_asm *a;
	u64 end_io = (u64)DSC_RD(btf, bio, bi_end_io);

	*split = false;
	if (end_io == dsc_addr_bio_chain_endio) {
		/* bi_private is a void *: read it by helper */
		bio = (struct bio *)BPF_CORE_READ(bio, bi_private);
		if (!bio)
			return NULL;
		end_io = (u64)BPF_CORE_READ(bio, bi_end_io);
		*split = true;
	}
	if (end_io != dsc_addr_iomap_dio_bio_end_io)
		return NULL;
	dio = BPF_CORE_READ(bio, bi_private);
	*kiocb = (u64)BPF_CORE_READ(dio, iocb);
	a = bpf_map_lookup_elem(&dsc_asm_map, kiocb);
	if (!a || a->bio != (u64)bio)
		return NULL;
	return a;
}

/* Bios of one request looked at for held entries. */
#define DSC_ASM_RQ_BIOS 4

/*
 * block_rq_issue / block_rq_complete: true when the event is held (the
 * request carries exactly one bio, a held one, whole). A request merging a
 * held bio with others, or carrying a part of one the block layer split,
 * releases that bio's entry first, so that the request's own record finds
 * the bio in user space.
 */
static __always_inline bool dsc_asm_request(struct request *rq, u32 probe, u8 step,
					    s32 error, bool btf)
{
	struct bio *bio, *tail;
	struct dsc_asm *a;
	u64 kiocb = 0;
	bool split;
	int i;

	if (!dsc_assemble)
		return false;
	bio = DSC_RD(btf, rq, bio);
	if (!bio)
		return false;
	tail = DSC_RD(btf, rq, biotail);
	if (bio == tail) {
		a = dsc_asm_of_bio(bio, &kiocb, &split, btf);
		if (!a)
			return false;
		/* a split part, or what is left of a split bio: not the bio as queued */
		if (split || DSC_RD(btf, rq, __sector) != a->bio_sector ||
		    DSC_RD(btf, rq, __data_len) != a->count) {
			dsc_asm_emit(a, kiocb, probe, true);
			return false;
		}
		a->ts[step] = bpf_ktime_get_ns();
		a->steps |= 1u << step;
		if (error)
			a->rq_error = (u8)error;
		dsc_count_absorbed(probe);
		return true;
	}
	for (i = 0; i < DSC_ASM_RQ_BIOS && bio; i++) {
		a = dsc_asm_of_bio(bio, &kiocb, &split, btf);
		if (a)
			dsc_asm_emit(a, kiocb, probe, true);
		bio = DSC_RD(btf, bio, bi_next);
	}
	return false;
}

/* iomap_dio_complete, before its record: emit what was held. */
static __always_inline void dsc_asm_complete(u64 kiocb)
{
	struct dsc_dio_cur *cur;
	struct dsc_asm *a;

	if (!dsc_assemble)
		return;
	a = bpf_map_lookup_elem(&dsc_asm_map, &kiocb);
	if (a)
		dsc_asm_emit(a, kiocb, DSC_P_DIO_COMPLETE, false);
	/* a synchronous I/O completes in its own task */
	cur = dsc_cur(false);
	if (cur && cur->kiocb == kiocb)
		cur->state = DSC_ASM_NONE;
}

#endif /* DIOSCOPE_ASSEMBLE_BPF_H */
