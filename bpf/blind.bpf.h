/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * `dioscope probes --blind-tasks`: hardware and soft interrupts counted by
 * the task they interrupted (the current task), for comparison with a
 * tracefs instance counting the same tracepoints. A task with interrupts in
 * tracefs and fewer here is one the kernel runs no BPF program on top of
 * (on some VMs, the VM agent's threads): a direct I/O completed in an
 * interrupt there is lost to every BPF tool, uncounted. Never loaded while
 * tracing: the loader autoloads only the probes it chose.
 */
#ifndef DIOSCOPE_BLIND_BPF_H
#define DIOSCOPE_BLIND_BPF_H

/* Not preallocated: the object is loaded for every trace, and this map is
 * used only by the check (an entry is made once per interrupted task). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 8192);
	__type(key, u32);
	__type(value, u64);
} dsc_blind_counts SEC(".maps");

static __always_inline int dsc_blind_count(void)
{
	u32 tid = (u32)bpf_get_current_pid_tgid();
	u64 one = 1, *c;

	c = bpf_map_lookup_elem(&dsc_blind_counts, &tid);
	if (!c) {
		if (!bpf_map_update_elem(&dsc_blind_counts, &tid, &one, BPF_NOEXIST))
			return 0;
		/* another CPU made it first (or the map is full: then lost) */
		c = bpf_map_lookup_elem(&dsc_blind_counts, &tid);
		if (!c)
			return 0;
	}
	__sync_fetch_and_add(c, 1);
	return 0;
}

#endif /* DIOSCOPE_BLIND_BPF_H */
