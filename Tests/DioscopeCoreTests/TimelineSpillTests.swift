import Foundation
import Testing
@testable import DioscopeCore

#if canImport(Glibc)
import Glibc
#endif

/// Exports from a spill (``TimelineSpill``: every timeline written to a temporary file as it is
/// emitted) are those from every timeline kept in memory: the same timelines, statuses, order
/// and bytes, with lost windows reported late, with a damaged or lossy source, and filtered.
@Suite struct TimelineSpillTests {
    /// How a bundled trace is varied to exercise the end-of-trace marks.
    enum Variant: CaseIterable {
        /// As recorded.
        case plain
        /// A LOST record at the end covering the middle of the trace: a lost window reported
        /// after the I/Os in it were emitted.
        case lateLostWindow
        /// The source says it dropped events (without saying when).
        case dropped
        /// The source says it was damaged.
        case damaged
    }

    static func events(_ path: String) throws -> [Event] {
        var input = try TraceInput(path: path)
        var out: [Event] = []
        _ = try input.forEachEventInTimeOrder(windowNs: 0, maxEvents: 1 << 20) { out.append($0) }
        return out
    }

    /// The analysis of `events` under `variant`, with every timeline kept in memory (nil spill)
    /// or spilled.
    static func analyze(_ events: [Event], _ variant: Variant, spill: TimelineSpill?) -> AnalysisResult {
        let a = Analyzer(options: AnalysisOptions())
        if let spill { a.spill(into: spill) }
        for e in events { a.consume(e) }
        var summary = SourceSummary(format: "test")
        switch variant {
        case .plain: break
        case .lateLostWindow:
            if let first = events.first?.timestamp, let last = events.last?.timestamp, last > first {
                let mid = first + (last - first) / 2
                a.consume(Event(timestamp: last + 1, payload: .lost(Lost(dropped: 3, sinceNs: mid))))
            }
        case .dropped: summary.dropped = 5
        case .damaged: summary.damaged = true
        }
        return a.finish(summary: summary)
    }

    static func collect(_ t: ExportTimelines, _ order: TimelineSpill.Order = .id) throws -> [IOTimeline] {
        var out: [IOTimeline] = []
        try t.forEach(order: order) { out.append($0) }
        return out
    }

    /// Every bundled trace, each variant: the spill reads back exactly the kept timelines, in id
    /// and in submission order, and every export and report is byte-identical.
    @Test func spilledExportsEqualKeptOnes() throws {
        let paths = TimelineJSONTests.bundledTraces
        #expect(paths.count >= 20)
        var marked = 0, timelines = 0
        for path in paths {
            let events = try Self.events(path)
            for variant in Variant.allCases {
                let what = "\((path as NSString).lastPathComponent) \(variant)"
                let kept = Self.analyze(events, variant, spill: nil)
                let spill = try TimelineSpill()
                let spilled = Self.analyze(events, variant, spill: spill)
                let source = ExportTimelines(spill: spill)
                #expect(spill.count == kept.timelines.count, "\(what)")

                let back = try Self.collect(source)
                #expect(back == kept.timelines, "\(what)")
                let bySubmission = kept.timelines.sorted { ($0.submittedAt, $0.id) < ($1.submittedAt, $1.id) }
                #expect(try Self.collect(source, .submission) == bySubmission, "\(what)")
                timelines += back.count
                marked += back.filter { $0.status == .inconclusive }.count

                // Everything but the timelines is the analysis's own: equal whichever way.
                var a = kept, b = spilled
                a.timelines = []
                b.timelines = []
                #expect(a == b, "\(what)")

                let summary = SourceSummary(format: "test")
                func json(_ r: AnalysisResult, _ t: ExportTimelines?) throws -> Data {
                    var d = Data()
                    try JSONExporter.write(r, source: summary, timelines: t) { d.append($0) }
                    return d
                }
                func perfetto(_ r: AnalysisResult, _ t: ExportTimelines?) throws -> Data {
                    var d = Data()
                    try PerfettoExporter.write(r, timelines: t) { d.append($0) }
                    return d
                }
                func report(_ r: AnalysisResult, _ t: ExportTimelines?) throws -> String {
                    var s = ""
                    try AnalysisReport.write(r, timelines: true, source: t) { s += $0 }
                    return s
                }
                #expect(try json(spilled, source) == json(kept, nil), "\(what)")
                #expect(try perfetto(spilled, source) == perfetto(kept, nil), "\(what)")
                #expect(try report(spilled, source) == report(kept, nil), "\(what)")
            }
        }
        // the variants did mark timelines emitted complete (else the marks went untested)
        #expect(timelines > 100 && marked > timelines / 4, "\(marked) of \(timelines)")
    }

    /// A filtered view of a spill shows the timelines the filter shows of kept ones.
    @Test func filteredSpillEqualsFilteredKeptTimelines() throws {
        var compared = 0
        for path in TimelineJSONTests.bundledTraces {
            let events = try Self.events(path)
            let kept = Self.analyze(events, .plain, spill: nil)
            let spill = try TimelineSpill()
            let spilled = Self.analyze(events, .plain, spill: spill)
            guard let some = kept.timelines.first else { continue }
            let mid = kept.timelines[kept.timelines.count / 2].submittedAt
            let filters = [AnalysisFilter(pid: some.tgid), AnalysisFilter(ino: some.ino, since: mid),
                           AnalysisFilter(kind: .completionBeforeConversion),
                           AnalysisFilter(pid: some.tid, until: mid)]
            for f in filters {
                let shownKept = f.apply(to: kept)
                let shownSpilled = f.apply(to: spilled)
                #expect(shownSpilled.findings == shownKept.findings)
                let back = try Self.collect(ExportTimelines(spill: spill, where: f.timelineFilter(shownFindings: shownSpilled.findings)))
                #expect(back == shownKept.timelines, "\(path) \(f)")
                compared += back.count
            }
        }
        #expect(compared > 100)
    }

    /// The inconclusive I/Os the text report lists come from the spill: the first fifty in id
    /// order, the others counted.
    @Test func inconclusiveListReadFromTheSpill() throws {
        // the largest bundled trace, with a lost window over its second half
        let path = try #require(TimelineJSONTests.bundledTraces.max {
            (try? FileManager.default.attributesOfItem(atPath: $0)[.size] as? Int) ?? 0
                < (try? FileManager.default.attributesOfItem(atPath: $1)[.size] as? Int) ?? 0
        })
        let events = try Self.events(path)
        let kept = Self.analyze(events, .lateLostWindow, spill: nil)
        let spill = try TimelineSpill()
        _ = Self.analyze(events, .lateLostWindow, spill: spill)
        let expected = kept.timelines.filter { $0.status == .inconclusive }
        #expect(!expected.isEmpty)
        let got = try ExportTimelines(spill: spill).inconclusive(limit: 50)
        #expect(got.first == Array(expected.prefix(50)))
        #expect(got.total == min(expected.count, 50))
        #expect(try spill.inconclusive(limit: 0).isEmpty)
    }

    /// Records larger than the read window and than their index entry can give the length of
    /// (8 MiB), and many records across windows, read back whole.
    @Test func largeAndManyRecordsReadBack() throws {
        var g = TimelineJSONTests.Generator(state: 7)
        let spill = try TimelineSpill()
        var written: [IOTimeline] = []
        var big = TimelineJSONTests.generated(&g, full: true)
        big.id = 0
        // entries of large, varying values: about 40 bytes each encoded, 10 MB in all
        big.entries = (0..<250_000).map { _ in
            TimelineEntry(timestamp: g.next(), step: .mapping, tid: UInt32(truncatingIfNeeded: g.next()), cpu: 3,
                          offset: Int64(bitPattern: g.next()), length: g.next(), value: Int64(bitPattern: g.next()))
        }
        spill.append(big)
        #expect(spill.recordBytes > 8 << 20)
        written.append(big)
        for i in 1...20_000 {
            var t = TimelineJSONTests.generated(&g, full: i % 2 == 0)
            t.id = UInt64(i)
            t.status = .complete
            spill.append(t)
            written.append(t)
        }
        #expect(spill.recordBytes > UInt64(2 * PrivateFile.pieceBytes))
        let back = try Self.collect(ExportTimelines(spill: spill))
        #expect(back.count == written.count)
        #expect(back == written)
    }

    /// A spill directory that does not exist, or a file that cannot be written, is an error
    /// that names the directory and says what to do; nothing is silently dropped.
    @Test func failuresAreReported() throws {
        #expect {
            _ = try TimelineSpill(directory: "/nonexistent-dioscope-dir")
        } throws: { e in
            let text = "\(e)"
            return e is SpillError && text.contains("/nonexistent-dioscope-dir") && text.contains("TMPDIR")
        }
        // A file opened read-only: every write fails.
        let fd = open("/dev/null", O_RDONLY)
        #expect(fd >= 0)
        let spill = TimelineSpill(fd: fd, directory: "/dev")
        var g = TimelineJSONTests.Generator(state: 3)
        for _ in 0..<20_000 { spill.append(TimelineJSONTests.generated(&g, full: true)) }
        #expect(throws: SpillError.self) { try spill.finishWriting() }
        #expect(throws: SpillError.self) { try spill.forEach(order: .id) { _ in } }
    }
}
