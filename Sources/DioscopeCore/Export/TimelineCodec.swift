/// A timeline in a compact binary form, for spilling: an export of a large recording writes every
/// emitted timeline to an unlinked temporary file and reads them back later **in the same
/// process**, so that it need not hold millions of timelines in memory. Not a file format: the
/// bytes are read back by the process that wrote them and by no one else (there is no version
/// and no magic), and they name the entries' notes by their ``TimelineNote`` numbers, which hold
/// only in that process.
///
/// Why this shape: a typical timeline (a libaio write: 12 entries, one attempt, mapping and bio)
/// holds 1.2 KB as values and 2.4 KB as compact JSON, but nearly every number in it is small
/// once taken relative to the timeline's own fields: its times are microseconds after its
/// submission, its entries run in the submitting task at the I/O's offset, its bio is on its
/// device, its results equal its length. Written that way, in LEB128 varints, it takes 229 bytes
/// (`TimelineCodecTests.typicalSize`).
///
/// Encoding (every integer an unsigned LEB128 varint; "z" marks a signed value zigzag-encoded,
/// "Δ" a time as the zigzag of its wrapping difference from the timeline's `submittedAt`, "[ ]"
/// a field present only when its bit in the record's mask is set; the differences are taken with
/// wrapping arithmetic, so any value round-trips, only the size varies):
/// - kind: `op` (bit 0, write), `status` (bit 1, inconclusive), `api` raw value (from bit 2);
/// - mask: bits 0–10 requested, queuedAt, submitReturnedAt, convertedAt, sizeUpdatedAt,
///   isizeAtEnd, completedAt, postedAt, reapedAt, returnedAt, result; bit 11 syscall, bit 12
///   inconclusiveReason, bit 13 needsConversion;
/// - id, tgid, tid, dev (rotated: minor above major, so `7:1` takes 2 bytes rather than 4), ino,
///   length, blockSize, offset z, isizeAtBegin z, submittedAt;
/// - comm, [syscall], [inconclusiveReason]: each its UTF-8 byte count, then the bytes;
/// - [requested − length z], [queuedAt Δ], [submitReturnedAt Δ], [convertedAt Δ],
///   [sizeUpdatedAt Δ], [isizeAtEnd − isizeAtBegin z], [completedAt Δ], [postedAt Δ],
///   [reapedAt Δ], [returnedAt Δ], [result − length z];
/// - phases: their mask (bit i: the i-th of ``Phase/allCases``), then each present duration;
/// - attempts: count, then per attempt a mask (completedAt, error, ret, nowait, retried), beganAt
///   Δ, tid XOR the timeline's, kiocb z (a kernel address is a small negative number: 7 bytes, not
///   10), offset − offset z, length − length z, the dioFlags (count, strings), [completedAt Δ],
///   [error z], [ret − length z];
/// - mappings: count, then per mapping its mask (addr, new, and the extent type's raw value from
///   bit 2), timestamp Δ, offset − offset z, length − length z, [addr], bdev XOR dev (rotated);
/// - bios: count, then per bio its mask (issuedAt, completedAt, error, fileOffset, exactJoin, and
///   the role's code from bit 5), queuedAt Δ, [issuedAt − queuedAt z], [completedAt − queuedAt z],
///   dev XOR dev (rotated), sector, nrSector, [error z], [fileOffset − offset z], op, and the
///   zeroed ranges (count; per range start − offset z, end − start z);
/// - conversions: count, then per conversion timestamp Δ, source, offset − offset z,
///   length − length z, tid XOR tid;
/// - entries: count, then per entry the step's code (``TimelineStep/code``) shifted left 3 with
///   the presence of offset (1), length (2) and value (4) below it (one byte for the first 16
///   steps), the note's ``TimelineNote`` number (0: none), the timestamp as the zigzag of its
///   difference from the previous entry's (the first entry's from `submittedAt`: entries are in
///   time order, microseconds apart), tid XOR tid, cpu, [offset − offset z], [length − length z],
///   [value − base z], the base what the value usually equals: isizeAtBegin for an i_size
///   (begin, retry, size-update), length for a byte count (completed, posted, reaped, returned,
///   syscall-enter), the first bio's sector for a sector (bio-queued, rq-issued, rq-completed),
///   else 0.
///
/// Every value of a record is written; the order above is the order of the bytes. A reader of the
/// bytes checks every read against the end of the buffer, every enum code, mask and narrow
/// integer against its range, every string's UTF-8 and every note number against the note table,
/// and throws ``TimelineCodecError`` on the first failure: a damaged or short spill is an error,
/// never a trap or a read out of bounds.
///
/// Cost, typical timeline, release build: encoding about 0.4 µs, decoding about 0.9 µs, of which
/// about a third is allocating (and, later, freeing) the timeline's arrays, which any copy of it
/// costs too. Encoding writes through a pointer into room made at the array's end, rather than an
/// `append` per byte, each checking the array's capacity and uniqueness; decoding allocates only
/// the arrays the timeline holds (short strings such as "fio" or "io_submit" are stored inline).
enum TimelineCodec {}

/// Thrown when a spilled record cannot be read back.
public struct TimelineCodecError: Error, CustomStringConvertible {
    public var description: String

    init(_ description: String) { self.description = description }

    @inline(never)
    static func truncated(at byte: Int) -> TimelineCodecError {
        TimelineCodecError("spilled timeline truncated at byte \(byte)")
    }

    @inline(never)
    static func invalid(_ what: StaticString, _ value: UInt64, at byte: Int) -> TimelineCodecError {
        TimelineCodecError("invalid \(what) \(value) at byte \(byte)")
    }
}

extension IOTimeline {
    /// Appends the binary form of this timeline to `bytes`.
    func appendBinary(to bytes: inout [UInt8]) {
        appendBinary(to: &bytes, room: binaryRoom)
    }

    /// Appends the binary form, first making `room` bytes ready at the end of `bytes` (twice as
    /// many, again, while they do not suffice; ``binaryRoom`` always does, tests pass less).
    func appendBinary(to bytes: inout [UInt8], room: Int) {
        let start = bytes.count
        var room = max(room, 16)
        while true {
            bytes.append(contentsOf: repeatElement(0, count: room))
            let used = bytes.withUnsafeMutableBufferPointer { b -> Int? in
                var w = TimelineCodec.Writer(b.baseAddress.unsafelyUnwrapped + start, room: room)
                writeBinary(&w)
                return w.overflowed ? nil : w.count
            }
            if let used {
                bytes.removeSubrange((start + used)...)
                return
            }
            bytes.removeSubrange(start...)
            room *= 2
        }
    }

    /// At least the bytes the binary form takes: every varint counted at its longest (10 bytes),
    /// every string at its UTF-8 length plus its count's 10. 1.6 KB for the typical timeline of
    /// 229 bytes: zeroing them is cheaper than a second pass over the timeline to find the exact
    /// size. (`TimelineCodecTests.check` checks that no record takes more.)
    var binaryRoom: Int {
        let v = TimelineCodec.Writer.maxVarint
        var n = 35 * v + (comm.utf8.count + v) + (syscall.map { $0.utf8.count + v } ?? 0)
            + (inconclusiveReason.map { $0.utf8.count + v } ?? 0)
        for a in attempts {
            n += 10 * v
            for f in a.dioFlags { n += f.utf8.count + v }
        }
        n += mappings.count * 6 * v
        for b in bios { n += 11 * v + b.op.utf8.count + b.zeroedRanges.count * 2 * v }
        for c in conversions { n += 5 * v + c.source.utf8.count }
        return n + entries.count * 8 * v
    }

    /// Reads one timeline written by ``appendBinary(to:)`` from `bytes`, starting at `position` and
    /// leaving `position` just after it. Throws ``TimelineCodecError`` on truncated or invalid input
    /// (never traps, never reads out of bounds); `position` is then unchanged.
    ///
    /// Only for bytes this process wrote: the entries' notes are ``TimelineNote`` numbers, valid
    /// in the process that interned them (a number the table does not have is rejected, but a
    /// number from another process would name another text).
    init(binary bytes: UnsafeRawBufferPointer, position: inout Int) throws {
        var r = try TimelineCodec.Reader(bytes, at: position)
        try self.init(reading: &r)
        position = r.position
    }

    /// The fields of a record that name its tracks in the Perfetto export (its first pass over
    /// the spill, in submission order), read from the record's head without decoding the rest:
    /// a whole decode allocates the timeline's arrays and reads every entry.
    static func trackFields(binary bytes: UnsafeRawBufferPointer, position: Int) throws -> TrackFields {
        var r = try TimelineCodec.Reader(bytes, at: position)
        _ = try r.unsigned()  // kind
        _ = try r.mask("timeline mask", allowed: Bits.all)
        let id = try r.unsigned()
        let tgid = try r.u32("tgid")
        let tid = try r.u32("tid")
        let dev = try r.device()
        let ino = try r.unsigned()
        _ = try r.unsigned()  // length
        _ = try r.unsigned()  // blockSize
        _ = try r.signed()  // offset
        _ = try r.signed()  // isizeAtBegin
        _ = try r.unsigned()  // submittedAt
        return TrackFields(id: id, tgid: tgid, tid: tid, dev: dev, ino: ino, comm: try r.string())
    }

    /// What the Perfetto export names its tracks after (``trackFields(binary:position:)``).
    struct TrackFields: Equatable {
        var id: UInt64
        var tgid: UInt32
        var tid: UInt32
        var dev: DeviceNumber
        var ino: UInt64
        var comm: String
    }

    /// The bits of the record's mask.
    private enum Bits {
        static let requested: UInt64 = 1 << 0, queuedAt: UInt64 = 1 << 1, submitReturnedAt: UInt64 = 1 << 2
        static let convertedAt: UInt64 = 1 << 3, sizeUpdatedAt: UInt64 = 1 << 4, isizeAtEnd: UInt64 = 1 << 5
        static let completedAt: UInt64 = 1 << 6, postedAt: UInt64 = 1 << 7, reapedAt: UInt64 = 1 << 8
        static let returnedAt: UInt64 = 1 << 9, result: UInt64 = 1 << 10, syscall: UInt64 = 1 << 11
        static let inconclusiveReason: UInt64 = 1 << 12, needsConversion: UInt64 = 1 << 13
        static let all: UInt64 = (1 << 14) - 1
    }

    private func writeBinary(_ w: inout TimelineCodec.Writer) {
        let base = submittedAt
        @inline(__always) func time(_ t: UInt64) { w.signed(Int64(bitPattern: t &- base)) }
        @inline(__always) func time(_ t: UInt64?) { if let t { time(t) } }
        let lengthBits = Int64(bitPattern: length)

        w.unsigned((op == .write ? 1 : 0) | (status == .inconclusive ? 2 : 0) | UInt64(api.rawValue) << 2)
        var mask: UInt64 = 0
        if requested != nil { mask |= Bits.requested }
        if queuedAt != nil { mask |= Bits.queuedAt }
        if submitReturnedAt != nil { mask |= Bits.submitReturnedAt }
        if convertedAt != nil { mask |= Bits.convertedAt }
        if sizeUpdatedAt != nil { mask |= Bits.sizeUpdatedAt }
        if isizeAtEnd != nil { mask |= Bits.isizeAtEnd }
        if completedAt != nil { mask |= Bits.completedAt }
        if postedAt != nil { mask |= Bits.postedAt }
        if reapedAt != nil { mask |= Bits.reapedAt }
        if returnedAt != nil { mask |= Bits.returnedAt }
        if result != nil { mask |= Bits.result }
        if syscall != nil { mask |= Bits.syscall }
        if inconclusiveReason != nil { mask |= Bits.inconclusiveReason }
        if needsConversion { mask |= Bits.needsConversion }
        w.unsigned(mask)
        w.unsigned(id)
        w.unsigned(UInt64(tgid))
        w.unsigned(UInt64(tid))
        w.device(dev)
        w.unsigned(ino)
        w.unsigned(length)
        w.unsigned(blockSize)
        w.signed(offset)
        w.signed(isizeAtBegin)
        w.unsigned(submittedAt)
        w.string(comm)
        if let syscall { w.string(syscall) }
        if let inconclusiveReason { w.string(inconclusiveReason) }
        if let requested { w.signed(Int64(bitPattern: requested &- length)) }
        time(queuedAt)
        time(submitReturnedAt)
        time(convertedAt)
        time(sizeUpdatedAt)
        if let isizeAtEnd { w.signed(isizeAtEnd &- isizeAtBegin) }
        time(completedAt)
        time(postedAt)
        time(reapedAt)
        time(returnedAt)
        if let result { w.signed(result &- lengthBits) }

        // Written out: `Phase.allCases` is a new array per call.
        let p = phases
        var phaseMask: UInt64 = p.submitToFirstBio != nil ? 1 : 0
        if p.device != nil { phaseMask |= 2 }
        if p.deviceToConversion != nil { phaseMask |= 4 }
        if p.conversionToPosted != nil { phaseMask |= 8 }
        if p.postedToReaped != nil { phaseMask |= 16 }
        if p.total != nil { phaseMask |= 32 }
        w.unsigned(phaseMask)
        if let d = p.submitToFirstBio { w.unsigned(d) }
        if let d = p.device { w.unsigned(d) }
        if let d = p.deviceToConversion { w.unsigned(d) }
        if let d = p.conversionToPosted { w.unsigned(d) }
        if let d = p.postedToReaped { w.unsigned(d) }
        if let d = p.total { w.unsigned(d) }

        w.unsigned(UInt64(attempts.count))
        for a in attempts {
            var m: UInt64 = a.completedAt != nil ? 1 : 0
            if a.error != nil { m |= 2 }
            if a.ret != nil { m |= 4 }
            if a.nowait { m |= 8 }
            if a.retried { m |= 16 }
            w.unsigned(m)
            time(a.beganAt)
            w.unsigned(UInt64(a.tid ^ tid))
            w.signed(Int64(bitPattern: a.kiocb))
            w.signed(a.offset &- offset)
            w.signed(Int64(bitPattern: a.length &- length))
            w.unsigned(UInt64(a.dioFlags.count))
            for f in a.dioFlags { w.string(f) }
            time(a.completedAt)
            if let e = a.error { w.signed(Int64(e)) }
            if let r = a.ret { w.signed(r &- lengthBits) }
        }

        w.unsigned(UInt64(mappings.count))
        for m in mappings {
            w.unsigned((m.addr != nil ? 1 : 0) | (m.new ? 2 : 0) | UInt64(m.type.rawValue) << 2)
            time(m.timestamp)
            w.signed(m.offset &- offset)
            w.signed(Int64(bitPattern: m.length &- length))
            if let addr = m.addr { w.unsigned(addr) }
            w.device(DeviceNumber(raw: m.bdev.raw ^ dev.raw))
        }

        w.unsigned(UInt64(bios.count))
        for b in bios {
            var m: UInt64 = b.issuedAt != nil ? 1 : 0
            if b.completedAt != nil { m |= 2 }
            if b.error != nil { m |= 4 }
            if b.fileOffset != nil { m |= 8 }
            if b.exactJoin { m |= 16 }
            m |= UInt64(b.role.binaryCode) << 5
            w.unsigned(m)
            time(b.queuedAt)
            if let t = b.issuedAt { w.signed(Int64(bitPattern: t &- b.queuedAt)) }
            if let t = b.completedAt { w.signed(Int64(bitPattern: t &- b.queuedAt)) }
            w.device(DeviceNumber(raw: b.dev.raw ^ dev.raw))
            w.unsigned(b.sector)
            w.unsigned(UInt64(b.nrSector))
            if let e = b.error { w.signed(Int64(e)) }
            if let f = b.fileOffset { w.signed(f &- offset) }
            w.string(b.op)
            w.unsigned(UInt64(b.zeroedRanges.count))
            for r in b.zeroedRanges {
                w.signed(r.start &- offset)
                w.signed(r.end &- r.start)
            }
        }

        w.unsigned(UInt64(conversions.count))
        for c in conversions {
            time(c.timestamp)
            w.string(c.source)
            w.signed(c.offset &- offset)
            w.signed(Int64(bitPattern: c.length &- length))
            w.unsigned(UInt64(c.tid ^ tid))
        }

        w.unsigned(UInt64(entries.count))
        let sector = Int64(bitPattern: bios.first?.sector ?? 0)
        var previous = base
        for e in entries {
            let o = e.offset, l = e.length, v = e.value
            w.unsigned(UInt64(e.step.code) << 3 | (o != nil ? 1 : 0) | (l != nil ? 2 : 0) | (v != nil ? 4 : 0))
            w.unsigned(UInt64(e.noteID))
            w.signed(Int64(bitPattern: e.timestamp &- previous))
            previous = e.timestamp
            w.unsigned(UInt64(e.tid ^ tid))
            w.unsigned(UInt64(e.cpu))
            if let o { w.signed(o &- offset) }
            if let l { w.signed(Int64(bitPattern: l &- length)) }
            if let v { w.signed(v &- Self.valueBase(e.step, isize: isizeAtBegin, length: lengthBits, sector: sector)) }
        }
    }

    /// What an entry's value is written against: what it usually equals, by what it means for the
    /// step (``TimelineStep/valueName``).
    @inline(__always)
    private static func valueBase(_ step: TimelineStep, isize: Int64, length: Int64, sector: Int64) -> Int64 {
        switch step {
        case .begin, .retry, .sizeUpdate: isize
        case .completed, .posted, .reaped, .returned, .syscallEnter: length
        case .bioQueued, .rqIssued, .rqCompleted: sector
        default: 0
        }
    }

    /// Reads the record at the reader's position: every field into a local, then the timeline is
    /// made once every read has succeeded.
    private init(reading r: inout TimelineCodec.Reader) throws(TimelineCodecError) {
        var at = r.position
        let kind = try r.unsigned()
        guard kind >> 2 <= UInt64(UInt8.max), let api = IOAPI(rawValue: UInt8(kind >> 2)) else {
            throw .invalid("api code", kind >> 2, at: at)
        }
        let mask = try r.mask("timeline mask", allowed: Bits.all)
        let id = try r.unsigned()
        let tgid = try r.u32("tgid")
        let tid = try r.u32("tid")
        let dev = try r.device()
        let ino = try r.unsigned()
        let length = try r.unsigned()
        let blockSize = try r.unsigned()
        let offset = try r.signed()
        let isizeAtBegin = try r.signed()
        let base = try r.unsigned()
        let comm = try r.string()
        let syscall = try mask & Bits.syscall != 0 ? r.string() : nil
        let reason = try mask & Bits.inconclusiveReason != 0 ? r.string() : nil
        let lengthBits = Int64(bitPattern: length)
        let requested = mask & Bits.requested != 0 ? length &+ UInt64(bitPattern: try r.signed()) : nil

        let queuedAt = mask & Bits.queuedAt != 0 ? try r.time(after: base) : nil
        let submitReturnedAt = mask & Bits.submitReturnedAt != 0 ? try r.time(after: base) : nil
        let convertedAt = mask & Bits.convertedAt != 0 ? try r.time(after: base) : nil
        let sizeUpdatedAt = mask & Bits.sizeUpdatedAt != 0 ? try r.time(after: base) : nil
        let isizeAtEnd = mask & Bits.isizeAtEnd != 0 ? isizeAtBegin &+ (try r.signed()) : nil
        let completedAt = mask & Bits.completedAt != 0 ? try r.time(after: base) : nil
        let postedAt = mask & Bits.postedAt != 0 ? try r.time(after: base) : nil
        let reapedAt = mask & Bits.reapedAt != 0 ? try r.time(after: base) : nil
        let returnedAt = mask & Bits.returnedAt != 0 ? try r.time(after: base) : nil
        let result = mask & Bits.result != 0 ? lengthBits &+ (try r.signed()) : nil

        var phases = PhaseLatencies()
        let phaseMask = try r.mask("phase mask", allowed: 63)
        if phaseMask & 1 != 0 { phases.submitToFirstBio = try r.unsigned() }
        if phaseMask & 2 != 0 { phases.device = try r.unsigned() }
        if phaseMask & 4 != 0 { phases.deviceToConversion = try r.unsigned() }
        if phaseMask & 8 != 0 { phases.conversionToPosted = try r.unsigned() }
        if phaseMask & 16 != 0 { phases.postedToReaped = try r.unsigned() }
        if phaseMask & 32 != 0 { phases.total = try r.unsigned() }

        // Each count with the fewest bytes its element takes: a byte for each field always written.
        var n = try r.count("attempts", each: 7)
        var attempts: [IOAttempt] = []
        if n > 0 {
            attempts.reserveCapacity(n)
            for _ in 0..<n {
                let m = try r.mask("attempt mask", allowed: 31)
                let beganAt = try r.time(after: base)
                let aTid = try r.u32("attempt tid") ^ tid
                let kiocb = UInt64(bitPattern: try r.signed())
                let aOffset = offset &+ (try r.signed())
                let aLength = length &+ UInt64(bitPattern: try r.signed())
                let flagCount = try r.count("dio flags", each: 1)
                var flags: [String] = []
                if flagCount > 0 {
                    flags.reserveCapacity(flagCount)
                    for _ in 0..<flagCount { flags.append(try r.string()) }
                }
                var a = IOAttempt(beganAt: beganAt, tid: aTid, kiocb: kiocb, offset: aOffset, length: aLength,
                                  dioFlags: flags, nowait: m & 8 != 0)
                a.retried = m & 16 != 0
                if m & 1 != 0 { a.completedAt = try r.time(after: base) }
                if m & 2 != 0 { a.error = try r.i32("attempt error") }
                if m & 4 != 0 { a.ret = lengthBits &+ (try r.signed()) }
                attempts.append(a)
            }
        }

        n = try r.count("mappings", each: 5)
        var mappings: [IOMappingRecord] = []
        if n > 0 {
            mappings.reserveCapacity(n)
            for _ in 0..<n {
                at = r.position
                let m = try r.unsigned()
                guard m >> 2 <= UInt64(UInt16.max), let type = ExtentType(rawValue: UInt16(m >> 2)) else {
                    throw .invalid("extent type", m >> 2, at: at)
                }
                let timestamp = try r.time(after: base)
                let mOffset = offset &+ (try r.signed())
                let mLength = length &+ UInt64(bitPattern: try r.signed())
                let addr = m & 1 != 0 ? try r.unsigned() : nil
                let bdev = DeviceNumber(raw: try r.device().raw ^ dev.raw)
                mappings.append(IOMappingRecord(timestamp: timestamp, offset: mOffset, length: mLength, addr: addr,
                                                type: type, new: m & 2 != 0, bdev: bdev))
            }
        }

        // The first bio's sector, which the entries' sectors are written against.
        var sector: Int64 = 0
        n = try r.count("bios", each: 7)
        var bios: [BioRecord] = []
        if n > 0 {
            bios.reserveCapacity(n)
            for _ in 0..<n {
                at = r.position
                let m = try r.unsigned()
                guard m >> 5 <= 255, let role = BioRole(binaryCode: UInt8(m >> 5)) else {
                    throw .invalid("bio role code", m >> 5, at: at)
                }
                let queuedAt = try r.time(after: base)
                let issuedAt = m & 1 != 0 ? try r.time(after: queuedAt) : nil
                let completedAt = m & 2 != 0 ? try r.time(after: queuedAt) : nil
                let bDev = DeviceNumber(raw: try r.device().raw ^ dev.raw)
                let bioSector = try r.unsigned()
                if bios.isEmpty { sector = Int64(bitPattern: bioSector) }
                let nrSector = try r.u32("bio sector count")
                let error = m & 4 != 0 ? try r.i32("bio error") : nil
                let fileOffset = m & 8 != 0 ? offset &+ (try r.signed()) : nil
                let op = try r.string()
                let rangeCount = try r.count("zeroed ranges", each: 2)
                var ranges: [FileRange] = []
                if rangeCount > 0 {
                    ranges.reserveCapacity(rangeCount)
                    for _ in 0..<rangeCount {
                        let start = offset &+ (try r.signed())
                        ranges.append(FileRange(start: start, end: start &+ (try r.signed())))
                    }
                }
                var b = BioRecord(queuedAt: queuedAt, dev: bDev, sector: bioSector, nrSector: nrSector, op: op,
                                  role: role, fileOffset: fileOffset, zeroedRanges: ranges, exactJoin: m & 16 != 0)
                b.issuedAt = issuedAt
                b.completedAt = completedAt
                b.error = error
                bios.append(b)
            }
        }

        n = try r.count("conversions", each: 5)
        var conversions: [ConversionRecord] = []
        if n > 0 {
            conversions.reserveCapacity(n)
            for _ in 0..<n {
                let timestamp = try r.time(after: base)
                let source = try r.string()
                let cOffset = offset &+ (try r.signed())
                let cLength = length &+ UInt64(bitPattern: try r.signed())
                conversions.append(ConversionRecord(timestamp: timestamp, source: source, offset: cOffset,
                                                    length: cLength, tid: try r.u32("conversion tid") ^ tid))
            }
        }

        n = try r.count("entries", each: 5)
        var entries: [TimelineEntry] = []
        if n > 0 {
            let stepCount = UInt64(TimelineStep.caseCount)
            // Built in place: an `append` per entry was a call each, 7 % of decoding. A failure ends
            // the loop; the entries initialized so far are released with the array.
            var failure: TimelineCodecError?
            entries = [TimelineEntry](unsafeUninitializedCapacity: n) { out, initialized in
                var previous = base
                do throws(TimelineCodecError) {
                    for i in 0..<n {
                        let at = r.position
                        let stepAndMask = try r.unsigned()
                        let code = stepAndMask >> 3
                        guard code < stepCount else { throw .invalid("step code", code, at: at) }
                        let note = try r.note()
                        let timestamp = try r.time(after: previous)
                        previous = timestamp
                        let eTid = try r.u32("entry tid") ^ tid
                        let cpu = try r.u16("entry cpu")
                        let eOffset = stepAndMask & 1 != 0 ? offset &+ (try r.signed()) : nil
                        let eLength = stepAndMask & 2 != 0 ? length &+ UInt64(bitPattern: try r.signed()) : nil
                        let step = TimelineStep(code: UInt8(truncatingIfNeeded: code))
                        let value = stepAndMask & 4 != 0
                            ? Self.valueBase(step, isize: isizeAtBegin, length: lengthBits, sector: sector)
                                &+ (try r.signed())
                            : nil
                        out.initializeElement(at: i, to: TimelineEntry(timestamp: timestamp, step: step, tid: eTid,
                                                                       cpu: cpu, offset: eOffset, length: eLength,
                                                                       value: value, noteID: note))
                        initialized = i + 1
                    }
                } catch {
                    failure = error
                }
            }
            if let failure { throw failure }
        }

        self.init(id: id, op: kind & 1 != 0 ? .write : .read, api: api, tgid: tgid, tid: tid, comm: comm, dev: dev,
                  ino: ino, offset: offset, length: length, requested: requested, syscall: syscall,
                  isizeAtBegin: isizeAtBegin, blockSize: blockSize, submittedAt: base)
        self.status = kind & 2 != 0 ? .inconclusive : .complete
        self.needsConversion = mask & Bits.needsConversion != 0
        self.inconclusiveReason = reason
        self.queuedAt = queuedAt
        self.submitReturnedAt = submitReturnedAt
        self.convertedAt = convertedAt
        self.sizeUpdatedAt = sizeUpdatedAt
        self.isizeAtEnd = isizeAtEnd
        self.completedAt = completedAt
        self.postedAt = postedAt
        self.reapedAt = reapedAt
        self.returnedAt = returnedAt
        self.result = result
        self.phases = phases
        self.attempts = attempts
        self.mappings = mappings
        self.bios = bios
        self.conversions = conversions
        self.entries = entries
    }
}

extension IOTimeline.TrackFields {
    /// The track fields of `t` (in an extension: the memberwise initializer stays).
    init(_ t: IOTimeline) {
        self.init(id: t.id, tgid: t.tgid, tid: t.tid, dev: t.dev, ino: t.ino, comm: t.comm)
    }
}

extension BioRole {
    /// The role's number in a spilled timeline.
    fileprivate var binaryCode: UInt8 {
        switch self {
        case .data: 0
        case .subBlockZeroing: 1
        case .unknown: 2
        }
    }

    fileprivate init?(binaryCode: UInt8) {
        switch binaryCode {
        case 0: self = .data
        case 1: self = .subBlockZeroing
        case 2: self = .unknown
        default: return nil
        }
    }
}

extension TimelineCodec {
    /// Writes varints through a pointer into room made ready beforehand. A write that would not fit
    /// sets ``overflowed`` and writes nothing (the caller makes more room and starts over).
    struct Writer {
        /// The most bytes a varint takes (64 bits in 7-bit groups).
        static let maxVarint = 10

        private let base: UnsafeMutablePointer<UInt8>
        private let room: Int
        /// The bytes written.
        private(set) var count = 0
        private(set) var overflowed = false

        init(_ base: UnsafeMutablePointer<UInt8>, room: Int) {
            self.base = base
            self.room = room
        }

        @inline(__always)
        mutating func unsigned(_ value: UInt64) {
            guard count &+ Self.maxVarint <= room else {
                overflowed = true
                return
            }
            var v = value
            while v >= 0x80 {
                base[count] = UInt8(truncatingIfNeeded: v) | 0x80
                count &+= 1
                v &>>= 7
            }
            base[count] = UInt8(truncatingIfNeeded: v)
            count &+= 1
        }

        @inline(__always)
        mutating func signed(_ value: Int64) { unsigned(UInt64(bitPattern: (value &<< 1) ^ (value &>> 63))) }

        /// A device number with its minor above its major (a kernel dev_t is `major << 20 | minor`:
        /// rotated, a small major and minor make a small number).
        @inline(__always)
        mutating func device(_ d: DeviceNumber) { unsigned(UInt64((d.raw &<< 12) | (d.raw &>> 20))) }

        mutating func string(_ s: String) {
            var s = s
            s.withUTF8 { u in
                guard count &+ Self.maxVarint &+ u.count <= room else {
                    overflowed = true
                    return
                }
                unsigned(UInt64(u.count))
                if let p = u.baseAddress { (base + count).update(from: p, count: u.count) }
                count &+= u.count
            }
        }
    }

    /// Reads varints from a buffer, each read checked against the buffer's end.
    struct Reader {
        let bytes: UnsafeRawBufferPointer
        private(set) var position: Int
        /// Every note number below this is in ``TimelineNote``'s table (read when a larger one
        /// comes; 0, no note, always is).
        private var noteLimit: UInt32 = 1

        init(_ bytes: UnsafeRawBufferPointer, at position: Int) throws(TimelineCodecError) {
            guard position >= 0 && position <= bytes.count else { throw .truncated(at: position) }
            self.bytes = bytes
            self.position = position
        }

        @inline(__always)
        mutating func unsigned() throws(TimelineCodecError) -> UInt64 {
            let left = bytes.count &- position
            guard left > 0 else { throw .truncated(at: position) }
            let p = bytes.baseAddress.unsafelyUnwrapped + position
            let first = p.load(as: UInt8.self)
            if first < 0x80 {
                position &+= 1
                return UInt64(first)
            }
            return try longUnsigned()
        }

        /// A varint of more than one byte; at most 10, the tenth holding bit 63 only.
        @inline(never)
        private mutating func longUnsigned() throws(TimelineCodecError) -> UInt64 {
            let start = position
            var v: UInt64 = 0
            var shift: UInt64 = 0
            if bytes.count &- position >= 10 {
                // Room for the longest: no check against the end per byte.
                let p = bytes.baseAddress.unsafelyUnwrapped + position
                var i = 0
                while true {
                    let b = p.load(fromByteOffset: i, as: UInt8.self)
                    i &+= 1
                    if shift == 63 && b > 1 { break }
                    v |= UInt64(b & 0x7F) &<< shift
                    if b < 0x80 {
                        position &+= i
                        return v
                    }
                    shift &+= 7
                }
                throw TimelineCodecError("varint longer than 64 bits at byte \(start)")
            }
            while true {
                guard position < bytes.count else { throw .truncated(at: position) }
                let b = bytes[position]
                position &+= 1
                if shift == 63 && b > 1 {
                    throw TimelineCodecError("varint longer than 64 bits at byte \(start)")
                }
                v |= UInt64(b & 0x7F) &<< shift
                if b < 0x80 { return v }
                shift &+= 7
            }
        }

        @inline(__always)
        mutating func signed() throws(TimelineCodecError) -> Int64 {
            let u = try unsigned()
            return Int64(bitPattern: u &>> 1) ^ -Int64(bitPattern: u & 1)
        }

        /// An unsigned value that must fit `T` (a tid, a CPU, a sector count).
        @inline(__always)
        mutating func narrow<T: FixedWidthInteger & UnsignedInteger>(_ what: StaticString, as _: T.Type = T.self)
            throws(TimelineCodecError) -> T {
            let at = position
            let v = try unsigned()
            guard v <= UInt64(T.max) else { throw .invalid(what, v, at: at) }
            return T(truncatingIfNeeded: v)
        }

        @inline(__always)
        mutating func u32(_ what: StaticString) throws(TimelineCodecError) -> UInt32 { try narrow(what) }

        @inline(__always)
        mutating func u16(_ what: StaticString) throws(TimelineCodecError) -> UInt16 { try narrow(what) }

        @inline(__always)
        mutating func i32(_ what: StaticString) throws(TimelineCodecError) -> Int32 {
            let at = position
            let v = try signed()
            guard let narrow = Int32(exactly: v) else { throw .invalid(what, UInt64(bitPattern: v), at: at) }
            return narrow
        }

        /// A mask with no bit outside `allowed`.
        @inline(__always)
        mutating func mask(_ what: StaticString, allowed: UInt64) throws(TimelineCodecError) -> UInt64 {
            let at = position
            let v = try unsigned()
            guard v & ~allowed == 0 else { throw .invalid(what, v, at: at) }
            return v
        }

        /// A device number written by ``TimelineCodec.Writer/device(_:)``.
        @inline(__always)
        mutating func device() throws(TimelineCodecError) -> DeviceNumber {
            let v = try u32("device number")
            return DeviceNumber(raw: (v &>> 12) | (v &<< 20))
        }

        /// An element count. Each element takes at least `each` bytes, so a count of more than the
        /// bytes left can hold is a truncated record, refused before anything is reserved for it:
        /// what a damaged count makes the reader allocate stays within a few times the bytes left.
        @inline(__always)
        mutating func count(_ what: StaticString, each: Int) throws(TimelineCodecError) -> Int {
            let at = position
            let v = try unsigned()
            guard v <= UInt64((bytes.count &- position) / each) else { throw tooMany(v, what, at: at) }
            return Int(truncatingIfNeeded: v)
        }

        @inline(never)
        private func tooMany(_ v: UInt64, _ what: StaticString, at: Int) -> TimelineCodecError {
            TimelineCodecError(
                "spilled timeline truncated at byte \(bytes.count): \(v) \(what) announced at byte \(at)")
        }

        /// A time written as its difference from `base` (zigzag).
        @inline(__always)
        mutating func time(after base: UInt64) throws(TimelineCodecError) -> UInt64 {
            base &+ UInt64(bitPattern: try signed())
        }

        /// A string: its UTF-8 byte count, then the bytes (which must be valid UTF-8).
        mutating func string() throws(TimelineCodecError) -> String {
            let at = position
            let n = try count("string bytes", each: 1)
            let text = UnsafeRawBufferPointer(rebasing: bytes[position..<(position &+ n)])
            position &+= n
            // ASCII (nearly every comm, syscall, op and flag) needs no validation; the generic
            // `String(validating:as:)` looked up type metadata on every call (a tenth of decoding).
            var ascii = true
            for b in text where b >= 0x80 { ascii = false; break }
            if ascii { return String(decoding: text, as: UTF8.self) }
            guard let s = String(validating: text, as: UTF8.self) else {
                throw TimelineCodecError("invalid UTF-8 in the string at byte \(at)")
            }
            return s
        }

        /// A note number, which must be in ``TimelineNote``'s table.
        @inline(__always)
        mutating func note() throws(TimelineCodecError) -> UInt32 {
            let at = position
            let v = try unsigned()
            if v < UInt64(noteLimit) { return UInt32(truncatingIfNeeded: v) }
            return try newNote(v, at: at)
        }

        /// A note number at or above the limit read last: the table is read again (under its lock,
        /// once per record at most while the table does not grow).
        @inline(never)
        private mutating func newNote(_ v: UInt64, at: Int) throws(TimelineCodecError) -> UInt32 {
            noteLimit = TimelineNote.count
            guard v < UInt64(noteLimit) else { throw .invalid("note number", v, at: at) }
            return UInt32(truncatingIfNeeded: v)
        }
    }
}
