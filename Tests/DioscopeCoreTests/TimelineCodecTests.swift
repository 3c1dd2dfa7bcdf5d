import Testing
@testable import DioscopeCore

/// A spilled timeline (``IOTimeline/appendBinary(to:)``) reads back as the timeline written, for
/// generated timelines with every optional field on and off and extreme values, and for every
/// timeline of the bundled traces; a short or damaged record throws instead of trapping.
@Suite struct TimelineCodecTests {
    static func encoded(_ t: IOTimeline) -> [UInt8] {
        var bytes: [UInt8] = []
        t.appendBinary(to: &bytes)
        return bytes
    }

    /// Decodes one record at `position`; returns it and where it ended.
    static func decode(_ bytes: [UInt8], at position: Int = 0) throws -> (IOTimeline, Int) {
        try bytes.withUnsafeBytes { b in
            var p = position
            let t = try IOTimeline(binary: b, position: &p)
            return (t, p)
        }
    }

    /// Round trip of one timeline: equal, the whole record read, within the room reserved for it.
    static func check(_ t: IOTimeline, _ what: String) throws {
        let bytes = encoded(t)
        let (back, end) = try decode(bytes)
        #expect(back == t, "\(what)")
        #expect(end == bytes.count, "\(what): read \(end) of \(bytes.count) bytes")
        #expect(bytes.count <= t.binaryRoom, "\(what): \(bytes.count) bytes, room \(t.binaryRoom)")
        // the head alone (the Perfetto export's first pass) gives the same track fields
        let head = try bytes.withUnsafeBytes { try IOTimeline.trackFields(binary: $0, position: 0) }
        #expect(head == IOTimeline.TrackFields(t), "\(what)")
    }

    @Test func generatedTimelines() throws {
        var n = 0
        for seed: UInt64 in [1, 2, 3, 0x5EED, 42, 0xC0DEC] {
            var g = TimelineJSONTests.Generator(state: seed)
            for i in 0..<80 {
                try Self.check(TimelineJSONTests.generated(&g, full: i % 3 == 0), "seed \(seed) timeline \(i)")
                n += 1
            }
        }
        #expect(n >= 400)
    }

    /// Every value at its extremes, times on both sides of the submission (the differences wrap).
    static func extreme(submittedAt: UInt64, time: UInt64) -> IOTimeline {
        var t = IOTimeline(id: .max, op: .write, api: .asyncOther, tgid: .max, tid: .max, comm: "é ü 😀",
                           dev: DeviceNumber(raw: .max), ino: .max, offset: .min, length: .max, requested: .max,
                           syscall: "", isizeAtBegin: .max, blockSize: .max, submittedAt: submittedAt)
        t.status = .inconclusive
        t.needsConversion = true
        t.inconclusiveReason = String(repeating: "x", count: 300)
        t.queuedAt = time
        t.submitReturnedAt = 0
        t.convertedAt = .max
        t.sizeUpdatedAt = time
        t.isizeAtEnd = .min
        t.completedAt = time
        t.postedAt = time
        t.reapedAt = time
        t.returnedAt = time
        t.result = .min
        t.phases.submitToFirstBio = .max
        t.phases.device = 0
        t.phases.deviceToConversion = .max
        t.phases.conversionToPosted = 1
        t.phases.postedToReaped = .max
        t.phases.total = .max
        var a = IOAttempt(beganAt: time, tid: 0, kiocb: .max, offset: .max, length: 0, dioFlags: ["", "DIO_FORCE_WAIT"],
                          nowait: true)
        a.completedAt = 0
        a.error = .min
        a.ret = .max
        a.retried = true
        t.attempts = [a, IOAttempt(beganAt: 0, tid: .max, kiocb: 0, offset: .min, length: .max, dioFlags: [], nowait: false)]
        t.mappings = [IOMappingRecord(timestamp: time, offset: .max, length: 0, addr: .max, type: .inline, new: true,
                                      bdev: DeviceNumber(raw: 0)),
                      IOMappingRecord(timestamp: .max, offset: .min, length: .max, addr: nil, type: .hole, new: false,
                                      bdev: DeviceNumber(raw: .max))]
        var b = BioRecord(queuedAt: time, dev: DeviceNumber(raw: 0), sector: .max, nrSector: .max, op: "WFS",
                          role: .unknown, fileOffset: .min,
                          zeroedRanges: [FileRange(start: .min, end: .max), FileRange(start: .max, end: .min)],
                          exactJoin: true)
        b.issuedAt = 0
        b.completedAt = .max
        b.error = .min
        t.bios = [b]
        t.conversions = [ConversionRecord(timestamp: time, source: "xfs_unwritten_convert", offset: .min, length: .max,
                                          tid: .max)]
        t.entries = [TimelineEntry(timestamp: .max, step: .lost, tid: 0, cpu: .max, offset: .min, length: .max, value: .min,
                                   note: "a note"),
                     TimelineEntry(timestamp: 0, step: .syscallEnter, tid: .max, cpu: 0, offset: .max, length: 0,
                                   value: .max),
                     TimelineEntry(timestamp: time, step: .retry, tid: 1)]
        return t
    }

    @Test func extremeValues() throws {
        for (s, time): (UInt64, UInt64) in [(0, .max), (.max, 0), (1 << 63, (1 << 63) - 1), (12345, 1), (0, 0)] {
            try Self.check(Self.extreme(submittedAt: s, time: time), "extreme, submitted at \(s), times \(time)")
        }
        // and the other way round: every optional absent, every array empty
        let bare = IOTimeline(id: 0, op: .read, api: .sync, tgid: 0, tid: 0, comm: "", dev: DeviceNumber(raw: 0), ino: 0,
                              offset: 0, length: 0, requested: nil, syscall: nil, isizeAtBegin: -1, blockSize: 0,
                              submittedAt: 0)
        try Self.check(bare, "bare")
        #expect(Self.encoded(bare).count == 19)
    }

    /// Records at their fewest bytes: every field equal to what it is written against, every
    /// optional absent. The reader refuses a count whose elements could not fit the bytes left at
    /// these sizes (7, 5, 7, 5 and 5 bytes), so they must be the true minimum: a record ending
    /// the buffer with them reads back.
    @Test func smallestElements() throws {
        var t = Self.bare
        let s = t.submittedAt
        t.attempts = Array(repeating: IOAttempt(beganAt: s, tid: t.tid, kiocb: 0, offset: t.offset, length: t.length,
                                                dioFlags: [], nowait: false), count: 3)
        t.mappings = Array(repeating: IOMappingRecord(timestamp: s, offset: t.offset, length: t.length, addr: nil,
                                                      type: .hole, new: false, bdev: t.dev), count: 3)
        t.bios = Array(repeating: BioRecord(queuedAt: s, dev: t.dev, sector: 0, nrSector: 0, op: "", role: .data,
                                            fileOffset: nil, zeroedRanges: [], exactJoin: false), count: 3)
        t.conversions = Array(repeating: ConversionRecord(timestamp: s, source: "", offset: t.offset, length: t.length,
                                                          tid: t.tid), count: 3)
        t.entries = Array(repeating: TimelineEntry(timestamp: s, step: .syscallEnter, tid: t.tid), count: 3)
        #expect(Self.encoded(t).count == Self.encoded(Self.bare).count + 3 * (7 + 5 + 7 + 5 + 5))
        try Self.check(t, "smallest elements")
    }

    /// Every case of every enum the record holds reads back as itself.
    @Test func everyEnumCase() throws {
        var g = TimelineJSONTests.Generator(state: 7)
        let base = TimelineJSONTests.generated(&g, full: true)
        for op: IOOperation in [.read, .write] {
            for api: IOAPI in [.sync, .libaio, .ioUring, .asyncOther] {
                for status: IOStatus in [.complete, .inconclusive] {
                    var t = base
                    t.op = op
                    t.api = api
                    t.status = status
                    try Self.check(t, "\(op) \(api) \(status)")
                }
            }
        }
        for (i, type) in ExtentType.allCases.enumerated() {
            var t = base
            t.mappings[0].type = type
            t.mappings[1].new = i % 2 == 0
            for role: BioRole in [.data, .subBlockZeroing, .unknown] {
                t.bios[0].role = role
                try Self.check(t, "\(type) \(role)")
            }
        }
        var t = base
        t.entries = TimelineStep.allCases.map { TimelineEntry(timestamp: 1, step: $0, tid: 2) }
        try Self.check(t, "every step")
    }

    @Test func everyBundledTimeline() throws {
        let paths = TimelineJSONTests.bundledTraces
        try #require(paths.count >= 20, "the bundled traces are found")
        var all: [IOTimeline] = []
        var spill: [UInt8] = []
        for path in paths {
            var input = try TraceInput(path: path)
            let (result, _) = try Analyzer.analyze(&input)
            for t in result.timelines {
                try Self.check(t, "\(path.split(separator: "/").last!) I/O \(t.id)")
                t.appendBinary(to: &spill)
                all.append(t)
            }
        }
        #expect(all.count > 100)
        // and spilled one after another, as an export spills them
        var position = 0
        var back: [IOTimeline] = []
        try spill.withUnsafeBytes { b in
            while position < b.count { back.append(try IOTimeline(binary: b, position: &position)) }
        }
        #expect(back == all)
        #expect(position == spill.count)
    }

    /// Records appended to one buffer read back in order, each ending where the next begins.
    @Test func concatenated() throws {
        var g = TimelineJSONTests.Generator(state: 0xFEED)
        let timelines = (0..<500).map { i in TimelineJSONTests.generated(&g, full: i % 5 == 0) }
        var bytes: [UInt8] = [0xAA, 0xBB]  // records need not start at the buffer's start
        var ends: [Int] = []
        for t in timelines {
            t.appendBinary(to: &bytes)
            ends.append(bytes.count)
        }
        var position = 2
        try bytes.withUnsafeBytes { b in
            for (i, t) in timelines.enumerated() {
                let back = try IOTimeline(binary: b, position: &position)
                #expect(back == t, "record \(i)")
                #expect(position == ends[i], "record \(i) ends at \(ends[i])")
            }
        }
        #expect(position == bytes.count)
    }

    /// The room made before writing is only a first guess: too little, and the record is written
    /// again into more, with the same bytes and nothing left behind.
    @Test func tooLittleRoomFirst() throws {
        var g = TimelineJSONTests.Generator(state: 99)
        for i in 0..<50 {
            let t = TimelineJSONTests.generated(&g, full: i % 2 == 0)
            var small: [UInt8] = [1, 2, 3]
            t.appendBinary(to: &small, room: 1)
            #expect(small == [1, 2, 3] + Self.encoded(t), "timeline \(i)")
        }
    }

    /// Every strict prefix of a record throws (the reader checks each read against the end), and
    /// leaves the position where it was.
    @Test func everyTruncationThrows() throws {
        var g = TimelineJSONTests.Generator(state: 0x7777)
        var samples = [Self.typical, Self.extreme(submittedAt: 5, time: 3)]
        samples += (0..<20).map { i in TimelineJSONTests.generated(&g, full: i % 2 == 0) }
        for (n, t) in samples.enumerated() {
            let bytes = Self.encoded(t)
            for length in 0..<bytes.count {
                let prefix = Array(bytes[0..<length])
                let error = #expect(throws: TimelineCodecError.self, "sample \(n) cut to \(length) bytes") {
                    _ = try Self.decode(prefix)
                }
                #expect(error?.description.contains("truncated") == true, "\(error?.description ?? "")")
            }
            // a whole record followed by a cut one: the first reads, the second throws
            var two = bytes + bytes
            two.removeLast()
            try two.withUnsafeBytes { b in
                var position = 0
                let first = try IOTimeline(binary: b, position: &position)
                #expect(first == t)
                #expect(throws: TimelineCodecError.self) { try IOTimeline(binary: b, position: &position) }
                #expect(position == bytes.count, "unchanged by the failed read")
            }
        }
        #expect(throws: TimelineCodecError.self) { _ = try Self.decode(Self.encoded(Self.typical), at: -1) }
        #expect(throws: TimelineCodecError.self) { _ = try Self.decode([], at: 0) }
    }

    /// A minimal timeline: the byte positions of its fields are easy to tell.
    static let bare = IOTimeline(id: 1, op: .write, api: .libaio, tgid: 7, tid: 7, comm: "fio",
                                 dev: DeviceNumber(major: 7, minor: 1), ino: 5, offset: 4096, length: 4096,
                                 requested: nil, syscall: nil, isizeAtBegin: 8192, blockSize: 4096, submittedAt: 100)

    static func expectInvalid(_ bytes: [UInt8], _ message: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let error = #expect(throws: TimelineCodecError.self, sourceLocation: sourceLocation) { _ = try decode(bytes) }
        #expect(error?.description == message, sourceLocation: sourceLocation)
    }

    @Test func invalidCodesThrow() throws {
        // the kind comes first: op, status, then the API's raw value from bit 2
        var bytes = Self.encoded(Self.bare)
        #expect(bytes[0] == 1 | 1 << 2)
        bytes[0] = 4 << 2
        Self.expectInvalid(bytes, "invalid api code 4 at byte 0")

        // the bare record ends with the counts of attempts, mappings, bios, conversions and
        // entries (one byte each, zero); an element's first byte comes right after its count,
        // before the counts that follow
        let bare = Self.encoded(Self.bare)
        #expect(bare.suffix(5) == [0, 0, 0, 0, 0])

        var t = Self.bare
        t.entries = [TimelineEntry(timestamp: 150, step: .rqIssued, tid: 7)]
        let good = Self.encoded(t)
        // the step's code above the presence of offset, length and value (none here)
        #expect(good[bare.count] == TimelineStep.rqIssued.code << 3)
        for code in [TimelineStep.caseCount, 40, 1000] {
            // a code of 16 or more takes two bytes: put them in place of the one
            var w: [UInt8] = []
            var v = UInt64(code) << 3
            while v >= 0x80 {
                w.append(UInt8(truncatingIfNeeded: v) | 0x80)
                v >>= 7
            }
            w.append(UInt8(v))
            bytes = good
            bytes.replaceSubrange(bare.count...bare.count, with: w)
            Self.expectInvalid(bytes, "invalid step code \(code) at byte \(bare.count)")
        }
        // (every valid code reads back: everyEnumCase)

        t = Self.bare
        t.mappings = [IOMappingRecord(timestamp: 120, offset: 4096, length: 4096, addr: 1 << 20, type: .mapped, new: false,
                                      bdev: t.dev)]
        bytes = Self.encoded(t)
        let mapping = bare.count - 3
        #expect(bytes[mapping] == 1 | UInt8(ExtentType.mapped.rawValue) << 2)
        bytes[mapping] = 1 | 5 << 2
        Self.expectInvalid(bytes, "invalid extent type 5 at byte \(mapping)")

        t = Self.bare
        t.bios = [BioRecord(queuedAt: 130, dev: t.dev, sector: 9528, nrSector: 8, op: "W", role: .data, fileOffset: nil,
                            zeroedRanges: [], exactJoin: false)]
        bytes = Self.encoded(t)
        let bio = bare.count - 2
        #expect(bytes[bio] == 0)
        bytes[bio] = 3 << 5
        Self.expectInvalid(bytes, "invalid bio role code 3 at byte \(bio)")
        bytes[bio] = 1 << 5 | 16
        var back = try Self.decode(bytes).0.bios[0]
        #expect(back.role == .subBlockZeroing && back.exactJoin)
        back.role = .data
        back.exactJoin = false
        #expect(back == t.bios[0])

        // a mask bit no field has
        t = Self.bare
        t.attempts = [IOAttempt(beganAt: 110, tid: 7, kiocb: 0, offset: 4096, length: 4096, dioFlags: [], nowait: false)]
        bytes = Self.encoded(t)
        let attempt = bare.count - 4
        #expect(bytes[attempt] == 0)
        bytes[attempt] = 32
        Self.expectInvalid(bytes, "invalid attempt mask 32 at byte \(attempt)")
    }

    /// A note is spilled as its number in the note table, and a number the table does not have is
    /// refused rather than looked up.
    @Test func unknownNoteThrows() throws {
        var t = Self.bare
        t.entries = [TimelineEntry(timestamp: 150, step: .mapping, tid: 7, noteID: UInt32.max - 1)]
        let bytes = Self.encoded(t)
        let bare = Self.encoded(Self.bare)
        Self.expectInvalid(bytes, "invalid note number \(UInt32.max - 1) at byte \(bare.count + 1)")
        t.entries[0].note = "a note interned while the spill was written"
        try Self.check(t, "a note")
    }

    @Test func damagedBytesThrow() throws {
        // invalid UTF-8 in the comm (its count, then "fio")
        var bytes = Self.encoded(Self.bare)
        let comm = try #require((0..<bytes.count - 3).first { bytes[$0..<($0 + 4)] == [3, 0x66, 0x69, 0x6F] })
        bytes[comm + 2] = 0xFF
        Self.expectInvalid(bytes, "invalid UTF-8 in the string at byte \(comm)")
        // a varint of more than 64 bits
        Self.expectInvalid([UInt8](repeating: 0xFF, count: 12), "varint longer than 64 bits at byte 0")
        // a count far beyond the bytes left
        bytes = Self.encoded(Self.bare)
        bytes.removeLast()
        bytes += [0xFF, 0xFF, 0xFF, 0x7F]
        Self.expectInvalid(
            bytes, "spilled timeline truncated at byte \(bytes.count): 268435455 entries announced at byte \(bytes.count - 4)")

        // Random damage: any byte changed, anywhere, in many records: an error or some timeline,
        // never a trap.
        var g = TimelineJSONTests.Generator(state: 0xBAD)
        var rng = SplitMix(seed: 0xBAD)
        var errors = 0
        for i in 0..<200 {
            let good = Self.encoded(i == 0 ? Self.typical : TimelineJSONTests.generated(&g, full: i % 2 == 0))
            for _ in 0..<20 {
                var bad = good
                for _ in 0..<(1 + Int(rng.next() % 3)) {
                    bad[Int(rng.next() % UInt64(bad.count))] = UInt8(truncatingIfNeeded: rng.next())
                }
                do { _ = try Self.decode(bad) } catch is TimelineCodecError { errors += 1 }
            }
        }
        #expect(errors > 100)
    }

    /// The codec writes every stored field. A field added to these types without its line in
    /// TimelineCodec.swift fails here, even while the round trips above still pass (a field the
    /// generator never sets compares equal at its default). Packed optionals are stored as `xBits`
    /// with a `present` mask; each name here is written by the codec.
    @Test func everyStoredFieldIsCovered() {
        var g = TimelineJSONTests.Generator(state: 42)
        let t = TimelineJSONTests.generated(&g, full: true)
        // The timeline's packed times (its `times`, a `TimelineTimes`) count as its own fields.
        func labels(_ value: Any) -> Set<String> {
            Set(Mirror(reflecting: value).children.flatMap { c -> [String] in
                c.label == "times" ? Mirror(reflecting: c.value).children.compactMap(\.label) : [c.label].compactMap { $0 }
            })
        }
        #expect(labels(t) == [
            "id", "op", "api", "status", "needsConversion", "present", "tgid", "tid", "dev", "comm", "ino", "offset",
            "length", "isizeAtBegin", "blockSize", "submittedAt", "syscall", "inconclusiveReason", "attempts",
            "mappings", "bios", "conversions", "entries", "requestedBits", "queuedAtBits", "submitReturnedAtBits",
            "convertedAtBits", "sizeUpdatedAtBits", "isizeAtEndBits", "completedAtBits", "postedAtBits",
            "reapedAtBits", "returnedAtBits", "resultBits", "phases",
        ])
        #expect(labels(t.attempts[0]) == [
            "beganAt", "kiocb", "offset", "length", "dioFlags", "completedAtBits", "retBits", "tid", "errorBits",
            "nowait", "retried", "present",
        ])
        #expect(labels(t.mappings[0]) == ["timestamp", "offset", "length", "addr", "type", "new", "bdev"])
        #expect(labels(t.bios[0]) == [
            "queuedAt", "issuedAtBits", "completedAtBits", "sector", "fileOffsetBits", "op", "zeroedRanges", "dev",
            "nrSector", "errorBits", "role", "exactJoin", "present",
        ])
        #expect(labels(t.bios[0].zeroedRanges[0]) == ["start", "end"])
        #expect(labels(t.conversions[0]) == ["timestamp", "source", "offset", "length", "tid"])
        #expect(labels(t.entries[0]) == [
            "timestamp", "step", "present", "cpu", "tid", "offsetBits", "lengthBits", "valueBits", "noteID",
        ])
        #expect(labels(t.phases) == [
            "present", "submitToFirstBioBits", "deviceBits", "deviceToConversionBits", "conversionToPostedBits",
            "postedToReapedBits", "totalBits",
        ])
        #expect(labels(t.dev) == ["raw"])
        // the enums are written by code: a new case must get one
        #expect(TimelineStep.allCases.count == 18)
        #expect(ExtentType.allCases.map(\.rawValue) == [0, 1, 2, 3, 4])
    }

    /// A libaio 4 KiB overwrite as the engine assembles it (I/O 101 of
    /// traces/real/rec-xfs-fio-overwrite-assembled.dscope): 12 entries, one attempt, mapping and bio.
    static let typical: IOTimeline = {
        let s: UInt64 = 38_869_019_183_449
        var t = IOTimeline(id: 101, op: .write, api: .libaio, tgid: 3020, tid: 3020, comm: "fio",
                           dev: DeviceNumber(major: 7, minor: 1), ino: 132, offset: 4_513_792, length: 4096,
                           requested: nil, syscall: "io_submit", isizeAtBegin: 8_388_608, blockSize: 4096, submittedAt: s)
        var a = IOAttempt(beganAt: s + 906, tid: 3020, kiocb: 18_446_612_690_357_986_048, offset: 4_513_792, length: 4096,
                          dioFlags: [], nowait: false)
        a.completedAt = s + 18_051
        a.error = 0
        a.ret = 4096
        t.attempts = [a]
        t.mappings = [IOMappingRecord(timestamp: s + 1547, offset: 4_513_792, length: 4096, addr: 4_878_336, type: .mapped,
                                      new: false, bdev: DeviceNumber(major: 7, minor: 1))]
        var b = BioRecord(queuedAt: s + 2443, dev: DeviceNumber(major: 7, minor: 1), sector: 9528, nrSector: 8, op: "W",
                          role: .data, fileOffset: 4_513_792, zeroedRanges: [], exactJoin: true)
        b.issuedAt = s + 3124
        b.completedAt = s + 15_284
        t.bios = [b]
        let o: Int64 = 4_513_792
        t.entries = [
            TimelineEntry(timestamp: s, step: .syscallEnter, tid: 3020, cpu: 0, note: "io_submit"),
            TimelineEntry(timestamp: s + 906, step: .begin, tid: 3020, cpu: 1, offset: o, length: 4096, value: 8_388_608),
            TimelineEntry(timestamp: s + 1547, step: .mapping, tid: 3020, cpu: 0, offset: o, length: 4096, note: "MAPPED"),
            TimelineEntry(timestamp: s + 2443, step: .bioQueued, tid: 3020, cpu: 0, offset: o, length: 4096, value: 9528),
            TimelineEntry(timestamp: s + 3124, step: .rqIssued, tid: 0, cpu: 0, offset: o, length: 4096, value: 9528),
            TimelineEntry(timestamp: s + 4250, step: .queued, tid: 3020, cpu: 1, offset: o + 4096, length: 0),
            TimelineEntry(timestamp: s + 4707, step: .submitReturned, tid: 3020, cpu: 1, value: 1, note: "io_submit"),
            TimelineEntry(timestamp: s + 15_284, step: .rqCompleted, tid: 0, cpu: 0, offset: o, length: 4096, value: 9528),
            TimelineEntry(timestamp: s + 17_408, step: .endIO, tid: 19036, cpu: 1, offset: o, length: 4096,
                          note: "xfs_end_io_direct_write"),
            TimelineEntry(timestamp: s + 18_051, step: .completed, tid: 19036, cpu: 1, offset: o + 4096, value: 4096),
            TimelineEntry(timestamp: s + 18_051, step: .posted, tid: 19036, cpu: 1, value: 4096, note: "aio ring"),
            TimelineEntry(timestamp: s + 168_524, step: .reaped, tid: 3020, cpu: 1, value: 4096),
        ]
        t.queuedAt = s + 4250
        t.submitReturnedAt = s + 4707
        t.isizeAtEnd = 8_388_608
        t.completedAt = s + 18_051
        t.postedAt = s + 18_051
        t.reapedAt = s + 168_524
        t.result = 4096
        t.phases.submitToFirstBio = 2443
        t.phases.device = 12_841
        t.phases.conversionToPosted = 2767
        t.phases.postedToReaped = 150_473
        t.phases.total = 168_524
        return t
    }()

    @Test func typicalSize() throws {
        try Self.check(Self.typical, "typical")
        #expect(Self.typical.entries.count == 12)
        // Measured: 229 bytes (the same timeline is 2.4 KB as compact JSON, 1.2 KB as values).
        // Its five notes' numbers take a byte each while the process has interned fewer than 128
        // note texts, two after: up to 5 bytes more, whichever tests ran before.
        #expect(Self.encoded(Self.typical).count <= 229 + 5)
    }
}
