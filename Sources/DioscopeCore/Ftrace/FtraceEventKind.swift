/// The ftrace events the importer understands.
enum FtraceEventKind: Sendable {
    case dioBegin, dioQueued, dioComplete, dstmap
    case block(BlockEventKind)
    case xfs(XFSEventKind)
    case ext4MapBlocksEnter, ext4HandleUnwritten
    case uringComplete
    /// `io_uring_submit_req`: no event of its own; its user_data goes to the direct I/O that
    /// follows it in its task (``FtraceLineParser``).
    case uringSubmit
    /// `sched_process_exit`: a task of the traced command exits.
    case taskExit
    case space(SpaceOpKind)
    /// trace-cmd style `sys_enter_pwrite64:` / `sys_exit_pwrite64:`.
    case sysEnter(Syscall)
    case sysExit(Syscall)

    /// Event names as ftrace prints them before the `:`.
    static let table: FtraceNameTable<FtraceEventKind> = {
        var pairs: [(String, FtraceEventKind)] = [
            ("iomap_dio_rw_begin", .dioBegin),
            ("iomap_dio_rw_queued", .dioQueued),
            ("iomap_dio_complete", .dioComplete),
            ("iomap_iter_dstmap", .dstmap),
            ("block_bio_queue", .block(.bioQueue)),
            ("block_rq_issue", .block(.rqIssue)),
            ("block_rq_complete", .block(.rqComplete)),
            ("block_io_start", .block(.ioStart)),
            ("block_io_done", .block(.ioDone)),
            ("xfs_file_direct_write", .xfs(.directWrite)),
            ("xfs_end_io_direct_write", .xfs(.endIoDirectWrite)),
            ("xfs_unwritten_convert", .xfs(.unwrittenConvert)),
            ("xfs_setfilesize", .xfs(.setFileSize)),
            ("ext4_ext_map_blocks_enter", .ext4MapBlocksEnter),
            ("ext4_ext_handle_unwritten_extents", .ext4HandleUnwritten),
            ("io_uring_complete", .uringComplete),
            ("io_uring_submit_req", .uringSubmit),
            ("sched_process_exit", .taskExit),
            ("xfs_alloc_file_space", .space(.xfsAllocFileSpace)),
            ("xfs_setattr", .space(.xfsSetattr)),
            ("xfs_zero_eof", .space(.xfsZeroEof)),
            ("ext4_fallocate_enter", .space(.ext4FallocateEnter)),
            ("ext4_fallocate_exit", .space(.ext4FallocateExit)),
            ("ext4_truncate_enter", .space(.ext4TruncateEnter)),
        ]
        for s in Syscall.allCases {
            pairs.append(("sys_enter_\(s.description)", .sysEnter(s)))
            pairs.append(("sys_exit_\(s.description)", .sysExit(s)))
        }
        return FtraceNameTable(pairs)
    }()

    /// ftrace's own syscall lines: `sys_pwrite64(fd: 3, ...)` and `sys_pwrite64 -> 0x1000`.
    static let syscallTable = FtraceNameTable<Syscall>(Syscall.allCases.map { ("sys_\($0.description)", $0) })
}
