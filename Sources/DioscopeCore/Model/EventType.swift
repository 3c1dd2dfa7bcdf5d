/// Record types; raw values are the ABI's `enum dsc_event_type`.
public enum EventType: UInt16, CaseIterable, Sendable, CustomStringConvertible {
    case dioBegin = 1
    case dioQueued = 2
    case dioComplete = 3
    case iomapDstmap = 4
    case bioQueue = 5
    case rqIssue = 6
    case rqComplete = 7
    case ioStart = 8
    case ioDone = 9
    case xfsDirectWrite = 10
    case xfsEndIoDirectWrite = 11
    case xfsUnwrittenConvert = 12
    case xfsSetFileSize = 13
    case ext4MapBlocksEnter = 14
    case ext4HandleUnwritten = 15
    case ioUringComplete = 16
    case fsSpaceOp = 17
    case dioSteps = 18
    case sysEnter = 20
    case sysExit = 21
    case aioReap = 22
    case taskExit = 26
    case lost = 30

    /// The tracepoint name as ftrace prints it (synthetic for `lost`).
    public var description: String {
        switch self {
        case .dioBegin: "iomap_dio_rw_begin"
        case .dioQueued: "iomap_dio_rw_queued"
        case .dioComplete: "iomap_dio_complete"
        case .iomapDstmap: "iomap_iter_dstmap"
        case .bioQueue: "block_bio_queue"
        case .rqIssue: "block_rq_issue"
        case .rqComplete: "block_rq_complete"
        case .ioStart: "block_io_start"
        case .ioDone: "block_io_done"
        case .xfsDirectWrite: "xfs_file_direct_write"
        case .xfsEndIoDirectWrite: "xfs_end_io_direct_write"
        case .xfsUnwrittenConvert: "xfs_unwritten_convert"
        case .xfsSetFileSize: "xfs_setfilesize"
        case .ext4MapBlocksEnter: "ext4_ext_map_blocks_enter"
        case .ext4HandleUnwritten: "ext4_ext_handle_unwritten_extents"
        case .ioUringComplete: "io_uring_complete"
        case .fsSpaceOp: "fs_space_op"
        case .dioSteps: "dio_steps"
        case .sysEnter: "sys_enter"
        case .sysExit: "sys_exit"
        case .aioReap: "aio_reap"
        case .taskExit: "sched_process_exit"
        case .lost: "lost"
        }
    }
}

/// The user API behind an I/O (`enum dsc_api`).
public enum IOAPI: UInt8, Sendable, Codable, CustomStringConvertible {
    case sync = 0
    case libaio = 1
    case ioUring = 2
    case asyncOther = 3

    public var description: String {
        switch self {
        case .sync: "sync"
        case .libaio: "libaio"
        case .ioUring: "io_uring"
        case .asyncOther: "async"
        }
    }
}

/// Traced system calls (`enum dsc_sysno`).
public enum Syscall: UInt16, CaseIterable, Sendable, CustomStringConvertible {
    case pread64 = 1, pwrite64 = 2, preadv2 = 3, pwritev2 = 4
    case ioSubmit = 5, ioGetevents = 6, ioPgetevents = 7, ioUringEnter = 8
    case fallocate = 9, ftruncate = 10, fsync = 11, fdatasync = 12
    case read = 13, write = 14

    public var description: String {
        switch self {
        case .pread64: "pread64"
        case .pwrite64: "pwrite64"
        case .preadv2: "preadv2"
        case .pwritev2: "pwritev2"
        case .ioSubmit: "io_submit"
        case .ioGetevents: "io_getevents"
        case .ioPgetevents: "io_pgetevents"
        case .ioUringEnter: "io_uring_enter"
        case .fallocate: "fallocate"
        case .ftruncate: "ftruncate"
        case .fsync: "fsync"
        case .fdatasync: "fdatasync"
        case .read: "read"
        case .write: "write"
        }
    }

    public init?(name: String) {
        guard let s = Syscall.allCases.first(where: { $0.description == name }) else { return nil }
        self = s
    }

    public var isDataTransfer: Bool {
        switch self {
        case .pread64, .pwrite64, .preadv2, .pwritev2, .read, .write: true
        default: false
        }
    }

    public var isWrite: Bool { self == .pwrite64 || self == .pwritev2 || self == .write }
}

/// Filesystem-internal space operations (`enum dsc_space_op_kind`).
public enum SpaceOpKind: UInt32, Sendable, CustomStringConvertible {
    case xfsAllocFileSpace = 1
    case xfsSetattr = 2
    case ext4FallocateEnter = 3
    case ext4FallocateExit = 4
    case ext4TruncateEnter = 5
    /// `xfs_zero_eof`: a size change zeroes `[offset, offset+len)`; `isize` is
    /// the in-core size when the zeroing starts.
    case xfsZeroEof = 6

    public var description: String {
        switch self {
        case .xfsAllocFileSpace: "xfs_alloc_file_space"
        case .xfsSetattr: "xfs_setattr"
        case .ext4FallocateEnter: "ext4_fallocate_enter"
        case .ext4FallocateExit: "ext4_fallocate_exit"
        case .ext4TruncateEnter: "ext4_truncate_enter"
        case .xfsZeroEof: "xfs_zero_eof"
        }
    }
}

/// Normalized block operation (`enum dsc_block_op`).
public enum BlockOp: UInt8, Sendable, CustomStringConvertible {
    case read = 0, write = 1, flush = 2, discard = 3, writeZeroes = 4, other = 15

    public var description: String {
        switch self {
        case .read: "R"
        case .write: "W"
        case .flush: "F"
        case .discard: "D"
        case .writeZeroes: "WZ"
        case .other: "N"
        }
    }
}

/// Normalized block flags (`DSC_BF_*`).
public struct BlockFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public static let sync = BlockFlags(rawValue: 1 << 0)
    public static let fua = BlockFlags(rawValue: 1 << 1)
    public static let preflush = BlockFlags(rawValue: 1 << 2)
    public static let meta = BlockFlags(rawValue: 1 << 3)
    public static let ahead = BlockFlags(rawValue: 1 << 4)
    /// The bio belongs to an iomap direct I/O (its `kiocb` field is valid).
    public static let iomapDIO = BlockFlags(rawValue: 1 << 8)
}

/// iomap extent type (`IOMAP_*`).
public enum ExtentType: UInt16, CaseIterable, Sendable, Codable, CustomStringConvertible {
    case hole = 0, delalloc = 1, mapped = 2, unwritten = 3, inline = 4

    public var description: String {
        switch self {
        case .hole: "HOLE"
        case .delalloc: "DELALLOC"
        case .mapped: "MAPPED"
        case .unwritten: "UNWRITTEN"
        case .inline: "INLINE"
        }
    }
}

/// iomap mapping flags (`IOMAP_F_*`).
public struct IomapFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public static let new = IomapFlags(rawValue: 1 << 0)
    public static let dirty = IomapFlags(rawValue: 1 << 1)
    public static let shared = IomapFlags(rawValue: 1 << 2)
}

/// iomap `dio_flags`.
public struct DIOFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public static let forceWait = DIOFlags(rawValue: 1 << 0)
    public static let overwriteOnly = DIOFlags(rawValue: 1 << 1)
    public static let partial = DIOFlags(rawValue: 1 << 2)
    /// Set by dioscope's BPF program, not the kernel: the I/O is a write
    /// (its iov_iter is a data source). Sync kiocbs lack `IOCB_WRITE`.
    public static let dioscopeWrite = DIOFlags(rawValue: 1 << 15)
    /// The kernel's flags an attempt keeps and its timeline names (`forceWait`, `overwriteOnly`,
    /// `partial`), as raw bits: an array literal of the three was not always folded by the
    /// optimizer (one build allocated an array per I/O for it).
    static var kernelNamedBits: UInt16 { forceWait.rawValue | overwriteOnly.rawValue | partial.rawValue }
}

/// kiocb `ki_flags` bits dioscope interprets (`IOCB_*`).
public struct KiFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static let dsync = KiFlags(rawValue: 1 << 1)
    public static let sync = KiFlags(rawValue: 1 << 2)
    public static let nowait = KiFlags(rawValue: 1 << 3)
    public static let append = KiFlags(rawValue: 1 << 4)
    public static let direct = KiFlags(rawValue: 1 << 17)
    public static let write = KiFlags(rawValue: 1 << 18)
}

/// ext4 `EXT4_GET_BLOCKS_*` flags.
public struct Ext4MapFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static let create = Ext4MapFlags(rawValue: 0x0001)
    public static let unwrit = Ext4MapFlags(rawValue: 0x0002)
    public static let delalloc = Ext4MapFlags(rawValue: 0x0004)
    public static let preIO = Ext4MapFlags(rawValue: 0x0008)
    public static let convert = Ext4MapFlags(rawValue: 0x0010)
    public static let convertUnwritten = Ext4MapFlags(rawValue: 0x0100)
    public static let zero = Ext4MapFlags(rawValue: 0x0200)
    public static let ioSubmit = Ext4MapFlags(rawValue: 0x0400)
}
