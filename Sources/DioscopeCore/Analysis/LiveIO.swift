/// Key of a file: (device, inode) packed for hashing.
struct InodeKey: Hashable {
    var dev: DeviceNumber
    var ino: UInt64
}

/// What the engine holds of one I/O while it is in flight or waiting for detection: the slot an
/// ``IOSlab`` keeps it in. The engine reaches it through ``LiveIO`` handles.
struct LiveIOStorage: GenerationCounted {
    var t: IOState
    /// The file's state, held while the slot is in use (``FileSlab``): keeps its count of I/Os
    /// awaiting a retry. Stale in a freed slot until the slot is reused.
    var file: InodeState
    var kiocb: UInt64
    var userRef: UInt64
    var aioCtx: UInt64 = 0
    var log = StepLog()
    /// Two bytes for ten flags (ten `Bool`s took ten): the slot is 408 bytes in release builds
    /// (`dioscope-bench inflight` prints it).
    var flags: IOFlags = []
    var postedListings: UInt32 = 0
    /// How many of the engine's holders that may keep an I/O past its emission name it
    /// (``IOSlab/hold(_:)``): the kiocb, user-ref and request indexes, the posted and waiting
    /// lists, pending bios, a task's current I/O and call list.
    var holds: UInt32 = 0
    #if DEBUG
    /// How many times the slot has been freed (a handle made before then is stale: checked in
    /// debug builds, the only ones that keep it).
    var generation: UInt32 = 0
    #endif
    /// Where the I/O is in its file's in-flight list (``InflightList``; checked there against the
    /// I/O itself, so a stale value is harmless).
    var inflightPosition: UInt32 = 0

    init(t: consuming IOState, file: InodeState, kiocb: UInt64, userRef: UInt64) {
        self.t = consume t
        self.file = file
        self.kiocb = kiocb
        self.userRef = userRef
    }
}

/// ``LiveIOStorage``'s flags, a bit each (ten `Bool`s took ten bytes, and a presence mask one more).
struct IOFlags: OptionSet {
    let rawValue: UInt16
    static let awaitingRetry = IOFlags(rawValue: 1 << 0)
    static let zeroes = IOFlags(rawValue: 1 << 1)
    static let inMappedList = IOFlags(rawValue: 1 << 2)
    static let cqeSeen = IOFlags(rawValue: 1 << 3)
    static let lost = IOFlags(rawValue: 1 << 4)
    static let suspect = IOFlags(rawValue: 1 << 5)
    static let settled = IOFlags(rawValue: 1 << 6)
    static let noSyscall = IOFlags(rawValue: 1 << 7)
    static let ownerExited = IOFlags(rawValue: 1 << 8)
    /// Emitted (``IOSlab/emitted(_:)``): the slot is freed once no holder is left.
    static let emitted = IOFlags(rawValue: 1 << 9)

    @inline(__always)
    mutating func set(_ f: IOFlags, _ on: Bool) {
        if on { formUnion(f) } else { subtract(f) }
    }
}

extension LiveIOStorage {
    /// Makes an emitted I/O's slot a new I/O, every field but `t` as `init` sets it, keeping
    /// the storage of its emptied arrays (allocating and freeing an I/O's object and record
    /// arrays was about a tenth of `analyze`). The state is restarted in place by the caller
    /// first (``IOState/restart``). Holds and generation are the slab's.
    mutating func reuse(file: InodeState, kiocb: UInt64, userRef: UInt64) {
        self.file = file
        self.kiocb = kiocb
        self.userRef = userRef
        aioCtx = 0
        flags = []
        postedListings = 0
        inflightPosition = 0
        log.removeAllKeepingStorage()
    }
}

/// Analyzer state of one I/O while it is in flight or waiting for detection: a handle to its
/// slot in the engine's ``IOSlab``. The several indexes (kiocb, user_ref, task, inode, device
/// bio lists, reap queues) share the slot by holding copies of the handle, which are plain
/// pointers: no reference counting (a class here cost 12 % of the analysis in retains and
/// releases, and 3 % in the pool's uniqueness tests; callgrind, session 21). Properties read
/// and change the slot in place through addressors, so `io.t.x = y` does not copy the state
/// (`_read` and `_modify` coroutines did where they were not inlined: a 376-byte copy per read).
///
/// The slot lives until it is emitted and no holder that may outlive emission names it
/// (``IOSlab``). In debug builds every access checks that the slot has not been freed since the
/// handle was made.
struct LiveIO: Equatable {
    private let handle: SlotHandle<LiveIOStorage>

    @inline(__always)
    init(_ slot: UnsafeMutablePointer<LiveIOStorage>) { handle = SlotHandle(slot) }

    /// The slot (unchecked: for identity).
    var slot: UnsafeMutablePointer<LiveIOStorage> {
        @inline(__always) get { handle.slot }
    }
    /// The slot, checked in debug builds (``SlotHandle``).
    var s: UnsafeMutablePointer<LiveIOStorage> {
        @inline(__always) get { handle.s }
    }

    /// The slot's address as a number (a set of I/Os without reference counting).
    var identity: UInt { UInt(bitPattern: slot) }

    var t: IOState {
        @inline(__always) unsafeAddress { UnsafePointer(s.pointer(to: \.t)!) }
        @inline(__always) nonmutating unsafeMutableAddress { s.pointer(to: \.t)! }
    }
    /// The file's state (held by the slot: ``FileSlab``): keeps its count of I/Os awaiting a retry.
    var file: InodeState {
        @inline(__always) get { s.pointee.file }
    }
    /// kiocb of the current attempt (0 when unknown, e.g. ftrace imports).
    var kiocb: UInt64 {
        @inline(__always) get { s.pointee.kiocb }
        @inline(__always) nonmutating set { s.pointee.kiocb = newValue }
    }
    var userRef: UInt64 { s.pointee.userRef }
    /// libaio: the aio context of the io_submit that began it (its first argument; 0 when no
    /// io_submit was seen). io_getevents reaps from one context, and a process may have one per
    /// thread: the FIFO rule (``AnalysisEngine``'s `reapFIFO`) takes only this context's I/Os.
    var aioCtx: UInt64 {
        @inline(__always) get { s.pointee.aioCtx }
        @inline(__always) nonmutating set { s.pointee.aioCtx = newValue }
    }
    /// The state where it lies in the slot: the engine's reads of its records go through it
    /// (see the extension on `UnsafePointer<IOState>`).
    var state: UnsafePointer<IOState> {
        @inline(__always) get { UnsafePointer(s.pointer(to: \.t)!) }
    }
    /// Byte ranges written into UNWRITTEN extents (need conversion): the first in the state, the
    /// others in its side box (``IOExtras``), changed through the state's methods. What was
    /// converted is the conversions' ranges (``IOState/conversions``).
    var needRanges: RecordList<FileRange> {
        @inline(__always) get { t.needRanges }
    }
    /// The timeline's entries (``StepLog``), rebuilt when the timeline is emitted.
    var log: StepLog {
        @inline(__always) unsafeAddress { UnsafePointer(s.pointer(to: \.log)!) }
        @inline(__always) nonmutating unsafeMutableAddress { s.pointer(to: \.log)! }
    }
    /// The last attempt was refused with -EAGAIN; a retry is expected. Kept in the file's count
    /// of I/Os awaiting a retry.
    var awaitingRetry: Bool {
        @inline(__always) get { s.pointee.flags.contains(.awaitingRetry) }
        nonmutating set {
            let p = s
            if newValue != p.pointee.flags.contains(.awaitingRetry) { p.pointee.file.awaitingRetry += newValue ? 1 : -1 }
            p.pointee.flags.set(.awaitingRetry, newValue)
        }
    }
    /// One of its bios zeroes part of a block around the data (sub-block zeroing).
    var zeroes: Bool {
        @inline(__always) get { s.pointee.flags.contains(.zeroes) }
        @inline(__always) nonmutating set { s.pointee.flags.set(.zeroes, newValue) }
    }
    /// In the engine's list of I/Os with disk mappings (``AnalysisEngine``'s `mappedInflight`).
    var inMappedList: Bool {
        @inline(__always) get { s.pointee.flags.contains(.inMappedList) }
        @inline(__always) nonmutating set { s.pointee.flags.set(.inMappedList, newValue) }
    }
    /// How many times the I/O is in its process's list of posted, unreaped libaio I/Os
    /// (``AnalysisEngine``'s `aioPosted`): 0 or 1, more only if its completion was seen again.
    /// A reap then takes it out of the list at its first occurrence without scanning the rest of
    /// the list for copies (the list holds every posted I/O, as many as the queue depth).
    var postedListings: UInt32 {
        @inline(__always) get { s.pointee.postedListings }
        @inline(__always) nonmutating set { s.pointee.postedListings = newValue }
    }
    /// io_uring: the CQE was seen.
    var cqeSeen: Bool {
        @inline(__always) get { s.pointee.flags.contains(.cqeSeen) }
        @inline(__always) nonmutating set { s.pointee.flags.set(.cqeSeen, newValue) }
    }
    /// Overlaps a window of lost events.
    var lost: Bool {
        @inline(__always) get { s.pointee.flags.contains(.lost) }
        @inline(__always) nonmutating set { s.pointee.flags.set(.lost, newValue) }
    }
    /// Was in flight during a window in which only `iomap_dio_complete`'s program missed hits
    /// (``Lost/recursionMiss``): lost only if one of its attempts ends up with no completion
    /// (``AnalysisEngine``'s `confirmMiss`).
    var suspect: Bool {
        @inline(__always) get { s.pointee.flags.contains(.suspect) }
        @inline(__always) nonmutating set { s.pointee.flags.set(.suspect, newValue) }
    }
    var settled: Bool {
        @inline(__always) get { s.pointee.flags.contains(.settled) }
        @inline(__always) nonmutating set { s.pointee.flags.set(.settled, newValue) }
    }
    /// Begun outside any traced system call of its task.
    var noSyscall: Bool {
        @inline(__always) get { s.pointee.flags.contains(.noSyscall) }
        @inline(__always) nonmutating set { s.pointee.flags.set(.noSyscall, newValue) }
    }
    /// libaio: its process exited with the completion posted and not reaped.
    var ownerExited: Bool {
        @inline(__always) get { s.pointee.flags.contains(.ownerExited) }
        @inline(__always) nonmutating set { s.pointee.flags.set(.ownerExited, newValue) }
    }

    /// The first bio queued (bios are only ever appended: the first record's time).
    var firstBioAt: UInt64? {
        @inline(__always) get { state.firstBio?.queuedAt }
    }
    /// The last bio completed by the device: the latest of the bios' completion times, which only
    /// their requests' completions set. Read from the records rather than kept in the slot beside
    /// them (8 bytes an I/O); nearly every I/O has one bio.
    var lastBioDoneAt: UInt64? {
        @inline(__always) get {
            state.bioCount <= 1 ? state.firstBio?.completedAt : Self.latestCompletion(t.bios)
        }
    }

    /// The latest completion time of several bios (out of line: the usual I/O has one).
    @inline(never)
    private static func latestCompletion(_ bios: RecordList<BioState>) -> UInt64? {
        var latest: UInt64?
        for b in bios {
            if let c = b.completedAt, latest.map({ c > $0 }) ?? true { latest = c }
        }
        return latest
    }

    /// The file's key (the file state's: not stored twice).
    var key: InodeKey { file.key }
    /// Kernel completion (final DIO_COMPLETE) seen.
    var completed: Bool {
        @inline(__always) get { t.hasCompleted }
    }

    var range: FileRange { FileRange(start: t.offset, end: t.offset + Int64(t.length)) }

    /// A read that began at or past the end of the file and has done nothing since: iomap returns
    /// 0 for it before mapping anything, and records no completion (`__iomap_dio_rw`: a read at
    /// `pos >= i_size` frees the dio). Were the file extended between the begin's `i_size` and
    /// iomap's own look, the read would go on to map, issue and complete as usual.
    var isReadAtEOF: Bool {
        guard t.op == .read, !completed, t.isizeAtBegin >= 0, state.mappingCount == 0, state.bioCount == 0,
              state.attemptCount > 0 else { return false }
        return t.offset >= t.isizeAtBegin
    }

    /// First DIO_BEGIN.
    var beganAt: UInt64 { state.firstAttempt?.beganAt ?? t.submittedAt }

    /// Every attempt has its completion (`iomap_dio_complete`'s record): a hit of that tracepoint
    /// its program missed was not one of this I/O's.
    var attemptsAllCompleted: Bool {
        let n = state.attemptCount
        guard n > 0 else { return false }
        for i in 0..<n where state.attempt(i).completedAt == nil { return false }
        return true
    }

    /// Whether all bytes needing conversion are covered by conversion events.
    var fullyConverted: Bool { state.fullyConverted }

    /// What the entries are encoded against: fields of the timeline that never change while
    /// the I/O lives.
    var logBase: EntryLog.Base { EntryLog.Base(tid: t.tid, offset: t.offset, timestamp: t.submittedAt) }

    /// Adds `e`: an item if one rebuilds it, else kept whole (``StepLog/append(_:base:state:)``).
    /// The engine's unusual entries come this way; its usual steps through ``addStep``.
    @inline(__always)
    func add(_ e: TimelineEntry) {
        let p = s
        p.pointer(to: \.log)!.pointee.append(e, base: logBase, state: UnsafePointer(p.pointer(to: \.t)!))
    }

    /// Adds the entry of `step` whose offset, length and value are those of its record: the
    /// `record`th of the step's list (attempts for a begin, mappings, bios, conversions).
    /// `expected` is that entry (built and compared in debug builds only: ``StepLog``).
    @inline(__always)
    func addStep(_ step: TimelineStep, record: Int, at ts: UInt64, tid: UInt32, cpu: UInt16, note: UInt32 = 0,
                 _ expected: @autoclosure () -> TimelineEntry) {
        let p = s
        // (No record, which no caller passes: kept whole rather than naming a record that is not there.)
        p.pointer(to: \.log)!.pointee.appendStep(step, form: record >= 0 ? StepLog.Form.record : StepLog.Form.logged,
                                                 aux: UInt32(truncatingIfNeeded: record),
                                                 at: ts, tid: tid, cpu: cpu, note: note, base: logBase,
                                                 state: UnsafePointer(p.pointer(to: \.t)!), expected)
    }

    /// The record a queued or end-io entry for `offset` and `length` is named by: the last
    /// attempt, when that is the attempt's range for `step` (``StepLog/attemptRange(_:_:)``);
    /// nil otherwise (the caller adds the entry through ``add(_:)``).
    @inline(__always)
    func attemptRecord(_ step: TimelineStep, offset: Int64, length: UInt64) -> Int? {
        guard state.attemptCount > 0, StepLog.attemptRange(step, offset: t.offset, length: t.length) == (offset, length) else {
            return nil
        }
        return state.attemptCount - 1
    }

    /// Adds the entry of `step` with at most a `value`, and an `offset` only where it is the I/O's
    /// offset plus the value when positive (a completion's position); kept whole otherwise.
    @inline(__always)
    func addStep(_ step: TimelineStep, value: Int64?, offset: Int64? = nil, at ts: UInt64, tid: UInt32, cpu: UInt16,
                 note: UInt32 = 0, _ expected: @autoclosure () -> TimelineEntry) {
        let p = s
        let (form, aux) = StepLog.valueForm(value: value, offset: offset, ioOffset: p.pointee.t.offset)
        p.pointer(to: \.log)!.pointee.appendStep(step, form: form, aux: aux, at: ts, tid: tid, cpu: cpu, note: note,
                                                 base: logBase, state: UnsafePointer(p.pointer(to: \.t)!), expected)
    }

    /// Puts the entries in timestamp order when they are rebuilt (``StepLog/sortByTimestampStable(base:)``).
    func sortEntriesByTimestamp() { log.sortByTimestampStable(base: logBase) }

    /// The timeline's entries so far, rebuilt (for evidence: a detector's finding cites them).
    var entries: [TimelineEntry] { log.decoded(base: logBase, state: UnsafePointer(s.pointer(to: \.t)!)) }

    /// Appends the timeline's entries, rebuilt, to `out`.
    func decodeEntries(into out: inout [TimelineEntry]) {
        log.decode(into: &out, base: logBase, state: UnsafePointer(s.pointer(to: \.t)!))
    }

    /// The public timeline with its entries decoded: what emitting it now would give, with
    /// `phases` (none yet: what a detector's evidence cites before the I/O is emitted).
    func timeline(phases: PhaseLatencies = PhaseLatencies()) -> IOTimeline {
        t.timeline(key: key, entries: entries, phases: phases)
    }

    /// ``IOTimeline/endedAt``, counting the encoded entries.
    var endedAt: UInt64 {
        @inline(__always) get {
            let ended = t.endedAt
            return log.isEmpty ? ended : max(ended, log.lastTimestamp)
        }
    }
}

/// An open system call of a task. Plain data: the engine copies it out of its task on most
/// events, and the I/Os the call submitted live beside it (``TaskState/callIOs``) so that such a
/// copy retains nothing (with the list inside, appending a new I/O copied the list each time a
/// copy was still alive).
struct OpenCall {
    var sysno: Syscall
    var fd: Int32
    var args: (Int64, Int64, Int64)
    var enterTs: UInt64
    /// Header dev/ino of the enter event (binary traces resolve the fd).
    var key: InodeKey?
    var reapsSeen: Int64 = 0
}

/// A non-DIO file operation being tracked.
final class LiveOp {
    var op: FileOperation
    var resolved: Bool
    /// File ranges the call mapped itself (iomap_iter_dstmap in its task: truncate-up zeroing).
    var touched: [(ts: UInt64, range: FileRange)] = []
    init(op: FileOperation, resolved: Bool) {
        self.op = op
        self.resolved = resolved
    }
}

/// What the engine holds of one file: the slot a ``FileSlab`` keeps it in. The engine reaches it
/// through ``InodeState`` handles.
struct InodeData: GenerationCounted {
    var key: InodeKey
    /// Unsettled I/Os in order of begin (``InflightList``). Changed only through
    /// ``InodeState/addInflight(_:)``, ``InodeState/removeInflight(_:)``,
    /// ``InodeState/removeAllInflight()`` and ``InodeState/inflightDirectionChanged(_:)``. The
    /// completion-side joins (XFS end_io and size update, unwritten conversion) ask it for the
    /// oldest write overlapping a range on every such event.
    var inflight = InflightList()
    var history: [LiveIO] = []
    var openOps: [LiveOp] = []
    var ops: [LiveOp] = []
    /// History size at which a partial flush is tried while the file stays busy.
    var nextPartialFlush = InodeState.partialFlushMinimum
    var lastIsize: Int64 = -1
    var lastIsizeAt: UInt64 = 0
    var blkbits: UInt8 = 0
    /// I/Os of this file whose last attempt was refused and that wait for the kernel's retry
    /// (maintained by ``LiveIO/awaitingRetry``). While none does, a new begin can only be the
    /// retry of the I/O its kiocb names, and no scan of the in-flight list is needed.
    var awaitingRetry = 0
    /// How many holders name the file (``FileSlab/hold(_:)``): the engine's file table, and
    /// every I/O slot in use whose I/O is the file's.
    var holds: UInt32 = 0
    #if DEBUG
    /// How many times the slot has been freed (checked in debug builds, as ``LiveIO``'s).
    var generation: UInt32 = 0
    #endif

    init(key: InodeKey) { self.key = key }
}

/// Per-inode state: unsettled I/Os, settled ones awaiting detection, and operations on the
/// file. A handle to its slot in the engine's ``FileSlab``, like ``LiveIO`` and ``TaskState``:
/// as an object, every table lookup and every read of an I/O's file retained and released it
/// (about 300 instructions per I/O, callgrind, session 25). Properties read and change the slot
/// in place.
struct InodeState: Equatable {
    private let handle: SlotHandle<InodeData>

    @inline(__always)
    init(_ slot: UnsafeMutablePointer<InodeData>) { handle = SlotHandle(slot) }

    /// The slot, checked in debug builds (``SlotHandle``).
    var s: UnsafeMutablePointer<InodeData> {
        @inline(__always) get { handle.s }
    }

    static let partialFlushMinimum = 256

    var key: InodeKey {
        @inline(__always) get { s.pointee.key }
    }
    /// Unsettled I/Os in order of begin (``InodeData/inflight``); read-only here.
    var inflight: InflightList {
        @inline(__always) unsafeAddress { UnsafePointer(s.pointer(to: \.inflight)!) }
    }
    var history: [LiveIO] {
        @inline(__always) unsafeAddress { UnsafePointer(s.pointer(to: \.history)!) }
        @inline(__always) nonmutating unsafeMutableAddress { s.pointer(to: \.history)! }
    }
    var openOps: [LiveOp] {
        @inline(__always) unsafeAddress { UnsafePointer(s.pointer(to: \.openOps)!) }
        @inline(__always) nonmutating unsafeMutableAddress { s.pointer(to: \.openOps)! }
    }
    var ops: [LiveOp] {
        @inline(__always) unsafeAddress { UnsafePointer(s.pointer(to: \.ops)!) }
        @inline(__always) nonmutating unsafeMutableAddress { s.pointer(to: \.ops)! }
    }
    var nextPartialFlush: Int {
        @inline(__always) get { s.pointee.nextPartialFlush }
        @inline(__always) nonmutating set { s.pointee.nextPartialFlush = newValue }
    }
    var lastIsize: Int64 {
        @inline(__always) get { s.pointee.lastIsize }
        @inline(__always) nonmutating set { s.pointee.lastIsize = newValue }
    }
    var lastIsizeAt: UInt64 {
        @inline(__always) get { s.pointee.lastIsizeAt }
        @inline(__always) nonmutating set { s.pointee.lastIsizeAt = newValue }
    }
    var blkbits: UInt8 {
        @inline(__always) get { s.pointee.blkbits }
        @inline(__always) nonmutating set { s.pointee.blkbits = newValue }
    }
    var awaitingRetry: Int {
        @inline(__always) get { s.pointee.awaitingRetry }
        @inline(__always) nonmutating set { s.pointee.awaitingRetry = newValue }
    }

    var quiescent: Bool { inflight.isEmpty && openOps.isEmpty }

    func addInflight(_ io: LiveIO) { s.pointee.inflight.append(io) }

    /// Takes `io` out of the in-flight list, if it is there.
    func removeInflight(_ io: LiveIO) { s.pointee.inflight.remove(io) }

    func removeAllInflight() { s.pointee.inflight.removeAll() }

    /// `io`'s direction changed (a read whose data bio showed it to be a write).
    func inflightDirectionChanged(_ io: LiveIO) { s.pointee.inflight.directionChanged(io) }

    /// The oldest in-flight write overlapping `r` for which `pred` holds.
    func oldestInflightWrite(overlapping r: FileRange, where pred: (LiveIO) -> Bool) -> LiveIO? {
        inflight.oldestWrite(overlapping: r, where: pred)
    }

    func noteIsize(_ v: Int64, at ts: UInt64) {
        let p = s
        guard v >= 0, ts >= p.pointee.lastIsizeAt else { return }
        p.pointee.lastIsize = v
        p.pointee.lastIsizeAt = ts
    }
}

/// A short write waiting for a fallback write of its remainder.
struct PendingShort {
    var io: IOTimeline
    var restStart: Int64
    var restEnd: Int64
    var key: InodeKey
}

/// A bio waiting for its request to complete; `issueSeq` numbers the
/// request that carried it (FIFO among identical requests).
struct PendingBio {
    // 32 bytes: the index and the issue number as 32 bits, the number without an Optional's tag
    // (0 is never handed out); every bio in flight has one. As 40 (a 64-bit number), a device's
    // list took 52 bytes per I/O in flight at 10 000 (`dioscope-bench inflight`).
    var io: LiveIO
    /// The bio's sectors, copied here: every request event tests each pending bio of its device
    /// for containment, and reading them from the I/O's timeline chased three pointers per bio.
    var sector: UInt64
    /// ``issueSeq``, 0 for none.
    private var issueSeqBits: UInt32
    var nrSector: UInt32
    /// Sectors of it completed so far by requests holding split parts of it.
    var doneSectors: UInt32 = 0
    private var indexBits: UInt32

    /// The bio's position in its I/O's ``IOState/bios``.
    var index: Int { Int(indexBits) }
    /// The number of the request issue that carried it: the engine counts issues from 1,
    /// wrapping at 32 bits past 0 (``nextIssue(after:)``), and compares two by their distance
    /// (``issued(_:before:)``).
    var issueSeq: UInt32? {
        get { issueSeqBits == 0 ? nil : issueSeqBits }
        set { issueSeqBits = newValue ?? 0 }
    }

    /// The issue number after `n`: 0 stands for none, so the count skips it when it wraps.
    static func nextIssue(after n: UInt32) -> UInt32 { n == UInt32.max ? 1 : n + 1 }

    /// Whether issue `a` came before issue `b`, by serial-number arithmetic: right while the two
    /// are less than 2^31 issues apart, which the bios pending on one device are unless one
    /// stays in flight across two billion request issues (the analysis of it would then pick
    /// another bio of the same sectors first). Every other use of the numbers is equality.
    static func issued(_ a: UInt32, before b: UInt32) -> Bool { Int32(bitPattern: a &- b) < 0 }

    init(io: LiveIO, index: Int, issueSeq: UInt32? = nil, sector: UInt64, nrSector: UInt32) {
        precondition(index >= 0 && index <= Int(UInt32.max) && issueSeq != 0)
        self.io = io
        self.sector = sector
        issueSeqBits = issueSeq ?? 0
        self.nrSector = nrSector
        indexBits = UInt32(index)
    }
}

/// A size-extension race whose severity waits for the file's final size.
struct PendingSizeRace {
    var finding: Finding
    var key: String
    var inode: InodeKey
    var writeEnd: Int64
    var deliberate: Bool
    /// The size change mapped the write's range itself (zeroing with a stale size).
    var clobbered: Bool
}

/// Key of the user_ref index: user pointers are per process.
struct UserRefKey: Hashable {
    var tgid: UInt32
    var ref: UInt64
}

extension Array {
    /// Empties the array and keeps its storage, like `removeAll(keepingCapacity: true)`, but
    /// cheaper for a freed slot's arrays (``IOSlab``), which usually hold none or one element (an
    /// I/O's attempt, mapping and bio): on an empty array it does nothing (`removeAll` still
    /// went through its generic replacement), and a `removeLast` per element costs about a
    /// third of the generic `replaceSubrange` for up to three elements (callgrind: emptying
    /// an I/O's record arrays took 654 instructions per I/O).
    @inline(__always)
    mutating func removeAllKeepingStorage() {
        switch count {
        case 0: return
        case 1...3: repeat { removeLast() } while !isEmpty
        default: removeAll(keepingCapacity: true)
        }
    }
}

extension Array where Element: AnyObject {
    /// Removes every element identical to `object`, keeping the order of the rest.
    mutating func removeAllIdentical(to object: Element) {
        removeAll { $0 === object }
    }
}
