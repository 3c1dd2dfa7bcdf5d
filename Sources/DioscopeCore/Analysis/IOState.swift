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
    /// ``status`` (bit 0: inconclusive), ``needsConversion`` (bit 1), and whether the side box
    /// holds attempts (bit 2), mappings (bit 3), bios (bit 4), conversions or need ranges (bit 5),
    /// and whether ``needHead`` holds a range (bit 6): one byte for all.
    fileprivate var statusBits: UInt8 = 0
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
    // The first record of each kind inline, the rest in the side box (``IOExtras``), made when
    // the first of them comes: read through ``attempts``, ``mappings``, ``bios`` and
    // ``conversions``, changed through the methods below.
    fileprivate var attemptHead: AttemptState?
    fileprivate var mappingHead: IOMappingRecord?
    fileprivate var bioHead: BioState?
    private(set) var extras: IOExtras?
    /// The first range needing conversion (``needRanges``), valid while bit 6 of ``statusBits``
    /// is set, the others in the box. Inline: nearly every write into unwritten extents has
    /// exactly one, and in the box it cost such a write the box and an array (64 bytes each).
    fileprivate var needHead = FileRange(start: 0, end: 0)

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

    /// ``IOTimeline/userVisibleAt``. Inlined: as a call, a detector's read through an I/O's slot
    /// (`io.t.userVisibleAt`) copied the whole state first (callgrind, writes into unwritten
    /// extents: a 312-byte `memcpy` per write at each partial flush, ~110 instructions per I/O).
    var userVisibleAt: UInt64? {
        @inline(__always) get { TimelineTimes.userVisibleAt(posted: postedAt, reaped: reapedAt, returned: returnedAt) }
    }

    /// ``IOTimeline/endedAt`` without entries (the I/O's encoded ones are ``LiveIO/endedAt``'s).
    var endedAt: UInt64 {
        @inline(__always) get { packed.latest(base: submittedAt) }
    }

    /// ``IOTimeline/isExtending``. Inlined, like ``userVisibleAt``, so that a read through a slot
    /// does not copy the state.
    var isExtending: Bool {
        @inline(__always) get { op == .write && offset + Int64(length) > isizeAtBegin && isizeAtBegin >= 0 }
    }

    /// The public timeline of this state, with its file's device and inode numbers (`key`),
    /// `entries` and `phases`.
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

    /// Empties the records (attempts, mappings, bios, conversions) and the side box (``IOSlab``).
    /// The box and its arrays' storage are kept for the slot's next I/O, unless one of its arrays
    /// has grown past `records`. Only the kinds the box's bits name are emptied and looked at: a
    /// kind whose bit is clear has nothing in the box (each append to the box sets its kind's
    /// bit, and only this clears it) and kept the room it had when the box was last kept.
    ///
    /// Inlined up to the box, which a plain write never uses; the box's part out of line.
    @inline(__always)
    mutating func removeAllRecords(keepingBoxUpTo records: Int) {
        let boxed = statusBits & (Self.boxedAttempts | Self.boxedMappings | Self.boxedBios | Self.boxedConversions)
        attemptHead = nil
        mappingHead = nil
        bioHead = nil
        statusBits &= ~Self.boxedBits
        needHead = FileRange(start: 0, end: 0)
        if boxed != 0 { emptyBox(boxed, keepingUpTo: records) }
    }
    @inline(never)
    private mutating func emptyBox(_ boxed: UInt8, keepingUpTo records: Int) {
        guard let x = extras else { return }
        var small = true
        if boxed & Self.boxedAttempts != 0 {
            small = small && x.attempts.capacity <= records
            x.attempts.removeAllKeepingStorage()
        }
        if boxed & Self.boxedMappings != 0 {
            small = small && x.mappings.capacity <= records
            x.mappings.removeAllKeepingStorage()
        }
        if boxed & Self.boxedBios != 0 {
            small = small && x.bios.capacity <= records
            x.bios.removeAllKeepingStorage()
        }
        if boxed & Self.boxedConversions != 0 {
            small = small && x.conversions.capacity <= records && x.needRanges.capacity <= records
            x.conversions.removeAllKeepingStorage()
            x.needRanges.removeAllKeepingStorage()
        }
        if !small { extras = nil }
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
        assert(attemptHead == nil && mappingHead == nil && bioHead == nil && extras?.isEmpty ?? true)
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

// MARK: - Records

extension IOState {
    // Which records the side box holds, as bits of ``statusBits``: the engine's reads below test
    // them and reach into the box only when it holds records of the kind.
    fileprivate static let boxedAttempts: UInt8 = 4, boxedMappings: UInt8 = 8, boxedBios: UInt8 = 16
    /// The box holds conversions or ranges needing conversion.
    fileprivate static let boxedConversions: UInt8 = 32
    /// ``needHead`` holds the first range needing conversion.
    fileprivate static let needInline: UInt8 = 64
    fileprivate static let boxedBits = boxedAttempts | boxedMappings | boxedBios | boxedConversions | needInline

    var attempts: RecordList<AttemptState> {
        @inline(__always) get { RecordList(head: attemptHead, rest: extras?.attempts ?? []) }
    }
    var mappings: RecordList<IOMappingRecord> {
        @inline(__always) get { RecordList(head: mappingHead, rest: extras?.mappings ?? []) }
    }
    var bios: RecordList<BioState> {
        @inline(__always) get { RecordList(head: bioHead, rest: extras?.bios ?? []) }
    }
    /// The conversions as public records (their sources' names looked up).
    var conversions: [ConversionRecord] {
        extras?.conversions.map(\.record) ?? []
    }
    /// ``LiveIO/needRanges``: a view of the first, inline, and the box's others.
    var needRanges: RecordList<FileRange> {
        @inline(__always) get {
            RecordList(head: statusBits & Self.needInline == 0 ? nil : needHead, rest: extras?.needRanges ?? [])
        }
    }

    /// The side box, made if there is none, and copied first if another state shares it.
    @inline(__always)
    private mutating func ownExtras() -> IOExtras {
        if extras == nil || !isKnownUniquelyReferenced(&extras!) { extras = extras?.copy() ?? IOExtras() }
        return extras.unsafelyUnwrapped
    }

    // Inlined for the first record, the usual case (an outlined append copied the record once
    // more); the box's appends out of line.
    @inline(__always) mutating func appendAttempt(_ a: AttemptState) {
        if attemptHead == nil { attemptHead = a } else { appendBoxed(a) }
    }
    @inline(__always) mutating func appendMapping(_ m: IOMappingRecord) {
        if mappingHead == nil { mappingHead = m } else { appendBoxed(m) }
    }
    @inline(__always) mutating func appendBio(_ b: BioState) {
        if bioHead == nil { bioHead = b } else { appendBoxed(b) }
    }
    @inline(never) private mutating func appendBoxed(_ a: AttemptState) {
        ownExtras().attempts.append(a)
        statusBits |= Self.boxedAttempts
    }
    @inline(never) private mutating func appendBoxed(_ m: IOMappingRecord) {
        ownExtras().mappings.append(m)
        statusBits |= Self.boxedMappings
    }
    @inline(never) private mutating func appendBoxed(_ b: BioState) {
        ownExtras().bios.append(b)
        statusBits |= Self.boxedBios
    }
    mutating func appendConversion(_ c: ConversionStep) {
        ownExtras().conversions.append(c)
        statusBits |= Self.boxedConversions
    }
    /// A public record's conversion (its source interned; the tests').
    mutating func appendConversion(_ c: ConversionRecord) { appendConversion(ConversionStep(c)) }
    mutating func appendNeedRange(_ r: FileRange) {
        if statusBits & Self.needInline == 0 {
            needHead = r
            statusBits |= Self.needInline
        } else {
            ownExtras().needRanges.append(r)
            statusBits |= Self.boxedConversions
        }
    }
    /// Replaces the ranges needing conversion (the first inline; the box only for a second).
    mutating func setNeedRanges(_ r: [FileRange]) {
        removeNeedRanges()
        for range in r { appendNeedRange(range) }
    }
    /// Keeps of the ranges needing conversion only their parts inside `written`, in order,
    /// dropping those left empty (what `setNeedRanges(needRanges.compactMap { $0.intersection(written) })`
    /// gives). The usual case, one range and no box, is done in place: building the array
    /// allocated and freed one per write into unwritten extents (callgrind, fio writing a
    /// fallocated file on XFS: `dioComplete` 1 456 → 804 instructions per I/O).
    @inline(__always)
    mutating func intersectNeedRanges(with written: FileRange) {
        guard statusBits & Self.needInline != 0 else { return }
        if statusBits & Self.boxedConversions != 0 && !extras.unsafelyUnwrapped.needRanges.isEmpty {
            intersectBoxedNeedRanges(with: written)
        } else if let r = needHead.intersection(written) {
            needHead = r
        } else {
            statusBits &= ~Self.needInline
        }
    }
    @inline(never) private mutating func intersectBoxedNeedRanges(with written: FileRange) {
        setNeedRanges(needRanges.compactMap { $0.intersection(written) })
    }
    /// Empties the ranges needing conversion, keeping their storage (an empty list is left as
    /// it is: rebuilding it released the storage on every write).
    mutating func removeNeedRanges() {
        statusBits &= ~Self.needInline
        if statusBits & Self.boxedConversions == 0 || extras?.needRanges.isEmpty ?? true { return }
        ownExtras().needRanges.removeAllKeepingStorage()
    }

    /// Whether the conversions' ranges cover `need`: they are few (usually 1-2), so a simple
    /// sweep.
    @inline(__always)
    fileprivate static func covered(_ need: FileRange, by conv: UnsafeBufferPointer<ConversionStep>) -> Bool {
        var pos = need.start
        var progressed = true
        while pos < need.end && progressed {
            progressed = false
            for i in conv.indices {
                let start = conv[i].offset, end = start + Int64(conv[i].length)
                if start <= pos && end > pos {
                    pos = end
                    progressed = true
                }
            }
        }
        return pos >= need.end
    }

    /// Lends the last attempt to `body` to change in place; there must be one.
    @inline(__always)
    mutating func modifyLastAttempt<R>(_ body: (inout AttemptState) -> R) -> R {
        precondition(attemptHead != nil, "no attempt to change")
        if statusBits & Self.boxedAttempts != 0 {
            let own = ownExtras()
            return body(&own.attempts[own.attempts.count - 1])
        }
        return body(&attemptHead!)
    }

    /// Lends bio `i` to `body` to change in place; there must be one (past the bios it traps).
    @inline(__always)
    mutating func modifyBio<R>(_ i: Int, _ body: (inout BioState) -> R) -> R {
        if i == 0 { return body(&bioHead!) }
        let own = ownExtras()
        return body(&own.bios[i - 1])
    }
}

/// The engine's reads of an I/O's records, in place in its slot (``LiveIO/state``).
///
/// On a pointer, not on `IOState` itself: a getter of the state that reached into the side box
/// made the optimizer copy the whole state (300 bytes and a retain) at each read, to keep it
/// alive across the box's access (callgrind: `handle` +5 to +17 % instructions per I/O, as the
/// getters were written). Through the
/// pointer, each read loads only the fields it names. The box is reached only when a bit of
/// the state says it holds records of the kind. A ``RecordList`` view (``IOState/bios``) copies
/// the first record and holds the box's array: it is for the timeline and the detectors' scans.
extension UnsafePointer where Pointee == IOState {
    var attemptCount: Int {
        @inline(__always) get {
            pointee.attemptHead == nil ? 0
                : pointee.statusBits & IOState.boxedAttempts == 0 ? 1 : 1 + pointee.extras.unsafelyUnwrapped.attempts.count
        }
    }
    var mappingCount: Int {
        @inline(__always) get {
            pointee.mappingHead == nil ? 0
                : pointee.statusBits & IOState.boxedMappings == 0 ? 1 : 1 + pointee.extras.unsafelyUnwrapped.mappings.count
        }
    }
    var bioCount: Int {
        @inline(__always) get {
            pointee.bioHead == nil ? 0
                : pointee.statusBits & IOState.boxedBios == 0 ? 1 : 1 + pointee.extras.unsafelyUnwrapped.bios.count
        }
    }
    var conversionCount: Int {
        @inline(__always) get {
            pointee.statusBits & IOState.boxedConversions == 0 ? 0 : pointee.extras.unsafelyUnwrapped.conversions.count
        }
    }
    var firstAttempt: AttemptState? {
        @inline(__always) get { pointee.attemptHead }
    }
    var lastAttempt: AttemptState? {
        @inline(__always) get {
            pointee.statusBits & IOState.boxedAttempts == 0 ? pointee.attemptHead : pointee.extras.unsafelyUnwrapped.attempts.last
        }
    }
    var firstBio: BioState? {
        @inline(__always) get { pointee.bioHead }
    }
    var lastConversion: ConversionStep? {
        @inline(__always) get {
            pointee.statusBits & IOState.boxedConversions == 0 ? nil : pointee.extras.unsafelyUnwrapped.conversions.last
        }
    }
    /// Whether some range still needs conversion (``IOState/needRanges`` not empty: the first is
    /// inline).
    var hasNeedRanges: Bool {
        @inline(__always) get { pointee.statusBits & IOState.needInline != 0 }
    }
    // Record `i`, which must exist: an index past the records traps (as the arrays' did).
    @inline(__always) func attempt(_ i: Int) -> AttemptState {
        i == 0 ? pointee.attemptHead! : pointee.extras!.attempts[i - 1]
    }
    @inline(__always) func mapping(_ i: Int) -> IOMappingRecord {
        i == 0 ? pointee.mappingHead! : pointee.extras!.mappings[i - 1]
    }
    @inline(__always) func bio(_ i: Int) -> BioState {
        i == 0 ? pointee.bioHead! : pointee.extras!.bios[i - 1]
    }
    /// Whether a range needing conversion overlaps `r`.
    @inline(__always)
    func needRangeOverlaps(_ r: FileRange) -> Bool {
        guard pointee.statusBits & IOState.needInline != 0 else { return false }
        if pointee.needHead.overlaps(r) { return true }
        return pointee.statusBits & IOState.boxedConversions != 0
            && pointee.extras.unsafelyUnwrapped.needRanges.contains { $0.overlaps(r) }
    }
    /// Whether every byte needing conversion is covered by the conversions' ranges. Read in place
    /// through the pointer: swept through an `IOState` getter, the records were copied (when
    /// they held the source's name as a string, retained and released per record: callgrind, a
    /// write into unwritten extents, `fullyConverted` 210 → 809 instructions per I/O).
    var fullyConverted: Bool {
        guard pointee.statusBits & IOState.needInline != 0 else { return true }
        // No box: no conversions, and the one range needing conversion is not empty.
        guard pointee.statusBits & IOState.boxedConversions != 0 else { return pointee.needHead.isEmpty }
        let x = pointee.extras.unsafelyUnwrapped
        // The usual case, one conversion for the one range: no sweep (with it, the two reads
        // of a write's `fullyConverted` cost about 280 instructions per I/O).
        if x.conversions.count == 1 && x.needRanges.isEmpty {
            let need = pointee.needHead, c = x.conversions[0]
            return need.isEmpty || (c.offset <= need.start && c.offset + Int64(c.length) >= need.end)
        }
        return x.conversions.withUnsafeBufferPointer { conv in
            IOState.covered(pointee.needHead, by: conv) && x.needRanges.allSatisfy { IOState.covered($0, by: conv) }
        }
    }
    /// The last mapping that satisfies `predicate`.
    @inline(__always)
    func lastMapping(where predicate: (IOMappingRecord) -> Bool) -> IOMappingRecord? {
        if pointee.statusBits & IOState.boxedMappings != 0,
           let m = pointee.extras.unsafelyUnwrapped.mappings.last(where: predicate) { return m }
        guard let head = pointee.mappingHead, predicate(head) else { return nil }
        return head
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
