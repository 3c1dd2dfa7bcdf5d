import DioscopeABI

/// Every probe the embedded BPF object implements, in `dsc_probe_id` order.
public enum ProbeCatalog {
    private static func tp(_ id: dsc_probe_id, _ group: String, _ name: String, optional: Bool = false,
                           enabledByDefault: Bool = true) -> ProbeSpec {
        ProbeSpec(id: Int(id.rawValue), group: group, name: name, kind: .rawTracepoint, optional: optional,
                  enabledByDefault: enabledByDefault)
    }

    private static func sc(_ id: dsc_probe_id, _ name: String) -> ProbeSpec {
        ProbeSpec(id: Int(id.rawValue), group: "syscalls", name: name, kind: .syscall, optional: false)
    }

    /// read(2)/write(2): reported on O_DIRECT files only, but every call of every process runs
    /// the programs' file lookup (about 150 ns a call, measured with 4 M one-byte reads and
    /// writes, BENCHMARKS.md). On for a traced command (`run`, `record -- CMD`), whose
    /// session is bounded; off for a system-wide session unless asked for.
    private static func rw(_ id: dsc_probe_id, _ name: String) -> ProbeSpec {
        var p = ProbeSpec(id: Int(id.rawValue), group: "syscalls", name: name, kind: .syscall, optional: true,
                          enabledByDefault: false)
        p.offByDefaultReason = "every read(2)/write(2) on the machine pays for its file lookup; on for a traced command"
        return p
    }

    /// The probes a traced command's session attaches beyond the default ones.
    public static let commandProbes: Set<String> = ["read", "write"]

    /// All probes, indexed by their id.
    public static let all: [ProbeSpec] = [
        tp(DSC_P_DIO_BEGIN, "iomap", "iomap_dio_rw_begin"),
        tp(DSC_P_DIO_QUEUED, "iomap", "iomap_dio_rw_queued"),
        tp(DSC_P_DIO_COMPLETE, "iomap", "iomap_dio_complete"),
        tp(DSC_P_IOMAP_DSTMAP, "iomap", "iomap_iter_dstmap"),
        tp(DSC_P_BIO_QUEUE, "block", "block_bio_queue"),
        tp(DSC_P_RQ_ISSUE, "block", "block_rq_issue"),
        tp(DSC_P_RQ_COMPLETE, "block", "block_rq_complete"),
        // block_io_start/done repeat block_rq_issue/complete for the same requests, and
        // xfs_file_direct_write repeats iomap_dio_rw_begin (plus the on-disk size, unused):
        // the analyzer joins I/Os without them, so they are off unless asked for.
        tp(DSC_P_IO_START, "block", "block_io_start", optional: true, enabledByDefault: false),
        tp(DSC_P_IO_DONE, "block", "block_io_done", optional: true, enabledByDefault: false),
        tp(DSC_P_XFS_DIRECT_WRITE, "xfs", "xfs_file_direct_write", optional: true, enabledByDefault: false),
        tp(DSC_P_XFS_END_IO_DIRECT, "xfs", "xfs_end_io_direct_write", optional: true),
        tp(DSC_P_XFS_UNWRITTEN_CONV, "xfs", "xfs_unwritten_convert", optional: true),
        tp(DSC_P_XFS_SETFILESIZE, "xfs", "xfs_setfilesize", optional: true),
        tp(DSC_P_EXT4_MAP_BLOCKS, "ext4", "ext4_ext_map_blocks_enter", optional: true),
        tp(DSC_P_EXT4_UNWRITTEN, "ext4", "ext4_ext_handle_unwritten_extents", optional: true),
        tp(DSC_P_URING_COMPLETE, "io_uring", "io_uring_complete", optional: true),
        tp(DSC_P_XFS_ALLOC_FILE_SPACE, "xfs", "xfs_alloc_file_space", optional: true),
        tp(DSC_P_XFS_SETATTR, "xfs", "xfs_setattr", optional: true),
        tp(DSC_P_EXT4_FALLOCATE_ENTER, "ext4", "ext4_fallocate_enter", optional: true),
        tp(DSC_P_EXT4_FALLOCATE_EXIT, "ext4", "ext4_fallocate_exit", optional: true),
        tp(DSC_P_EXT4_TRUNCATE_ENTER, "ext4", "ext4_truncate_enter", optional: true),
        sc(DSC_P_SYS_PREAD64, "pread64"),
        sc(DSC_P_SYS_PWRITE64, "pwrite64"),
        sc(DSC_P_SYS_PREADV2, "preadv2"),
        sc(DSC_P_SYS_PWRITEV2, "pwritev2"),
        sc(DSC_P_SYS_IO_SUBMIT, "io_submit"),
        sc(DSC_P_SYS_IO_GETEVENTS, "io_getevents"),
        sc(DSC_P_SYS_IO_PGETEVENTS, "io_pgetevents"),
        sc(DSC_P_SYS_IO_URING_ENTER, "io_uring_enter"),
        sc(DSC_P_SYS_FALLOCATE, "fallocate"),
        sc(DSC_P_SYS_FTRUNCATE, "ftruncate"),
        sc(DSC_P_SYS_FSYNC, "fsync"),
        sc(DSC_P_SYS_FDATASYNC, "fdatasync"),
        tp(DSC_P_SCHED_FORK, "sched", "sched_process_fork"),
        tp(DSC_P_XFS_ZERO_EOF, "xfs", "xfs_zero_eof", optional: true),
        tp(DSC_P_SCHED_EXIT, "sched", "sched_process_exit"),
        // read(2)/write(2) on O_DIRECT files only (dd iflag/oflag=direct): their count makes a
        // short direct write visible, and their return ends a read at the end of the file
        rw(DSC_P_SYS_READ, "read"),
        rw(DSC_P_SYS_WRITE, "write"),
    ]

    /// `enum dsc_sysno` of each syscall probe, by name.
    public static func syscallNumber(_ name: String) -> Int? {
        let table: [String: dsc_sysno] = [
            "pread64": DSC_SYS_PREAD64, "pwrite64": DSC_SYS_PWRITE64, "preadv2": DSC_SYS_PREADV2,
            "pwritev2": DSC_SYS_PWRITEV2, "io_submit": DSC_SYS_IO_SUBMIT, "io_getevents": DSC_SYS_IO_GETEVENTS,
            "io_pgetevents": DSC_SYS_IO_PGETEVENTS, "io_uring_enter": DSC_SYS_IO_URING_ENTER,
            "fallocate": DSC_SYS_FALLOCATE, "ftruncate": DSC_SYS_FTRUNCATE, "fsync": DSC_SYS_FSYNC,
            "fdatasync": DSC_SYS_FDATASYNC, "read": DSC_SYS_READ, "write": DSC_SYS_WRITE,
        ]
        return table[name].map { Int($0.rawValue) }
    }

    /// Number of probe ids (`DSC_P_MAX`).
    public static var count: Int { Int(DSC_P_MAX.rawValue) }

    /// The probe with this id.
    public static func probe(id: Int) -> ProbeSpec? {
        all.indices.contains(id) ? all[id] : nil
    }

    /// The probe with this tracepoint or syscall name.
    public static func probe(named name: String) -> ProbeSpec? {
        all.first { $0.name == name || $0.displayName == name }
    }
}
