/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Following the traced process tree: a child forked by a traced
 * process is traced too.
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

#endif /* DIOSCOPE_SCHED_BPF_H */
