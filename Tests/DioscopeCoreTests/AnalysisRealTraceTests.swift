import Foundation
import Testing
@testable import DioscopeCore

/// Real ftrace captures of the workloads on this kernel (Fixtures/analysis/README.md).
@Suite struct AnalysisRealTraceTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var file: String
        var verdict: Verdict
        /// "kind severity" → count
        var findings: [String: Int]
        var ios: UInt64
        var retried: UInt64 = 0
        var testDescription: String { file }
    }

    static let cases: [Case] = [
        Case(file: "real-xfs-uring-aio-hole-read", verdict: .clean, findings: [:], ios: 20, retried: 10),
        Case(file: "real-ext4-libaio-aio-hole-read", verdict: .clean, findings: [:], ios: 20),
        Case(file: "real-ext4-libaio-unaligned-overlap", verdict: .clean, findings: [:], ios: 30),
        Case(file: "real-xfs-uring-unaligned-overlap", verdict: .clean, findings: [:], ios: 30, retried: 19),
        Case(file: "real-xfs-libaio-write-fsync", verdict: .clean, findings: [:], ios: 20),
        Case(file: "real-ext4-libaio-extend-vs-truncate", verdict: .clean, findings: [:], ios: 60),
        Case(file: "real-ext4-uring-short-enospc", verdict: .clean, findings: [:], ios: 3),
        Case(file: "real-xfs-pwrite-short-rlimit", verdict: .findings, findings: ["short-dio-write warning": 3], ios: 3),
        Case(file: "real-xfs-libaio-extend-vs-truncate", verdict: .findings,
             findings: ["size-extension-race error": 13], ios: 132),
    ]

    static let recordings: [Case] = [
        Case(file: "rec-xfs-libaio-aio-hole-read", verdict: .clean, findings: [:], ios: 40),
        Case(file: "rec-xfs-uring-unaligned-overlap", verdict: .clean, findings: [:], ios: 30, retried: 20),
        Case(file: "rec-ext4-libaio-write-fsync", verdict: .clean, findings: [:], ios: 20),
        Case(file: "rec-xfs-pwrite-short-rlimit", verdict: .findings, findings: ["short-dio-write warning": 3], ios: 3),
        Case(file: "rec-xfs-libaio-extend-vs-truncate", verdict: .findings,
             findings: ["size-extension-race error": 16], ios: 75),
        Case(file: "rec-xfs-libaio-aio-hole-read-assembled", verdict: .clean, findings: [:], ios: 40),
        Case(file: "rec-xfs-fio-overwrite-assembled", verdict: .clean, findings: [:], ios: 200),
    ]

    /// Every event of the recording `name` (in traces/real), in file order.
    static func recordedEvents(_ name: String) throws -> [Event] {
        var input = try TraceInput(path: recordingsDir.appendingPathComponent(name + ".dscope").path)
        var events: [Event] = []
        _ = try input.forEachEvent { events.append($0) }
        return events
    }

    @Test(arguments: recordings)
    func recordingVerdict(_ c: Case) throws {
        var input = try TraceInput(path: Self.recordingsDir.appendingPathComponent(c.file + ".dscope").path)
        #expect(input.kind == .dioscopeTrace)
        let (r, summary) = try Analyzer.analyze(&input)
        #expect(summary.isComplete && summary.problems.isEmpty, "\(summary.problems.prefix(3))")
        var got: [String: Int] = [:]
        for f in r.findings { got["\(f.kind) \(f.severity)", default: 0] += 1 }
        #expect(got == c.findings, "\(r.findings.prefix(3).map(\.message))")
        #expect(r.verdict == c.verdict)
        #expect(r.counts.total == c.ios)
        #expect(r.counts.inconclusive == 0)
        #expect(r.counts.retried == c.retried)
        // identities present: every reap record and every DIO bio joined
        #expect(r.unmatched["aio_reap"] == nil, "\(r.unmatched)")
        #expect(r.timelines.filter { $0.op == .write }.allSatisfy { $0.bios.allSatisfy(\.exactJoin) })
        // every bio of a complete I/O met its request's completion (assembled or joined)
        let noDevice = r.timelines.filter { $0.status == .complete && !$0.bios.isEmpty && $0.phases.device == nil }
        #expect(noDevice.isEmpty, "\(noDevice.prefix(2).map { "io#\($0.id) \($0.entries.map(\.step))" })")
    }

    /// The assembled recordings carry dio_steps records, and their timelines every step.
    @Test func assembledRecordingsHoldStepsRecords() throws {
        for (name, plain) in [("rec-xfs-libaio-aio-hole-read-assembled", 20), ("rec-xfs-fio-overwrite-assembled", 200)] {
            var input = try TraceInput(path: Self.recordingsDir.appendingPathComponent(name + ".dscope").path)
            var steps = 0
            _ = try input.forEachEvent { if case .dioSteps(let s) = $0.payload, !s.partial { steps += 1 } }
            #expect(steps == plain, "\(name)")
            var again = try TraceInput(path: Self.recordingsDir.appendingPathComponent(name + ".dscope").path)
            let (r, _) = try Analyzer.analyze(&again)
            let assembled = r.timelines.filter { $0.entries.contains { $0.step == .rqIssued && $0.tid == 0 } }
            #expect(assembled.count >= plain)
            for t in assembled {
                #expect([.mapping, .bioQueued, .rqIssued, .rqCompleted].allSatisfy { s in t.entries.contains { $0.step == s } })
            }
        }
    }

    /// The workload verified its data and reported which writes came back as zeros; the analyzer
    /// flags exactly those writes and no other.
    @Test func recordedTruncateRacesAreExactlyTheCorruptedWrites() throws {
        var input = try TraceInput(path: Self.recordingsDir.appendingPathComponent("rec-xfs-libaio-extend-vs-truncate.dscope").path)
        let (r, _) = try Analyzer.analyze(&input)
        let corrupted: [Int64] = [0, 393216, 786432, 1572864, 1966080, 2359296, 3145728, 3538944, 3932160, 4325376,
                                  4718592, 5111808, 5898240, 6291456, 7864320, 9043968]
        let flagged = r.findings.filter { $0.kind == .sizeExtensionRace }.compactMap { $0.subjects.first?.offset }
        #expect(flagged.sorted() == corrupted)
        #expect(r.findings.allSatisfy { $0.evidence.contains { $0.what.contains("space/size change") } })
    }

    /// The dioscope recordings live with the other real traces in traces/real/.
    static var recordingsDir: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("traces/real")
    }

    static var dir: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/analysis")
    }

    @Test(arguments: cases)
    func realTraceVerdict(_ c: Case) throws {
        var input = try TraceInput(path: Self.dir.appendingPathComponent(c.file + ".trace").path)
        let (r, summary) = try Analyzer.analyze(&input)
        #expect(summary.problems.isEmpty, "\(summary.problems.prefix(3))")
        var got: [String: Int] = [:]
        for f in r.findings { got["\(f.kind) \(f.severity)", default: 0] += 1 }
        #expect(got == c.findings, "\(r.findings.prefix(3).map(\.message))")
        #expect(r.verdict == c.verdict, "\(r.timelines.compactMap(\.inconclusiveReason).prefix(3))")
        #expect(r.counts.total == c.ios)
        #expect(r.counts.inconclusive == 0)
        #expect(r.counts.retried == c.retried)
    }

    @Test func truncateRaceNamesTheWriteAndTheZeroing() throws {
        var input = try TraceInput(path: Self.dir.appendingPathComponent("real-xfs-libaio-extend-vs-truncate.trace").path)
        let (r, _) = try Analyzer.analyze(&input)
        let f = try #require(r.findings.first)
        #expect(f.operations.first?.kind == .ftruncate)
        #expect(f.subjects.first?.op == .write && f.subjects.first?.api == .libaio)
        #expect(f.evidence.contains { $0.what.contains("maps") && $0.what.contains("iomap_iter_dstmap") })
        // the zeroed range lies inside the write's range
        let w = try #require(r.timelines.first { $0.id == f.ios[0] })
        #expect(f.message.contains(FileRange(start: w.offset, end: w.offset + Int64(w.length)).description))
    }

    @Test func realShortWriteLinksTheBufferedFallback() throws {
        var input = try TraceInput(path: Self.dir.appendingPathComponent("real-xfs-pwrite-short-rlimit.trace").path)
        let (r, _) = try Analyzer.analyze(&input)
        #expect(r.findings.count == 3)
        for f in r.findings {
            #expect(f.message.contains("asked for 0x200000 bytes at 0x0 and got 0x100000"))
            #expect(f.evidence.contains { $0.what.hasPrefix("fallback of the rest: buffered pwrite64 fd 4 0x100000+0x100000") })
        }
    }
}
