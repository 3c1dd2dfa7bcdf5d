import Foundation
import Testing
@testable import DioscopeCore

@Suite struct TraceFileWriterTests {
    typealias Fx = TraceFileFixtures

    @Test func countersFlushAndChunkBoundaries() throws {
        let dir = try Fx.scratchDirectory()
        defer { Fx.cleanup(dir) }
        let path = dir + "/w.dsc"
        let w = try TraceWriter(path: path, metadata: Fx.metadata(), recordsPerChunk: 4)
        w.maxChunkAge = nil
        #expect(w.bytesWritten > 64 && w.bytesWritten % 8 == 0)
        for i in 0..<3 { try w.append(Fx.numbered(i)) }
        #expect(w.pendingRecords == 3 && w.chunksWritten == 0)
        try w.flush()  // a short chunk
        #expect(w.pendingRecords == 0 && w.chunksWritten == 1)
        try w.flush()  // nothing buffered: no empty chunk
        #expect(w.chunksWritten == 1)
        for i in 3..<12 { try w.append(Fx.numbered(i)) }
        #expect(w.chunksWritten == 3 && w.pendingRecords == 1 && w.recordsWritten == 12)
        try w.sync()
        #expect(w.chunksWritten == 4)
        let footer = try w.finish(footer: Fx.footer())
        #expect(footer.totalRecords == 12 && footer.chunkCount == 4)
        let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as! Int
        #expect(UInt64(size) == w.bytesWritten)

        var counts: [Int] = []
        var r = try TraceReader(path: path)
        _ = try r.forEachChunk { _, info in counts.append(info.recordCount) }
        #expect(counts == [3, 4, 4, 1])
        let (events, s, _) = try Fx.readAll(path)
        #expect(events.map(\.ino) == (0..<12).map(UInt64.init))
        #expect(s.isComplete)
    }

    @Test func oldBufferedRecordsAreWrittenOnAppend() throws {
        let dir = try Fx.scratchDirectory()
        defer { Fx.cleanup(dir) }
        let w = try TraceWriter(path: dir + "/age.dsc", metadata: TraceMetadata(), recordsPerChunk: 100)
        #expect(w.maxChunkAge == 1_000_000_000)
        let rec = RecordCodec.encode(Fx.numbered(1))
        try rec.withUnsafeBytes { try w.append(records: $0) }
        #expect(w.chunksWritten == 0 && w.pendingRecords == 1)  // young: stays buffered
        w.maxChunkAge = 0
        try rec.withUnsafeBytes { try w.append(records: $0) }
        #expect(w.chunksWritten == 1 && w.pendingRecords == 0)
        try w.append(Fx.numbered(2))
        #expect(w.chunksWritten == 2 && w.pendingRecords == 0)
        w.maxChunkAge = nil
        try w.append(Fx.numbered(3))
        #expect(w.chunksWritten == 2 && w.pendingRecords == 1)
        // the age is measured from the first buffered record
        w.maxChunkAge = 50_000_000
        usleep(80_000)
        try w.append(Fx.numbered(4))
        for i in 5..<64 + 5 { try w.append(Fx.numbered(i)) }  // the clock is read every 64 single events
        #expect(w.chunksWritten == 3)
    }

    @Test func chunkTimestampsAreMinAndMax() throws {
        let dir = try Fx.scratchDirectory()
        defer { Fx.cleanup(dir) }
        let path = dir + "/ts.dsc"
        let w = try TraceWriter(path: path, metadata: TraceMetadata(), recordsPerChunk: 3)
        w.maxChunkAge = nil
        for ts: UInt64 in [50, 10, 30, 7, 9, 8] {
            try w.append(Event(timestamp: ts, payload: .dioQueued(DIOQueued(offset: 0, length: 0, isize: 0))))
        }
        try w.finish(footer: Fx.footer())
        var r = try TraceReader(path: path)
        var spans: [ClosedRange<UInt64>] = []
        let s = try r.forEachChunk { _, info in spans.append(info.minTimestamp...info.maxTimestamp) }
        #expect(spans == [10...50, 7...9])
        #expect(s.firstTimestamp == 7 && s.lastTimestamp == 50)
    }

    @Test func hostMetadataIsFilledIn() throws {
        let m = TraceMetadata.forThisHost(toolVersion: "9.9", commandLine: ["dioscope", "record"])
        var u = utsname()
        uname(&u)
        let release = withUnsafeBytes(of: &u.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        #expect(m.kernelRelease == release && !release.isEmpty)
        #expect(!m.hostname.isEmpty && !m.machine.isEmpty)
        #expect(m.cpuCount >= 1)
        #expect(m.clock == "CLOCK_MONOTONIC")
        // realtime − monotonic is "now" minus the uptime: after 2020, before the uptime exceeds it
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let nowNs = Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
        #expect(m.monotonicToRealtimeNs > 1_577_836_800 * 1_000_000_000 && m.monotonicToRealtimeNs <= nowNs)
        #expect(m.monotonicToBoottimeNs >= -1_000_000)  // boottime ≥ monotonic (± sampling)
        #expect(m.startTimestamp > 0)
        #expect(m.commandLine == ["dioscope", "record"] && m.toolVersion == "9.9")
    }

    @Test func metadataAndFooterDecodeWithMissingAndUnknownKeys() throws {
        let m = try JSONDecoder().decode(TraceMetadata.self, from: Data(#"""
            {"toolVersion":"2.0","futureKey":{"x":1},"probes":[{"name":"p","id":3,"method":"fentry","reason":null}]}
            """#.utf8))
        #expect(m.toolVersion == "2.0" && m.kernelRelease == "" && m.clock == "CLOCK_MONOTONIC")
        #expect(m.probes == [TraceMetadata.ProbeInfo(name: "p", id: 3, method: TraceMetadata.AttachMethod(rawValue: "fentry"))])
        let f = try JSONDecoder().decode(TraceFooter.self, from: Data(#"{"endReason":"oom","newField":true}"#.utf8))
        #expect(f.endReason.rawValue == "oom" && f.totalRecords == 0 && f.probes.isEmpty && f.totalDrops == 0)
    }

    @Test func withoutPayloadChecksumsDamageInsideRecordsGoesUnnoticedButHeadersStillCount() throws {
        let dir = try Fx.scratchDirectory()
        defer { Fx.cleanup(dir) }
        let path = dir + "/nv.dsc"
        try Fx.writeNumbered(path, count: 9, perChunk: 3)
        let offsets = try Fx.chunkOffsets(path)
        var b = try Fx.bytes(path)
        b[offsets[1] + TraceFileFormat.chunkHeaderSize + RecordLayout.ino] ^= 0x40  // an inode number
        try Fx.write(b, to: path)
        var fast = try TraceReader(path: path, verifyChecksums: false)
        var inos: [UInt64] = []
        let s = try fast.forEachEvent { inos.append($0.ino) }
        #expect(inos == [0, 1, 2, 3 ^ 0x40, 4, 5, 6, 7, 8])
        #expect(s.problems.isEmpty)
        // with checksums (the default) the chunk is rejected
        let (events, s2, _) = try Fx.readAll(path)
        #expect(events.map(\.ino) == [0, 1, 2, 6, 7, 8] && s2.damaged)
        // header damage is caught either way
        b[offsets[2] + TraceFileFormat.chSequence] ^= 0x01
        try Fx.write(b, to: path)
        var fast2 = try TraceReader(path: path, verifyChecksums: false)
        let s3 = try fast2.forEachRecord { _ in }
        #expect(s3.eventsRead == 6 && s3.damaged)
    }
}
