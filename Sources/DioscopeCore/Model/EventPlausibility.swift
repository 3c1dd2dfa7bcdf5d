/// Bounds on the values a kernel can put into an event, checked where
/// events enter dioscope (``RecordCodec/decode(_:)`` and the ftrace
/// importer), so that the analyzer's arithmetic on file offsets, lengths
/// and block sizes never meets values no filesystem can produce (a damaged
/// or crafted trace). An event outside them is treated like any other
/// damaged record: skipped and reported with its position.
///
/// The bounds are far beyond anything real: file offsets, sizes, lengths and
/// return values within ±2^62 bytes (4 EiB; XFS and ext4 files end below
/// 2^63), block sizes at most 2^20 bytes (Linux filesystems use at most
/// 64 KiB), at most 2^40 events dropped per lost-events record (sums of
/// them must not overflow), timestamps below 2^62 ns (146 years of uptime;
/// the analyzer adds windows and intervals to them), disk addresses below
/// 2^62 bytes and sectors below 2^53 (apart from the -1 a flush request and
/// a hole mapping carry). User and kernel addresses, ids and flags are not bounded.
public enum EventPlausibility {
    /// Largest magnitude of a file offset, size, length or byte count.
    public static let maxBytes: Int64 = 1 << 62
    /// Largest block-size exponent (1 MiB blocks).
    public static let maxBlockBits: UInt8 = 20
    /// Largest drop count of one lost-events record.
    public static let maxDropped: UInt64 = 1 << 40
    /// Largest timestamp (CLOCK_MONOTONIC ns).
    public static let maxTimestamp: UInt64 = 1 << 62

    @inline(__always) static func offsetOK(_ v: Int64) -> Bool { v >= -maxBytes && v <= maxBytes }
    @inline(__always) static func lengthOK(_ v: UInt64) -> Bool { v <= UInt64(maxBytes) }

    /// The name of the first field out of bounds, or nil if the event is plausible.
    public static func implausibleField(_ e: Event) -> StaticString? {
        if e.timestamp > maxTimestamp { return "ts_ns" }
        switch e.payload {
        case .dioBegin(let p): return implausibleField(p)
        case .dioQueued(let p): return implausibleField(p)
        case .dioComplete(let p): return implausibleField(p)
        case .iomapDstmap(let p): return implausibleField(p)
        case .dioSteps(let p): return implausibleField(p)
        case .block(_, let p): return implausibleField(p)
        case .xfs(_, let p): return implausibleField(p)
        case .ext4MapBlocksEnter(let p), .ext4HandleUnwritten(let p): return implausibleField(p)
        case .ioUringComplete, .taskExit: return nil
        case .fsSpaceOp(let p): return implausibleField(p)
        case .sysEnter(let p): return implausibleField(p)
        case .sysExit(let p): return implausibleField(p)
        case .aioReap(let p): return implausibleField(p)
        case .lost(let p): return implausibleField(p)
        }
    }

    // One check per payload, which the record decoder calls on the payload it just built
    // (``RecordCodec``): checking the finished event copied it and switched on it again, a tenth
    // of the decoding thread's time.

    @inline(__always) static func implausibleField(_ p: DIOBegin) -> StaticString? {
        if !offsetOK(p.pos) { return "dio_begin.pos" }
        if !lengthOK(p.count) { return "dio_begin.count" }
        if !offsetOK(p.isize) { return "dio_begin.isize" }
        if !lengthOK(p.doneBefore) { return "dio_begin.done_before" }
        if p.blkbits > maxBlockBits { return "dio_begin.blkbits" }
        return nil
    }

    @inline(__always) static func implausibleField(_ p: DIOQueued) -> StaticString? {
        if !offsetOK(p.offset) { return "dio_queued.offset" }
        if !lengthOK(p.length) { return "dio_queued.length" }
        if !offsetOK(p.isize) { return "dio_queued.isize" }
        return nil
    }

    @inline(__always) static func implausibleField(_ p: DIOComplete) -> StaticString? {
        if !offsetOK(p.pos) { return "dio_complete.pos" }
        if !offsetOK(p.isize) { return "dio_complete.isize" }
        if !offsetOK(p.ret) { return "dio_complete.ret" }
        return nil
    }

    @inline(__always) static func implausibleField(_ p: IomapMapping) -> StaticString? {
        if !offsetOK(p.offset) { return "iomap.offset" }
        if !lengthOK(p.length) { return "iomap.length" }
        if p.blkbits > maxBlockBits { return "iomap.blkbits" }
        if p.addr != IomapMapping.nullAddress && !lengthOK(p.addr) { return "iomap.addr" }
        return nil
    }

    @inline(__always) static func implausibleField(_ p: DIOSteps) -> StaticString? {
        if !offsetOK(p.mapOffset) { return "steps.map_offset" }
        if p.bioSector > UInt64(maxBytes) >> 9 { return "steps.bio_sector" }
        if !lengthOK(p.mapAddr) { return "steps.map_addr" }
        if p.blkbits > maxBlockBits { return "steps.blkbits" }
        // Undefined bits set, or no mapping step: no kernel writes such a record.
        if p.stepMask & DIOSteps.undefinedBits != 0 || !p.has(.map) { return "steps.steps" }
        return nil
    }

    @inline(__always) static func implausibleField(_ p: BlockIO) -> StaticString? {
        if p.sector != .max && p.sector > UInt64(maxBytes) >> 9 { return "block.sector" }
        return nil
    }

    @inline(__always) static func implausibleField(_ p: XFSIO) -> StaticString? {
        if !offsetOK(p.isize) { return "xfs.isize" }
        if !offsetOK(p.disize) { return "xfs.disize" }
        if !offsetOK(p.offset) { return "xfs.offset" }
        if !lengthOK(p.count) { return "xfs.count" }
        return nil
    }

    @inline(__always) static func implausibleField(_ p: Ext4Map) -> StaticString? {
        if p.blkbits > maxBlockBits { return "ext4.blkbits" }
        return nil
    }

    @inline(__always) static func implausibleField(_ p: SpaceOp) -> StaticString? {
        if !offsetOK(p.offset) { return "space.offset" }
        if !offsetOK(p.len) { return "space.len" }
        if !offsetOK(p.isize) { return "space.isize" }
        return nil
    }

    @inline(__always) static func implausibleField(_ p: SysEnter) -> StaticString? {
        if !offsetOK(p.isize) { return "sys_enter.isize" }
        // the arguments that are byte counts, offsets or lengths (others are addresses or flags)
        switch p.sysno {
        case .pread64, .pwrite64, .preadv2, .pwritev2, .read, .write:
            if !offsetOK(p.args.1) { return "sys_enter.count" }
            if !offsetOK(p.args.2) { return "sys_enter.offset" }
        case .fallocate:
            if !offsetOK(p.args.1) { return "sys_enter.offset" }
            if !offsetOK(p.args.2) { return "sys_enter.len" }
        case .ftruncate:
            if !offsetOK(p.args.0) { return "sys_enter.length" }
        default:
            break
        }
        return nil
    }

    @inline(__always) static func implausibleField(_ p: SysExit) -> StaticString? {
        if !offsetOK(p.ret) { return "sys_exit.ret" }
        if !offsetOK(p.isize) { return "sys_exit.isize" }
        if p.enterTimestamp > maxTimestamp { return "sys_exit.enter_ts" }
        return nil
    }

    @inline(__always) static func implausibleField(_ p: AIOReap) -> StaticString? {
        if !offsetOK(p.res) { return "reap.res" }
        return nil
    }

    @inline(__always) static func implausibleField(_ p: Lost) -> StaticString? {
        if p.dropped > maxDropped { return "lost.dropped" }
        if p.sinceNs > maxTimestamp { return "lost.since_ns" }
        if p.untilNs > maxTimestamp { return "lost.until_ns" }
        return nil
    }
}
