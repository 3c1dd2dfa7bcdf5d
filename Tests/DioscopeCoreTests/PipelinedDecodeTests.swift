import Foundation
import Testing
@testable import DioscopeCore

/// `forEachEventPipelined` (decoding on a second thread) must be
/// indistinguishable from `forEachEvent`: same events in the same order,
/// same summary, same footer, same errors.
@Suite struct PipelinedDecodeTests {
    typealias Fx = TraceFileFixtures

    struct Read: Equatable {
        var events: [Event]
        var summary: SourceSummary
        var footer: TraceFooter?
    }

    static func sequential(_ open: () throws -> TraceReader) throws -> Read {
        var r = try open()
        var events: [Event] = []
        let s = try r.forEachEvent { events.append($0) }
        return Read(events: events, summary: s, footer: r.footer)
    }

    /// Small batches and few buffers make the two threads wait on each other often.
    static func pipelined(_ open: () throws -> TraceReader, batchSize: Int, buffers: Int) throws -> Read {
        var r = try open()
        var events: [Event] = []
        let s = try r.forEachEventPipelined(batchSize: batchSize, buffers: buffers) { events.append($0) }
        return Read(events: events, summary: s, footer: r.footer)
    }

    /// Reads `open()` sequentially and pipelined with several batch shapes; all must agree.
    @discardableResult
    static func expectSame(_ open: () throws -> TraceReader, _ what: String) throws -> Read {
        let reference = try sequential(open)
        for (batchSize, buffers) in [(1, 2), (7, 2), (1000, 3), (4096, 4), (DecodePipeline.batchSize, DecodePipeline.buffers)] {
            let p = try pipelined(open, batchSize: batchSize, buffers: buffers)
            #expect(p.events.count == reference.events.count, "\(what), batches of \(batchSize)")
            #expect(Self.firstDifference(p.events, reference.events) == nil, "\(what), batches of \(batchSize)")
            #expect(p.summary == reference.summary, "\(what), batches of \(batchSize)")
            #expect(p.footer == reference.footer, "\(what), batches of \(batchSize)")
        }
        return reference
    }

    /// Where two event sequences first differ (a short failure message, not two arrays).
    static func firstDifference(_ a: [Event], _ b: [Event]) -> Int? {
        if let i = (0..<Swift.min(a.count, b.count)).first(where: { a[$0] != b[$0] }) { return i }
        return a.count == b.count ? nil : Swift.min(a.count, b.count)
    }

    static let count = 20_000
    static let perChunk = 1000

    func makeFile(_ dir: String) throws -> (String, [UInt8]) {
        let path = dir + "/multi.dsc"
        try Fx.writeNumbered(path, count: Self.count, perChunk: Self.perChunk)
        return (path, try Fx.bytes(path))
    }

    @Test func multiChunkFileIsReadIdentically() throws {
        let dir = try Fx.scratchDirectory()
        defer { Fx.cleanup(dir) }
        let (path, _) = try makeFile(dir)
        let r = try Self.expectSame({ try TraceReader(path: path) }, "whole file")
        #expect(r.events.map(\.ino).elementsEqual(0..<UInt64(Self.count)))
        #expect(r.summary.isComplete && r.summary.problems.isEmpty && r.footer != nil)
    }

    @Test func truncatedFileIsReadIdentically() throws {
        let dir = try Fx.scratchDirectory()
        defer { Fx.cleanup(dir) }
        let (path, bytes) = try makeFile(dir)
        let offsets = try Fx.chunkOffsets(path)
        let cutPath = dir + "/cut.dsc"
        // inside chunk 11's payload, at its header, and one byte into the footer
        let footerStart = offsets.last! + TraceFileFormat.chunkHeaderSize + Self.perChunk * RecordLayout.recordSize
        for cut in [offsets[11] + 100, offsets[11], footerStart + 1] {
            try Fx.write(Array(bytes[0..<cut]), to: cutPath)
            let r = try Self.expectSame({ try TraceReader(path: cutPath) }, "cut at \(cut)")
            #expect(r.summary.truncated && r.footer == nil, "cut at \(cut)")
            #expect(r.events.count == (cut == footerStart + 1 ? Self.count : 11 * Self.perChunk), "cut at \(cut)")
        }
    }

    @Test func damagedChunkInTheMiddleIsReadIdentically() throws {
        let dir = try Fx.scratchDirectory()
        defer { Fx.cleanup(dir) }
        // record 15 000 (chunk 15) has an unknown type: skipped and reported, its chunk intact
        let path = dir + "/unknown.dsc"
        var raw: [UInt8] = []
        raw.reserveCapacity(Self.count * RecordLayout.recordSize)
        for i in 0..<Self.count { raw += RecordCodec.encode(Fx.numbered(i)) }
        raw[15_000 * RecordLayout.recordSize + RecordLayout.type] = 99
        let w = try TraceWriter(path: path, metadata: Fx.metadata(), recordsPerChunk: Self.perChunk)
        w.maxChunkAge = nil
        try raw.withUnsafeBytes { try w.append(records: $0) }
        try w.finish(footer: Fx.footer())
        let offsets = try Fx.chunkOffsets(path)
        var b = try Fx.bytes(path)
        b[offsets[9] + TraceFileFormat.chunkHeaderSize + 5000] ^= 0x40  // chunk 9's payload checksum fails
        b[offsets[13] + 3] ^= 0x01  // chunk 13's magic: resync on chunk 14
        let damaged = dir + "/damaged.dsc"
        try Fx.write(b, to: damaged)
        let r = try Self.expectSame({ try TraceReader(path: damaged) }, "damaged")
        #expect(r.summary.damaged && !r.summary.truncated && r.footer != nil)
        // chunk 9's checksum, chunk 13's magic, chunk 13 missing, the record in chunk 15
        #expect(r.summary.problems.count == 4, "\(r.summary.problems)")
        #expect(r.events.count == Self.count - 2 * Self.perChunk - 1)
        #expect(!r.events.contains { $0.ino == 15_000 || $0.ino == 9_500 || $0.ino == 13_500 })
        // the same in memory (the fuzzers' reader)
        try b.withUnsafeBytes { raw in
            _ = try Self.expectSame({ try TraceReader(bytes: raw, name: "damaged") }, "damaged, in memory")
        }
    }

    @Test func fuzzRegressionInputsAreReadIdentically() throws {
        for name in ["trace-reader-xfs-count-overflow.dscope", "trace-reader-duration-overflow.dscope",
                     "trace-reader-timestamp-overflow.dscope", "trace-reader-sector-overflow.dscope"] {
            let bytes = try FuzzRegressionTests.fixture(name)
            try bytes.withUnsafeBytes { raw in
                let r = try Self.expectSame({ try TraceReader(bytes: raw, name: name) }, name)
                #expect(r.summary.damaged, "\(name)")
            }
        }
    }

    struct Stop: Error, Equatable { var at: Int }

    /// The consumer's error stops the decoding thread and is rethrown after
    /// exactly the events a sequential read delivers; the reader can be used again.
    @Test func consumerErrorStopsTheDecoderAndIsRethrown() throws {
        let dir = try Fx.scratchDirectory()
        defer { Fx.cleanup(dir) }
        let (path, _) = try makeFile(dir)
        for stopAt in [0, 1, 4095, 4096, 12_345, Self.count - 1] {
            var seen: [UInt64] = []
            var r = try TraceReader(path: path)
            #expect(throws: Stop(at: stopAt)) {
                _ = try r.forEachEventPipelined(batchSize: 4096, buffers: 2) { e in
                    seen.append(e.ino)
                    if seen.count == stopAt + 1 { throw Stop(at: stopAt) }
                }
            }
            #expect(seen.count == stopAt + 1 && seen.elementsEqual(0...UInt64(stopAt)), "stop at \(stopAt)")
            #expect(r.footer != nil)  // set when opening, untouched by the aborted scan
            var n = 0
            let s = try r.forEachEventPipelined { _ in n += 1 }
            #expect(n == Self.count && s.isComplete)
        }
    }

    /// Reordering on the decoding thread (what `analyze` uses) releases the same events in the
    /// same order, with the same count of late ones, as reordering on the calling thread. The
    /// file's timestamps jitter within the window (reordered) and a few jump back beyond it (late).
    @Test func reorderingOnTheDecodingThreadMatchesTheCallingThread() throws {
        let dir = try Fx.scratchDirectory()
        defer { Fx.cleanup(dir) }
        let path = dir + "/jitter.dsc"
        let w = try TraceWriter(path: path, metadata: Fx.metadata(), recordsPerChunk: 500)
        w.maxChunkAge = nil
        var rng = SystemRandomNumberGenerator()
        for i in 0..<Self.count {
            var e = Fx.numbered(i)
            e.timestamp = 1_000_000 + UInt64(i) * 100 + UInt64.random(in: 0..<2_000, using: &rng)
            if i % 1_000 == 999 { e.timestamp -= 50_000 }  // older than the window: released late
            try w.append(e)
        }
        _ = try w.finish(footer: Fx.footer())
        let window: UInt64 = 10_000, maxEvents = 100_000

        var reader = try TraceReader(path: path)
        var reference: [Event] = []
        let (rs, rLate) = try reader.forEachEventInTimeOrder(windowNs: window, maxEvents: maxEvents) { reference.append($0) }
        #expect(reference.count == Self.count && rs.isComplete)
        // The check means something: the file is out of order, the reference mostly in order.
        var arrival: [UInt64] = []
        var plain = try TraceReader(path: path)
        _ = try plain.forEachEvent { arrival.append($0.timestamp) }
        #expect(arrival != arrival.sorted())
        #expect(rLate == UInt64(Self.count / 1_000), "the events stamped back beyond the window")
        let inversions = zip(reference, reference.dropFirst()).filter { $0.timestamp > $1.timestamp }.count
        #expect(inversions <= Int(rLate))

        for (batchSize, buffers) in [(1, 2), (7, 2), (1000, 3), (4096, 4), (DecodePipeline.batchSize, DecodePipeline.buffers)] {
            var r = try TraceReader(path: path)
            var got: [Event] = []
            let (s, late) = try r.forEachEventPipelined(batchSize: batchSize, buffers: buffers,
                                                        timeOrder: (window, maxEvents)) {
                got.append($0)
            }
            #expect(Self.firstDifference(got, reference) == nil, "batches of \(batchSize)")
            #expect(late == rLate && s == rs, "batches of \(batchSize)")
        }

        // `analyze` reports the late events either way.
        var results: [AnalysisResult] = []
        for pipelined in [false, true] {
            var input = try TraceInput(path: path)
            input.pipelinedDecode = pipelined
            var options = AnalysisOptions()
            options.reorderWindowNs = window
            results.append(try Analyzer.analyze(&input, options: options).0)
        }
        #expect(results[0] == results[1])
        #expect(results[0].sourceProblems.contains { $0.contains("\(rLate) events arrived later") })
    }

    /// The analysis entry point the CLI uses gives the same result either way.
    @Test func traceInputAnalyzesIdenticallyBothWays() throws {
        let dir = try Fx.scratchDirectory()
        defer { Fx.cleanup(dir) }
        let (path, _) = try makeFile(dir)
        var sequential = try TraceInput(path: path)
        sequential.pipelinedDecode = false
        var pipelined = try TraceInput(path: path)
        pipelined.pipelinedDecode = true
        let (a, sa) = try Analyzer.analyze(&sequential)
        let (b, sb) = try Analyzer.analyze(&pipelined)
        #expect(sa == sb && sa.eventsRead == UInt64(Self.count))
        #expect(a == b)
        #expect(try JSONExporter.encode(a, source: sa) == JSONExporter.encode(b, source: sb))
    }
}
