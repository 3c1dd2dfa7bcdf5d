import Foundation
import Testing
@testable import DioscopeCore

/// The hand-written timeline encoder (``IOTimeline/appendJSON(to:)``) writes the bytes
/// `JSONEncoder` writes with `.sortedKeys`, in all four styles the exporters use: indented or
/// compact, `/` escaped or not. Checked on every timeline of the bundled traces and on generated
/// timelines with each optional field on and off and strings that need escaping.
@Suite struct TimelineJSONTests {
    static let styles: [(pretty: Bool, escapeSlashes: Bool)] = [(true, true), (true, false), (false, true), (false, false)]

    static func reference(_ t: IOTimeline, pretty: Bool, escapeSlashes: Bool) throws -> [UInt8] {
        let encoder = JSONEncoder()
        var formatting: JSONEncoder.OutputFormatting = [.sortedKeys]
        if pretty { formatting.insert(.prettyPrinted) }
        if !escapeSlashes { formatting.insert(.withoutEscapingSlashes) }
        encoder.outputFormatting = formatting
        return [UInt8](try encoder.encode(t))
    }

    static func handWritten(_ t: IOTimeline, pretty: Bool, escapeSlashes: Bool) -> [UInt8] {
        var out = JSONBytes(pretty: pretty, escapeSlashes: escapeSlashes)
        t.appendJSON(to: &out)
        return out.bytes
    }

    /// Compares in every style; returns the number of mismatches (each also recorded as an issue).
    @discardableResult
    static func check(_ t: IOTimeline, _ what: String) throws -> Int {
        var bad = 0
        for s in styles {
            let want = try reference(t, pretty: s.pretty, escapeSlashes: s.escapeSlashes)
            let got = handWritten(t, pretty: s.pretty, escapeSlashes: s.escapeSlashes)
            if got != want {
                bad += 1
                let at = zip(got, want).enumerated().first { $0.element.0 != $0.element.1 }?.offset
                    ?? min(got.count, want.count)
                let context = String(decoding: want[max(0, at - 60)..<min(want.count, at + 40)], as: UTF8.self)
                Issue.record("\(what), pretty \(s.pretty), escape / \(s.escapeSlashes): differs at byte \(at), near: \(context)")
            }
        }
        // And back: the timeline stores its optional fields packed, with its own Codable.
        let back = try JSONDecoder().decode(IOTimeline.self, from: Data(handWritten(t, pretty: false, escapeSlashes: true)))
        if back != t {
            bad += 1
            Issue.record("\(what): decoding its JSON does not give the timeline back")
        }
        return bad
    }

    static var bundledTraces: [String] {
        let root = ExportFixtures.packageRoot.appendingPathComponent("traces")
        var paths: [String] = []
        for dir in ["real", "constructed"] {
            let d = root.appendingPathComponent(dir).path
            for name in ((try? FileManager.default.contentsOfDirectory(atPath: d)) ?? []).sorted()
            where name.hasSuffix(".trace") || name.hasSuffix(".ftrace.txt") || name.hasSuffix(".dscope") {
                paths.append(d + "/" + name)
            }
        }
        return paths
    }

    @Test func everyBundledTimeline() throws {
        let paths = Self.bundledTraces
        try #require(paths.count >= 20, "the bundled traces are found")
        var timelines = 0
        var withEveryKind = Set<String>()
        for path in paths {
            var input = try TraceInput(path: path)
            let (result, _) = try Analyzer.analyze(&input)
            for t in result.timelines {
                try Self.check(t, "\(path.split(separator: "/").last!) I/O \(t.id)")
                timelines += 1
                if !t.conversions.isEmpty { withEveryKind.insert("conversion") }
                if t.bios.contains(where: { !$0.zeroedRanges.isEmpty }) { withEveryKind.insert("zeroing") }
                if t.entries.contains(where: { $0.note != nil }) { withEveryKind.insert("note") }
                if t.inconclusiveReason != nil { withEveryKind.insert("inconclusive") }
                if t.attempts.contains(where: { !$0.dioFlags.isEmpty }) { withEveryKind.insert("dio flags") }
            }
        }
        #expect(timelines > 100)
        // the bundled traces reach the nested records and strings, not only the plain fields
        #expect(withEveryKind == ["conversion", "zeroing", "note", "dio flags"])
    }

    /// Strings a comm, a reason or a note could hold: quotes, backslashes, slashes, every control
    /// character, non-ASCII, DEL.
    static let strings: [String] = {
        var controls = ""
        for c in 0..<0x20 { controls.unicodeScalars.append(Unicode.Scalar(UInt8(c))) }
        return ["", "fio", "a/b//c", "quote \" and \\ back", controls, "kworker/u8:2", "é ü 😀 \u{2028}\u{7F}",
                "\"timelines\" : []", "tab\tnew\nline"]
    }()

    /// Deterministic generator (``SplitMix``): failures reproduce.
    struct Generator {
        var rng: SplitMix
        init(state: UInt64) { rng = SplitMix(seed: state) }
        mutating func next() -> UInt64 { rng.next() }
        mutating func bool() -> Bool { next() & 1 == 1 }
        mutating func int(_ n: Int) -> Int { Int(next() % UInt64(n)) }
        /// Small, large, zero, extreme.
        mutating func u64() -> UInt64 { [0, 1, 9, 10, 4096, UInt64.max, next(), next() >> 20][int(8)] }
        mutating func i64() -> Int64 { [0, -1, -95, Int64.min, Int64.max, Int64(bitPattern: next())][int(6)] }
        mutating func maybe<T>(_ v: T) -> T? { bool() ? v : nil }
        mutating func string() -> String { TimelineJSONTests.strings[int(TimelineJSONTests.strings.count)] }
    }

    static func generated(_ g: inout Generator, full: Bool) -> IOTimeline {
        func opt<T>(_ v: T) -> T? { full ? v : g.maybe(v) }
        var t = IOTimeline(id: g.u64(), op: g.bool() ? .read : .write, api: [.sync, .libaio, .ioUring, .asyncOther][g.int(4)],
                           tgid: UInt32(truncatingIfNeeded: g.u64()), tid: UInt32(truncatingIfNeeded: g.u64()),
                           comm: g.string(), dev: DeviceNumber(major: UInt32(g.int(4096)), minor: UInt32(g.int(1 << 20))),
                           ino: g.u64(), offset: g.i64(), length: g.u64(), requested: opt(g.u64()),
                           syscall: opt(g.string()), isizeAtBegin: g.i64(), blockSize: g.u64(), submittedAt: g.u64())
        for _ in 0..<(full ? 2 : g.int(3)) {
            var a = IOAttempt(beganAt: g.u64(), tid: UInt32(g.int(100_000)), kiocb: g.u64(), offset: g.i64(),
                              length: g.u64(), dioFlags: (0..<g.int(3)).map { _ in g.string() }, nowait: g.bool())
            a.completedAt = opt(g.u64())
            a.error = opt(Int32(truncatingIfNeeded: g.i64()))
            a.ret = opt(g.i64())
            a.retried = g.bool()
            t.attempts.append(a)
        }
        for _ in 0..<(full ? 2 : g.int(3)) {
            t.mappings.append(IOMappingRecord(timestamp: g.u64(), offset: g.i64(), length: g.u64(), addr: opt(g.u64()),
                                              type: ExtentType.allCases[g.int(ExtentType.allCases.count)], new: g.bool(),
                                              bdev: DeviceNumber(raw: UInt32(truncatingIfNeeded: g.u64()))))
        }
        for _ in 0..<(full ? 2 : g.int(3)) {
            var b = BioRecord(queuedAt: g.u64(), dev: DeviceNumber(major: 7, minor: UInt32(g.int(8))), sector: g.u64(),
                              nrSector: UInt32(truncatingIfNeeded: g.u64()), op: g.string(),
                              role: [.data, .subBlockZeroing, .unknown][g.int(3)], fileOffset: opt(g.i64()),
                              zeroedRanges: (0..<(full ? 2 : g.int(3))).map { _ in FileRange(start: g.i64(), end: g.i64()) },
                              exactJoin: g.bool())
            b.issuedAt = opt(g.u64())
            b.completedAt = opt(g.u64())
            b.error = opt(Int32(truncatingIfNeeded: g.i64()))
            t.bios.append(b)
        }
        for _ in 0..<(full ? 2 : g.int(3)) {
            t.conversions.append(ConversionRecord(timestamp: g.u64(), source: g.string(), offset: g.i64(), length: g.u64(),
                                                  tid: UInt32(g.int(1 << 22))))
        }
        let steps: [TimelineStep] = [.syscallEnter, .begin, .mapping, .bioQueued, .rqIssued, .rqCompleted, .queued,
                                     .submitReturned, .endIO, .conversion, .sizeUpdate, .completed, .posted, .reaped,
                                     .returned, .retry, .lost]
        for _ in 0..<(full ? 3 : g.int(6)) {
            t.entries.append(TimelineEntry(timestamp: g.u64(), step: steps[g.int(steps.count)], tid: UInt32(g.int(1 << 22)),
                                           cpu: UInt16(g.int(64)), offset: opt(g.i64()), length: opt(g.u64()),
                                           value: opt(g.i64()), note: opt(g.string())))
        }
        t.queuedAt = opt(g.u64())
        t.submitReturnedAt = opt(g.u64())
        t.needsConversion = g.bool()
        t.convertedAt = opt(g.u64())
        t.sizeUpdatedAt = opt(g.u64())
        t.isizeAtEnd = opt(g.i64())
        t.completedAt = opt(g.u64())
        t.postedAt = opt(g.u64())
        t.reapedAt = opt(g.u64())
        t.returnedAt = opt(g.u64())
        t.result = opt(g.i64())
        t.status = g.bool() ? .complete : .inconclusive
        t.inconclusiveReason = opt(g.string())
        t.phases.submitToFirstBio = opt(g.u64())
        t.phases.device = opt(g.u64())
        t.phases.deviceToConversion = opt(g.u64())
        t.phases.conversionToPosted = opt(g.u64())
        t.phases.postedToReaped = opt(g.u64())
        t.phases.total = opt(g.u64())
        return t
    }

    @Test func generatedTimelines() throws {
        var g = Generator(state: 0x5EED)
        var bad = 0
        for i in 0..<400 {
            bad += try Self.check(Self.generated(&g, full: i % 4 == 0), "generated timeline \(i)")
            if bad > 8 { break }  // enough to see the pattern
        }
    }

    /// Every stored property of the timeline and of its records is written: a property added to
    /// these types without its line in the encoder fails here even while it is nil everywhere else.
    @Test func everyPropertyIsWritten() throws {
        var g = Generator(state: 42)
        let t = Self.generated(&g, full: true)
        let json = String(decoding: Self.handWritten(t, pretty: false, escapeSlashes: true), as: UTF8.self)
        // The timeline's packed times (its `times`, a `TimelineTimes`) count as its own fields.
        func keys(of value: Any) -> [String] {
            Mirror(reflecting: value).children.flatMap { c -> [String] in
                c.label == "times" ? Mirror(reflecting: c.value).children.compactMap(\.label) : [c.label].compactMap { $0 }
            }
        }
        // The timeline, its attempt and bio records and its phases store their optional fields
        // packed: `xBits` holds field `x`, and `present` says which are there.
        func fields(of value: Any) -> [String] {
            keys(of: value).filter { $0 != "present" }.map { $0.hasSuffix("Bits") ? String($0.dropLast(4)) : $0 }
        }
        var expected = fields(of: t)
        #expect(expected.contains("completedAt") && expected.contains("result") && !expected.contains("resultBits"))
        // and their own Codable (JSONDecoder, JSONEncoder) names every one of them
        let packed: [(Any, [String])] = [
            (t, IOTimeline.CodingKeys.allCases.map(\.stringValue)),
            (t.attempts[0], IOAttempt.CodingKeys.allCases.map(\.stringValue)),
            (t.bios[0], BioRecord.CodingKeys.allCases.map(\.stringValue)),
            (t.phases, PhaseLatencies.CodingKeys.allCases.map(\.stringValue)),
        ]
        for (value, codingKeys) in packed {
            #expect(Set(fields(of: value)) == Set(codingKeys), "\(type(of: value))")
        }
        expected += fields(of: t.attempts[0]) + fields(of: t.bios[0]) + fields(of: t.phases)
        for v: Any in [t.mappings[0], t.conversions[0], t.bios[0].zeroedRanges[0]] {
            expected += keys(of: v)
        }
        // TimelineEntry stores its note as a number; its JSON keys are its CodingKeys
        expected += ["cpu", "length", "note", "offset", "step", "tid", "timestamp", "value"]
        #expect(expected.count > 60)
        for k in Set(expected) {
            #expect(json.contains("\"\(k)\":"), "key \(k) is written")
        }
        try Self.check(t, "the fully populated timeline")
    }
}
