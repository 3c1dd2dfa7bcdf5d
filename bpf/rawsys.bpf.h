/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * System calls from the raw syscall tracepoints (raw_syscalls:sys_enter
 * and sys_exit as tp_btf or raw_tp): two programs for every traced call,
 * dispatching on the x86-64 system call number. They run for every
 * system call on the machine, so the number is tested first; in exchange
 * a traced call costs no perf record as the classic syscalls:* do. The
 * handlers are syscalls.bpf.h's.
 */
#ifndef DIOSCOPE_RAWSYS_BPF_H
#define DIOSCOPE_RAWSYS_BPF_H

/* Which dsc_sysno calls the loader wants here (bit 1 << sysno). */
const volatile u32 dsc_sys_raw_mask = 0;

#define DSC_TS_COMPAT 0x0002	/* x86 thread_info.status: 32-bit call */

/* x86-64 system call numbers */
#define DSC_NR_READ 0
#define DSC_NR_WRITE 1
#define DSC_NR_PREAD64 17
#define DSC_NR_PWRITE64 18
#define DSC_NR_FSYNC 74
#define DSC_NR_FDATASYNC 75
#define DSC_NR_FTRUNCATE 77
#define DSC_NR_IO_GETEVENTS 208
#define DSC_NR_IO_SUBMIT 209
#define DSC_NR_FALLOCATE 285
#define DSC_NR_PREADV2 327
#define DSC_NR_PWRITEV2 328
#define DSC_NR_IO_PGETEVENTS 333
#define DSC_NR_IO_URING_ENTER 426

/* The dsc_sysno and probe of a system call number; 0 if not traced. */
static __always_inline u16 dsc_raw_sysno(long nr, u32 *probe)
{
	u16 sysno;

	switch (nr) {
	case DSC_NR_READ: sysno = DSC_SYS_READ; *probe = DSC_P_SYS_READ; break;
	case DSC_NR_WRITE: sysno = DSC_SYS_WRITE; *probe = DSC_P_SYS_WRITE; break;
	case DSC_NR_PREAD64: sysno = DSC_SYS_PREAD64; *probe = DSC_P_SYS_PREAD64; break;
	case DSC_NR_PWRITE64: sysno = DSC_SYS_PWRITE64; *probe = DSC_P_SYS_PWRITE64; break;
	case DSC_NR_PREADV2: sysno = DSC_SYS_PREADV2; *probe = DSC_P_SYS_PREADV2; break;
	case DSC_NR_PWRITEV2: sysno = DSC_SYS_PWRITEV2; *probe = DSC_P_SYS_PWRITEV2; break;
	case DSC_NR_IO_SUBMIT: sysno = DSC_SYS_IO_SUBMIT; *probe = DSC_P_SYS_IO_SUBMIT; break;
	case DSC_NR_IO_GETEVENTS: sysno = DSC_SYS_IO_GETEVENTS; *probe = DSC_P_SYS_IO_GETEVENTS; break;
	case DSC_NR_IO_PGETEVENTS: sysno = DSC_SYS_IO_PGETEVENTS; *probe = DSC_P_SYS_IO_PGETEVENTS; break;
	case DSC_NR_IO_URING_ENTER: sysno = DSC_SYS_IO_URING_ENTER; *probe = DSC_P_SYS_IO_URING_ENTER; break;
	case DSC_NR_FALLOCATE: sysno = DSC_SYS_FALLOCATE; *probe = DSC_P_SYS_FALLOCATE; break;
	case DSC_NR_FTRUNCATE: sysno = DSC_SYS_FTRUNCATE; *probe = DSC_P_SYS_FTRUNCATE; break;
	case DSC_NR_FSYNC: sysno = DSC_SYS_FSYNC; *probe = DSC_P_SYS_FSYNC; break;
	case DSC_NR_FDATASYNC: sysno = DSC_SYS_FDATASYNC; *probe = DSC_P_SYS_FDATASYNC; break;
	default: return 0;
	}
	if (!(dsc_sys_raw_mask & (1u << sysno)))
		return 0;
	/* a 32-bit task's numbers are another table's */
	if (bpf_get_current_task_btf()->thread_info.status & DSC_TS_COMPAT)
		return 0;
	return sysno;
}

/* sys_enter(pt_regs *regs, long id) */
static __always_inline int dsc_raw_sys_enter(u64 *ctx, bool btf)
{
	struct pt_regs *regs = (struct pt_regs *)ctx[0];
	s64 a0, a1, a2, a3;
	u32 probe = 0;
	u16 sysno;

	sysno = dsc_raw_sysno((long)ctx[1], &probe);
	if (!sysno)
		return 0;
	a0 = DSC_RD(btf, regs, di);
	a1 = DSC_RD(btf, regs, si);
	a2 = DSC_RD(btf, regs, dx);
	a3 = DSC_RD(btf, regs, r10);
	switch (sysno) {
	case DSC_SYS_PREADV2:
	case DSC_SYS_PWRITEV2:
		return dsc_sys_enter(probe, sysno, (s32)a0, DSC_FD_FILE, a1,
				     dsc_iov_total((const struct iovec *)a1, a2),
				     a3, 0);
	case DSC_SYS_IO_SUBMIT:
		return dsc_sys_enter(probe, sysno, -1, DSC_FD_NONE, a0, a1, a2, 0);
	case DSC_SYS_IO_GETEVENTS:
	case DSC_SYS_IO_PGETEVENTS:
		return dsc_sys_enter(probe, sysno, -1, DSC_FD_NONE, a0, a1, a2, a3);
	case DSC_SYS_IO_URING_ENTER:
		return dsc_sys_enter(probe, sysno, (s32)a0, DSC_FD_NONE, a1, a2, a3, 0);
	case DSC_SYS_FTRUNCATE:
		return dsc_sys_enter(probe, sysno, (s32)a0, DSC_FD_FILE, a1, 0, 0, 0);
	case DSC_SYS_FSYNC:
	case DSC_SYS_FDATASYNC:
		return dsc_sys_enter(probe, sysno, (s32)a0, DSC_FD_FILE, 0, 0, 0, 0);
	case DSC_SYS_READ:
	case DSC_SYS_WRITE:
		return dsc_sys_enter(probe, sysno, (s32)a0, DSC_FD_DIRECT, a1, a2, 0, 0);
	default:	/* pread64, pwrite64, fallocate */
		return dsc_sys_enter(probe, sysno, (s32)a0, DSC_FD_FILE, a1, a2, a3, 0);
	}
}

/* sys_exit(pt_regs *regs, long ret) */
static __always_inline int dsc_raw_sys_exit(u64 *ctx, bool btf)
{
	struct pt_regs *regs = (struct pt_regs *)ctx[0];
	u32 probe = 0;
	u16 sysno;

	sysno = dsc_raw_sysno((long)DSC_RD(btf, regs, orig_ax), &probe);
	if (!sysno)
		return 0;
	return dsc_sys_exit(probe, sysno, (s64)ctx[1]);
}

#endif /* DIOSCOPE_RAWSYS_BPF_H */
