/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * In-kernel filtering.
 *
 * Three independent filters, each off unless the loader turned it on:
 * a device set, a process-tree set, and a cgroup. An event passes when
 * every enabled filter accepts it. Events from the traced processes
 * themselves are judged by who ran them; work the kernel does later on
 * their behalf (kworkers, interrupts) is judged by what it touches: an
 * inode or block device that a traced process did direct I/O on.
 */
#ifndef DIOSCOPE_FILTER_BPF_H
#define DIOSCOPE_FILTER_BPF_H

static __always_inline bool dsc_task_filtered(void)
{
	return dsc_filter_pid || dsc_filter_cgroup;
}

/* Does the current task belong to the traced processes / cgroup? */
static __always_inline bool dsc_task_ok(void)
{
	if (dsc_filter_pid) {
		u32 tgid = bpf_get_current_pid_tgid() >> 32;

		if (!bpf_map_lookup_elem(&dsc_tgids, &tgid))
			return false;
	}
	if (dsc_filter_cgroup && bpf_get_current_cgroup_id() != dsc_cgroup_id)
		return false;
	return true;
}

static __always_inline bool dsc_dev_ok(u32 dev)
{
	int i;

	if (!dsc_filter_dev)
		return true;
	if (dsc_devs_in_map)
		return bpf_map_lookup_elem(&dsc_devs, &dev) != NULL;
	for (i = 0; i < DSC_DEV_SLOTS; i++) {
		if (dev && dsc_dev_slots[i] == dev)
			return true;
	}
	return false;
}

static __always_inline struct dsc_note_cache *dsc_cache(void)
{
	u32 zero = 0;

	return bpf_map_lookup_elem(&dsc_note_cache, &zero);
}

/* Remember a block device a traced task did direct I/O on. */
static __always_inline void dsc_note_bdev(u32 bdev)
{
	struct dsc_note_cache *c = dsc_cache();
	u8 one = 1;

	if (!bdev || (c && c->bdev == bdev))
		return;
	if (!bpf_map_lookup_elem(&dsc_active_bdevs, &bdev))
		bpf_map_update_elem(&dsc_active_bdevs, &bdev, &one, BPF_ANY);
	if (c)
		c->bdev = bdev;
}

static __always_inline bool dsc_inode_active(u32 dev, u64 ino)
{
	struct dsc_inode_key k = { .ino = ino, .dev = dev };

	return bpf_map_lookup_elem(&dsc_active_inodes, &k) != NULL;
}

/*
 * Remember a task-context direct I/O that passed: its inode, its block
 * device and its process, so that later kernel-context work matches.
 */
static __always_inline void dsc_note_active(u32 dev, u64 ino, u32 bdev)
{
	struct dsc_inode_key k = { .ino = ino, .dev = dev };
	struct dsc_note_cache *c = dsc_cache();
	u32 tgid = bpf_get_current_pid_tgid() >> 32;
	u8 one = 1;

	/* Look before writing: updates cost far more than lookups. */
	if (!c || c->ino != ino || c->dev != dev) {
		if (!bpf_map_lookup_elem(&dsc_active_inodes, &k))
			bpf_map_update_elem(&dsc_active_inodes, &k, &one, BPF_ANY);
		if (c) {
			c->ino = ino;
			c->dev = dev;
		}
	}
	dsc_note_bdev(bdev);
	if (!c || c->tgid != tgid) {
		if (!bpf_map_lookup_elem(&dsc_active_tgids, &tgid))
			bpf_map_update_elem(&dsc_active_tgids, &tgid, &one, BPF_ANY);
		if (c)
			c->tgid = tgid;
	}
}

/* Events run by the I/O's own task: syscalls, dio begin, direct write. */
static __always_inline bool dsc_pass_task_event(u32 dev)
{
	return dsc_dev_ok(dev) && dsc_task_ok();
}

/*
 * Task events with no file (io_submit, io_getevents, io_uring_enter,
 * CQEs): with only a device filter, they pass for processes that have
 * done direct I/O on a traced device.
 */
static __always_inline bool dsc_pass_fileless_event(void)
{
	struct dsc_note_cache *c;
	u32 tgid;

	if (dsc_task_filtered())
		return dsc_task_ok();
	if (!dsc_filter_dev)
		return true;
	tgid = bpf_get_current_pid_tgid() >> 32;
	c = dsc_cache();
	if (c && tgid && (c->tgid == tgid || c->fileless_tgid == tgid))
		return true;
	if (!bpf_map_lookup_elem(&dsc_active_tgids, &tgid))
		return false;
	if (c)
		c->fileless_tgid = tgid;
	return true;
}

/* Filesystem events that may run in any context. */
static __always_inline bool dsc_pass_fs_event(u32 dev, u64 ino)
{
	if (!dsc_dev_ok(dev))
		return false;
	if (!dsc_task_filtered())
		return true;
	return dsc_task_ok() || dsc_inode_active(dev, ino);
}

/* Block events: any context, judged by the device. */
static __always_inline bool dsc_pass_block_event(u32 bdev)
{
	if (!dsc_dev_ok(bdev))
		return false;
	if (!dsc_task_filtered())
		return true;
	return dsc_task_ok() ||
	       bpf_map_lookup_elem(&dsc_active_bdevs, &bdev) != NULL;
}

#endif /* DIOSCOPE_FILTER_BPF_H */
