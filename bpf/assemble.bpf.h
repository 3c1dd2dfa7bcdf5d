/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * In-kernel assembly of plain direct I/O (DSC_EV_DIO_STEPS, see the ABI
 * header).
 *
 * Most direct I/O overwrites allocated blocks: one MAPPED mapping, one bio,
 * one request. None of those steps can take part in a race the analyzer
 * looks for, yet each cost a ring-buffer record. From its begin, a task's
 * I/O is a candidate (dsc_dio_cur_map, per CPU); its first mapping decides:
 *  - MAPPED, not NEW, covering the whole I/O: a slot of dsc_asm_slots
 *    chosen by kiocb holds the mapping, then the bio, then the request's issue and
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
	DSC_ASM_HELD = 2,	/* its steps are in a slot of dsc_asm_slots */
	DSC_ASM_STREAMING = 3,	/* traced as ordinary events */
};

/* This CPU's I/O being submitted, if the current task began it. */
static __always_inline struct dsc_dio_cur *dsc_cur(bool mine)
{
	u32 zero = 0;
	struct dsc_dio_cur *cur = bpf_map_lookup_elem(&dsc_dio_cur_map, &zero);

	if (cur && mine && cur->tid != (u32)bpf_get_current_pid_tgid())
		return NULL;
	return cur;
}

/* The slot of @kiocb's address (slab objects: the low 6 bits carry little). */
static __always_inline struct dsc_asm *dsc_asm_slot(u64 kiocb)
{
	u32 i = (u32)((kiocb >> 6) ^ (kiocb >> 19)) & (DSC_ASM_SLOTS - 1);

	return bpf_map_lookup_elem(&dsc_asm_slots, &i);
}

/* The slot holding @kiocb's steps, or NULL. */
static __always_inline struct dsc_asm *dsc_asm_find(u64 kiocb)
{
	struct dsc_asm *a = dsc_asm_slot(kiocb);

	if (!a || !kiocb || *(volatile u64 *)&a->kiocb != kiocb)
		return NULL;
	return a;
}

/*
 * Emit what @a holds for @kiocb (at its completion, or with @partial
 * because it stopped being plain) and free the slot. One I/O's steps run
 * one after another (the block layer orders them), so only the tag is
 * contended: it is freed with an atomic exchange, after every field was
 * read.
 */
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
	}
	__sync_lock_test_and_set(&a->kiocb, 0);
	if (e)
		dsc_submit(e, probe);
}

/* Emit and free @kiocb's slot, if it holds that I/O's steps. */
static __always_inline void dsc_asm_release(u64 kiocb, u32 probe, bool partial)
{
	struct dsc_asm *a = dsc_asm_find(kiocb);

	if (a)
		dsc_asm_emit(a, kiocb, probe, partial);
}

/* iomap_dio_rw_begin, after its record was emitted. */
static __always_inline void dsc_asm_begin(u64 kiocb, u32 dev, u64 ino, s64 pos, u64 count)
{
	struct dsc_dio_cur *cur;

	if (!dsc_assemble)
		return;
	cur = dsc_cur(false);
	if (!cur)
		return;
	cur->tid = (u32)bpf_get_current_pid_tgid();
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
	struct dsc_asm *a;
	u64 kiocb, old;

	if (!dsc_assemble)
		return false;
	cur = dsc_cur(true);
	if (!cur || cur->ino != ino || cur->dev != dev)
		return false;
	kiocb = cur->kiocb;
	if (cur->state == DSC_ASM_HELD) {
		/* a second mapping: no longer plain */
		cur->state = DSC_ASM_STREAMING;
		dsc_asm_release(kiocb, DSC_P_IOMAP_DSTMAP, true);
		return false;
	}
	if (cur->state != DSC_ASM_CANDIDATE)
		return false;
	cur->state = DSC_ASM_STREAMING;
	if (type != DSC_IOMAP_MAPPED || (flags & DSC_IOMAP_F_NEW) || !cur->count || !kiocb ||
	    offset > cur->pos || offset + (s64)length < cur->pos + (s64)cur->count ||
	    (length >> 32))
		return false;
	a = dsc_asm_slot(kiocb);
	if (!a)
		return false;
	/*
	 * Claim the slot. Taken by another I/O in flight: trace this one as
	 * ordinary events. Taken under this very address: an I/O whose
	 * completion no program recorded (a recursion miss, or a softirq on
	 * top of a task the kernel runs no BPF program for), as its kiocb is
	 * in use again; take it over. Kiocbs are reused soon (a mixed load
	 * leaving 13 such completions left no slot claimed 2 s after it).
	 */
	old = __sync_val_compare_and_swap(&a->kiocb, 0, kiocb);
	if (old && old != kiocb)
		return false;
	a->bio = 0;
	a->map_addr = addr;
	a->map_offset = offset;
	a->map_length = (u32)length;
	a->map_flags = flags;
	a->bdev = bdev;
	a->blkbits = blkbits;
	a->ino = ino;
	a->dev = dev;
	a->count = cur->count;
	a->rq_error = 0;
	a->ts[DSC_STEP_IDX_MAP] = bpf_ktime_get_ns();
	a->steps = DSC_STEP_MAP;
	cur->state = DSC_ASM_HELD;
	dsc_count(DSC_P_IOMAP_DSTMAP, DSC_CNT_ABSORBED);
	return true;
}

/* iomap_dio_rw_queued in the submitting task: its submission is over. */
static __always_inline void dsc_asm_submitted(void)
{
	struct dsc_dio_cur *cur;

	if (!dsc_assemble)
		return;
	cur = dsc_cur(true);
	if (cur)
		cur->state = DSC_ASM_NONE;
}

/* block_bio_queue of an iomap DIO bio: true when the event is held. */
static __always_inline bool dsc_asm_bio(u64 kiocb, u64 bio, u64 sector, u32 bytes,
					u16 flags, u8 op)
{
	struct dsc_asm *a;

	if (!dsc_assemble)
		return false;
	a = dsc_asm_find(kiocb);
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
	dsc_count(DSC_P_BIO_QUEUE, DSC_CNT_ABSORBED);
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
	a = dsc_asm_find(*kiocb);
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
		dsc_count(probe, DSC_CNT_ABSORBED);
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

	if (!dsc_assemble)
		return;
	dsc_asm_release(kiocb, DSC_P_DIO_COMPLETE, false);
	/* a synchronous I/O completes in its own task */
	cur = dsc_cur(true);
	if (cur && cur->kiocb == kiocb)
		cur->state = DSC_ASM_NONE;
}

#endif /* DIOSCOPE_ASSEMBLE_BPF_H */
