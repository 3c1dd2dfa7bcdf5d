/// Timeline entries encoded in about 10 bytes each. They become ``TimelineEntry`` values (48 bytes
/// each) only for a timeline something receives (kept, exported, or handed to `onTimeline`), or
/// when a detector cites them as evidence.
///
/// **Since session 23** an I/O's entries are ``StepLog`` items that name its records, and this log
/// holds only the entries no item can stand for (an I/O's first such entry makes it), and, in
/// debug builds, a shadow copy of every entry that each rebuild is checked against. Until then
/// it held every entry of every I/O, which is what the figures below describe.
///
/// Why: the entries were the largest part of the memory an I/O in flight holds. An I/O reserved
/// room for a dozen 48-byte entries when it began (608 bytes with the array's header, a third of
/// the 1.7 KB per I/O in flight), and the engine holds every I/O the device has not completed.
/// Encoded, most of an entry's fields are small, or equal to the I/O's own and take no byte.
///
/// Encoding, per entry: a 4-byte header (``Header``), then seven unsigned fields, each in the
/// fewest little-endian bytes that hold it (0 to 6, or 8), its byte count in the header:
/// - the timestamp, as the distance from the previous entry's (the first entry's from the I/O's
///   submission), its sign in the header: entries are nearly always in order, microseconds apart;
/// - the task id, XOR the I/O's (0 bytes when the same task);
/// - the CPU;
/// - the offset, as a zigzag delta from the I/O's offset (usually 0 or a block away);
/// - the length and the value (zigzag), each only if present (the header says);
/// - the note's number.
///
/// Fields are written as whole 8-byte stores, each advancing by its length, straight into the
/// log's memory (near the end of its room, into a stack buffer first). LEB128 varints written byte by byte into a scratch buffer and appended to an
/// array cost about 180 instructions per entry (callgrind); this costs the analysis 5–8 % more
/// instructions in all than the array of 48-byte entries did.
///
/// The base values (the I/O's task id, offset and submission time) are passed in on every call
/// rather than stored: they never change while the I/O lives (``Base``), and storing them would
/// add 24 bytes to every I/O.
struct EntryLog {
    /// The fields an I/O's entries are encoded against.
    struct Base {
        var tid: UInt32
        var offset: Int64
        var timestamp: UInt64
    }

    /// An entry's first four bytes: bits 0–4 the step's code, bit 5 set when the timestamp is
    /// before the previous entry's, bits 6–8 whether the offset, length and value are present,
    /// then from bit 9 three bits per field: its byte count (0–6, or 7 for 8 bytes).
    private enum Header {
        static let earlier: UInt32 = 1 << 5
        static let hasOffset: UInt32 = 1 << 6
        static let hasLength: UInt32 = 1 << 7
        static let hasValue: UInt32 = 1 << 8
        static let firstSizeBit = 9
    }

    /// Bytes reserved when an I/O begins: the dozen entries of a libaio write take about 122
    /// (10.1–10.4 bytes per entry on fio recordings, step by step, assembled and at iodepth 128),
    /// plus the 8 bytes a read may reach past the end. 152 bytes are all that glibc's 160-byte
    /// block holds (144 took the same block; the 8 more let one more entry of a dozen be written
    /// in place: 0.55 % fewer instructions, callgrind). (An append writes in place only while there is room for the largest entry,
    /// ``maxEntryBytes``, and its last 8-byte store; nearer the end it encodes on the stack first.
    /// Reserving that room too took 212 bytes, a 224-byte block: 64 more per I/O in flight.)
    static let typicalBytes = 152

    /// The most one entry can take: the header and seven 8-byte fields.
    static let maxEntryBytes = 4 + 7 * 8

    /// The encoded entries, in `memory[0..<used]`, of `allocated` bytes (nil: none yet). Raw
    /// memory rather than an array: each append then writes its fields straight to the end, with
    /// no uniqueness check, bounds checks or copy. **Not owned:** the log's holder frees it with
    /// ``deallocate()`` (``LiveIO`` does in its `deinit`); a copy of the log shares it.
    private var memory: UnsafeMutableRawPointer?
    /// The timestamp of the entry appended last (each is encoded against the one before).
    private var previousTimestamp: UInt64 = 0
    /// The last entry's timestamp in the entries' order (0 while empty): what
    /// `entries.last?.timestamp` gave. After a sort, the latest timestamp.
    private(set) var lastTimestamp: UInt64 = 0
    /// The latest timestamp of all entries.
    private var maxTimestamp: UInt64 = 0
    private var allocated: Int32 = 0
    private var used: Int32 = 0
    private(set) var count: Int32 = 0
    /// The first `sortedPrefix` entries are to be put in timestamp order (stable) when decoded
    /// (see ``sortByTimestampStable()``).
    private var sortedPrefix: Int32 = 0
    /// An entry was appended with a timestamp before the last one's (in the entries' order).
    private var unordered = false

    var isEmpty: Bool { count == 0 }

    /// The encoded bytes (for tests).
    var bytes: [UInt8] {
        guard let memory else { return [] }
        return Array(UnsafeRawBufferPointer(start: memory, count: Int(used)))
    }
    /// The bytes allocated.
    var capacity: Int { Int(allocated) }

    /// Room for `n` bytes in all.
    mutating func reserveCapacity(_ n: Int) {
        guard n > allocated else { return }
        let new = UnsafeMutableRawPointer.allocate(byteCount: n, alignment: 8)
        if let memory {
            new.copyMemory(from: memory, byteCount: Int(used))
            memory.deallocate()
        }
        memory = new
        allocated = Int32(n)
    }

    /// Frees the memory (the log is then empty, with no room).
    mutating func deallocate() {
        memory?.deallocate()
        memory = nil
        allocated = 0
        removeAllKeepingStorage()
    }

    /// Empties the log and keeps its storage (``IOSlab``).
    @inline(__always)
    mutating func removeAllKeepingStorage() {
        used = 0
        previousTimestamp = 0
        lastTimestamp = 0
        maxTimestamp = 0
        count = 0
        sortedPrefix = 0
        unordered = false
    }

    /// Appends `e` encoded against `base`.
    @inline(__always)
    mutating func append(_ e: TimelineEntry, base: Base) {
        let previous = count == 0 ? base.timestamp : previousTimestamp
        if Int(used) + Self.maxEntryBytes + 8 <= Int(allocated) {
            used &+= Int32(truncatingIfNeeded: Self.encode(e, previous: previous, base: base,
                                                           at: memory.unsafelyUnwrapped + Int(used)))
        } else {
            appendNearTheEnd(e, previous: previous, base: base)
        }
        if count > 0 && e.timestamp < lastTimestamp { unordered = true }
        maxTimestamp = count == 0 ? e.timestamp : max(maxTimestamp, e.timestamp)
        lastTimestamp = e.timestamp
        previousTimestamp = e.timestamp
        count &+= 1
    }

    /// Encodes `e` on the stack, then copies it to the end, growing the memory only if the entry
    /// itself and the 8 bytes a read may reach past it do not fit.
    @inline(never)
    private mutating func appendNearTheEnd(_ e: TimelineEntry, previous: UInt64, base: Base) {
        // uninitialized: the encoding writes every byte it counts
        withUnsafeTemporaryAllocation(byteCount: Self.maxEntryBytes + 8, alignment: 8) { buf in
            let n = Self.encode(e, previous: previous, base: base, at: buf.baseAddress!)
            if Int(used) + n + 8 > Int(allocated) { grow() }
            // as whole words (the last one reaching at most 7 bytes into the 8 kept free): a
            // `copyMemory` call cost more than the encoding
            let to = memory.unsafelyUnwrapped + Int(used)
            var i = 0
            while i < n {
                to.storeBytes(of: buf.load(fromByteOffset: i, as: UInt64.self), toByteOffset: i, as: UInt64.self)
                i &+= 8
            }
            used &+= Int32(truncatingIfNeeded: n)
        }
    }

    /// Writes `e`'s encoding at `p` (as whole 8-byte stores: up to 7 bytes past its end are
    /// overwritten) and returns its length.
    @inline(__always)
    private static func encode(_ e: TimelineEntry, previous: UInt64, base: Base, at p: UnsafeMutableRawPointer) -> Int {
        var header = UInt32(e.step.code)
        var pos = 4
        // Fields absent or 0 are skipped (size code 0) without a store.
        @inline(__always) func put(_ v: UInt64, _ field: UInt32) {
            guard v != 0 else { return }
            let size = (71 &- v.leadingZeroBitCount) &>> 3  // bytes holding v: 1...8
            let code = size >= 7 ? 7 : size
            p.storeBytes(of: v.littleEndian, toByteOffset: pos, as: UInt64.self)
            pos &+= code == 7 ? 8 : size
            header |= UInt32(truncatingIfNeeded: code) &<< (UInt32(Header.firstSizeBit) &+ 3 &* field)
        }
        if e.timestamp < previous {
            header |= Header.earlier
            put(previous &- e.timestamp, 0)
        } else {
            put(e.timestamp &- previous, 0)
        }
        put(UInt64(e.tid ^ base.tid), 1)
        put(UInt64(e.cpu), 2)
        if let offset = e.offset {
            header |= Header.hasOffset
            put(zigzag(offset &- base.offset), 3)
        }
        if let length = e.length {
            header |= Header.hasLength
            put(length, 4)
        }
        if let value = e.value {
            header |= Header.hasValue
            put(zigzag(value), 5)
        }
        put(UInt64(e.noteID), 6)
        p.storeBytes(of: header.littleEndian, as: UInt32.self)
        return pos
    }

    /// At least doubles the room (a long timeline: retries, many bios).
    @inline(never)
    private mutating func grow() {
        reserveCapacity(max(Self.typicalBytes, 2 * Int(allocated)))
    }

    /// Appends the entries, decoded against `base`, to `out`.
    func decode(into out: inout [TimelineEntry], base: Base) {
        guard count > 0 else { return }
        out.reserveCapacity(out.count + Int(count))
        let first = out.count
        let p = UnsafeRawPointer(memory.unsafelyUnwrapped)
        precondition(Int(used) + 8 <= Int(allocated), "EntryLog: no slack after the entries")
        var pos = 0
        var previous = base.timestamp
        for _ in 0..<count {
            let header = p.loadUnaligned(fromByteOffset: pos, as: UInt32.self).littleEndian
            pos &+= 4
            var shift = UInt32(Header.firstSizeBit)
            @inline(__always) func take() -> UInt64 {
                let code = Int(truncatingIfNeeded: header &>> shift) & 7
                shift &+= 3
                let size = code == 7 ? 8 : code
                let raw = p.loadUnaligned(fromByteOffset: pos, as: UInt64.self).littleEndian
                pos &+= size
                return size == 0 ? 0 : raw & (~0 &>> UInt64(64 &- 8 &* size))
            }
            let step = TimelineStep(code: UInt8(truncatingIfNeeded: header & 31))
            let delta = take()
            let ts = header & Header.earlier != 0 ? previous &- delta : previous &+ delta
            previous = ts
            let tid = UInt32(truncatingIfNeeded: take()) ^ base.tid
            let cpu = UInt16(truncatingIfNeeded: take())
            let offsetBits = take(), length = take(), valueBits = take()
            let note = UInt32(truncatingIfNeeded: take())
            out.append(TimelineEntry(timestamp: ts, step: step, tid: tid, cpu: cpu,
                                     offset: header & Header.hasOffset != 0 ? base.offset &+ unzigzag(offsetBits) : nil,
                                     length: header & Header.hasLength != 0 ? length : nil,
                                     value: header & Header.hasValue != 0 ? unzigzag(valueBits) : nil,
                                     noteID: note))
        }
        precondition(pos == Int(used), "EntryLog: encoded entries and count disagree")
        if sortedPrefix > 1 { out.sortByTimestampStable(in: first..<(first + Int(sortedPrefix))) }
    }

    /// The entries, decoded against `base`.
    func decoded(base: Base) -> [TimelineEntry] {
        var out: [TimelineEntry] = []
        decode(into: &out, base: base)
        return out
    }

    /// Puts the entries in timestamp order, keeping the order of equal timestamps, like
    /// `[TimelineEntry].sortByTimestampStable()`: recorded here, done when the entries are
    /// decoded. The assembled record of an I/O's steps adds its entries out of order and sorts
    /// them; decoding, sorting and encoding them again each time tripled the analysis's cost of
    /// an assembled I/O's entries.
    ///
    /// Recording the count is enough: sorting the first n1 entries stably and later the first
    /// n2 >= n1 gives what one stable sort of the first n2 as appended gives (two entries of the
    /// first n1 with equal timestamps keep their order in both sorts, and one of the first n1
    /// stays before an equal one appended after them). `EntryLogTests.sortsLikeTheArray` checks
    /// it against the array's sorts.
    mutating func sortByTimestampStable() {
        guard unordered else { return }
        sortedPrefix = count
        lastTimestamp = maxTimestamp
        unordered = false
    }
}

@inline(__always) private func zigzag(_ v: Int64) -> UInt64 { UInt64(bitPattern: (v &<< 1) ^ (v &>> 63)) }
@inline(__always) private func unzigzag(_ u: UInt64) -> Int64 { Int64(bitPattern: u &>> 1) ^ -Int64(bitPattern: u & 1) }

extension TimelineStep {
    /// The step's number in an ``EntryLog``: its position among the cases, which is how Swift
    /// stores a payload-free enum (one byte). Read as that byte, not looked up: a search of
    /// `allCases` (a new array per call) ran for every entry. `EntryLogTests` checks that every
    /// case's code is its position and decodes back to it.
    @inline(__always) var code: UInt8 { unsafeBitCast(self, to: UInt8.self) }

    @inline(__always) init(code: UInt8) {
        precondition(Int(code) < Self.caseCount, "EntryLog: no step numbered \(code)")
        self = unsafeBitCast(code, to: TimelineStep.self)
    }

    static let caseCount = allCases.count
}

extension EntryLog: CustomDebugStringConvertible {
    /// The log's content, not where it lives or how much room it has (a reused I/O's log keeps
    /// its memory; `IOSlabTests` compares it with a new one's by this text).
    var debugDescription: String {
        "EntryLog(count: \(count), sortedPrefix: \(sortedPrefix), lastTimestamp: \(lastTimestamp), "
            + "previousTimestamp: \(previousTimestamp), maxTimestamp: \(maxTimestamp), unordered: \(unordered), "
            + "bytes: \(bytes))"
    }
}
