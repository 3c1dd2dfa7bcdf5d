/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Reserving, filling and submitting records; per-probe counters.
 */
#ifndef DIOSCOPE_EMIT_BPF_H
#define DIOSCOPE_EMIT_BPF_H

/* Which counter of struct dsc_counter an event goes to. */
enum dsc_count_kind {
	DSC_CNT_EMITTED,
	DSC_CNT_DROPPED,
	DSC_CNT_ABSORBED,	/* held back into a DSC_EV_DIO_STEPS record */
};

/* @n records of @c's probe lost now: counted, and their time noted. */
static __always_inline void dsc_note_drops(struct dsc_counter *c, u64 n)
{
	u32 zero = 0;
	u64 *epoch = bpf_map_lookup_elem(&dsc_drop_epoch, &zero);
	u64 now = bpf_ktime_get_ns();

	c->dropped += n;
	if (!epoch)
		return;
	if (c->drop_epoch != *epoch) {
		c->drop_epoch = *epoch;
		c->drop_first_ns = now;
	}
	c->drop_last_ns = now;
}

static __always_inline void dsc_count(u32 probe, enum dsc_count_kind kind)
{
	struct dsc_counter *c = bpf_map_lookup_elem(&dsc_counters, &probe);

	if (!c)
		return;
	if (kind == DSC_CNT_DROPPED)
		dsc_note_drops(c, 1);
	else if (kind == DSC_CNT_ABSORBED)
		c->absorbed++;
	else
		c->emitted++;
}

/*
 * Reserve a zeroed record with its header filled in. Counts a drop for
 * the probe and returns NULL when the ring is full.
 */
static __always_inline struct dsc_event *dsc_reserve(u32 probe, u16 type,
						     u32 dev, u64 ino)
{
	struct dsc_event *e;
	u64 id;

	e = bpf_ringbuf_reserve(&dsc_events, sizeof(*e), 0);
	if (!e) {
		dsc_count(probe, DSC_CNT_DROPPED);
		return NULL;
	}
	__builtin_memset(e, 0, sizeof(*e));
	id = bpf_get_current_pid_tgid();
	e->hdr.ts_ns = bpf_ktime_get_ns();
	e->hdr.tgid = id >> 32;
	e->hdr.tid = (u32)id;
	e->hdr.type = type;
	e->hdr.cpu = bpf_get_smp_processor_id();
	e->hdr.dev = dev;
	e->hdr.ino = ino;
	return e;
}

/* Submit, waking the consumer only when enough data is waiting. */
static __always_inline void dsc_submit(struct dsc_event *e, u32 probe)
{
	u64 flags = BPF_RB_NO_WAKEUP;

	if (bpf_ringbuf_query(&dsc_events, BPF_RB_AVAIL_DATA) >= dsc_wakeup_bytes)
		flags = BPF_RB_FORCE_WAKEUP;
	bpf_ringbuf_submit(e, flags);
	dsc_count(probe, DSC_CNT_EMITTED);
}

#endif /* DIOSCOPE_EMIT_BPF_H */
