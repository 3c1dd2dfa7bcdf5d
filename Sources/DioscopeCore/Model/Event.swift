/// One decoded trace record: the ABI's `struct dsc_event`.
///
/// Events from the kernel (ring buffer or trace file) and events imported
/// from ftrace text share this model, so every analysis runs on one type.
/// Fields the source could not provide are 0 (for example `kiocb` in
/// ftrace imports); the analyzer then joins by device, inode, range, task
/// and time.
public struct Event: Sendable, Equatable {
    /// CLOCK_MONOTONIC nanoseconds (ftrace imports: the trace clock).
    public var timestamp: UInt64
    public var tgid: UInt32
    public var tid: UInt32
    public var cpu: UInt16
    public var dev: DeviceNumber
    public var ino: UInt64
    public var payload: Payload

    public init(timestamp: UInt64, tgid: UInt32 = 0, tid: UInt32 = 0, cpu: UInt16 = 0,
                dev: DeviceNumber = DeviceNumber(raw: 0), ino: UInt64 = 0, payload: Payload) {
        self.timestamp = timestamp
        self.tgid = tgid
        self.tid = tid
        self.cpu = cpu
        self.dev = dev
        self.ino = ino
        self.payload = payload
    }

    public var type: EventType {
        switch payload {
        case .dioBegin: .dioBegin
        case .dioQueued: .dioQueued
        case .dioComplete: .dioComplete
        case .iomapDstmap: .iomapDstmap
        case .dioSteps: .dioSteps
        case .block(let kind, _): kind.eventType
        case .xfs(let kind, _): kind.eventType
        case .ext4MapBlocksEnter: .ext4MapBlocksEnter
        case .ext4HandleUnwritten: .ext4HandleUnwritten
        case .ioUringComplete: .ioUringComplete
        case .fsSpaceOp: .fsSpaceOp
        case .sysEnter: .sysEnter
        case .sysExit: .sysExit
        case .aioReap: .aioReap
        case .taskExit: .taskExit
        case .lost: .lost
        }
    }

    public enum Payload: Sendable, Equatable {
        case dioBegin(DIOBegin)
        case dioQueued(DIOQueued)
        case dioComplete(DIOComplete)
        case iomapDstmap(IomapMapping)
        case dioSteps(DIOSteps)
        case block(BlockEventKind, BlockIO)
        case xfs(XFSEventKind, XFSIO)
        case ext4MapBlocksEnter(Ext4Map)
        case ext4HandleUnwritten(Ext4Map)
        case ioUringComplete(URingComplete)
        case fsSpaceOp(SpaceOp)
        case sysEnter(SysEnter)
        case sysExit(SysExit)
        case aioReap(AIOReap)
        case taskExit(TaskExit)
        case lost(Lost)
    }
}

public enum BlockEventKind: Sendable, Equatable {
    case bioQueue, rqIssue, rqComplete, ioStart, ioDone

    public var eventType: EventType {
        switch self {
        case .bioQueue: .bioQueue
        case .rqIssue: .rqIssue
        case .rqComplete: .rqComplete
        case .ioStart: .ioStart
        case .ioDone: .ioDone
        }
    }
}

public enum XFSEventKind: Sendable, Equatable {
    case directWrite, endIoDirectWrite, unwrittenConvert, setFileSize

    public var eventType: EventType {
        switch self {
        case .directWrite: .xfsDirectWrite
        case .endIoDirectWrite: .xfsEndIoDirectWrite
        case .unwrittenConvert: .xfsUnwrittenConvert
        case .setFileSize: .xfsSetFileSize
        }
    }
}

/// `iomap_dio_rw_begin`: a direct I/O starts.
public struct DIOBegin: Sendable, Equatable {
    public var kiocb: UInt64
    public var pos: Int64
    public var count: UInt64
    public var isize: Int64
    public var doneBefore: UInt64
    /// libaio: the user iocb pointer; io_uring: the SQE's user_data.
    public var userRef: UInt64
    public var kiFlags: KiFlags
    public var dioFlags: DIOFlags
    public var api: IOAPI
    /// log2 of the filesystem block size; 0 if unknown.
    public var blkbits: UInt8

    public init(kiocb: UInt64 = 0, pos: Int64, count: UInt64, isize: Int64, doneBefore: UInt64 = 0,
                userRef: UInt64 = 0, kiFlags: KiFlags, dioFlags: DIOFlags = [], api: IOAPI, blkbits: UInt8 = 0) {
        self.kiocb = kiocb
        self.pos = pos
        self.count = count
        self.isize = isize
        self.doneBefore = doneBefore
        self.userRef = userRef
        self.kiFlags = kiFlags
        self.dioFlags = dioFlags
        self.api = api
        self.blkbits = blkbits
    }

    /// The direction: `IOCB_WRITE` (aio, io_uring) or dioscope's own bit
    /// from the iov_iter (set for every write recorded by dioscope's BPF).
    public var isWrite: Bool { kiFlags.contains(.write) || dioFlags.contains(.dioscopeWrite) }
}

/// Steps of one plain direct I/O that the BPF side held back and emitted as one record
/// (`DSC_EV_DIO_STEPS`, in-kernel assembly): its one MAPPED mapping, its one bio (of the I/O's
/// size), and that bio's request issue and completion. The event's header is the emission: just
/// before the I/O's `iomap_dio_complete`, or, when ``partial``, the moment the I/O stopped being
/// plain (its later steps follow as ordinary events).
public struct DIOSteps: Sendable, Equatable {
    /// A step's index in ``ago`` (the ABI's `DSC_STEP_IDX_*`).
    public enum Step: Int, CaseIterable, Sendable {
        case map = 0, bio, issue, requestDone
    }

    public var kiocb: UInt64
    public var mapAddr: UInt64
    public var mapOffset: Int64
    /// The bio's first sector (512 bytes), as block_bio_queue gives it.
    public var bioSector: UInt64
    public var mapLength: UInt32
    public var bdev: DeviceNumber
    public var mapFlags: IomapFlags
    public var bioFlags: BlockFlags
    /// Bit i: step i present (`DSC_STEP_*`); bit 7: partial.
    public var stepMask: UInt8
    public var blkbits: UInt8
    /// blk_status_t of the request completion.
    public var requestError: UInt8
    public var bioOp: BlockOp
    /// Nanoseconds before the event's timestamp at which each step happened, by ``Step``.
    public var ago: (UInt32, UInt32, UInt32, UInt32)

    public static let partialBit: UInt8 = 1 << 7
    /// Mask bits no kernel writes.
    public static let undefinedBits: UInt8 = 0x70

    public init(kiocb: UInt64, mapAddr: UInt64, mapOffset: Int64, bioSector: UInt64, mapLength: UInt32,
                bdev: DeviceNumber, mapFlags: IomapFlags = [], bioFlags: BlockFlags = [], stepMask: UInt8,
                blkbits: UInt8 = 0, requestError: UInt8 = 0, bioOp: BlockOp, ago: (UInt32, UInt32, UInt32, UInt32)) {
        self.kiocb = kiocb
        self.mapAddr = mapAddr
        self.mapOffset = mapOffset
        self.bioSector = bioSector
        self.mapLength = mapLength
        self.bdev = bdev
        self.mapFlags = mapFlags
        self.bioFlags = bioFlags
        self.stepMask = stepMask
        self.blkbits = blkbits
        self.requestError = requestError
        self.bioOp = bioOp
        self.ago = ago
    }

    public var partial: Bool { stepMask & Self.partialBit != 0 }
    public func has(_ s: Step) -> Bool { stepMask & (1 << UInt8(s.rawValue)) != 0 }

    public func ago(_ s: Step) -> UInt32 {
        switch s {
        case .map: ago.0
        case .bio: ago.1
        case .issue: ago.2
        case .requestDone: ago.3
        }
    }

    /// When step `s` happened, for an event stamped `ts` (nil when the step is absent).
    public func time(_ s: Step, eventTime ts: UInt64) -> UInt64? {
        has(s) ? ts &- UInt64(ago(s)) : nil
    }

    public static func == (a: DIOSteps, b: DIOSteps) -> Bool {
        a.kiocb == b.kiocb && a.mapAddr == b.mapAddr && a.mapOffset == b.mapOffset && a.bioSector == b.bioSector
            && a.mapLength == b.mapLength && a.bdev == b.bdev && a.mapFlags == b.mapFlags
            && a.bioFlags == b.bioFlags && a.stepMask == b.stepMask && a.blkbits == b.blkbits
            && a.requestError == b.requestError && a.bioOp == b.bioOp
            && a.ago.0 == b.ago.0 && a.ago.1 == b.ago.1 && a.ago.2 == b.ago.2 && a.ago.3 == b.ago.3
    }
}

/// `iomap_dio_rw_queued`: the I/O was queued and the call returns -EIOCBQUEUED.
public struct DIOQueued: Sendable, Equatable {
    public var offset: Int64
    public var length: UInt64
    public var isize: Int64

    public init(offset: Int64, length: UInt64, isize: Int64) {
        self.offset = offset
        self.length = length
        self.isize = isize
    }
}

/// `iomap_dio_complete`: the kernel posts the I/O's completion.
public struct DIOComplete: Sendable, Equatable {
    public var kiocb: UInt64
    public var pos: Int64
    public var isize: Int64
    public var ret: Int64
    public var userRef: UInt64
    public var error: Int32
    public var kiFlags: KiFlags
    public var api: IOAPI

    public init(kiocb: UInt64 = 0, pos: Int64, isize: Int64, ret: Int64, userRef: UInt64 = 0,
                error: Int32, kiFlags: KiFlags, api: IOAPI) {
        self.kiocb = kiocb
        self.pos = pos
        self.isize = isize
        self.ret = ret
        self.userRef = userRef
        self.error = error
        self.kiFlags = kiFlags
        self.api = api
    }
}

/// `iomap_iter_dstmap`: the mapping an I/O got for a file range.
public struct IomapMapping: Sendable, Equatable {
    /// `IOMAP_NULL_ADDR`: the mapping has no disk address (holes, delalloc).
    public static let nullAddress: UInt64 = UInt64.max

    public var addr: UInt64
    public var offset: Int64
    public var length: UInt64
    public var type: ExtentType
    public var flags: IomapFlags
    public var bdev: DeviceNumber
    public var blkbits: UInt8

    public init(addr: UInt64, offset: Int64, length: UInt64, type: ExtentType, flags: IomapFlags,
                bdev: DeviceNumber, blkbits: UInt8 = 0) {
        self.addr = addr
        self.offset = offset
        self.length = length
        self.type = type
        self.flags = flags
        self.bdev = bdev
        self.blkbits = blkbits
    }
}

/// Block-layer events (bio queue, request issue/complete, io start/done).
public struct BlockIO: Sendable, Equatable {
    public var sector: UInt64
    public var nrSector: UInt32
    public var bytes: UInt32
    /// The bio or request address, 0 if unknown.
    public var ptr: UInt64
    /// For bios of an iomap direct I/O, the kiocb they belong to; else 0.
    public var kiocb: UInt64
    public var error: Int32
    public var flags: BlockFlags
    public var op: BlockOp

    public init(sector: UInt64, nrSector: UInt32, bytes: UInt32 = 0, ptr: UInt64 = 0, kiocb: UInt64 = 0,
                error: Int32 = 0, flags: BlockFlags = [], op: BlockOp) {
        self.sector = sector
        self.nrSector = nrSector
        self.bytes = bytes
        self.ptr = ptr
        self.kiocb = kiocb
        self.error = error
        self.flags = flags
        self.op = op
    }

    /// Disk byte range [start, end).
    public var byteRange: Range<UInt64> { (sector << 9)..<((sector + UInt64(nrSector)) << 9) }
}

/// XFS I/O events that carry (isize, disize, offset, count).
public struct XFSIO: Sendable, Equatable {
    public var isize: Int64
    public var disize: Int64
    public var offset: Int64
    public var count: UInt64
    /// `xfs_file_direct_write` only.
    public var kiocb: UInt64

    public init(isize: Int64, disize: Int64, offset: Int64, count: UInt64, kiocb: UInt64 = 0) {
        self.isize = isize
        self.disize = disize
        self.offset = offset
        self.count = count
        self.kiocb = kiocb
    }
}

/// ext4 extent mapping events.
public struct Ext4Map: Sendable, Equatable {
    public var lblk: UInt32
    public var len: UInt32
    public var flags: Ext4MapFlags
    public var allocated: UInt32
    public var pblk: UInt64
    public var newblk: UInt64
    public var blkbits: UInt8

    public init(lblk: UInt32, len: UInt32, flags: Ext4MapFlags, allocated: UInt32 = 0, pblk: UInt64 = 0,
                newblk: UInt64 = 0, blkbits: UInt8 = 0) {
        self.lblk = lblk
        self.len = len
        self.flags = flags
        self.allocated = allocated
        self.pblk = pblk
        self.newblk = newblk
        self.blkbits = blkbits
    }
}

/// `io_uring_complete`: a CQE is posted.
public struct URingComplete: Sendable, Equatable {
    public var ctx: UInt64
    public var req: UInt64
    public var userData: UInt64
    public var res: Int32
    public var cflags: UInt32

    public init(ctx: UInt64, req: UInt64, userData: UInt64, res: Int32, cflags: UInt32 = 0) {
        self.ctx = ctx
        self.req = req
        self.userData = userData
        self.res = res
        self.cflags = cflags
    }
}

/// Filesystem-internal space/size operation (fallocate/setattr/truncate).
public struct SpaceOp: Sendable, Equatable {
    public var kind: SpaceOpKind
    public var offset: Int64
    public var len: Int64
    public var isize: Int64
    public var mode: Int32

    public init(kind: SpaceOpKind, offset: Int64 = 0, len: Int64 = 0, isize: Int64 = -1, mode: Int32 = 0) {
        self.kind = kind
        self.offset = offset
        self.len = len
        self.isize = isize
        self.mode = mode
    }
}

/// A traced system call starts. `args` per call (see docs/trace-format.md):
/// pread/pwrite[v2]: (buf or iov, count, offset); io_submit: (ctx, nr, iocbpp);
/// io_getevents: (ctx, min_nr, nr); fallocate: (mode, offset, len);
/// ftruncate: (length, 0, 0); fsync/fdatasync: (0, 0, 0).
public struct SysEnter: Sendable, Equatable {
    public var sysno: Syscall
    public var fd: Int32
    public var args: (Int64, Int64, Int64)
    public var isize: Int64
    public var comm: Comm

    public init(sysno: Syscall, fd: Int32 = -1, args: (Int64, Int64, Int64) = (0, 0, 0), isize: Int64 = -1,
                comm: Comm = .empty) {
        self.sysno = sysno
        self.fd = fd
        self.args = args
        self.isize = isize
        self.comm = comm
    }

    public static func == (a: SysEnter, b: SysEnter) -> Bool {
        a.sysno == b.sysno && a.fd == b.fd && a.args == b.args && a.isize == b.isize && a.comm == b.comm
    }
}

/// A traced system call returns.
public struct SysExit: Sendable, Equatable {
    public var sysno: Syscall
    public var fd: Int32
    public var ret: Int64
    public var isize: Int64
    public var enterTimestamp: UInt64

    public init(sysno: Syscall, fd: Int32 = -1, ret: Int64, isize: Int64 = -1, enterTimestamp: UInt64 = 0) {
        self.sysno = sysno
        self.fd = fd
        self.ret = ret
        self.isize = isize
        self.enterTimestamp = enterTimestamp
    }
}

/// One `io_event` returned to user space by io_getevents/io_pgetevents.
public struct AIOReap: Sendable, Equatable {
    public var ctx: UInt64
    public var data: UInt64
    /// The user iocb pointer this completion is for.
    public var obj: UInt64
    public var res: Int64
    public var res2: Int64
    public var index: UInt32
    public var total: UInt32

    public init(ctx: UInt64 = 0, data: UInt64 = 0, obj: UInt64, res: Int64, res2: Int64 = 0, index: UInt32 = 0,
                total: UInt32 = 1) {
        self.ctx = ctx
        self.data = data
        self.obj = obj
        self.res = res
        self.res2 = res2
        self.index = index
        self.total = total
    }
}

/// `sched_process_exit` of a traced task, in its own context (the event's tgid and tid). With
/// `groupDead`, the last thread of its process: the process's libaio contexts are gone by then
/// (the kernel waited for their I/Os), so a completion it posted and did not reap never will be.
public struct TaskExit: Sendable, Equatable {
    /// `task->exit_code`: the exit status shifted left by 8, or the signal that killed it (nil in
    /// ftrace imports: the tracepoint does not print it).
    public var exitCode: Int32?
    public var groupDead: Bool

    public init(exitCode: Int32? = 0, groupDead: Bool) {
        self.exitCode = exitCode
        self.groupDead = groupDead
    }
}

/// Synthetic: the consumer saw `dropped` records lost in (sinceNs, untilNs], or, with `untilNs`
/// 0 (recordings before session 17, ftrace), in (sinceNs, timestamp].
public struct Lost: Sendable, Equatable {
    public var dropped: UInt64
    public var sinceNs: UInt64
    public var probe: UInt32
    /// The last drop (0: unknown).
    public var untilNs: UInt64
    /// Every drop was a recursion miss of program `probe` (`DSC_LOST_F_RECURSION`): a hit the
    /// kernel skipped because that program was already running on the CPU. Only that program's
    /// records of those hits are missing; the ring buffer lost nothing. Written since session 19.
    public var recursionMiss: Bool

    /// `DSC_P_DIO_COMPLETE`: the probe id of `iomap_dio_complete`'s program.
    public static let dioCompleteProbe: UInt32 = 2

    public init(dropped: UInt64, sinceNs: UInt64, probe: UInt32 = UInt32.max, untilNs: UInt64 = 0,
                recursionMiss: Bool = false) {
        self.dropped = dropped
        self.sinceNs = sinceNs
        self.probe = probe
        self.untilNs = untilNs
        self.recursionMiss = recursionMiss
    }
}
