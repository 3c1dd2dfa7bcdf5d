/// Why a record could not be decoded.
public struct RecordDecodeError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Reason: Sendable, Equatable {
        case unknownType(UInt16)
        case badField(String, UInt64)
        /// A value no kernel produces (``EventPlausibility``).
        case implausible(String)
    }

    public var reason: Reason

    public var description: String {
        switch reason {
        case .unknownType(let t): "unknown record type \(t)"
        case .badField(let f, let v): "invalid value \(v) in field \(f)"
        case .implausible(let f): "implausible value in field \(f) (outside what a kernel can record)"
        }
    }
}

/// Encodes and decodes the ABI's 96-byte little-endian records.
///
/// Decoding reads straight from the buffer with unaligned loads: no
/// allocation per record (the hot path of `analyze` and `live`).
public enum RecordCodec {
    /// Decodes the record starting at `base` (which must have 96 readable bytes): its event, or the
    /// first of the events it carries. A record any of whose events is refused is refused whole.
    public static func decode(_ base: UnsafeRawPointer) throws(RecordDecodeError) -> Event {
        let event = try decodeFirst(base)
        for i in 0..<laterEvents(base) { try checkPlausible(laterEvent(base, i)) }
        return event
    }

    /// Calls `body` with each event of the record at `base`, in order: its one event, or the two
    /// or three a record that carries several gives (``decode(_:)``, then each
    /// ``laterEvent(_:_:)``), each built once. A record any of whose events is refused throws its
    /// ``RecordDecodeError`` before `body` sees any of them; an error `body` throws passes
    /// through. The readers' path: decoding and then checking the later events separately built
    /// each of them twice.
    @inline(__always)
    public static func forEachEvent(inRecord base: UnsafeRawPointer, _ body: (Event) throws -> Void) throws {
        let first = try decodeFirst(base)
        let n = laterEvents(base)
        if n == 0 { return try body(first) }
        let second = laterEvent(base, 0)
        try checkPlausible(second)
        if n == 1 {
            try body(first)
            return try body(second)
        }
        let third = laterEvent(base, 1)
        try checkPlausible(third)
        try body(first)
        try body(second)
        try body(third)
    }

    @inline(__always)
    private static func checkPlausible(_ event: Event) throws(RecordDecodeError) {
        if let field = EventPlausibility.implausibleField(event) {
            throw RecordDecodeError(reason: .implausible("\(field)"))
        }
    }

    /// The record's event, or the first it carries, checked; its later events unchecked.
    private static func decodeFirst(_ base: UnsafeRawPointer) throws(RecordDecodeError) -> Event {
        typealias L = RecordLayout
        @inline(__always) func u64(_ o: Int) -> UInt64 { UInt64(littleEndian: base.loadUnaligned(fromByteOffset: o, as: UInt64.self)) }
        @inline(__always) func i64(_ o: Int) -> Int64 { Int64(bitPattern: u64(o)) }
        @inline(__always) func u32(_ o: Int) -> UInt32 { UInt32(littleEndian: base.loadUnaligned(fromByteOffset: o, as: UInt32.self)) }
        @inline(__always) func i32(_ o: Int) -> Int32 { Int32(bitPattern: u32(o)) }
        @inline(__always) func u16(_ o: Int) -> UInt16 { UInt16(littleEndian: base.loadUnaligned(fromByteOffset: o, as: UInt16.self)) }
        @inline(__always) func u8(_ o: Int) -> UInt8 { base.load(fromByteOffset: o, as: UInt8.self) }
        func api(_ o: Int) throws(RecordDecodeError) -> IOAPI {
            guard let a = IOAPI(rawValue: u8(o)) else { throw RecordDecodeError(reason: .badField("api", UInt64(u8(o)))) }
            return a
        }

        let rawType = u16(L.type)
        let payload: Event.Payload
        var timestamp = u64(L.ts)
        // Each payload is checked as it is built, after the event's time as
        // ``EventPlausibility/implausibleField(_:)`` does (`timestamp` is final by then): checking
        // the finished event copied it and switched on it again, a tenth of the decoding thread.
        @inline(__always) func plausible(_ field: StaticString?) throws(RecordDecodeError) {
            if timestamp > EventPlausibility.maxTimestamp { throw RecordDecodeError(reason: .implausible("ts_ns")) }
            if let field { throw RecordDecodeError(reason: .implausible("\(field)")) }
        }
        switch rawType {
        case EventType.dioBegin.rawValue:
            let p = DIOBegin(
                kiocb: u64(L.dbKiocb), pos: i64(L.dbPos), count: u64(L.dbCount), isize: i64(L.dbIsize),
                doneBefore: u64(L.dbDoneBefore), userRef: u64(L.dbUserRef), kiFlags: KiFlags(rawValue: u32(L.dbKiFlags)),
                dioFlags: DIOFlags(rawValue: u16(L.dbDioFlags)), api: try api(L.dbApi), blkbits: u8(L.dbBlkbits))
            try plausible(EventPlausibility.implausibleField(p))
            payload = .dioBegin(p)
        case EventType.dioQueued.rawValue:
            let p = DIOQueued(offset: i64(L.dqOffset), length: u64(L.dqLength), isize: i64(L.dqIsize))
            try plausible(EventPlausibility.implausibleField(p))
            payload = .dioQueued(p)
        case EventType.dioComplete.rawValue:
            let p = DIOComplete(
                kiocb: u64(L.dcKiocb), pos: i64(L.dcPos), isize: i64(L.dcIsize), ret: i64(L.dcRet),
                userRef: u64(L.dcUserRef), error: i32(L.dcError), kiFlags: KiFlags(rawValue: u32(L.dcKiFlags)),
                api: try api(L.dcApi))
            try plausible(EventPlausibility.implausibleField(p))
            payload = .dioComplete(p)
        case EventType.iomapDstmap.rawValue:
            guard let t = ExtentType(rawValue: u16(L.imType)) else {
                throw RecordDecodeError(reason: .badField("iomap.type", UInt64(u16(L.imType))))
            }
            let p = IomapMapping(
                addr: u64(L.imAddr), offset: i64(L.imOffset), length: u64(L.imLength), type: t,
                flags: IomapFlags(rawValue: u16(L.imFlags)), bdev: DeviceNumber(raw: u32(L.imBdev)),
                blkbits: u8(L.imBlkbits))
            try plausible(EventPlausibility.implausibleField(p))
            payload = .iomapDstmap(p)
        case EventType.dioSteps.rawValue:
            guard let op = BlockOp(rawValue: u8(L.dsBioOp)) else {
                throw RecordDecodeError(reason: .badField("steps.bio_op", UInt64(u8(L.dsBioOp))))
            }
            let p = DIOSteps(
                kiocb: u64(L.dsKiocb), mapAddr: u64(L.dsMapAddr), mapOffset: i64(L.dsMapOffset),
                bioSector: u64(L.dsBioSector), mapLength: u32(L.dsMapLength), bdev: DeviceNumber(raw: u32(L.dsBdev)),
                mapFlags: IomapFlags(rawValue: u16(L.dsMapFlags)), bioFlags: BlockFlags(rawValue: u16(L.dsBioFlags)),
                stepMask: u8(L.dsSteps), blkbits: u8(L.dsBlkbits), requestError: u8(L.dsRqError), bioOp: op,
                ago: (u32(L.dsAgo), u32(L.dsAgo + 4), u32(L.dsAgo + 8), u32(L.dsAgo + 12)))
            try plausible(EventPlausibility.implausibleField(p))
            payload = .dioSteps(p)
        case EventType.bioQueue.rawValue, EventType.rqIssue.rawValue, EventType.rqComplete.rawValue,
             EventType.ioStart.rawValue, EventType.ioDone.rawValue:
            let kind: BlockEventKind = switch rawType {
            case EventType.bioQueue.rawValue: .bioQueue
            case EventType.rqIssue.rawValue: .rqIssue
            case EventType.rqComplete.rawValue: .rqComplete
            case EventType.ioStart.rawValue: .ioStart
            default: .ioDone
            }
            guard let op = BlockOp(rawValue: u8(L.blOp)) else {
                throw RecordDecodeError(reason: .badField("block.op", UInt64(u8(L.blOp))))
            }
            let p = BlockIO(
                sector: u64(L.blSector), nrSector: u32(L.blNrSector), bytes: u32(L.blBytes), ptr: u64(L.blPtr),
                kiocb: u64(L.blKiocb), error: i32(L.blError), flags: BlockFlags(rawValue: u16(L.blFlags)), op: op)
            try plausible(EventPlausibility.implausibleField(p))
            payload = .block(kind, p)
        case EventType.xfsDirectWrite.rawValue, EventType.xfsEndIoDirectWrite.rawValue,
             EventType.xfsUnwrittenConvert.rawValue, EventType.xfsSetFileSize.rawValue:
            let kind: XFSEventKind = switch rawType {
            case EventType.xfsDirectWrite.rawValue: .directWrite
            case EventType.xfsEndIoDirectWrite.rawValue: .endIoDirectWrite
            case EventType.xfsUnwrittenConvert.rawValue: .unwrittenConvert
            default: .setFileSize
            }
            let p = XFSIO(isize: i64(L.xfIsize), disize: i64(L.xfDisize), offset: i64(L.xfOffset),
                          count: u64(L.xfCount), kiocb: u64(L.xfKiocb))
            try plausible(EventPlausibility.implausibleField(p))
            payload = .xfs(kind, p)
        case EventType.ext4MapBlocksEnter.rawValue, EventType.ext4HandleUnwritten.rawValue:
            let m = Ext4Map(lblk: u32(L.e4Lblk), len: u32(L.e4Len), flags: Ext4MapFlags(rawValue: u32(L.e4Flags)),
                            allocated: u32(L.e4Allocated), pblk: u64(L.e4Pblk), newblk: u64(L.e4Newblk),
                            blkbits: u8(L.e4Blkbits))
            try plausible(EventPlausibility.implausibleField(m))
            payload = rawType == EventType.ext4MapBlocksEnter.rawValue ? .ext4MapBlocksEnter(m) : .ext4HandleUnwritten(m)
        case EventType.ioUringComplete.rawValue:
            payload = .ioUringComplete(URingComplete(ctx: u64(L.urCtx), req: u64(L.urReq), userData: u64(L.urUserData),
                                                     res: i32(L.urRes), cflags: u32(L.urCflags)))
        case EventType.fsSpaceOp.rawValue:
            guard let k = SpaceOpKind(rawValue: u32(L.spOp)) else {
                throw RecordDecodeError(reason: .badField("space.op", UInt64(u32(L.spOp))))
            }
            let p = SpaceOp(kind: k, offset: i64(L.spOffset), len: i64(L.spLen), isize: i64(L.spIsize),
                            mode: i32(L.spMode))
            try plausible(EventPlausibility.implausibleField(p))
            payload = .fsSpaceOp(p)
        case EventType.sysEnter.rawValue:
            guard let s = Syscall(rawValue: u16(L.seSysno)) else {
                throw RecordDecodeError(reason: .badField("sys_enter.sysno", UInt64(u16(L.seSysno))))
            }
            let p = SysEnter(sysno: s, fd: i32(L.seFd),
                             args: (i64(L.seArgs), i64(L.seArgs + 8), i64(L.seArgs + 16)),
                             isize: i64(L.seIsize), comm: Comm(lo: u64(L.seComm), hi: u64(L.seComm + 8)))
            try plausible(EventPlausibility.implausibleField(p))
            payload = .sysEnter(p)
        case EventType.sysExit.rawValue:
            guard let s = Syscall(rawValue: u16(L.sxSysno)) else {
                throw RecordDecodeError(reason: .badField("sys_exit.sysno", UInt64(u16(L.sxSysno))))
            }
            let p = SysExit(sysno: s, fd: i32(L.sxFd), ret: i64(L.sxRet), isize: i64(L.sxIsize),
                            enterTimestamp: u64(L.sxEnterTs))
            try plausible(EventPlausibility.implausibleField(p))
            payload = .sysExit(p)
        case EventType.aioReap.rawValue:
            let p = AIOReap(ctx: u64(L.rpCtx), data: u64(L.rpData), obj: u64(L.rpObj), res: i64(L.rpRes),
                            res2: i64(L.rpRes2), index: u32(L.rpIndex), total: u32(L.rpTotal))
            try plausible(EventPlausibility.implausibleField(p))
            payload = .aioReap(p)
        case EventType.taskExit.rawValue:
            guard u8(L.teGroupDead) <= 1 else {
                throw RecordDecodeError(reason: .badField("task_exit.group_dead", UInt64(u8(L.teGroupDead))))
            }
            payload = .taskExit(TaskExit(exitCode: i32(L.teExitCode), groupDead: u8(L.teGroupDead) == 1))
        case EventType.lost.rawValue:
            // (bits this version does not know are left alone: records before session 19 have 0)
            let flags = u32(L.lsFlags)
            let p = Lost(dropped: u64(L.lsDropped), sinceNs: u64(L.lsSince), probe: u32(L.lsProbe),
                         untilNs: u64(L.lsUntil), recursionMiss: flags & L.lostFlagRecursion != 0)
            try plausible(EventPlausibility.implausibleField(p))
            payload = .lost(p)
        case L.sysCallType:
            // The enter comes first, at its own time; secondEvent gives the exit.
            guard let s = Syscall(rawValue: u16(L.scSysno)) else {
                throw RecordDecodeError(reason: .badField("sys_call.sysno", UInt64(u16(L.scSysno))))
            }
            guard u64(L.scEnterTs) <= timestamp else {
                throw RecordDecodeError(reason: .badField("sys_call.enter_ts", u64(L.scEnterTs)))
            }
            timestamp = u64(L.scEnterTs)
            let p = SysEnter(sysno: s, fd: -1, args: (i64(L.scArgs), i64(L.scArgs + 8), i64(L.scArgs + 16)),
                             isize: -1, comm: Comm(lo: u64(L.scComm), hi: u64(L.scComm + 8)))
            try plausible(EventPlausibility.implausibleField(p))
            payload = .sysEnter(p)
        case L.sysExitReapType:
            // The exit comes first; laterEvent gives the reap.
            guard let s = Syscall(rawValue: u16(L.srSysno)), s == .ioGetevents || s == .ioPgetevents else {
                throw RecordDecodeError(reason: .badField("sys_exit_reap.sysno", UInt64(u16(L.srSysno))))
            }
            let p = SysExit(sysno: s, fd: -1, ret: i64(L.srRet), isize: -1, enterTimestamp: u64(L.srEnterTs))
            try plausible(EventPlausibility.implausibleField(p))
            payload = .sysExit(p)
        case L.sysCallReapType:
            // The enter comes first, at its own time; laterEvent gives the exit and the reap.
            guard let s = Syscall(rawValue: u16(L.crSysno)), s == .ioGetevents || s == .ioPgetevents else {
                throw RecordDecodeError(reason: .badField("sys_call_reap.sysno", UInt64(u16(L.crSysno))))
            }
            guard UInt64(u32(L.crEnterAgo)) <= timestamp else {
                throw RecordDecodeError(reason: .badField("sys_call_reap.enter_ago", UInt64(u32(L.crEnterAgo))))
            }
            timestamp -= UInt64(u32(L.crEnterAgo))
            let p = SysEnter(sysno: s, fd: -1, args: (i64(L.crCtx), Int64(i32(L.crMinNr)), Int64(i32(L.crNr))),
                             isize: -1, comm: Comm(lo: u64(L.crComm), hi: u64(L.crComm + 8)))
            try plausible(EventPlausibility.implausibleField(p))
            payload = .sysEnter(p)
        default:
            throw RecordDecodeError(reason: .unknownType(rawType))
        }
        // (the payloads with nothing to check: their time)
        try plausible(nil)
        return Event(timestamp: timestamp, tgid: u32(L.tgid), tid: u32(L.tid), cpu: u16(L.cpu),
                     dev: DeviceNumber(raw: u32(L.dev)), ino: u64(L.ino), payload: payload)
    }

    /// How many events the record at `base` carries after the one ``decode(_:)`` gives: 1 for
    /// `DSC_EV_SYS_CALL` and `DSC_EV_SYS_EXIT_REAP` (ABI 3), 2 for `DSC_EV_SYS_CALL_REAP` (ABI 4),
    /// 0 for every other record. Every reader of records takes them all, in order
    /// (``forEachEvent(inRecord:_:)``), so that each such record becomes exactly the events the
    /// BPF side would otherwise have written as separate records.
    @inline(__always)
    public static func laterEvents(_ base: UnsafeRawPointer) -> Int {
        let t = UInt16(littleEndian: base.loadUnaligned(fromByteOffset: RecordLayout.type, as: UInt16.self))
        // the three types are consecutive (23...25): one comparison on the common path
        guard t &- RecordLayout.sysCallType <= 2 else { return 0 }
        return t == RecordLayout.sysCallReapType ? 2 : 1
    }

    /// The earliest time the record states: its own, or for `DSC_EV_SYS_CALL` and
    /// `DSC_EV_SYS_CALL_REAP` their enter's when that comes first (it does in every record the
    /// decoder accepts). A trace file's chunk index covers it.
    @inline(__always)
    public static func earliestTimestamp(_ base: UnsafeRawPointer) -> UInt64 {
        typealias L = RecordLayout
        let ts = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: L.ts, as: UInt64.self))
        switch UInt16(littleEndian: base.loadUnaligned(fromByteOffset: L.type, as: UInt16.self)) {
        case L.sysCallType:
            return Swift.min(ts, UInt64(littleEndian: base.loadUnaligned(fromByteOffset: L.scEnterTs, as: UInt64.self)))
        case L.sysCallReapType:
            let ago = UInt32(littleEndian: base.loadUnaligned(fromByteOffset: L.crEnterAgo, as: UInt32.self))
            return Swift.min(ts, ts &- UInt64(ago))
        default:
            return ts
        }
    }

    /// The event after the first (`index` 0) or after that (`index` 1) of a record that carries
    /// more than one (``laterEvents(_:)``), once ``decode(_:)`` accepted it (which checked these
    /// too): a `DSC_EV_SYS_CALL`'s exit; a `DSC_EV_SYS_EXIT_REAP`'s reap; a
    /// `DSC_EV_SYS_CALL_REAP`'s exit, then its reap. All at the record's time.
    public static func laterEvent(_ base: UnsafeRawPointer, _ index: Int) -> Event {
        typealias L = RecordLayout
        @inline(__always) func u64(_ o: Int) -> UInt64 { UInt64(littleEndian: base.loadUnaligned(fromByteOffset: o, as: UInt64.self)) }
        @inline(__always) func i64(_ o: Int) -> Int64 { Int64(bitPattern: u64(o)) }
        @inline(__always) func u32(_ o: Int) -> UInt32 { UInt32(littleEndian: base.loadUnaligned(fromByteOffset: o, as: UInt32.self)) }
        @inline(__always) func u16(_ o: Int) -> UInt16 { UInt16(littleEndian: base.loadUnaligned(fromByteOffset: o, as: UInt16.self)) }
        let payload: Event.Payload
        let type = u16(L.type)
        precondition(index >= 0 && index < laterEvents(base), "a record with fewer events")
        if type == L.sysCallType {
            guard let s = Syscall(rawValue: u16(L.scSysno)) else { preconditionFailure("decode(_:) checks sys_call.sysno") }
            payload = .sysExit(SysExit(sysno: s, fd: -1, ret: i64(L.scRet), isize: -1, enterTimestamp: u64(L.scEnterTs)))
        } else if type == L.sysExitReapType {
            payload = .aioReap(AIOReap(ctx: u64(L.srCtx), data: u64(L.srData), obj: u64(L.srObj), res: i64(L.srRes),
                                       res2: i64(L.srRes2), index: 0, total: 1))
        } else if index == 0 {
            guard let s = Syscall(rawValue: u16(L.crSysno)) else { preconditionFailure("decode(_:) checks sys_call_reap.sysno") }
            payload = .sysExit(SysExit(sysno: s, fd: -1, ret: 1, isize: -1,
                                       enterTimestamp: u64(L.ts) &- UInt64(u32(L.crEnterAgo))))
        } else {
            payload = .aioReap(AIOReap(ctx: u64(L.crCtx), data: u64(L.crData), obj: u64(L.crObj), res: i64(L.crRes),
                                       res2: 0, index: 0, total: 1))
        }
        return Event(timestamp: u64(L.ts), tgid: u32(L.tgid), tid: u32(L.tid), cpu: u16(L.cpu),
                     dev: DeviceNumber(raw: u32(L.dev)), ino: u64(L.ino), payload: payload)
    }

    /// Starts a record that carries several events at `base`: the header of `header` (the exit:
    /// such a record is written at the call's return) under record type `type`, the payload zeroed
    /// for the caller to fill.
    private static func startMultiEventRecord(_ type: UInt16, header: Event, at base: UnsafeMutableRawPointer) {
        typealias L = RecordLayout
        encode(header, into: base)
        (base + L.headerSize).initializeMemory(as: UInt8.self, repeating: 0, count: L.recordSize - L.headerSize)
        base.storeBytes(of: type.littleEndian, toByteOffset: L.type, as: UInt16.self)
    }

    /// Writes a `DSC_EV_SYS_CALL` record at `base` from a system call's enter and exit (tests and
    /// constructed traces; the BPF side writes these for io_submit and io_getevents). The header
    /// is the exit's.
    public static func encodeSysCall(enter: Event, exit: Event, into base: UnsafeMutableRawPointer) {
        guard case .sysEnter(let en) = enter.payload, case .sysExit(let ex) = exit.payload else {
            preconditionFailure("an enter and an exit")
        }
        typealias L = RecordLayout
        func put<T: FixedWidthInteger>(_ o: Int, _ v: T) { base.storeBytes(of: v.littleEndian, toByteOffset: o, as: T.self) }
        startMultiEventRecord(L.sysCallType, header: exit, at: base)
        put(L.scSysno, ex.sysno.rawValue); put(L.scRet, ex.ret); put(L.scEnterTs, enter.timestamp)
        put(L.scArgs, en.args.0); put(L.scArgs + 8, en.args.1); put(L.scArgs + 16, en.args.2)
        put(L.scComm, en.comm.lo); put(L.scComm + 8, en.comm.hi)
    }

    /// Writes a `DSC_EV_SYS_EXIT_REAP` record at `base` from io_getevents' exit and its one reap
    /// (tests and constructed traces; the BPF side writes these). The header is the exit's.
    public static func encodeSysExitReap(exit: Event, reap: Event, into base: UnsafeMutableRawPointer) {
        guard case .sysExit(let ex) = exit.payload, case .aioReap(let r) = reap.payload else {
            preconditionFailure("an exit and a reap")
        }
        typealias L = RecordLayout
        func put<T: FixedWidthInteger>(_ o: Int, _ v: T) { base.storeBytes(of: v.littleEndian, toByteOffset: o, as: T.self) }
        startMultiEventRecord(L.sysExitReapType, header: exit, at: base)
        put(L.srSysno, ex.sysno.rawValue); put(L.srRet, ex.ret); put(L.srEnterTs, ex.enterTimestamp)
        put(L.srCtx, r.ctx); put(L.srData, r.data); put(L.srObj, r.obj); put(L.srRes, r.res); put(L.srRes2, r.res2)
    }

    /// Whether ``encodeSysCallReap(enter:exit:reap:into:)`` can write these three events as one
    /// `DSC_EV_SYS_CALL_REAP` record without losing a field (the BPF side's conditions, but for
    /// the one it checks at the enter: that the call found its events waiting).
    public static func canEncodeSysCallReap(enter: Event, exit: Event, reap: Event) -> Bool {
        guard case .sysEnter(let en) = enter.payload, case .sysExit(let ex) = exit.payload,
              case .aioReap(let r) = reap.payload,
              en.sysno == .ioGetevents || en.sysno == .ioPgetevents, ex.sysno == en.sysno,
              en.fd == -1, en.isize == -1, ex.fd == -1, ex.isize == -1, ex.ret == 1,
              ex.enterTimestamp == enter.timestamp, exit.timestamp >= enter.timestamp,
              exit.timestamp - enter.timestamp <= UInt64(UInt32.max),
              Int32(exactly: en.args.1) != nil, Int32(exactly: en.args.2) != nil,
              r.ctx == UInt64(bitPattern: en.args.0), r.res2 == 0, r.index == 0, r.total == 1,
              reap.timestamp == exit.timestamp
        else { return false }
        for e in [enter, reap] where e.tgid != exit.tgid || e.tid != exit.tid || e.cpu != exit.cpu
            || e.dev != exit.dev || e.ino != exit.ino { return false }
        return true
    }

    /// Writes a `DSC_EV_SYS_CALL_REAP` record at `base` from io_getevents' enter, exit and one
    /// reap, which ``canEncodeSysCallReap(enter:exit:reap:)`` must accept (tests and constructed
    /// traces; the BPF side writes these). The header is the exit's.
    public static func encodeSysCallReap(enter: Event, exit: Event, reap: Event, into base: UnsafeMutableRawPointer) {
        precondition(canEncodeSysCallReap(enter: enter, exit: exit, reap: reap), "three events one record holds")
        guard case .sysEnter(let en) = enter.payload, case .aioReap(let r) = reap.payload else { return }
        typealias L = RecordLayout
        func put<T: FixedWidthInteger>(_ o: Int, _ v: T) { base.storeBytes(of: v.littleEndian, toByteOffset: o, as: T.self) }
        startMultiEventRecord(L.sysCallReapType, header: exit, at: base)
        put(L.crSysno, en.sysno.rawValue); put(L.crEnterAgo, UInt32(exit.timestamp - enter.timestamp))
        put(L.crMinNr, Int32(en.args.1)); put(L.crNr, Int32(en.args.2)); put(L.crCtx, r.ctx)
        put(L.crData, r.data); put(L.crObj, r.obj); put(L.crRes, r.res)
        put(L.crComm, en.comm.lo); put(L.crComm + 8, en.comm.hi)
    }

    /// Decodes one record from a buffer of at least 96 bytes.
    public static func decode(_ bytes: UnsafeRawBufferPointer) throws(RecordDecodeError) -> Event {
        precondition(bytes.count >= RecordLayout.recordSize, "a record is \(RecordLayout.recordSize) bytes")
        return try decode(bytes.baseAddress!)
    }

    /// Decodes one record from `bytes[offset..<offset+96]`.
    public static func decode(_ bytes: [UInt8], at offset: Int = 0) throws(RecordDecodeError) -> Event {
        precondition(offset >= 0 && offset + RecordLayout.recordSize <= bytes.count)
        let r: Result<Event, RecordDecodeError> = bytes.withUnsafeBytes { buf in
            Result { () throws(RecordDecodeError) in try decode(buf.baseAddress! + offset) }
        }
        return try r.get()
    }

    /// Writes `event` as a 96-byte record at `base`; padding is zeroed.
    public static func encode(_ event: Event, into base: UnsafeMutableRawPointer) {
        typealias L = RecordLayout
        base.initializeMemory(as: UInt8.self, repeating: 0, count: L.recordSize)
        func put<T: FixedWidthInteger>(_ o: Int, _ v: T) { base.storeBytes(of: v.littleEndian, toByteOffset: o, as: T.self) }
        put(L.ts, event.timestamp)
        put(L.tgid, event.tgid)
        put(L.tid, event.tid)
        put(L.type, event.type.rawValue)
        put(L.cpu, event.cpu)
        put(L.dev, event.dev.raw)
        put(L.ino, event.ino)
        switch event.payload {
        case .dioBegin(let p):
            put(L.dbKiocb, p.kiocb); put(L.dbPos, p.pos); put(L.dbCount, p.count); put(L.dbIsize, p.isize)
            put(L.dbDoneBefore, p.doneBefore); put(L.dbUserRef, p.userRef); put(L.dbKiFlags, p.kiFlags.rawValue)
            put(L.dbDioFlags, p.dioFlags.rawValue); put(L.dbApi, p.api.rawValue); put(L.dbBlkbits, p.blkbits)
        case .dioQueued(let p):
            put(L.dqOffset, p.offset); put(L.dqLength, p.length); put(L.dqIsize, p.isize)
        case .dioComplete(let p):
            put(L.dcKiocb, p.kiocb); put(L.dcPos, p.pos); put(L.dcIsize, p.isize); put(L.dcRet, p.ret)
            put(L.dcUserRef, p.userRef); put(L.dcError, p.error); put(L.dcKiFlags, p.kiFlags.rawValue)
            put(L.dcApi, p.api.rawValue)
        case .iomapDstmap(let p):
            put(L.imAddr, p.addr); put(L.imOffset, p.offset); put(L.imLength, p.length); put(L.imType, p.type.rawValue)
            put(L.imFlags, p.flags.rawValue); put(L.imBdev, p.bdev.raw); put(L.imBlkbits, p.blkbits)
        case .dioSteps(let p):
            put(L.dsKiocb, p.kiocb); put(L.dsMapAddr, p.mapAddr); put(L.dsMapOffset, p.mapOffset)
            put(L.dsBioSector, p.bioSector); put(L.dsMapLength, p.mapLength); put(L.dsBdev, p.bdev.raw); put(L.dsMapFlags, p.mapFlags.rawValue)
            put(L.dsBioFlags, p.bioFlags.rawValue); put(L.dsSteps, p.stepMask); put(L.dsBlkbits, p.blkbits)
            put(L.dsRqError, p.requestError); put(L.dsBioOp, p.bioOp.rawValue)
            put(L.dsAgo, p.ago.0); put(L.dsAgo + 4, p.ago.1); put(L.dsAgo + 8, p.ago.2); put(L.dsAgo + 12, p.ago.3)
        case .block(_, let p):
            put(L.blSector, p.sector); put(L.blNrSector, p.nrSector); put(L.blBytes, p.bytes); put(L.blPtr, p.ptr)
            put(L.blKiocb, p.kiocb); put(L.blError, p.error); put(L.blFlags, p.flags.rawValue); put(L.blOp, p.op.rawValue)
        case .xfs(_, let p):
            put(L.xfIsize, p.isize); put(L.xfDisize, p.disize); put(L.xfOffset, p.offset); put(L.xfCount, p.count)
            put(L.xfKiocb, p.kiocb)
        case .ext4MapBlocksEnter(let p), .ext4HandleUnwritten(let p):
            put(L.e4Lblk, p.lblk); put(L.e4Len, p.len); put(L.e4Flags, p.flags.rawValue); put(L.e4Allocated, p.allocated)
            put(L.e4Pblk, p.pblk); put(L.e4Newblk, p.newblk); put(L.e4Blkbits, p.blkbits)
        case .ioUringComplete(let p):
            put(L.urCtx, p.ctx); put(L.urReq, p.req); put(L.urUserData, p.userData); put(L.urRes, p.res)
            put(L.urCflags, p.cflags)
        case .fsSpaceOp(let p):
            put(L.spOffset, p.offset); put(L.spLen, p.len); put(L.spIsize, p.isize); put(L.spMode, p.mode)
            put(L.spOp, p.kind.rawValue)
        case .sysEnter(let p):
            put(L.seSysno, p.sysno.rawValue); put(L.seFd, p.fd)
            put(L.seArgs, p.args.0); put(L.seArgs + 8, p.args.1); put(L.seArgs + 16, p.args.2)
            put(L.seIsize, p.isize); put(L.seComm, p.comm.lo); put(L.seComm + 8, p.comm.hi)
        case .sysExit(let p):
            put(L.sxSysno, p.sysno.rawValue); put(L.sxFd, p.fd); put(L.sxRet, p.ret); put(L.sxIsize, p.isize)
            put(L.sxEnterTs, p.enterTimestamp)
        case .aioReap(let p):
            put(L.rpCtx, p.ctx); put(L.rpData, p.data); put(L.rpObj, p.obj); put(L.rpRes, p.res); put(L.rpRes2, p.res2)
            put(L.rpIndex, p.index); put(L.rpTotal, p.total)
        case .taskExit(let p):
            put(L.teExitCode, p.exitCode ?? 0); put(L.teGroupDead, UInt8(p.groupDead ? 1 : 0))
        case .lost(let p):
            put(L.lsDropped, p.dropped); put(L.lsSince, p.sinceNs); put(L.lsProbe, p.probe); put(L.lsUntil, p.untilNs)
            put(L.lsFlags, p.recursionMiss ? L.lostFlagRecursion : 0)
        }
    }

    /// Encodes `event` as a fresh 96-byte array.
    public static func encode(_ event: Event) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: RecordLayout.recordSize) { buf, n in
            encode(event, into: UnsafeMutableRawPointer(buf.baseAddress!))
            n = RecordLayout.recordSize
        }
    }
}
