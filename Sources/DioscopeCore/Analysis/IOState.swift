/// What the analyzer holds of an I/O's timeline while the I/O is in flight or waits for the
/// detectors: the fields of ``IOTimeline`` that events set, under the same names, without what
/// only an emitted timeline has (its decoded entries and phase latencies) and with the system
/// call and block size as the small values they are.
///
/// Every I/O in flight holds one inside its ``LiveIO``, so its size is the analyzer's memory per
/// I/O. ``timeline(key:entries:phases:)`` builds the public timeline when something receives it.
struct IOState {
    // Stored in this order: the 1-byte fields fill the 6 bytes after the packed times' mask,
    // and `comm` follows the two 4-byte ids with no padding. No device and inode numbers: the
    // I/O's file holds them (``LiveIO/key``), and the timeline is given them.
    /// The optional times and values, the times as distances from ``submittedAt``.
    private var packed = PackedTimes()
    var op: IOOperation
    var api: IOAPI
    /// ``status`` (bit 0: inconclusive) and ``needsConversion`` (bit 1), one byte for both.
    private var statusBits: UInt8 = 0
    var syscall: Syscall?
    /// log2 of ``blockSize``: every block size the engine uses is a power of two.
    private var blockBits: UInt8
    /// Why the I/O is inconclusive, if it is: one of the engine's few reasons, held as one
    /// byte instead of a 16-byte `String?`.
    var inconclusiveCause: InconclusiveCause?
    var id: UInt64
    var tgid: UInt32
    var tid: UInt32
    /// The task's name as the events gave it: 16 bytes inline, made a `String` only for a
    /// timeline something receives (a `String` here was retained and released per I/O).
    var comm: Comm
    var offset: Int64
    var length: UInt64
    var isizeAtBegin: Int64
    var submittedAt: UInt64
    var attempts = RecordList<AttemptState>()
    var mappings = RecordList<IOMappingRecord>()
    var bios = RecordList<BioState>()
    var conversions: [ConversionRecord] = []

    init(id: UInt64, op: IOOperation, api: IOAPI, tgid: UInt32, tid: UInt32, comm: Comm,
         offset: Int64, length: UInt64, requested: UInt64?, syscall: Syscall?, isizeAtBegin: Int64,
         blockSize: UInt64, submittedAt: UInt64) {
        precondition(blockSize.nonzeroBitCount == 1, "a block size is a power of two")
        self.id = id
        self.op = op
        self.api = api
        self.tgid = tgid
        self.tid = tid
        self.comm = comm
        self.offset = offset
        self.length = length
        self.syscall = syscall
        self.isizeAtBegin = isizeAtBegin
        blockBits = UInt8(blockSize.trailingZeroBitCount)
        self.submittedAt = submittedAt
        packed.requested = requested
    }

    /// ``IOTimeline/status``.
    var status: IOStatus {
        @inline(__always) get { statusBits & 1 != 0 ? .inconclusive : .complete }
        @inline(__always) set { statusBits = newValue == .inconclusive ? statusBits | 1 : statusBits & ~1 }
    }
    /// The write needed unwritten-extent conversion (``IOTimeline/needsConversion``).
    var needsConversion: Bool {
        @inline(__always) get { statusBits & 2 != 0 }
        @inline(__always) set { statusBits = newValue ? statusBits | 2 : statusBits & ~2 }
    }

    /// Filesystem block size used for block-level reasoning (a power of two).
    var blockSize: UInt64 {
        get { 1 << UInt64(blockBits) }
        set {
            precondition(newValue.nonzeroBitCount == 1, "a block size is a power of two")
            blockBits = UInt8(newValue.trailingZeroBitCount)
        }
    }

    /// The kernel's completion was seen (``completedAt`` is present), its time unread.
    var hasCompleted: Bool {
        @inline(__always) get { packed.has(.completedAt) }
    }

    /// The times as the public timeline holds them.
    var times: TimelineTimes { packed.unpacked(base: submittedAt) }

    // The packed times, under ``IOTimeline``'s names.
    var requested: UInt64? {
        @inline(__always) get { packed.requested }
        @inline(__always) set { packed.requested = newValue }
    }
    var queuedAt: UInt64? {
        @inline(__always) get { packed.get(.queuedAt, base: submittedAt) }
        @inline(__always) set { packed.set(.queuedAt, newValue, base: submittedAt) }
    }
    var submitReturnedAt: UInt64? {
        @inline(__always) get { packed.get(.submitReturnedAt, base: submittedAt) }
        @inline(__always) set { packed.set(.submitReturnedAt, newValue, base: submittedAt) }
    }
    var convertedAt: UInt64? {
        @inline(__always) get { packed.get(.convertedAt, base: submittedAt) }
        @inline(__always) set { packed.set(.convertedAt, newValue, base: submittedAt) }
    }
    var sizeUpdatedAt: UInt64? {
        @inline(__always) get { packed.get(.sizeUpdatedAt, base: submittedAt) }
        @inline(__always) set { packed.set(.sizeUpdatedAt, newValue, base: submittedAt) }
    }
    var isizeAtEnd: Int64? {
        @inline(__always) get { packed.isizeAtEnd }
        @inline(__always) set { packed.isizeAtEnd = newValue }
    }
    var completedAt: UInt64? {
        @inline(__always) get { packed.get(.completedAt, base: submittedAt) }
        @inline(__always) set { packed.set(.completedAt, newValue, base: submittedAt) }
    }
    var postedAt: UInt64? {
        @inline(__always) get { packed.get(.postedAt, base: submittedAt) }
        @inline(__always) set { packed.set(.postedAt, newValue, base: submittedAt) }
    }
    var reapedAt: UInt64? {
        @inline(__always) get { packed.get(.reapedAt, base: submittedAt) }
        @inline(__always) set { packed.set(.reapedAt, newValue, base: submittedAt) }
    }
    var returnedAt: UInt64? {
        @inline(__always) get { packed.get(.returnedAt, base: submittedAt) }
        @inline(__always) set { packed.set(.returnedAt, newValue, base: submittedAt) }
    }
    var result: Int64? {
        @inline(__always) get { packed.result }
        @inline(__always) set { packed.result = newValue }
    }

    /// ``IOTimeline/inconclusiveReason``.
    var inconclusiveReason: String? { inconclusiveCause?.text }

    /// ``IOTimeline/userVisibleAt``.
    var userVisibleAt: UInt64? {
        TimelineTimes.userVisibleAt(posted: postedAt, reaped: reapedAt, returned: returnedAt)
    }

    /// ``IOTimeline/endedAt`` without entries (the I/O's encoded ones are ``LiveIO/endedAt``'s).
    var endedAt: UInt64 {
        @inline(__always) get { packed.latest(base: submittedAt) }
    }

    /// ``IOTimeline/isExtending``.
    var isExtending: Bool { op == .write && offset + Int64(length) > isizeAtBegin && isizeAtBegin >= 0 }

    /// The public timeline of this state, with its file's device and inode numbers (`key`),
    /// `entries` and `phases`. The conversions' array is shared with this state until one of the
    /// two changes it.
    func timeline(key: InodeKey, entries: [TimelineEntry], phases: PhaseLatencies) -> IOTimeline {
        var t = IOTimeline(id: id, op: op, api: api, tgid: tgid, tid: tid, comm: comm.description, dev: key.dev, ino: key.ino,
                           offset: offset, length: length, requested: nil, syscall: syscall?.description,
                           isizeAtBegin: isizeAtBegin, blockSize: blockSize, submittedAt: submittedAt)
        t.times = times
        t.status = status
        t.needsConversion = needsConversion
        t.inconclusiveReason = inconclusiveReason
        t.attempts = attempts.map { $0.record(offset: offset, length: length) }
        t.mappings = mappings.array
        t.bios = bios.map(\.record)
        t.conversions = conversions
        t.entries = entries
        t.phases = phases
        return t
    }

    /// Empties the record arrays (attempts, mappings, bios, conversions), keeping their storage
    /// for the next I/O (``IOSlab``).
    mutating func removeAllRecords() {
        attempts.removeAllKeepingStorage()
        mappings.removeAllKeepingStorage()
        bios.removeAllKeepingStorage()
        conversions.removeAllKeepingStorage()
    }

    /// Makes this state, its record arrays already emptied (``IOSlab``), what
    /// `IOState(id:op:...)` with the same arguments gives, in place and keeping the arrays'
    /// storage.
    ///
    /// In place because a new state could not be moved into the reused slot: the inlined
    /// initializer built it in a temporary, then copied it (retaining its strings) and destroyed
    /// the temporary, 3 % of `analyze`. `IOSlabTests` checks, field by field, that the result
    /// equals a new state.
    mutating func restart(id: UInt64, op: IOOperation, api: IOAPI, tgid: UInt32, tid: UInt32, comm: Comm,
                          offset: Int64, length: UInt64, requested: UInt64?,
                          syscall: Syscall?, isizeAtBegin: Int64, blockSize: UInt64, submittedAt: UInt64) {
        assert(attempts.isEmpty && mappings.isEmpty && bios.isEmpty && conversions.isEmpty)
        self.id = id
        self.op = op
        self.api = api
        self.tgid = tgid
        self.tid = tid
        self.comm = comm
        self.offset = offset
        self.length = length
        self.syscall = syscall
        self.isizeAtBegin = isizeAtBegin
        self.blockSize = blockSize
        self.submittedAt = submittedAt
        packed.restart(requested: requested)
        statusBits = 0
        inconclusiveCause = nil
    }
}

extension IOSubject {
    /// The subject of an I/O the analyzer holds (the fields ``init(_:)`` reads of its timeline).
    init(_ io: LiveIO) {
        let s = io.t
        self.init(op: s.op, api: s.api, tgid: s.tgid, tid: s.tid, ino: io.key.ino, offset: s.offset, length: s.length)
    }
}

/// Why the engine judged an I/O it held inconclusive (``IOState/inconclusiveCause``); `text` is
/// the timeline's ``IOTimeline/inconclusiveReason``.
enum InconclusiveCause: UInt8 {
    case lostInFlight, lostNoCompletion, resultWithoutCompletion
    case cutOffRefused, cutOffNoCompletion, cutOffNotReaped, cutOffNoCQE, cutOffNoReturn
    case noConversionTraceIncomplete

    var text: String {
        switch self {
        case .lostInFlight: "events lost while the I/O was in flight"
        case .lostNoCompletion: "events lost while the I/O was in flight; no completion seen afterwards"
        case .resultWithoutCompletion: "the user got the result but no iomap_dio_complete was recorded for it"
        case .cutOffRefused: "cut off: refused with EAGAIN and no retry or result before the trace ended"
        case .cutOffNoCompletion: "cut off: no completion before the trace ended"
        case .cutOffNotReaped: "cut off: completion posted but not reaped before the trace ended"
        case .cutOffNoCQE: "cut off: no CQE before the trace ended"
        case .cutOffNoReturn: "cut off: the system call did not return before the trace ended"
        case .noConversionTraceIncomplete: "no conversion seen and the trace is incomplete"
        }
    }
}
