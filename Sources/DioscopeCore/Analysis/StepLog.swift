/// The timeline entries of an I/O while the analyzer holds it (step 4 of `docs/slot-engine.md`):
/// one 12-byte ``Item`` per entry, in the order the entries were added. An item does not hold
/// what the I/O's own records already hold. A bio's three entries name the bio, and its offset,
/// length and sector are read from the bio's record when the timeline is rebuilt; a begin names
/// its attempt, a mapping its mapping, a conversion its conversion. Entries that carry only a
/// small value (a result, a count) keep it in the item. Anything else (notes made of text, values
/// beyond 32 bits, a retry's size, timestamps before the submission or more than 4 s after it) is
/// kept whole in an ``EntryLog`` beside the items, and its item says so.
///
/// Why: encoding every entry into the ``EntryLog`` cost about 100 instructions per entry, a
/// tenth of the analysis (callgrind, session 23), and the entries are decoded only for the few
/// timelines something receives. Writing an item is a few stores.
///
/// **The rebuilt entries equal the added ones.** ``append(_:base:state:)`` keeps an item only
/// if it rebuilds the entry; ``appendStep`` is given the item by callers that built the entry
/// from the record the item names, and debug builds rebuild those as they are added and trap
/// when one differs from its entry. The fields an item reads from the records are ones no handler changes
/// after the record is appended (an attempt's offset and length, a mapping's range, a bio's
/// offset, size and sector, a conversion's range; the state's `offset`, `isizeAtBegin` and
/// `submittedAt`), and records are only ever appended until the slot is freed. So an entry
/// rebuilt later is the entry that was added. `StepLogTests` compares the rebuilt entries with an
/// ``EntryLog`` of the same entries on every bundled trace.
struct StepLog {
    /// One entry, 12 bytes: its timestamp as the distance from the submission, its CPU, step and
    /// note, `aux` (the record it names or its value), and in `form` what `aux` is (bits 0–2) and
    /// which task it ran in (bits 4–5: 0 the I/O's own, 1–3 one of the log's ``tids``).
    struct Item {
        var delta: UInt32
        var aux: UInt32
        var cpu: UInt8
        var step: UInt8
        var note: UInt8
        var form: UInt8
    }

    /// `Item.form`'s low bits: what `aux` is.
    enum Form {
        /// The entry is the next one of the ``EntryLog``.
        static let logged: UInt8 = 0xFF
        /// The value is `aux` (an `Int32`).
        static let value: UInt8 = 1
        /// The offset is the I/O's offset plus the value when positive (where a completion's
        /// position ends up).
        static let offsetAfterValue: UInt8 = 2
        /// Offset, length and value come from the record `aux` names (which record: the step's).
        static let record: UInt8 = 4
        /// The bits of the task's slot.
        static let tidShift: UInt8 = 4
        static let kindBits: UInt8 = 7
    }

    /// Items room reserved when an I/O begins: a libaio write to unwritten blocks adds about a
    /// dozen entries.
    static let typicalItems = 12

    // Stored in this order, the byte last, so that the slot's flags that follow fill the
    // struct's tail (49 bytes, as the ``EntryLog`` the slot held before).
    private var items: UnsafeMutablePointer<Item>?
    /// The last entry's timestamp in the entries' order (0 while empty); after a sort, the latest.
    private(set) var lastTimestamp: UInt64 = 0
    /// The entries no item can stand for, whole: made when the first one comes (most I/Os have
    /// none, and an ``EntryLog`` in every slot took 56 bytes), kept until ``deallocate()``.
    private var whole: UnsafeMutablePointer<EntryLog>?
    private(set) var count: Int32 = 0
    /// The first `sortedPrefix` entries are put in timestamp order (stable) when decoded.
    private var sortedPrefix: Int32 = 0
    /// The tasks other than the I/O's own that its entries ran in, up to three (the submitter's
    /// other threads, the interrupted task of a completion, a conversion worker); an entry in a
    /// fourth is kept whole. An item names one in 2 bits instead of holding 4 bytes.
    private var tids: (UInt32, UInt32, UInt32) = (0, 0, 0)
    /// The latest timestamp of all entries, as a distance from the submission; `UInt32.max`
    /// when a whole entry's is not one (before the submission, or 4 s after it): it is then
    /// found by decoding them.
    private var maxDelta: UInt32 = 0
    /// Bits 0–1: how many ``tids`` are taken; bits 2–6: the items' room is
    /// `typicalItems << shift` (none while `items` is nil); bit 7: an entry was added with a
    /// timestamp before the last one's (in the entries' order). One byte, so that the struct
    /// ends at 49 bytes and the slot's flags that follow fill its tail.
    private var bits: UInt8 = 0

    private var tidCount: UInt8 {
        @inline(__always) get { bits & 3 }
        @inline(__always) set { bits = bits & ~3 | newValue }
    }
    private var allocatedShift: UInt8 {
        @inline(__always) get { (bits &>> 2) & 31 }
        @inline(__always) set { bits = bits & ~(31 &<< 2) | (newValue &<< 2) }
    }
    private var unordered: Bool {
        @inline(__always) get { bits & 128 != 0 }
        @inline(__always) set { bits = newValue ? bits | 128 : bits & 127 }
    }

    #if DEBUG
    /// Debug builds only: every entry as added, encoded, and the rebuilt entries are checked
    /// against it on every decode (`StepLogTests` decodes every I/O of every bundled trace).
    private var shadow = EntryLog()
    #endif

    /// Items room.
    private var allocated: Int {
        @inline(__always) get { items == nil ? 0 : Self.typicalItems &<< Int(allocatedShift) }
    }

    var isEmpty: Bool { count == 0 }

    /// Bytes allocated (items and log).
    var capacity: Int { allocated * MemoryLayout<Item>.stride + (whole?.pointee.capacity ?? 0) }

    /// How many entries are kept whole in the log (for tests and the bench).
    var loggedCount: Int { Int(whole?.pointee.count ?? 0) }

    /// Room for at least `n` items in all (a multiple of ``typicalItems`` by a power of two).
    mutating func reserveCapacity(_ n: Int) {
        guard n > allocated else { return }
        var shift = 0
        while Self.typicalItems << shift < n { shift += 1 }
        let new = UnsafeMutablePointer<Item>.allocate(capacity: Self.typicalItems << shift)
        if let items {
            new.moveInitialize(from: items, count: Int(count))
            items.deallocate()
        }
        items = new
        allocatedShift = UInt8(shift)
    }

    /// Frees the memory (the log is then empty, with no room).
    mutating func deallocate() {
        items?.deallocate()
        items = nil
        allocatedShift = 0
        #if DEBUG
        shadow.deallocate()
        #endif
        if let whole {
            whole.pointee.deallocate()
            whole.deinitialize(count: 1)
            whole.deallocate()
        }
        whole = nil
        removeAllKeepingStorage()
    }

    /// Empties the log and keeps its storage (``IOSlab``; ``trim(maxBytes:)`` gives a large
    /// log's memory back).
    @inline(__always)
    mutating func removeAllKeepingStorage() {
        count = 0
        sortedPrefix = 0
        unordered = false
        maxDelta = 0
        lastTimestamp = 0
        tidCount = 0
        #if DEBUG
        shadow.removeAllKeepingStorage()
        #endif
        if let whole, !whole.pointee.isEmpty { whole.pointee.removeAllKeepingStorage() }
    }

    /// Gives back memory beyond what an I/O usually needs (a freed slot of a large I/O).
    mutating func trim(maxBytes: Int) {
        guard capacity > maxBytes else { return }
        deallocate()
        reserveCapacity(Self.typicalItems)
    }

    /// Appends `e`, added to the I/O whose fields are `base` and whose records are `state`.
    @inline(__always)
    mutating func append(_ e: TimelineEntry, base: EntryLog.Base, state: UnsafePointer<IOState>) {
        // Compared whole: this path takes the engine's unusual entries (and any step the callers
        // did not build from its record), so the check costs little.
        var item = Self.item(for: e, base: base, state: state)
        if item.form != Form.logged, let slot = tidSlot(e.tid, base: base.tid) {
            item.form |= slot &<< Form.tidShift
            if expand(item, base: base, state: state) == e {
                #if DEBUG
                shadow.append(e, base: base)
                #endif
                push(item, timestamp: e.timestamp)
                return
            }
        }
        appendWhole(e, base: base)
    }

    /// Appends the entry of `step` at `ts` whose other fields `form` and `aux` give (see
    /// ``Form``), or `expected()` whole when an item cannot hold it (`form` ``Form/logged``, a
    /// timestamp before the submission or 4 s after it, a CPU or note past 255). `expected` is
    /// the entry the item stands for: debug builds check that the item rebuilds it. The engine's
    /// usual steps come this way, with their fields as scalars: building an entry and taking it
    /// apart again cost as much as encoding it had.
    @inline(__always)
    mutating func appendStep(_ step: TimelineStep, form: UInt8, aux: UInt32, at ts: UInt64, tid: UInt32, cpu: UInt16,
                             note: UInt32, base: EntryLog.Base, state: UnsafePointer<IOState>,
                             _ expected: () -> TimelineEntry) {
        if form != Form.logged, let delta = Self.delta(ts, from: base), cpu <= 255 && note <= 255,
           let slot = tidSlot(tid, base: base.tid) {
            let item = Item(delta: delta, aux: aux, cpu: UInt8(truncatingIfNeeded: cpu),
                            step: step.code, note: UInt8(truncatingIfNeeded: note),
                            form: form | slot &<< Form.tidShift)
            assert(expand(item, base: base, state: state) == expected(),
                   "StepLog: \(expected()) rebuilt as \(expand(item, base: base, state: state))")
            #if DEBUG
            shadow.append(expected(), base: base)
            #endif
            push(item, timestamp: ts)
        } else {
            appendWhole(expected(), base: base)
        }
    }

    /// `e`, kept whole in the log, and its item.
    @inline(never)
    private mutating func appendWhole(_ e: TimelineEntry, base: EntryLog.Base) {
        if whole == nil {
            whole = .allocate(capacity: 1)
            whole.unsafelyUnwrapped.initialize(to: EntryLog())
        }
        whole.unsafelyUnwrapped.pointee.append(e, base: base)
        #if DEBUG
        shadow.append(e, base: base)
        #endif
        // The delta, where it fits, for the latest timestamp (``sortByTimestampStable()``).
        push(Item(delta: Self.delta(e.timestamp, from: base) ?? UInt32.max, aux: 0, cpu: 0, step: e.step.code, note: 0,
                  form: Form.logged), timestamp: e.timestamp)
    }

    /// `ts` as an item's delta from the submission, if it is one: not before the submission, and
    /// below `UInt32.max` (`maxDelta`'s mark of a whole entry out of range; 4.29 s).
    @inline(__always)
    private static func delta(_ ts: UInt64, from base: EntryLog.Base) -> UInt32? {
        let delta = ts &- base.timestamp
        return ts >= base.timestamp && delta < UInt64(UInt32.max) ? UInt32(truncatingIfNeeded: delta) : nil
    }

    /// The form and `aux` of an entry with at most a `value` and an `offset` (``Form/value``,
    /// ``Form/offsetAfterValue``): ``Form/logged`` when the value does not fit 32 bits or the
    /// offset is not `ioOffset` plus the value when positive. ``LiveIO``'s value additions and
    /// ``append(_:base:state:)`` both decide this way.
    @inline(__always)
    static func valueForm(value: Int64?, offset: Int64?, ioOffset: Int64) -> (form: UInt8, aux: UInt32) {
        var form: UInt8 = 0, aux: UInt32 = 0
        if let value {
            guard let v = Int32(exactly: value) else { return (Form.logged, 0) }
            aux = UInt32(bitPattern: v)
            form = Form.value
        }
        if let offset {
            guard offset == ioOffset &+ max(value ?? 0, 0) else { return (Form.logged, 0) }
            form |= Form.offsetAfterValue
        }
        return (form, aux)
    }

    /// The range an entry of `step` that names attempt `a` has: a begin's and XFS's end-io's are
    /// the attempt's; a queued dio's is its end and nothing left (iomap traces the position
    /// advanced past what it submitted). The engine adds such an entry by its attempt only when
    /// its event says this range, and ``expand`` rebuilds it from here.
    @inline(__always)
    static func attemptRange(_ step: TimelineStep, offset: Int64, length: UInt64) -> (offset: Int64, length: UInt64) {
        step == .queued ? (offset &+ Int64(length), 0) : (offset, length)
    }

    /// The slot of task `tid` in an item's form (0: the I/O's own task), taking a new one while
    /// fewer than three are taken; nil when none is left.
    @inline(__always)
    private mutating func tidSlot(_ tid: UInt32, base: UInt32) -> UInt8? {
        tid == base ? 0 : otherTidSlot(tid)
    }

    /// ``tidSlot(_:base:)`` of a task not the I/O's own (a call: the engine's dozen inlined
    /// additions stay small).
    @inline(never)
    private mutating func otherTidSlot(_ tid: UInt32) -> UInt8? {
        if tidCount > 0 && tids.0 == tid { return 1 }
        if tidCount > 1 && tids.1 == tid { return 2 }
        if tidCount > 2 && tids.2 == tid { return 3 }
        switch tidCount {
        case 0: tids.0 = tid
        case 1: tids.1 = tid
        case 2: tids.2 = tid
        default: return nil
        }
        tidCount &+= 1
        return tidCount
    }

    /// The task of slot `slot`.
    @inline(__always)
    private func tid(slot: UInt8, base: UInt32) -> UInt32 {
        switch slot {
        case 0: base
        case 1: tids.0
        case 2: tids.1
        default: tids.2
        }
    }

    @inline(__always)
    private mutating func push(_ item: Item, timestamp: UInt64) {
        if Int(count) == allocated { grow() }
        items.unsafelyUnwrapped[Int(count)] = item
        if count > 0 && timestamp < lastTimestamp { unordered = true }
        // (A whole entry out of range has `UInt32.max`: kept as the maximum from then on.)
        maxDelta = count == 0 ? item.delta : max(maxDelta, item.delta)
        lastTimestamp = timestamp
        count &+= 1
    }

    @inline(never)
    private mutating func grow() {
        reserveCapacity(max(Self.typicalItems, 2 * allocated))
    }

    /// The item that would stand for `e` (form ``Form/logged`` when none can), its task slot
    /// not yet set: ``append(_:base:state:)`` keeps it only if it rebuilds `e`.
    @inline(__always)
    private static func item(for e: TimelineEntry, base: EntryLog.Base, state t: UnsafePointer<IOState>) -> Item {
        var item = Item(delta: 0, aux: 0, cpu: 0, step: e.step.code, note: 0, form: Form.logged)
        guard let delta = Self.delta(e.timestamp, from: base), e.cpu <= UInt16(UInt8.max),
              e.noteID <= UInt32(UInt8.max) else { return item }
        item.delta = delta
        item.cpu = UInt8(truncatingIfNeeded: e.cpu)
        item.note = UInt8(truncatingIfNeeded: e.noteID)
        let last: Int
        switch e.step {
        case .begin, .queued, .endIO: last = t.attemptCount - 1
        case .mapping: last = t.mappingCount - 1
        case .bioQueued: last = t.bioCount - 1
        case .conversion: last = t.conversionCount - 1
        case .rqIssued, .rqCompleted:
            return item  // (which bio: ``appendStep`` is told)
        default:
            guard e.length == nil else { return item }
            (item.form, item.aux) = valueForm(value: e.value, offset: e.offset, ioOffset: base.offset)
            return item
        }
        guard last >= 0 else { return item }
        item.aux = UInt32(truncatingIfNeeded: last)
        item.form = Form.record
        return item
    }

    /// The entry `item` stands for (not for ``Form/logged`` items).
    @inline(__always)
    private func expand(_ item: Item, base: EntryLog.Base, state t: UnsafePointer<IOState>) -> TimelineEntry {
        let step = TimelineStep(code: item.step)
        var offset: Int64?, length: UInt64?, value: Int64?
        let kind = item.form & Form.kindBits
        if kind & Form.record != 0 {
            let i = Int(item.aux)
            switch step {
            case .begin:
                precondition(i < t.attemptCount, "an item names an attempt the I/O lacks")
                (offset, length) = Self.attemptRange(step, offset: t.pointee.offset, length: t.pointee.length)
                value = t.pointee.isizeAtBegin
            case .queued, .endIO:
                precondition(i < t.attemptCount, "an item names an attempt the I/O lacks")
                (offset, length) = Self.attemptRange(step, offset: t.pointee.offset, length: t.pointee.length)
            case .mapping:
                let m = t.mapping(i)
                (offset, length) = (m.offset, m.length)
            case .bioQueued, .rqIssued, .rqCompleted:
                let b = t.bio(i)
                (offset, length, value) = (b.fileOffset, UInt64(b.nrSector) &* 512, Int64(b.sector))
            case .conversion:
                (offset, length) = t.pointee.conversions.withUnsafeBufferPointer { ($0[i].offset, $0[i].length) }
            default:
                preconditionFailure("StepLog: no record for step \(step)")
            }
        } else {
            if kind & Form.value != 0 { value = Int64(Int32(bitPattern: item.aux)) }
            if kind & Form.offsetAfterValue != 0 { offset = base.offset &+ max(value ?? 0, 0) }
        }
        return TimelineEntry(timestamp: base.timestamp &+ UInt64(item.delta), step: step,
                             tid: tid(slot: item.form &>> Form.tidShift, base: base.tid),
                             cpu: UInt16(item.cpu), offset: offset, length: length, value: value,
                             noteID: UInt32(item.note))
    }

    /// Appends the entries, rebuilt against `base` and `state`, to `out`.
    func decode(into out: inout [TimelineEntry], base: EntryLog.Base, state: UnsafePointer<IOState>) {
        guard count > 0, let items else { return }
        out.reserveCapacity(out.count + Int(count))
        let first = out.count
        let whole = self.whole.map { $0.pointee.decoded(base: base) } ?? []
        var next = 0
        for i in 0..<Int(count) {
            if items[i].form == Form.logged {
                out.append(whole[next])
                next += 1
            } else {
                out.append(expand(items[i], base: base, state: state))
            }
        }
        precondition(next == whole.count, "StepLog: logged entries and items disagree")
        if sortedPrefix > 1 { out.sortByTimestampStable(in: first..<(first + Int(sortedPrefix))) }
        #if DEBUG
        let added = shadow.decoded(base: base)
        precondition(Array(out[first...]) == added,
                     "StepLog: rebuilt \(Array(out[first...])) but \(added) were added")
        precondition(lastTimestamp == shadow.lastTimestamp, "StepLog: last timestamp \(lastTimestamp), added \(shadow.lastTimestamp)")
        #endif
    }

    /// The entries, rebuilt.
    func decoded(base: EntryLog.Base, state: UnsafePointer<IOState>) -> [TimelineEntry] {
        var out: [TimelineEntry] = []
        decode(into: &out, base: base, state: state)
        return out
    }

    /// Puts the entries in timestamp order, keeping the order of equal timestamps, when they are
    /// decoded (``EntryLog/sortByTimestampStable()`` says why recording the count is enough).
    mutating func sortByTimestampStable(base: EntryLog.Base) {
        guard unordered else { return }
        sortedPrefix = count
        lastTimestamp = latestTimestamp(base: base)
        unordered = false
        #if DEBUG
        shadow.sortByTimestampStable()
        #endif
    }

    /// The latest timestamp of all entries (not empty): from `maxDelta`, or by looking at each
    /// when a whole entry's timestamp is out of its range.
    private func latestTimestamp(base: EntryLog.Base) -> UInt64 {
        if maxDelta != UInt32.max { return base.timestamp &+ UInt64(maxDelta) }
        var ts: UInt64 = 0
        for i in 0..<Int(count) where items.unsafelyUnwrapped[i].form != Form.logged {
            ts = max(ts, base.timestamp &+ UInt64(items.unsafelyUnwrapped[i].delta))
        }
        for e in whole?.pointee.decoded(base: base) ?? [] { ts = max(ts, e.timestamp) }
        return ts
    }
}

extension StepLog: CustomDebugStringConvertible {
    /// The log's content, not where it lives or how much room it has (a reused I/O's log keeps
    /// its memory; `IOSlabTests` compares it with a new one's by this text).
    var debugDescription: String {
        var text = "StepLog(count: \(count), sortedPrefix: \(sortedPrefix), lastTimestamp: \(lastTimestamp), "
            + "maxDelta: \(maxDelta), unordered: \(unordered), tids: \(Array([tids.0, tids.1, tids.2].prefix(Int(tidCount)))), items: ["
        if let items {
            for i in 0..<Int(count) {
                let t = items[i]
                text += "(\(t.delta) \(t.aux) \(t.cpu) \(t.step) \(t.note) \(t.form))"
            }
        }
        let kept = whole.flatMap { $0.pointee.isEmpty ? nil : $0.pointee.debugDescription } ?? "none"
        return text + "], whole: \(kept))"
    }
}

