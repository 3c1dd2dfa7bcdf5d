/// Key of a file: (device, inode) packed for hashing.
struct InodeKey: Hashable {
    var dev: DeviceNumber
    var ino: UInt64
}

/// Analyzer state of one I/O while it is in flight or waiting for detection.
/// A class so that the several indexes (kiocb, user_ref, task, inode, device
/// bio lists, reap queues) share one object. Stored properties are
/// `@exclusivity(unchecked)` (see AnalysisEngine: single-threaded, no
/// overlapping accesses; the dynamic check was a large share of the run).
final class LiveIO {
    // Stored in this order so that the small fields fill the gaps the entry log leaves before
    // the next 8-byte field (Swift lays a class's fields out in declaration order): the object
    // asks for 533 bytes, which the allocator's 544-byte block holds (``IOState`` is 400 of them).
    @exclusivity(unchecked) var t: IOState
    /// The file's state (lives as long as the engine): keeps its count of I/Os awaiting a retry.
    @exclusivity(unchecked) private(set) var file: InodeState
    /// kiocb of the current attempt (0 when unknown, e.g. ftrace imports).
    @exclusivity(unchecked) var kiocb: UInt64
    @exclusivity(unchecked) var userRef: UInt64
    /// libaio: the aio context of the io_submit that began it (its first argument; 0 when no
    /// io_submit was seen). io_getevents reaps from one context, and a process may have one per
    /// thread: the FIFO rule (``AnalysisEngine``'s `reapFIFO`) takes only this context's I/Os.
    @exclusivity(unchecked) var aioCtx: UInt64 = 0
    /// Byte ranges written into UNWRITTEN extents (need conversion), and converted so far.
    @exclusivity(unchecked) var needRanges: [FileRange] = []
    @exclusivity(unchecked) var convertedRanges: [FileRange] = []
    /// The timeline's entries, encoded (``EntryLog``), decoded when the timeline is emitted.
    @exclusivity(unchecked) var log = EntryLog()
    /// The last attempt was refused with -EAGAIN; a retry is expected.
    @exclusivity(unchecked) var awaitingRetry = false {
        didSet { if awaitingRetry != oldValue { file.awaitingRetry += awaitingRetry ? 1 : -1 } }
    }
    /// One of its bios zeroes part of a block around the data (sub-block zeroing).
    @exclusivity(unchecked) var zeroes = false
    /// In the engine's list of I/Os with disk mappings (``AnalysisEngine``'s `mappedInflight`).
    @exclusivity(unchecked) var inMappedList = false
    /// How many times the I/O is in its process's list of posted, unreaped libaio I/Os
    /// (``AnalysisEngine``'s `aioPosted`): 0 or 1, more only if its completion was seen again.
    /// A reap then takes it out of the list at its first occurrence without scanning the rest of
    /// the list for copies (the list holds every posted I/O, as many as the queue depth).
    @exclusivity(unchecked) var postedListings: UInt32 = 0
    // The two bio times packed (their Optional tags in `bioTimes`): with a tag each, each time
    // took 16 bytes and the object the next allocator block.
    @exclusivity(unchecked) private var firstBioAtBits: UInt64 = 0
    @exclusivity(unchecked) private var lastBioDoneAtBits: UInt64 = 0
    @exclusivity(unchecked) private var bioTimes = PresenceMask<UInt8>()
    /// io_uring: the CQE was seen.
    @exclusivity(unchecked) var cqeSeen = false
    /// Overlaps a window of lost events.
    @exclusivity(unchecked) var lost = false
    /// Was in flight during a window in which only `iomap_dio_complete`'s program missed hits
    /// (``Lost/recursionMiss``): lost only if one of its attempts ends up with no completion
    /// (``AnalysisEngine``'s `confirmMiss`).
    @exclusivity(unchecked) var suspect = false
    @exclusivity(unchecked) var settled = false
    /// Begun outside any traced system call of its task.
    @exclusivity(unchecked) var noSyscall = false
    /// libaio: its process exited with the completion posted and not reaped.
    @exclusivity(unchecked) var ownerExited = false

    /// The first bio queued.
    var firstBioAt: UInt64? {
        get { bioTimes.get(1, firstBioAtBits) }
        set { bioTimes.set(1, newValue, in: &firstBioAtBits) }
    }
    /// The last bio completed by the device.
    var lastBioDoneAt: UInt64? {
        get { bioTimes.get(2, lastBioDoneAtBits) }
        set { bioTimes.set(2, newValue, in: &lastBioDoneAtBits) }
    }

    /// The file's key (the file state's: not stored twice).
    var key: InodeKey { file.key }
    /// Kernel completion (final DIO_COMPLETE) seen.
    var completed: Bool { t.completedAt != nil }

    deinit { log.deallocate() }

    init(t: consuming IOState, file: InodeState, kiocb: UInt64, userRef: UInt64) {
        self.t = consume t
        self.file = file
        self.kiocb = kiocb
        self.userRef = userRef
    }

    /// Makes an emitted I/O's object a new I/O, every field but `t` as `init` sets it. The engine reuses
    /// the objects of I/Os nothing refers to any more (``IOPool``): allocating and freeing the
    /// object and its record arrays was about a tenth of `analyze`.
    /// The state is restarted in place by the caller first (``IOState/restart``), keeping
    /// the storage of its emptied record arrays.
    func reuse(file: InodeState, kiocb: UInt64, userRef: UInt64) {
        if awaitingRetry { awaitingRetry = false }  // (while `file` is still the old one)
        self.file = file
        self.kiocb = kiocb
        self.userRef = userRef
        aioCtx = 0
        zeroes = false
        inMappedList = false
        cqeSeen = false
        postedListings = 0
        needRanges.removeAllKeepingStorage()
        convertedRanges.removeAllKeepingStorage()
        firstBioAt = nil
        lastBioDoneAt = nil
        lost = false
        suspect = false
        settled = false
        noSyscall = false
        ownerExited = false
        log.removeAllKeepingStorage()
    }

    var range: FileRange { FileRange(start: t.offset, end: t.offset + Int64(t.length)) }

    /// A read that began at or past the end of the file and has done nothing since: iomap returns
    /// 0 for it before mapping anything, and records no completion (`__iomap_dio_rw`: a read at
    /// `pos >= i_size` frees the dio). Were the file extended between the begin's `i_size` and
    /// iomap's own look, the read would go on to map, issue and complete as usual.
    var isReadAtEOF: Bool {
        guard t.op == .read, !completed, t.isizeAtBegin >= 0, t.mappings.isEmpty, t.bios.isEmpty,
              let a = t.attempts.last else { return false }
        return a.offset >= t.isizeAtBegin
    }

    /// First DIO_BEGIN.
    var beganAt: UInt64 { t.attempts.first?.beganAt ?? t.submittedAt }

    /// Every attempt has its completion (`iomap_dio_complete`'s record): a hit of that tracepoint
    /// its program missed was not one of this I/O's.
    var attemptsAllCompleted: Bool {
        let n = t.attempts.count
        guard n > 0 else { return false }
        for i in 0..<n where t.attempts[i].completedAt == nil { return false }
        return true
    }

    /// Whether all bytes needing conversion are covered by conversion events.
    var fullyConverted: Bool {
        for need in needRanges {
            var pos = need.start
            // convertedRanges is small (usually 1-2 ranges): a simple sweep.
            var progressed = true
            while pos < need.end && progressed {
                progressed = false
                for c in convertedRanges where c.start <= pos && c.end > pos {
                    pos = c.end
                    progressed = true
                }
            }
            if pos < need.end { return false }
        }
        return true
    }

    /// What the entries are encoded against: fields of the timeline that never change while
    /// the I/O lives.
    var logBase: EntryLog.Base { EntryLog.Base(tid: t.tid, offset: t.offset, timestamp: t.submittedAt) }

    /// Inlined at the engine's dozen call sites: as a call, the analysis cost 1.5 % more
    /// instructions (callgrind).
    @inline(__always)
    func add(_ e: TimelineEntry) { log.append(e, base: logBase) }

    /// The timeline's entries so far, decoded (for evidence: a detector's finding cites them).
    var entries: [TimelineEntry] { log.decoded(base: logBase) }

    /// The public timeline with its entries decoded: what emitting it now would give, with
    /// `phases` (none yet: what a detector's evidence cites before the I/O is emitted).
    func timeline(phases: PhaseLatencies = PhaseLatencies()) -> IOTimeline {
        t.timeline(entries: entries, phases: phases)
    }

    /// ``IOTimeline/endedAt``, counting the encoded entries.
    var endedAt: UInt64 {
        @inline(__always) get {
            let ended = t.endedAt
            return log.isEmpty ? ended : max(ended, log.lastTimestamp)
        }
    }
}

/// Objects of emitted I/Os kept for reuse, with their record arrays emptied but not freed.
/// Only an object nothing else refers to goes in (checked with `isKnownUniquelyReferenced`):
/// a bio still pending for the I/O, or a task's current I/O, keeps its object out.
struct IOPool {
    private var free: [LiveIO] = []
    /// Enough for the I/Os one partial flush of a busy file emits; bounded so that a burst does
    /// not keep its memory.
    static let capacity = 1024

    /// The largest arrays a kept object may carry (capacity in elements): a large I/O's
    /// hundreds of bios or a long retry history are freed, not kept, so the pool holds at most
    /// `capacity` objects of at most about 4 KB each (the object 560 B, 512 bytes of encoded
    /// entries, the arrays of records after each list's first 2.8 KB): 4 MB.
    static let maxLogBytes = 512
    static let maxRecords = 8

    /// Whether `io`'s arrays are small enough to keep.
    static func isSmall(_ io: LiveIO) -> Bool {
        io.log.capacity <= maxLogBytes && io.t.attempts.spareCapacity <= maxRecords
            && io.t.mappings.spareCapacity <= maxRecords && io.t.bios.spareCapacity <= maxRecords
            && io.t.conversions.capacity <= maxRecords && io.needRanges.capacity <= maxRecords
            && io.convertedRanges.capacity <= maxRecords
    }

    /// Takes each I/O out of `ios` (emptying it) and keeps those nothing else refers to.
    mutating func recycle(_ ios: inout [LiveIO]) {
        while var io = ios.popLast() {
            guard free.count < Self.capacity, isKnownUniquelyReferenced(&io), Self.isSmall(io) else { continue }
            io.t.removeAllRecords()
            free.append(io)
        }
    }

    /// An object to reuse (its record arrays empty), if one is kept.
    mutating func take() -> LiveIO? { free.popLast() }
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

/// Per-task state. A class: the engine reads a task's call and current I/O on nearly every
/// event, and copying a struct out of the table retained its call's I/O list and current I/O
/// each time.
final class TaskState {
    @exclusivity(unchecked) var open: OpenCall?
    /// The I/Os the open call submitted (empty while no call is open); the buffer is reused.
    @exclusivity(unchecked) var callIOs: [LiveIO] = []
    /// The I/O this task is submitting now (dstmap/bio/queued join here).
    @exclusivity(unchecked) var current: LiveIO?
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

/// Per-inode state: unsettled I/Os, settled ones awaiting detection, and
/// operations on the file.
final class InodeState {
    let key: InodeKey
    /// Unsettled I/Os in order of begin. Changed only through ``addInflight(_:)``,
    /// ``removeInflight(_:)`` and ``removeAllInflight()``, which keep ``writeRanges`` beside it.
    @exclusivity(unchecked) private(set) var inflight: [LiveIO] = []
    /// For each I/O of ``inflight`` (same index): its file range if it is a write, else a range
    /// that overlaps nothing. The completion-side joins (XFS end_io and size update, unwritten
    /// conversion) look for the oldest write overlapping a range on every such event; scanning
    /// these ranges packed together, instead of each I/O's object, made that cost a few
    /// instructions per I/O in flight rather than a pointer chase (at queue depth 128 the scan
    /// through the objects was a fifth of `analyze`).
    @exclusivity(unchecked) private(set) var writeRanges: [FileRange] = []
    @exclusivity(unchecked) var history: [LiveIO] = []
    @exclusivity(unchecked) var openOps: [LiveOp] = []
    @exclusivity(unchecked) var ops: [LiveOp] = []
    /// History size at which a partial flush is tried while the file stays busy.
    @exclusivity(unchecked) var nextPartialFlush = InodeState.partialFlushMinimum
    static let partialFlushMinimum = 256
    @exclusivity(unchecked) var lastIsize: Int64 = -1
    @exclusivity(unchecked) var lastIsizeAt: UInt64 = 0
    @exclusivity(unchecked) var blkbits: UInt8 = 0
    /// I/Os of this file whose last attempt was refused and that wait for the kernel's retry
    /// (maintained by ``LiveIO/awaitingRetry``). While none does, a new begin can only be the
    /// retry of the I/O its kiocb names, and no scan of the in-flight list is needed.
    @exclusivity(unchecked) var awaitingRetry = 0
    init(key: InodeKey) { self.key = key }

    var quiescent: Bool { inflight.isEmpty && openOps.isEmpty }

    /// The range ``writeRanges`` holds for `io`.
    private static func writeRange(_ io: LiveIO) -> FileRange {
        io.t.op == .write ? io.range : FileRange(start: .max, end: .min)
    }

    func addInflight(_ io: LiveIO) {
        inflight.append(io)
        writeRanges.append(Self.writeRange(io))
    }

    /// Takes `io` out of the in-flight list (it is there at most once: only a new I/O is added).
    func removeInflight(_ io: LiveIO) {
        guard let i = inflight.indexOfIdentical(io) else { return }
        inflight.remove(at: i)
        writeRanges.remove(at: i)
    }

    func removeAllInflight() {
        inflight.removeAll()
        writeRanges.removeAll()
    }

    /// `io`'s direction changed (a read whose data bio showed it to be a write).
    func inflightDirectionChanged(_ io: LiveIO) {
        if let i = inflight.indexOfIdentical(io) { writeRanges[i] = Self.writeRange(io) }
    }

    /// The oldest in-flight write overlapping `r` for which `pred` holds.
    func oldestInflightWrite(overlapping r: FileRange, where pred: (LiveIO) -> Bool) -> LiveIO? {
        writeRanges.withUnsafeBufferPointer { b in
            for i in b.indices where b[i].start < r.end && r.start < b[i].end {
                if let io = inflight.firstUnretained(in: i..<(i + 1), where: pred) { return io }
            }
            return nil
        }
    }

    func noteIsize(_ v: Int64, at ts: UInt64) {
        guard v >= 0, ts >= lastIsizeAt else { return }
        lastIsize = v
        lastIsizeAt = ts
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
    // 40 bytes rather than 48: the index as 32 bits and the issue number without an Optional's
    // tag (0 is never handed out); every bio in flight has one.
    var io: LiveIO
    /// The bio's sectors, copied here: every request event tests each pending bio of its device
    /// for containment, and reading them from the I/O's timeline chased three pointers per bio.
    var sector: UInt64
    /// ``issueSeq``, 0 for none.
    private var issueSeqBits: UInt64
    var nrSector: UInt32
    /// Sectors of it completed so far by requests holding split parts of it.
    var doneSectors: UInt32 = 0
    private var indexBits: UInt32

    /// The bio's position in its I/O's ``IOState/bios``.
    var index: Int { Int(indexBits) }
    /// The number of the request issue that carried it (the engine counts from 1).
    var issueSeq: UInt64? {
        get { issueSeqBits == 0 ? nil : issueSeqBits }
        set { issueSeqBits = newValue ?? 0 }
    }

    init(io: LiveIO, index: Int, issueSeq: UInt64? = nil, sector: UInt64, nrSector: UInt32) {
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
    /// cheaper for the pool's arrays (``IOPool``), which usually hold none or one element (an
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
    ///
    /// Runs for every settled I/O on its file's in-flight list and the other short per-I/O
    /// lists. The scan compares the stored reference bits through the array's bytes: reading the
    /// elements as objects (`removeAll(where:)`, or even an index loop) retained and released
    /// each one, which made this the largest source of reference counting in `analyze`.
    mutating func removeAllIdentical(to object: Element) {
        let target = UInt(bitPattern: ObjectIdentifier(object))
        var from = 0
        while let i = identicalIndex(target, from: from) {
            remove(at: i)
            from = i
        }
    }

    /// The first element satisfying `predicate`, like `first(where:)`, without retaining and
    /// releasing every element it looks at.
    ///
    /// The completion-side joins (end_io, conversion, size update) scan their file's in-flight
    /// I/Os on every event; with `first(where:)` each I/O looked at was retained and released
    /// around the predicate call (4 % of `analyze` on an XFS fio trace). Here each element is
    /// lent to the predicate as a guaranteed reference read from the array's storage; only the
    /// match is returned as a strong reference. The predicate must not mutate the array.
    func firstUnretained(where predicate: (Element) -> Bool) -> Element? {
        firstUnretained(in: indices, where: predicate)
    }

    /// ``firstUnretained(where:)`` over the elements at `range`.
    func firstUnretained(in range: Range<Int>, where predicate: (Element) -> Bool) -> Element? {
        withUnsafeBytes { raw in
            precondition(range.lowerBound >= 0 && range.upperBound <= count)
            for i in range {
                let ref = Self.unretained(raw, i)
                if ref._withUnsafeGuaranteedRef(predicate) { return ref.takeUnretainedValue() }
            }
            return nil
        }
    }

    /// Calls `body` with each element, like `forEach`, without retaining and releasing each one
    /// (see ``firstUnretained(where:)``); `body` must not mutate the array.
    func forEachUnretained(_ body: (Element) -> Void) {
        withUnsafeBytes { raw in
            for i in 0..<count { Self.unretained(raw, i)._withUnsafeGuaranteedRef(body) }
        }
    }

    /// Element `i` of an array's bytes `raw`, as a reference nothing retains.
    @inline(__always)
    private static func unretained(_ raw: UnsafeRawBufferPointer, _ i: Int) -> Unmanaged<Element> {
        Unmanaged.fromOpaque(raw.load(fromByteOffset: i * MemoryLayout<Element>.stride, as: UnsafeRawPointer.self))
    }

    /// Removes the first element identical to `object`, keeping the order of the rest: for lists
    /// that hold an object at most once (a file's in-flight I/Os, the mapped in-flight list). It
    /// stops at the match, which is usually near the front (I/Os settle in about the order they
    /// began), instead of scanning the whole list a second time as ``removeAllIdentical(to:)`` does.
    mutating func removeFirstIdentical(to object: Element) {
        if let i = indexOfIdentical(object) { remove(at: i) }
    }

    /// The index of the first element identical to `object`.
    func indexOfIdentical(_ object: Element) -> Int? {
        identicalIndex(UInt(bitPattern: ObjectIdentifier(object)), from: 0)
    }

    private func identicalIndex(_ target: UInt, from: Int) -> Int? {
        withUnsafeBytes { raw in
            var i = from
            while i < count {
                if raw.load(fromByteOffset: i * MemoryLayout<Element>.stride, as: UInt.self) == target { return i }
                i += 1
            }
            return nil
        }
    }
}
