/// One user-visible direct I/O from submission to the moment the user
/// learned its result, with every kernel step the analyzer could join to it.
///
/// Retries the kernel makes on its own (XFS overwrite-only → force-wait,
/// io_uring NOWAIT → io-wq) are ``attempts`` of one timeline, never separate
/// I/Os. Times are the trace's clock in nanoseconds.
public struct IOTimeline: Sendable, Codable, Equatable {
    // Stored in this order, small fields after the packed times (Swift places a field right
    // after the previous one's size, so they fill the times' tail), and the optional times and
    // values without their Optional tags (``TimelineTimes``): an `UInt64?` takes 16 bytes in a
    // struct. 312 bytes instead of 440. The public properties, the JSON form (CodingKeys below)
    // and equality are those of the plain fields.

    /// The optional times and values (requested ... result below), packed.
    var times = TimelineTimes()
    public var op: IOOperation
    public var api: IOAPI
    public var status: IOStatus = .complete
    /// The write needed unwritten-extent conversion (it wrote into UNWRITTEN extents).
    public var needsConversion: Bool = false
    /// Stable within one analysis: I/Os are numbered in order of submission.
    public var id: UInt64
    /// The submitting process and thread, even for work done in kworkers/irq.
    public var tgid: UInt32
    public var tid: UInt32
    /// Filesystem device (kernel dev_t) and inode.
    public var dev: DeviceNumber
    public var comm: String
    public var ino: UInt64
    /// The file range of the first attempt.
    public var offset: Int64
    public var length: UInt64
    /// i_size when the I/O began.
    public var isizeAtBegin: Int64
    /// Filesystem block size used for block-level reasoning.
    public var blockSize: UInt64
    /// sys_enter of the submitting call (or the first DIO_BEGIN if not seen).
    public var submittedAt: UInt64
    /// The system call that submitted the I/O (pwrite64, io_submit, ...), if seen.
    public var syscall: String?
    /// Why the timeline is inconclusive (events lost, cut off by the trace).
    public var inconclusiveReason: String?

    public var attempts: [IOAttempt] = []
    public var mappings: [IOMappingRecord] = []
    public var bios: [BioRecord] = []
    public var conversions: [ConversionRecord] = []
    /// Every joined event, in time order.
    public var entries: [TimelineEntry] = []

    /// Phase latencies (nil where a phase was not observed).
    public var phases: PhaseLatencies = PhaseLatencies()

    /// The byte count the user asked for in the system call, when the call
    /// carries one (pread64/pwrite64); nil otherwise.
    public var requested: UInt64? {
        get { times.requested }
        set { times.requested = newValue }
    }
    /// DIO_QUEUED (-EIOCBQUEUED) of the last attempt.
    public var queuedAt: UInt64? {
        get { times.queuedAt }
        set { times.queuedAt = newValue }
    }
    /// sys_exit of the submitting call (io_submit/io_uring_enter; sync: the return).
    public var submitReturnedAt: UInt64? {
        get { times.submitReturnedAt }
        set { times.submitReturnedAt = newValue }
    }
    /// When the conversion covering the whole written range was seen.
    public var convertedAt: UInt64? {
        get { times.convertedAt }
        set { times.convertedAt = newValue }
    }
    /// i_size update (xfs_setfilesize, or DIO_COMPLETE with a larger isize).
    public var sizeUpdatedAt: UInt64? {
        get { times.sizeUpdatedAt }
        set { times.sizeUpdatedAt = newValue }
    }
    /// Last i_size the I/O's own events reported.
    public var isizeAtEnd: Int64? {
        get { times.isizeAtEnd }
        set { times.isizeAtEnd = newValue }
    }
    /// DIO_COMPLETE of the final attempt (kernel side completion).
    public var completedAt: UInt64? {
        get { times.completedAt }
        set { times.completedAt = newValue }
    }
    /// The completion was posted to the user (libaio: DIO_COMPLETE;
    /// io_uring: the CQE; sync: nil, the return is the completion).
    public var postedAt: UInt64? {
        get { times.postedAt }
        set { times.postedAt = newValue }
    }
    /// libaio: io_getevents returned it; io_uring: not traced (nil).
    public var reapedAt: UInt64? {
        get { times.reapedAt }
        set { times.reapedAt = newValue }
    }
    /// sync I/O: sys_exit of the call.
    public var returnedAt: UInt64? {
        get { times.returnedAt }
        set { times.returnedAt = newValue }
    }
    /// Bytes transferred or -errno, as the user saw it (or the kernel posted it).
    public var result: Int64? {
        get { times.result }
        set { times.result = newValue }
    }

    public init(id: UInt64, op: IOOperation, api: IOAPI, tgid: UInt32, tid: UInt32, comm: String,
                dev: DeviceNumber, ino: UInt64, offset: Int64, length: UInt64, requested: UInt64?,
                syscall: String?, isizeAtBegin: Int64, blockSize: UInt64, submittedAt: UInt64) {
        self.id = id
        self.op = op
        self.api = api
        self.tgid = tgid
        self.tid = tid
        self.comm = comm
        self.dev = dev
        self.ino = ino
        self.offset = offset
        self.length = length
        self.syscall = syscall
        self.isizeAtBegin = isizeAtBegin
        self.blockSize = blockSize
        self.submittedAt = submittedAt
        self.requested = requested
    }

    // The keys in the order of the fields before the packing (the order `JSONEncoder` writes
    // without `.sortedKeys`).
    enum CodingKeys: String, CodingKey, CaseIterable {
        case id, op, api, tgid, tid, comm, dev, ino, offset, length, requested, syscall, isizeAtBegin, blockSize
        case attempts, mappings, bios, conversions, entries, submittedAt, queuedAt, submitReturnedAt
        case needsConversion, convertedAt, sizeUpdatedAt, isizeAtEnd, completedAt, postedAt, reapedAt, returnedAt
        case result, status, inconclusiveReason, phases
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(id: try c.decode(UInt64.self, forKey: .id), op: try c.decode(IOOperation.self, forKey: .op),
                  api: try c.decode(IOAPI.self, forKey: .api), tgid: try c.decode(UInt32.self, forKey: .tgid),
                  tid: try c.decode(UInt32.self, forKey: .tid), comm: try c.decode(String.self, forKey: .comm),
                  dev: try c.decode(DeviceNumber.self, forKey: .dev), ino: try c.decode(UInt64.self, forKey: .ino),
                  offset: try c.decode(Int64.self, forKey: .offset), length: try c.decode(UInt64.self, forKey: .length),
                  requested: try c.decodeIfPresent(UInt64.self, forKey: .requested),
                  syscall: try c.decodeIfPresent(String.self, forKey: .syscall),
                  isizeAtBegin: try c.decode(Int64.self, forKey: .isizeAtBegin),
                  blockSize: try c.decode(UInt64.self, forKey: .blockSize),
                  submittedAt: try c.decode(UInt64.self, forKey: .submittedAt))
        attempts = try c.decode([IOAttempt].self, forKey: .attempts)
        mappings = try c.decode([IOMappingRecord].self, forKey: .mappings)
        bios = try c.decode([BioRecord].self, forKey: .bios)
        conversions = try c.decode([ConversionRecord].self, forKey: .conversions)
        entries = try c.decode([TimelineEntry].self, forKey: .entries)
        queuedAt = try c.decodeIfPresent(UInt64.self, forKey: .queuedAt)
        submitReturnedAt = try c.decodeIfPresent(UInt64.self, forKey: .submitReturnedAt)
        needsConversion = try c.decode(Bool.self, forKey: .needsConversion)
        convertedAt = try c.decodeIfPresent(UInt64.self, forKey: .convertedAt)
        sizeUpdatedAt = try c.decodeIfPresent(UInt64.self, forKey: .sizeUpdatedAt)
        isizeAtEnd = try c.decodeIfPresent(Int64.self, forKey: .isizeAtEnd)
        completedAt = try c.decodeIfPresent(UInt64.self, forKey: .completedAt)
        postedAt = try c.decodeIfPresent(UInt64.self, forKey: .postedAt)
        reapedAt = try c.decodeIfPresent(UInt64.self, forKey: .reapedAt)
        returnedAt = try c.decodeIfPresent(UInt64.self, forKey: .returnedAt)
        result = try c.decodeIfPresent(Int64.self, forKey: .result)
        status = try c.decode(IOStatus.self, forKey: .status)
        inconclusiveReason = try c.decodeIfPresent(String.self, forKey: .inconclusiveReason)
        phases = try c.decode(PhaseLatencies.self, forKey: .phases)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(op, forKey: .op)
        try c.encode(api, forKey: .api)
        try c.encode(tgid, forKey: .tgid)
        try c.encode(tid, forKey: .tid)
        try c.encode(comm, forKey: .comm)
        try c.encode(dev, forKey: .dev)
        try c.encode(ino, forKey: .ino)
        try c.encode(offset, forKey: .offset)
        try c.encode(length, forKey: .length)
        try c.encodeIfPresent(requested, forKey: .requested)
        try c.encodeIfPresent(syscall, forKey: .syscall)
        try c.encode(isizeAtBegin, forKey: .isizeAtBegin)
        try c.encode(blockSize, forKey: .blockSize)
        try c.encode(attempts, forKey: .attempts)
        try c.encode(mappings, forKey: .mappings)
        try c.encode(bios, forKey: .bios)
        try c.encode(conversions, forKey: .conversions)
        try c.encode(entries, forKey: .entries)
        try c.encode(submittedAt, forKey: .submittedAt)
        try c.encodeIfPresent(queuedAt, forKey: .queuedAt)
        try c.encodeIfPresent(submitReturnedAt, forKey: .submitReturnedAt)
        try c.encode(needsConversion, forKey: .needsConversion)
        try c.encodeIfPresent(convertedAt, forKey: .convertedAt)
        try c.encodeIfPresent(sizeUpdatedAt, forKey: .sizeUpdatedAt)
        try c.encodeIfPresent(isizeAtEnd, forKey: .isizeAtEnd)
        try c.encodeIfPresent(completedAt, forKey: .completedAt)
        try c.encodeIfPresent(postedAt, forKey: .postedAt)
        try c.encodeIfPresent(reapedAt, forKey: .reapedAt)
        try c.encodeIfPresent(returnedAt, forKey: .returnedAt)
        try c.encodeIfPresent(result, forKey: .result)
        try c.encode(status, forKey: .status)
        try c.encodeIfPresent(inconclusiveReason, forKey: .inconclusiveReason)
        try c.encode(phases, forKey: .phases)
    }

    /// The moment the user could first observe the I/O as done: completion
    /// posted, reaped, or the synchronous call returned — whichever is first.
    public var userVisibleAt: UInt64? { times.userVisibleAt }

    /// The last moment the timeline knows of. Inlined: a flush reads it for every settled I/O of
    /// the file, and as a call on an I/O's timeline it copied the whole timeline first.
    public var endedAt: UInt64 {
        @inline(__always) get {
            let t = times.latest(submittedAt)
            guard let last = entries.last?.timestamp, last > t else { return t }
            return last
        }
    }

    /// The file range of the I/O as [start, end).
    public var range: Range<Int64> { offset..<(offset + Int64(length)) }

    /// The write extends the file (its end lies beyond i_size at begin).
    public var isExtending: Bool { op == .write && offset + Int64(length) > isizeAtBegin && isizeAtBegin >= 0 }
}

public enum IOOperation: String, Sendable, Codable, CustomStringConvertible {
    case read, write
    public var description: String { rawValue }
}

public enum IOStatus: String, Sendable, Codable, CustomStringConvertible {
    /// Every step from submission to the user's result was seen.
    case complete
    /// Events were lost or the trace cut the I/O off: no verdict possible.
    case inconclusive
    public var description: String { rawValue }
}

/// One kernel attempt of an I/O (one `iomap_dio_rw_begin`).
public struct IOAttempt: Sendable, Codable, Equatable {
    // Optional fields packed as in ``IOTimeline`` (72 bytes instead of 96; every I/O holds one).
    public var beganAt: UInt64
    public var kiocb: UInt64
    public var offset: Int64
    public var length: UInt64
    /// DIO_FORCE_WAIT, DIO_OVERWRITE_ONLY, DIO_PARTIAL as printed by ftrace.
    public var dioFlags: [String]
    private var completedAtBits: UInt64 = 0
    private var retBits: Int64 = 0
    public var tid: UInt32
    private var errorBits: Int32 = 0
    public var nowait: Bool
    /// The attempt was refused with -EAGAIN and retried by the kernel.
    public var retried: Bool = false
    /// Which of completedAt (1), error (2) and ret (4) are present.
    private var present = PresenceMask<UInt8>()

    public var completedAt: UInt64? {
        get { present.get(1, completedAtBits) }
        set { present.set(1, newValue, in: &completedAtBits) }
    }
    public var error: Int32? {
        get { present.get(2, errorBits) }
        set { present.set(2, newValue, in: &errorBits) }
    }
    public var ret: Int64? {
        get { present.get(4, retBits) }
        set { present.set(4, newValue, in: &retBits) }
    }

    public init(beganAt: UInt64, tid: UInt32, kiocb: UInt64, offset: Int64, length: UInt64, dioFlags: [String],
                nowait: Bool) {
        self.beganAt = beganAt
        self.tid = tid
        self.kiocb = kiocb
        self.offset = offset
        self.length = length
        self.dioFlags = dioFlags
        self.nowait = nowait
    }

    // In the order of the fields before the packing.
    enum CodingKeys: String, CodingKey, CaseIterable {
        case beganAt, tid, kiocb, offset, length, dioFlags, nowait, completedAt, error, ret, retried
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(beganAt: try c.decode(UInt64.self, forKey: .beganAt), tid: try c.decode(UInt32.self, forKey: .tid),
                  kiocb: try c.decode(UInt64.self, forKey: .kiocb), offset: try c.decode(Int64.self, forKey: .offset),
                  length: try c.decode(UInt64.self, forKey: .length),
                  dioFlags: try c.decode([String].self, forKey: .dioFlags), nowait: try c.decode(Bool.self, forKey: .nowait))
        completedAt = try c.decodeIfPresent(UInt64.self, forKey: .completedAt)
        error = try c.decodeIfPresent(Int32.self, forKey: .error)
        ret = try c.decodeIfPresent(Int64.self, forKey: .ret)
        retried = try c.decode(Bool.self, forKey: .retried)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(beganAt, forKey: .beganAt)
        try c.encode(tid, forKey: .tid)
        try c.encode(kiocb, forKey: .kiocb)
        try c.encode(offset, forKey: .offset)
        try c.encode(length, forKey: .length)
        try c.encode(dioFlags, forKey: .dioFlags)
        try c.encode(nowait, forKey: .nowait)
        try c.encodeIfPresent(completedAt, forKey: .completedAt)
        try c.encodeIfPresent(error, forKey: .error)
        try c.encodeIfPresent(ret, forKey: .ret)
        try c.encode(retried, forKey: .retried)
    }
}

/// An `iomap_iter_dstmap` the I/O got.
public struct IOMappingRecord: Sendable, Codable, Equatable {
    public var timestamp: UInt64
    public var offset: Int64
    public var length: UInt64
    /// Disk byte address, nil for IOMAP_NULL_ADDR.
    public var addr: UInt64?
    public var type: ExtentType
    public var new: Bool
    public var bdev: DeviceNumber

    public init(timestamp: UInt64, offset: Int64, length: UInt64, addr: UInt64?, type: ExtentType, new: Bool,
                bdev: DeviceNumber) {
        self.timestamp = timestamp
        self.offset = offset
        self.length = length
        self.addr = addr
        self.type = type
        self.new = new
        self.bdev = bdev
    }

    /// The 512-byte sector holding file offset `fileOffset` (inside the mapping).
    public func sector(forFileOffset fileOffset: Int64) -> UInt64? {
        guard let addr, fileOffset >= offset, fileOffset < offset + Int64(length) else { return nil }
        return (addr + UInt64(fileOffset - offset)) / 512
    }

    /// The file offset of disk byte `diskByte`, if the mapping covers it.
    public func fileOffset(forDiskByte diskByte: UInt64) -> Int64? {
        guard let addr, diskByte >= addr, diskByte < addr + length else { return nil }
        return offset + Int64(diskByte - addr)
    }
}

/// What a bio wrote for its I/O.
public enum BioRole: String, Sendable, Codable {
    /// Only bytes of the I/O's own range.
    case data
    /// Bytes outside the I/O's range inside a filesystem block it touches:
    /// sub-block zeroing (possibly together with data).
    case subBlockZeroing = "sub-block-zeroing"
    /// The bio could not be mapped back to file offsets.
    case unknown
}

/// One bio of an I/O with its request-level times.
public struct BioRecord: Sendable, Codable, Equatable {
    // Optional fields packed as in ``IOTimeline`` (80 bytes instead of 112; every I/O holds one
    // per bio).
    public var queuedAt: UInt64
    private var issuedAtBits: UInt64 = 0
    private var completedAtBits: UInt64 = 0
    public var sector: UInt64
    private var fileOffsetBits: Int64 = 0
    public var op: String
    /// Zeroed file ranges (outside the I/O's range), as [start, end) pairs.
    public var zeroedRanges: [FileRange]
    public var dev: DeviceNumber
    public var nrSector: UInt32
    private var errorBits: Int32 = 0
    public var role: BioRole
    /// Joined exactly through the kiocb (else by disk range, task and time).
    public var exactJoin: Bool
    /// Which of issuedAt (1), completedAt (2), error (4) and fileOffset (8) are present.
    private var present = PresenceMask<UInt8>()

    public var issuedAt: UInt64? {
        get { present.get(1, issuedAtBits) }
        set { present.set(1, newValue, in: &issuedAtBits) }
    }
    public var completedAt: UInt64? {
        get { present.get(2, completedAtBits) }
        set { present.set(2, newValue, in: &completedAtBits) }
    }
    public var error: Int32? {
        get { present.get(4, errorBits) }
        set { present.set(4, newValue, in: &errorBits) }
    }
    /// File range the bio covers, if the mapping is known.
    public var fileOffset: Int64? {
        get { present.get(8, fileOffsetBits) }
        set { present.set(8, newValue, in: &fileOffsetBits) }
    }

    public init(queuedAt: UInt64, dev: DeviceNumber, sector: UInt64, nrSector: UInt32, op: String, role: BioRole,
                fileOffset: Int64?, zeroedRanges: [FileRange], exactJoin: Bool) {
        self.queuedAt = queuedAt
        self.dev = dev
        self.sector = sector
        self.nrSector = nrSector
        self.op = op
        self.role = role
        self.zeroedRanges = zeroedRanges
        self.exactJoin = exactJoin
        self.fileOffset = fileOffset
    }

    // In the order of the fields before the packing.
    enum CodingKeys: String, CodingKey, CaseIterable {
        case queuedAt, issuedAt, completedAt, dev, sector, nrSector, op, error, role, fileOffset, zeroedRanges
        case exactJoin
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(queuedAt: try c.decode(UInt64.self, forKey: .queuedAt), dev: try c.decode(DeviceNumber.self, forKey: .dev),
                  sector: try c.decode(UInt64.self, forKey: .sector), nrSector: try c.decode(UInt32.self, forKey: .nrSector),
                  op: try c.decode(String.self, forKey: .op), role: try c.decode(BioRole.self, forKey: .role),
                  fileOffset: try c.decodeIfPresent(Int64.self, forKey: .fileOffset),
                  zeroedRanges: try c.decode([FileRange].self, forKey: .zeroedRanges),
                  exactJoin: try c.decode(Bool.self, forKey: .exactJoin))
        issuedAt = try c.decodeIfPresent(UInt64.self, forKey: .issuedAt)
        completedAt = try c.decodeIfPresent(UInt64.self, forKey: .completedAt)
        error = try c.decodeIfPresent(Int32.self, forKey: .error)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(queuedAt, forKey: .queuedAt)
        try c.encodeIfPresent(issuedAt, forKey: .issuedAt)
        try c.encodeIfPresent(completedAt, forKey: .completedAt)
        try c.encode(dev, forKey: .dev)
        try c.encode(sector, forKey: .sector)
        try c.encode(nrSector, forKey: .nrSector)
        try c.encode(op, forKey: .op)
        try c.encodeIfPresent(error, forKey: .error)
        try c.encode(role, forKey: .role)
        try c.encodeIfPresent(fileOffset, forKey: .fileOffset)
        try c.encode(zeroedRanges, forKey: .zeroedRanges)
        try c.encode(exactJoin, forKey: .exactJoin)
    }

    public var fileRange: FileRange? {
        guard let fileOffset else { return nil }
        return FileRange(start: fileOffset, end: fileOffset + Int64(nrSector) * 512)
    }
}

/// A half-open byte range of a file.
public struct FileRange: Sendable, Codable, Equatable, Hashable, CustomStringConvertible {
    public var start: Int64
    public var end: Int64

    public init(start: Int64, end: Int64) {
        self.start = start
        self.end = end
    }

    public var isEmpty: Bool { end <= start }
    public func overlaps(_ o: FileRange) -> Bool { start < o.end && o.start < end }
    public func contains(_ o: FileRange) -> Bool { start <= o.start && o.end <= end }
    public func intersection(_ o: FileRange) -> FileRange? {
        let r = FileRange(start: max(start, o.start), end: min(end, o.end))
        return r.isEmpty ? nil : r
    }
    /// The range widened to whole blocks of `blockSize` bytes.
    public func roundedOut(to blockSize: UInt64) -> FileRange {
        let b = Int64(max(blockSize, 1))
        return FileRange(start: (start / b) * b, end: ((end + b - 1) / b) * b)
    }

    public var description: String { "0x\(String(start, radix: 16))..0x\(String(end, radix: 16))" }
}

/// Unwritten-extent conversion work seen for the I/O's range.
public struct ConversionRecord: Sendable, Codable, Equatable {
    public var timestamp: UInt64
    /// "xfs_unwritten_convert", "ext4_ext_map_blocks_enter", "ext4_ext_handle_unwritten_extents"
    public var source: String
    public var offset: Int64
    public var length: UInt64
    public var tid: UInt32

    public init(timestamp: UInt64, source: String, offset: Int64, length: UInt64, tid: UInt32) {
        self.timestamp = timestamp
        self.source = source
        self.offset = offset
        self.length = length
        self.tid = tid
    }
}

/// Per-I/O phase latencies in nanoseconds.
public struct PhaseLatencies: Sendable, Codable, Equatable {
    // Packed like ``IOTimeline``'s optional fields (56 bytes instead of 96): every I/O carries
    // one. The public properties, the JSON form and equality are those of the plain optionals.
    private var present = PresenceMask<UInt8>()
    private var submitToFirstBioBits: UInt64 = 0
    private var deviceBits: UInt64 = 0
    private var deviceToConversionBits: UInt64 = 0
    private var conversionToPostedBits: UInt64 = 0
    private var postedToReapedBits: UInt64 = 0
    private var totalBits: UInt64 = 0

    /// submission → first bio queued
    public var submitToFirstBio: UInt64? {
        get { present.get(1, submitToFirstBioBits) }
        set { present.set(1, newValue, in: &submitToFirstBioBits) }
    }
    /// first bio queued → last bio completed by the device
    public var device: UInt64? {
        get { present.get(2, deviceBits) }
        set { present.set(2, newValue, in: &deviceBits) }
    }
    /// device done → unwritten conversion done
    public var deviceToConversion: UInt64? {
        get { present.get(4, deviceToConversionBits) }
        set { present.set(4, newValue, in: &deviceToConversionBits) }
    }
    /// conversion done (or device done) → completion posted / returned
    public var conversionToPosted: UInt64? {
        get { present.get(8, conversionToPostedBits) }
        set { present.set(8, newValue, in: &conversionToPostedBits) }
    }
    /// posted → reaped by the user (libaio)
    public var postedToReaped: UInt64? {
        get { present.get(16, postedToReapedBits) }
        set { present.set(16, newValue, in: &postedToReapedBits) }
    }
    /// submission → the user had the result
    public var total: UInt64? {
        get { present.get(32, totalBits) }
        set { present.set(32, newValue, in: &totalBits) }
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case submitToFirstBio, device, deviceToConversion, conversionToPosted, postedToReaped, total
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        submitToFirstBio = try c.decodeIfPresent(UInt64.self, forKey: .submitToFirstBio)
        device = try c.decodeIfPresent(UInt64.self, forKey: .device)
        deviceToConversion = try c.decodeIfPresent(UInt64.self, forKey: .deviceToConversion)
        conversionToPosted = try c.decodeIfPresent(UInt64.self, forKey: .conversionToPosted)
        postedToReaped = try c.decodeIfPresent(UInt64.self, forKey: .postedToReaped)
        total = try c.decodeIfPresent(UInt64.self, forKey: .total)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(submitToFirstBio, forKey: .submitToFirstBio)
        try c.encodeIfPresent(device, forKey: .device)
        try c.encodeIfPresent(deviceToConversion, forKey: .deviceToConversion)
        try c.encodeIfPresent(conversionToPosted, forKey: .conversionToPosted)
        try c.encodeIfPresent(postedToReaped, forKey: .postedToReaped)
        try c.encodeIfPresent(total, forKey: .total)
    }

    public init() {}

    public func value(_ p: Phase) -> UInt64? {
        switch p {
        case .submitToFirstBio: submitToFirstBio
        case .device: device
        case .deviceToConversion: deviceToConversion
        case .conversionToPosted: conversionToPosted
        case .postedToReaped: postedToReaped
        case .total: total
        }
    }
}

/// The phases of ``PhaseLatencies``, in table order.
public enum Phase: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
    case submitToFirstBio = "submit->bio"
    case device = "device"
    case deviceToConversion = "device->conv"
    case conversionToPosted = "conv->posted"
    case postedToReaped = "posted->reaped"
    case total = "total"
    public var description: String { rawValue }
}

/// One joined event on a timeline. Stored compactly (no strings built per
/// event); ``description`` renders it.
public struct TimelineEntry: Sendable, Codable, Equatable, CustomStringConvertible {
    public var timestamp: UInt64
    public var step: TimelineStep
    /// Which of offset (1), length (2) and value (4) are present.
    private var present: PresenceMask<UInt8>
    public var cpu: UInt16
    /// The task the event ran in (a kworker/irq for completion work).
    public var tid: UInt32
    // The optional fields are stored without their Optional tags and with a presence mask, and
    // the note as a number: 48 bytes per entry instead of 88 (three `Int64?` are 9 bytes each,
    // padded to 16; a `String?` is 16). The analyzer holds an I/O's entries encoded (EntryLog)
    // until its timeline is emitted; these values are what it decodes them into.
    private var offsetBits: Int64
    private var lengthBits: UInt64
    private var valueBits: Int64
    /// Step-specific detail, as its number in ``TimelineNote``'s table (0: none). A number rather
    /// than a `String?`: the entry then has no reference-counted field (see TimelineNote).
    private(set) var noteID: UInt32

    /// Step-specific detail.
    public var note: String? {
        get { TimelineNote.text(noteID) }
        set { noteID = TimelineNote.id(newValue) }
    }

    public var offset: Int64? {
        get { present.get(1, offsetBits) }
        set { present.set(1, newValue, in: &offsetBits) }
    }
    public var length: UInt64? {
        get { present.get(2, lengthBits) }
        set { present.set(2, newValue, in: &lengthBits) }
    }
    /// Step-specific value: ret/error, sector, isize, extent type...
    public var value: Int64? {
        get { present.get(4, valueBits) }
        set { present.set(4, newValue, in: &valueBits) }
    }

    public init(timestamp: UInt64, step: TimelineStep, tid: UInt32, cpu: UInt16 = 0, offset: Int64? = nil,
                length: UInt64? = nil, value: Int64? = nil, note: String? = nil) {
        self.init(timestamp: timestamp, step: step, tid: tid, cpu: cpu, offset: offset, length: length, value: value,
                  noteID: TimelineNote.id(note))
    }

    /// The engine's initializer: the note already as its ``TimelineNote`` number.
    init(timestamp: UInt64, step: TimelineStep, tid: UInt32, cpu: UInt16 = 0, offset: Int64? = nil,
         length: UInt64? = nil, value: Int64? = nil, noteID: UInt32) {
        self.timestamp = timestamp
        self.step = step
        self.tid = tid
        self.cpu = cpu
        self.present = PresenceMask(raw: (offset == nil ? 0 : 1) | (length == nil ? 0 : 2) | (value == nil ? 0 : 4))
        self.offsetBits = offset ?? 0
        self.lengthBits = length ?? 0
        self.valueBits = value ?? 0
        self.noteID = noteID
    }

    /// Equal notes have equal numbers (texts are interned once).
    public static func == (a: TimelineEntry, b: TimelineEntry) -> Bool {
        a.timestamp == b.timestamp && a.step == b.step && a.tid == b.tid && a.cpu == b.cpu && a.offset == b.offset
            && a.length == b.length && a.value == b.value && a.noteID == b.noteID
    }

    // The JSON form is that of the plain optional fields (absent when nil), as before the packing.
    private enum CodingKeys: String, CodingKey { case timestamp, step, tid, cpu, offset, length, value, note }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(timestamp: try c.decode(UInt64.self, forKey: .timestamp),
                  step: try c.decode(TimelineStep.self, forKey: .step), tid: try c.decode(UInt32.self, forKey: .tid),
                  cpu: try c.decode(UInt16.self, forKey: .cpu), offset: try c.decodeIfPresent(Int64.self, forKey: .offset),
                  length: try c.decodeIfPresent(UInt64.self, forKey: .length),
                  value: try c.decodeIfPresent(Int64.self, forKey: .value),
                  note: try c.decodeIfPresent(String.self, forKey: .note))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(timestamp, forKey: .timestamp)
        try c.encode(step, forKey: .step)
        try c.encode(tid, forKey: .tid)
        try c.encode(cpu, forKey: .cpu)
        try c.encodeIfPresent(offset, forKey: .offset)
        try c.encodeIfPresent(length, forKey: .length)
        try c.encodeIfPresent(value, forKey: .value)
        try c.encodeIfPresent(note, forKey: .note)
    }

    public var description: String {
        var s = step.rawValue
        if let offset { s += " off 0x" + String(offset, radix: 16) }
        if let length { s += " len 0x" + String(length, radix: 16) }
        if let value { s += " " + step.valueName + " " + String(value) }
        if let note { s += " " + note }
        return s
    }
}

/// The kinds of steps on an I/O timeline.
public enum TimelineStep: String, Sendable, Codable, CaseIterable {
    case syscallEnter = "syscall-enter"
    case begin = "dio-begin"
    case mapping = "mapping"
    case bioQueued = "bio-queued"
    case rqIssued = "rq-issued"
    case rqCompleted = "rq-completed"
    case queued = "dio-queued"
    case submitReturned = "submit-returned"
    case endIO = "end-io"
    case conversion = "conversion"
    case sizeUpdate = "size-update"
    case completed = "dio-complete"
    case posted = "completion-posted"
    case reaped = "reaped"
    case returned = "returned"
    case retry = "retry"
    case lost = "events-lost"
    /// The process exited with the I/O's completion posted and not reaped (it never will be).
    case processExited = "process-exited"

    /// What ``TimelineEntry/value`` means for this step.
    public var valueName: String {
        switch self {
        case .bioQueued, .rqIssued, .rqCompleted: "sector"
        case .mapping: "type"
        case .sizeUpdate: "isize"
        case .completed, .posted, .reaped, .returned, .submitReturned: "ret"
        case .syscallEnter: "count"
        case .begin: "isize"
        case .processExited: "exit_code"
        default: "value"
        }
    }
}

extension DeviceNumber: Codable {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let raw = try? c.decode(UInt32.self) {
            self.init(raw: raw)
            return
        }
        let s = try c.decode(String.self)
        let parts = s.split(whereSeparator: { $0 == ":" || $0 == "," })
        guard parts.count == 2, let ma = UInt32(parts[0]), let mi = UInt32(parts[1]) else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "device \(s) is not major:minor")
        }
        self.init(major: ma, minor: mi)
    }

    /// Encoded as "major:minor".
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}

extension Array where Element == TimelineEntry {
    /// Puts the entries in timestamp order, keeping the order of equal timestamps (insertion
    /// sort: a timeline has about a dozen entries, nearly all already in order).
    mutating func sortByTimestampStable() { sortByTimestampStable(in: indices) }

    /// ``sortByTimestampStable()`` of the entries at `range` only.
    mutating func sortByTimestampStable(in range: Range<Int>) {
        guard range.count > 1 else { return }
        // Through one buffer pointer: each array subscript assignment checked uniqueness and bounds
        // (2 % of the live consumer, which sorts every assembled I/O's entries).
        withUnsafeMutableBufferPointer { b in
            precondition(range.lowerBound >= 0 && range.upperBound <= b.count)
            for i in (range.lowerBound + 1)..<range.upperBound {
                let x = b[i]
                var j = i
                while j > range.lowerBound && b[j - 1].timestamp > x.timestamp {
                    b[j] = b[j - 1]
                    j -= 1
                }
                if j != i { b[j] = x }
            }
        }
    }
}
