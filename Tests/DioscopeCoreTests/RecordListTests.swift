import Testing
@testable import DioscopeCore

/// An I/O's records in its state (``IOState``): the first attempt, mapping and bio inline, the
/// others, the conversions and the ranges in the side box (``IOExtras``). Whatever the mix of
/// appends, changes and emptying, every read the engine makes (the views, ``RecordList``, and
/// the reads through the state's pointer) gives what arrays given the same operations hold.
@Suite struct RecordListTests {
    static let dev = DeviceNumber(major: 7, minor: 0)

    static func state() -> IOState {
        IOState(id: 1, op: .write, api: .libaio, tgid: 10, tid: 11, comm: Comm("fio"), offset: 0, length: 1 << 20,
                requested: nil, syscall: .ioSubmit, isizeAtBegin: 1 << 30, blockSize: 4096, submittedAt: 1_000)
    }
    static func bio(_ n: UInt64) -> BioState {
        BioState(queuedAt: n, dev: dev, sector: n * 8, nrSector: 8, op: n % 2 == 0 ? .write : .read,
                 role: n % 3 == 0 ? .subBlockZeroing : .data, fileOffset: Int64(n) * 4096, zeroedRanges: [],
                 exactJoin: n % 2 == 1)
    }
    static func attempt(_ n: UInt64) -> AttemptState {
        AttemptState(beganAt: n, tid: UInt32(n % 7), kiocb: n, dioFlags: [], nowait: n % 2 == 0)
    }
    static func mapping(_ n: UInt64) -> IOMappingRecord {
        IOMappingRecord(timestamp: n, offset: Int64(n) * 4096, length: 4096, addr: n % 4 == 0 ? nil : n << 12,
                        type: n % 3 == 0 ? .unwritten : .mapped, new: n % 2 == 0, bdev: dev)
    }

    /// What the arrays the state replaced would hold.
    struct Model {
        var attempts: [IOAttempt] = [], mappings: [IOMappingRecord] = [], bios: [BioRecord] = []
        var conversions: [ConversionRecord] = [], needRanges: [FileRange] = []
    }

    /// Returns whether the need ranges are converted, nil when there are none.
    @discardableResult
    static func check(_ t: IOState, _ m: Model, _ step: String) -> Bool? {
        let attempts = t.attempts.map { $0.record(offset: t.offset, length: t.length) }
        #expect(attempts == m.attempts && t.attempts.array.map { $0.record(offset: t.offset, length: t.length) } == m.attempts,
                "\(step): attempts")
        #expect(Array(t.mappings) == m.mappings && t.mappings.array == m.mappings, "\(step): mappings")
        #expect(t.bios.map(\.record) == m.bios && t.bios.count == m.bios.count, "\(step): bios")
        #expect(t.bios.last?.record == m.bios.last && t.mappings.last == m.mappings.last, "\(step): last")
        #expect(t.mappings.last(where: { $0.type == .unwritten }) == m.mappings.last(where: { $0.type == .unwritten }),
                "\(step): mappings.last(where:)")
        #expect(t.conversions == m.conversions && Array(t.needRanges) == m.needRanges, "\(step): conversions and ranges")
        var copy = t
        return withUnsafePointer(to: &copy) { p -> Bool? in
            #expect(p.attemptCount == m.attempts.count && p.mappingCount == m.mappings.count
                    && p.bioCount == m.bios.count && p.conversionCount == m.conversions.count, "\(step): counts")
            #expect(p.firstAttempt?.record(offset: 0, length: 1 << 20) == m.attempts.first
                    && p.lastAttempt?.record(offset: 0, length: 1 << 20) == m.attempts.last, "\(step): attempt ends")
            #expect(p.firstBio?.record == m.bios.first && p.lastConversion?.record == m.conversions.last, "\(step): ends")
            #expect(p.hasNeedRanges == !m.needRanges.isEmpty, "\(step): hasNeedRanges")
            for i in m.attempts.indices { #expect(p.attempt(i).record(offset: 0, length: 1 << 20) == m.attempts[i]) }
            for i in m.mappings.indices { #expect(p.mapping(i) == m.mappings[i]) }
            for i in m.bios.indices { #expect(p.bio(i).record == m.bios[i]) }
            #expect(p.lastMapping(where: { $0.new }) == m.mappings.last(where: { $0.new }), "\(step): lastMapping(where:)")
            // Conversion coverage, against the sweep over the arrays the engine had.
            let converted = m.conversions.map { FileRange(start: $0.offset, end: $0.offset + Int64($0.length)) }
            let covered = m.needRanges.allSatisfy { need in
                var pos = need.start, progressed = true
                while pos < need.end && progressed {
                    progressed = false
                    for c in converted where c.start <= pos && c.end > pos { (pos, progressed) = (c.end, true) }
                }
                return pos >= need.end
            }
            #expect(p.fullyConverted == covered, "\(step): fullyConverted")
            for probe in [FileRange(start: 0, end: 4096), FileRange(start: 500, end: 900), FileRange(start: 4096, end: 1 << 20)] {
                #expect(p.needRangeOverlaps(probe) == m.needRanges.contains { $0.overlaps(probe) }, "\(step): overlaps \(probe)")
            }
            return m.needRanges.isEmpty ? nil : covered
        }
    }

    @Test func behavesAsArrays() {
        var rng = SplitMix(seed: 0x11)
        var boxesKept = 0
        var coveredSeen = Set<Bool>()
        for seed in 0..<60 {
            var t = Self.state(), m = Model()
            Self.check(t, m, "seed \(seed) new")
            for step in 0..<50 {
                let r = rng.next() % 16, n = rng.next() % 1000
                switch r {
                case 0..<2:
                    t.appendAttempt(Self.attempt(n))
                    m.attempts.append(Self.attempt(n).record(offset: 0, length: 1 << 20))
                case 2..<4:
                    t.appendMapping(Self.mapping(n))
                    m.mappings.append(Self.mapping(n))
                case 4..<7:
                    t.appendBio(Self.bio(n))
                    m.bios.append(Self.bio(n).record)
                case 7:
                    let c = ConversionRecord(timestamp: n, source: "xfs", offset: Int64(n), length: 4096, tid: 3)
                    t.appendConversion(c)
                    m.conversions.append(c)
                case 8:
                    let range = FileRange(start: Int64(n), end: Int64(n) + 512)
                    t.appendNeedRange(range)
                    m.needRanges.append(range)
                case 9:
                    let ranges = n % 3 == 0 ? [] : [FileRange(start: 0, end: Int64(n) + 1)]
                    t.setNeedRanges(ranges)
                    m.needRanges = ranges
                case 10 where n % 2 == 0:
                    t.removeNeedRanges()
                    m.needRanges = []
                case 10:
                    // What a completion keeps: the parts inside what was written (some empty).
                    let start = Int64(n % 600), written = FileRange(start: start, end: start + Int64(n % 7) * 200)
                    t.intersectNeedRanges(with: written)
                    m.needRanges = m.needRanges.compactMap { $0.intersection(written) }
                case 11..<13 where !m.bios.isEmpty:
                    let i = Int(n % UInt64(m.bios.count))
                    let got = t.modifyBio(i) { b -> UInt64 in
                        b.completedAt = n
                        return b.sector
                    }
                    m.bios[i].completedAt = n
                    #expect(got == m.bios[i].sector)
                case 13 where !m.attempts.isEmpty:
                    let e = Int32(truncatingIfNeeded: n)
                    t.modifyLastAttempt { $0.error = e }
                    m.attempts[m.attempts.count - 1].error = e
                case 14:
                    // A copy shares the box until one of them changes it.
                    var copy = t
                    copy.appendBio(Self.bio(n))
                    copy.appendAttempt(Self.attempt(n))
                    copy.appendConversion(ConversionRecord(timestamp: n, source: "c", offset: 0, length: 1, tid: 1))
                    if !m.bios.isEmpty { copy.modifyBio(0) { $0.error = -5 } }
                    #expect(copy.bios.count == m.bios.count + 1, "the copy changed")
                case 15:
                    let keep = n % 2 == 0
                    // Kept while small; with room for none, a box holding anything is dropped.
                    t.removeAllRecords(keepingBoxUpTo: keep ? 64 : 0)
                    #expect(t.extras?.isEmpty ?? true, "seed \(seed) step \(step): the kept box was emptied")
                    if keep && t.extras != nil { boxesKept += 1 }
                    m = Model()
                default:
                    continue
                }
                if let c = Self.check(t, m, "seed \(seed) step \(step) op \(r)") { coveredSeen.insert(c) }
            }
        }
        #expect(boxesKept > 0, "emptying with the box kept was tried")
        #expect(coveredSeen.count == 2, "both covered and uncovered need ranges were tried")
    }

    /// One conversion for one range needing it (the usual write into unwritten extents, read
    /// without the sweep): covered exactly at both ends, not one byte short at either.
    @Test func oneConversionCoversItsRange() {
        let need = FileRange(start: 4096, end: 8192)
        for (start, end, covered) in [(4096, 8192, true), (0, 1 << 20, true), (4096, 8191, false), (4097, 8192, false),
                                      (8192, 12288, false)] as [(Int64, Int64, Bool)] {
            var t = Self.state()
            t.appendNeedRange(need)
            t.appendConversion(ConversionRecord(timestamp: 2_000, source: "xfs_unwritten_convert", offset: start,
                                                length: UInt64(end - start), tid: 1))
            #expect(withUnsafePointer(to: &t) { $0.fullyConverted } == covered, "\(start)..\(end)")
            #expect(t.conversions.first?.source == "xfs_unwritten_convert", "the source's name comes back")
        }
    }

    /// One record of each kind makes no box; the box, once made, keeps its storage when emptied
    /// (``IOSlab`` keeps it with the slot).
    @Test func storage() {
        var t = Self.state()
        t.appendAttempt(Self.attempt(1))
        t.appendMapping(Self.mapping(1))
        t.appendBio(Self.bio(1))
        #expect(t.extras == nil, "the first records are inline")
        t.appendBio(Self.bio(2))
        t.appendBio(Self.bio(3))
        let box = t.extras
        let room = box?.bios.capacity ?? 0
        #expect(room >= 2)
        t.removeAllRecords(keepingBoxUpTo: 8)
        #expect(t.bios.isEmpty && t.extras === box && box?.bios.capacity == room)
        t.appendBio(Self.bio(4))
        #expect(t.bios.count == 1 && t.bios.first?.record == Self.bio(4).record && box?.bios.isEmpty == true)
        // Nothing in the box: it is kept even with room for none.
        t.removeAllRecords(keepingBoxUpTo: 0)
        #expect(t.extras === box && t.bios.isEmpty)
        // A conversion and a second need range in the box, grown past the room: dropped.
        t.appendNeedRange(FileRange(start: 0, end: 4096))
        t.appendNeedRange(FileRange(start: 8192, end: 12288))
        t.appendConversion(ConversionRecord(timestamp: 1, source: "c", offset: 0, length: 4096, tid: 1))
        t.removeAllRecords(keepingBoxUpTo: 0)
        #expect(t.extras == nil && t.needRanges.isEmpty && t.conversions.isEmpty)
    }
}
