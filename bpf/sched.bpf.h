/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Following the traced process tree: a child forked by a traced
 * process is traced too, and a process that exits is forgotten; the
 * exits of traced tasks are recorded.
 */
#ifndef DIOSCOPE_SCHED_BPF_H
#define DIOSCOPE_SCHED_BPF_H

/* sched_process_fork(task_struct *parent, task_struct *child) */
static __always_inline int dsc_sched_fork(u64 *ctx, bool btf)
{
	struct task_struct *parent = (struct task_struct *)ctx[0];
	struct task_struct *child = (struct task_struct *)ctx[1];
	u32 ptgid, ctgid;
	u8 one = 1;

	if (!dsc_filter_pid)
		return 0;
	ptgid = DSC_RD(btf, parent, tgid);
	if (!bpf_map_lookup_elem(&dsc_tgids, &ptgid))
		return 0;
	ctgid = DSC_RD(btf, child, tgid);
	/*
	 * Emits no record, so counts nothing on success (per-probe counts
	 * are records). A child that cannot be added (the set is full) goes
	 * untraced: count it as a drop so the recording is not called clean.
	 */
	if (ctgid != ptgid &&
	    bpf_map_update_elem(&dsc_tgids, &ctgid, &one, BPF_ANY))
		dsc_count(DSC_P_SCHED_FORK, DSC_CNT_DROPPED);
	return 0;
}

/*
 * sched_process_exit(task_struct *p[, bool group_dead]), in the exiting
 * task's own context. A task that passes the process filter writes a
 * DSC_EV_TASK_EXIT, so that the analyzer forgets its thread's name and
 * state and, with the last thread, everything it keeps per process, and
 * settles completions the process posted but can no longer reap.
 *
 * When the last thread exits, the process is forgotten here too. Its tgid
 * leaves the traced set (which holds 8192: a test suite gated by
 * `dioscope run` forks more than that, and its later children went
 * untraced) and the set of processes that did direct I/O on a traced
 * device (which lets their file-less calls through under a device
 * filter); a reused pid starts afresh. Only the argument every kernel
 * passes is read: do_exit() decrements signal->live before this
 * tracepoint, so 0 means the whole group is dead.
 */
static __always_inline int dsc_sched_exit(u64 *ctx, bool btf)
{
	struct task_struct *p = (struct task_struct *)ctx[0];
	struct dsc_note_cache *c;
	struct dsc_event *e;
	bool group_dead;
	u32 tgid;

	group_dead = DSC_RD(btf, p, signal, live.counter) == 0;
	if (dsc_pass_fileless_event()) {
		e = dsc_reserve(DSC_P_SCHED_EXIT, DSC_EV_TASK_EXIT, 0, 0);
		if (e) {
			e->task_exit.exit_code = DSC_RD(btf, p, exit_code);
			e->task_exit.group_dead = group_dead;
			dsc_submit(e, DSC_P_SCHED_EXIT);
		}
	}
	if (!group_dead || (!dsc_filter_pid && !dsc_filter_dev))
		return 0;
	tgid = DSC_RD(btf, p, tgid);
	if (dsc_filter_pid)
		bpf_map_delete_elem(&dsc_tgids, &tgid);
	bpf_map_delete_elem(&dsc_active_tgids, &tgid);
	/* this CPU's cache of the last process that passed */
	c = dsc_cache();
	if (c) {
		if (c->tgid == tgid)
			c->tgid = 0;
		if (c->fileless_tgid == tgid)
			c->fileless_tgid = 0;
	}
	return 0;
}

#endif /* DIOSCOPE_SCHED_BPF_H */
