import Foundation
import Testing
@testable import DioscopeCore

/// Inputs the fuzzers (Fuzz/, `make fuzz`) crashed on, kept as regression
/// tests: each must now be read and analyzed without trapping, with the
/// damage reported and the verdict never clean. Plus the bounds that fixed
/// them (EventPlausibility) and the in-memory reader the fuzzers use.
@Suite struct FuzzRegressionTests {
    static func fixture(_ name: String) throws -> [UInt8] {
        let dot = name.lastIndex(of: ".")!
        guard let url = Bundle.module.url(forResource: String(name[..<dot]),
                                          withExtension: String(name[name.index(after: dot)...]),
                                          subdirectory: "Fixtures/fuzz-regressions") else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: name])
        }
        return Array(try Data(contentsOf: url))
    }

    /// Reads and analyzes a dioscope trace held in memory, as the fuzzer does.
    static func analyzeTrace(_ bytes: [UInt8]) throws -> (AnalysisResult, SourceSummary) {
        var reader = try bytes.withUnsafeBytes { try TraceReader(bytes: $0, name: "regression") }
        return try Analyzer.analyze(&reader)
    }

    /// trace-reader: an xfs_unwritten_convert record with count 2^63+ made the
    /// analyzer trap converting it to Int64 (AnalysisEngine.xfs).
    @Test func xfsRecordWithAnImpossibleCount() throws {
        let bytes = try Self.fixture("trace-reader-xfs-count-overflow.dscope")
        let (result, summary) = try Self.analyzeTrace(bytes)
        #expect(summary.damaged)
        #expect(summary.problems.contains { $0.message.contains("implausible value in field xfs.") && $0.position.hasPrefix("byte ") },
                "\(summary.problems)")
        #expect(result.verdict != .clean)
        #expect(result.exitStatus(sourceDamaged: summary.damaged) == .badInput)
    }

    /// Every input the fuzzers ever crashed on goes through what the fuzz target does,
    /// without trapping: read (every path), analyze, report, export; never clean if incomplete.
    @Test(arguments: [
        "trace-reader-xfs-count-overflow.dscope",    // Int64(count) in AnalysisEngine.xfs
        "trace-reader-duration-overflow.dscope",     // formatDuration: ns * 1000 overflowed (a span of > 200 days)
        "trace-reader-timestamp-overflow.dscope",    // ts_ns near 2^64: lastTs + stale-check interval overflowed
        "trace-reader-sector-overflow.dscope",       // (sector + nr_sector) << 9 in bioQueue
        "ftrace-cpu-number-overflow.trace",          // "[0017777…]" overflowed the cpu number
        "ftrace-entries-written-overflow.trace",     // two "entries-written" headers: the lost sum overflowed
    ])
    func everyCrashInputIsHandled(name: String) throws {
        let bytes = try Self.fixture(name)
        let result: AnalysisResult
        let summary: SourceSummary
        if name.hasPrefix("trace-reader") {
            var reader = try bytes.withUnsafeBytes { try TraceReader(bytes: $0, name: name) }
            var events: [Event] = []
            let s1 = try reader.forEachEvent { events.append($0) }
            for e in events { _ = EventFormatter.text(e) + EventFormatter.json(e) }
            _ = TraceHeaderFormatter.lines(path: name, fileSize: bytes.count, metadata: reader.metadata, footer: reader.footer)
            (result, summary) = try Analyzer.analyze(&reader)
            #expect(s1 == summary)
        } else {
            var memory = FtraceImporter(bytes: bytes)
            (result, summary) = try Analyzer.analyze(&memory)
        }
        let report = AnalysisReport.text(result, timelines: true)
        #expect(report.contains("Verdict: "))
        #expect(!PerfettoExporter.encode(result).isEmpty)
        if !summary.isComplete { #expect(result.verdict != .clean, "\(name): incomplete but clean") }
        if summary.damaged { #expect(result.exitStatus(sourceDamaged: true) == .badInput) }
    }

    @Test func recordsOutsideTheKernelsBoundsAreDamageNotEvents() throws {
        func decode(_ e: Event) -> RecordDecodeError? {
            do { _ = try RecordCodec.decode(RecordCodec.encode(e)); return nil } catch { return error }
        }
        let huge = UInt64(1) << 63
        #expect(decode(Event(timestamp: 1, payload: .dioBegin(DIOBegin(pos: 0, count: huge, isize: 0, kiFlags: [], api: .sync))))
            == RecordDecodeError(reason: .implausible("dio_begin.count")))
        #expect(decode(Event(timestamp: 1, payload: .xfs(.unwrittenConvert, XFSIO(isize: 0, disize: 0, offset: .max, count: 1))))
            == RecordDecodeError(reason: .implausible("xfs.offset")))
        #expect(decode(Event(timestamp: 1, payload: .iomapDstmap(IomapMapping(addr: 0, offset: 0, length: 4096, type: .mapped,
                                                                                flags: [], bdev: DeviceNumber(raw: 0), blkbits: 64))))
            == RecordDecodeError(reason: .implausible("iomap.blkbits")))
        #expect(decode(Event(timestamp: 1, payload: .lost(Lost(dropped: .max, sinceNs: 0, probe: 0))))
            == RecordDecodeError(reason: .implausible("lost.dropped")))
        #expect(decode(Event(timestamp: .max - 5, payload: .lost(Lost(dropped: 1, sinceNs: 0, probe: 0))))
            == RecordDecodeError(reason: .implausible("ts_ns")))
        #expect(decode(Event(timestamp: 1, payload: .block(.bioQueue, BlockIO(sector: .max - 3, nrSector: 8, op: .write))))
            == RecordDecodeError(reason: .implausible("block.sector")))
        // what real kernels record stays accepted: a flush at sector -1, a hole at address -1, -1 sentinels
        #expect(decode(Event(timestamp: 1, payload: .block(.rqIssue, BlockIO(sector: .max, nrSector: 0, op: .flush)))) == nil)
        let hole = IomapMapping(addr: .max, offset: 1 << 40, length: 1 << 30, type: .hole, flags: [],
                                bdev: DeviceNumber(raw: 0), blkbits: 16)
        #expect(decode(Event(timestamp: 1, payload: .iomapDstmap(hole))) == nil)
        #expect(decode(Event(timestamp: 1, payload: .sysExit(SysExit(sysno: .pwrite64, fd: 3, ret: -28, isize: -1,
                                                                       enterTimestamp: 0)))) == nil)
        #expect(decode(Event(timestamp: 1, payload: .dioBegin(DIOBegin(pos: (1 << 62) - 4096, count: 4096, isize: -1,
                                                                       kiFlags: [], api: .sync)))) == nil)
    }

    @Test func ftraceLinesOutsideTheKernelsBoundsAreMalformed() throws {
        // a 2^64-1 lost count used to overflow the drop total; an offset of 2^63-1 the analyzer
        let text = """
            # tracer: nop
                 fio-100 [000] ..... 1.000000: iomap_dio_rw_begin: dev 7:0 ino 0x10 size 0x0 offset 0x7fffffffffffffff length 0x1000 done_before 0x0 flags DIRECT|WRITE dio_flags  aio 1
            CPU:0 [LOST 18446744073709551615 EVENTS]
            CPU:0 [LOST 18446744073709551615 EVENTS]
                 fio-100 [000] ..... 1.000002: iomap_dio_rw_begin: dev 7:0 ino 0x10 size 0x0 offset 0x0 length 0x1000 done_before 0x0 flags DIRECT|WRITE dio_flags  aio 1

            """
        var importer = FtraceImporter(text: text)
        let (result, summary) = try Analyzer.analyze(&importer)
        #expect(summary.damaged)
        #expect(summary.problems.contains { $0.position == "line 2" && $0.message.contains("implausible value in dio_begin.pos") },
                "\(summary.problems)")
        #expect(summary.dropped == EventPlausibility.maxDropped)
        #expect(result.verdict == .inconclusive)
    }

    @Test func theInMemoryReaderMatchesTheFileReader() throws {
        let dir = try TraceFileFixtures.scratchDirectory()
        defer { TraceFileFixtures.cleanup(dir) }
        let path = dir + "/m.dsc"
        try TraceFileFixtures.writeNumbered(path, count: 40, perChunk: 7)
        var bytes = try TraceFileFixtures.bytes(path)
        bytes[try TraceFileFixtures.chunkOffsets(path)[2] + 60] ^= 0x40  // chunk 2 damaged
        bytes.removeLast(5)  // trailer cut
        for verify in [true, false] {
            var fromMemory = try bytes.withUnsafeBytes { try TraceReader(bytes: $0, name: path, verifyChecksums: verify) }
            try TraceFileFixtures.write(bytes, to: path)
            var fromFile = try TraceReader(path: path, verifyChecksums: verify)
            var a: [Event] = [], b: [Event] = []
            let sa = try fromMemory.forEachEvent { a.append($0) }
            let sb = try fromFile.forEachEvent { b.append($0) }
            #expect(a == b && sa == sb)
            #expect(verify ? (sa.damaged && a.count == 33) : a.count == 40)
        }
        #expect(throws: TraceFileError.emptyFile(path: "<memory>")) { try [UInt8]().withUnsafeBytes { try TraceReader(bytes: $0) } }
    }

    @Test func footerDropCountsNearTheLimitDoNotOverflow() throws {
        let footer = TraceFooter(endReason: .completed, endTimestamp: 1, probes: [
            .init(name: "a", id: 0, events: 0, drops: .max), .init(name: "b", id: 1, events: 0, drops: .max),
        ], unattributedDrops: .max)
        #expect(footer.totalDrops == .max)
        let dir = try TraceFileFixtures.scratchDirectory()
        defer { TraceFileFixtures.cleanup(dir) }
        let path = dir + "/drops.dsc"
        try TraceFileFixtures.writeNumbered(path, count: 3, perChunk: 3, footer: footer)
        let (_, s, _) = try TraceFileFixtures.readAll(path)
        #expect(s.dropped == .max && !s.isComplete)
    }
}
