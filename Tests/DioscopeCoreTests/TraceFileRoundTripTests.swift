import Foundation
import Testing
@testable import DioscopeCore

@Suite struct TraceFileRoundTripTests {
    @Test func crc32cMatchesKnownVectors() {
        #expect(CRC32C.checksum("123456789") == 0xE306_9283)
        #expect(CRC32C.checksum([UInt8]()) == 0)
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        #expect(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
        #expect(CRC32C.checksum(Array(UInt8(0)...UInt8(31))) == 0x46DD_794E)
        // incremental == one-shot, at every split point (exercises the byte tail)
        let data = (0..<301).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }
        let whole = CRC32C.checksum(data)
        data.withUnsafeBytes { b in
            for split in 0...data.count {
                let a = CRC32C.update(0, b.baseAddress!, count: split)
                #expect(CRC32C.update(a, b.baseAddress! + split, count: data.count - split) == whole)
            }
        }
    }

    /// Bit-at-a-time reference, straight from the definition.
    static func referenceCRC32C(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in bytes {
            c ^= UInt32(b)
            for _ in 0..<8 { c = c & 1 != 0 ? (c >> 1) ^ 0x82F6_3B78 : c >> 1 }
        }
        return ~c
    }

    @Test func crc32cFastPathsMatchTheReference() {
        var rng: UInt64 = 0x1234_5678
        let data = (0..<70_001).map { _ -> UInt8 in
            rng = rng &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: rng >> 33)
        }
        let threshold = CRC32C.parallelThreshold
        for n in [0, 1, 15, 16, 17, 100, threshold - 1, threshold, threshold + 1, threshold + 7, 9_999, 393_216 / 8, 70_001] {
            let slice = Array(data[0..<n])
            let ref = Self.referenceCRC32C(slice)
            #expect(CRC32C.checksum(slice) == ref, "length \(n)")
            slice.withUnsafeBytes { b in
                guard let p = b.baseAddress else { return }
                #expect(CRC32C.sliceBy16(0, p, count: n) == ref, "slice-by-16, length \(n)")
                if n >= 64 { #expect(CRC32C.fourStreams(0, p, count: n) == ref, "four streams, length \(n)") }
                // continuing from a previous CRC
                let half = n / 2
                let first = CRC32C.update(0, p, count: half)
                #expect(CRC32C.update(first, p + half, count: n - half) == ref, "split, length \(n)")
                #expect(CRC32C.combine(first, CRC32C.update(0, p + half, count: n - half), lengthB: n - half) == ref)
            }
        }
    }

    @Test func everyEventTypeMetadataAndFooterRoundTrip() throws {
        let dir = try TraceFileFixtures.scratchDirectory()
        defer { TraceFileFixtures.cleanup(dir) }
        let path = dir + "/all.dsc"
        let events = TraceFileFixtures.everyEventType(abi: 5)
        // every ABI event type is covered
        #expect(Set(events.map(\.type)) == Set(EventType.allCases))
        let w = try TraceWriter(path: path, metadata: TraceFileFixtures.metadata(), recordsPerChunk: 5)
        w.maxChunkAge = nil
        for e in events { try w.append(e) }
        #expect(w.recordsWritten == UInt64(events.count))
        let written = try w.finish(footer: TraceFileFixtures.footer())
        #expect(written.totalRecords == UInt64(events.count))
        #expect(events.count == 26)
        #expect(written.chunkCount == 6)  // 26 events, 5 per chunk

        let (read, summary, reader) = try TraceFileFixtures.readAll(path)
        #expect(read == events)
        #expect(reader.metadata == TraceFileFixtures.metadata())
        #expect(reader.footer == written)
        #expect(summary.format == "dioscope-trace")
        #expect(summary.eventsRead == UInt64(events.count))
        #expect(summary.problems == [])
        #expect(!summary.damaged && !summary.truncated)
        #expect(summary.firstTimestamp == events.first!.timestamp)
        #expect(summary.lastTimestamp == events.last!.timestamp)
        // the one LOST record (3 drops, probe 4) is counted, attributed by name
        #expect(summary.dropped == 3)
        #expect(summary.droppedByProbe == ["block_bio_queue": 3])
    }

    @Test func rawRecordsAreStoredByteForByte() throws {
        let dir = try TraceFileFixtures.scratchDirectory()
        defer { TraceFileFixtures.cleanup(dir) }
        let path = dir + "/raw.dsc"
        let events = TraceFileFixtures.everyEventType()
        var raw: [UInt8] = []
        for e in events { raw += RecordCodec.encode(e) }
        // unusual but ABI-legal: non-zero reserved bytes must survive untouched
        raw[RecordLayout.recordSize - 1] = 0xAB
        let w = try TraceWriter(path: path, metadata: TraceMetadata(toolVersion: "t"), recordsPerChunk: 7)
        // deliver in odd-sized batches, as a ring buffer would
        var i = 0
        for n in [1, 3, 0, 10, 11] {
            let len = Swift.min(n, events.count - i) * RecordLayout.recordSize
            try raw.withUnsafeBytes { try w.append(records: UnsafeRawBufferPointer(rebasing: $0[i * 96 ..< i * 96 + len])) }
            i += len / 96
        }
        #expect(i == events.count)
        try w.finish(footer: TraceFileFixtures.footer())

        var r = try TraceReader(path: path)
        var back: [UInt8] = []
        let s = try r.forEachRecord { p in back += UnsafeRawBufferPointer(start: p, count: 96) }
        #expect(back == raw)
        #expect(s.eventsRead == UInt64(events.count))
        #expect(s.isComplete == false)  // it carries a LOST record
        #expect(!s.damaged && !s.truncated)
    }

    @Test func partialRecordBufferIsRejected() throws {
        let dir = try TraceFileFixtures.scratchDirectory()
        defer { TraceFileFixtures.cleanup(dir) }
        let w = try TraceWriter(path: dir + "/p.dsc", metadata: TraceMetadata())
        let bytes = [UInt8](repeating: 0, count: 100)
        #expect(throws: TraceFileError.partialRecord(byteCount: 100)) {
            try bytes.withUnsafeBytes { try w.append(records: $0) }
        }
        #expect(w.recordsWritten == 0)
    }

    @Test func writerAfterFinishThrows() throws {
        let dir = try TraceFileFixtures.scratchDirectory()
        defer { TraceFileFixtures.cleanup(dir) }
        let w = try TraceWriter(path: dir + "/f.dsc", metadata: TraceMetadata())
        try w.finish(footer: TraceFileFixtures.footer())
        #expect(throws: TraceFileError.self) { try w.append(TraceFileFixtures.numbered(0)) }
    }
}
