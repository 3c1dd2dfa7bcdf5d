import Foundation
import Testing
@testable import DioscopeCore

/// Damaged, truncated and foreign inputs: every intact chunk must still be
/// read, and every problem reported with its byte offset.
@Suite struct TraceFileDamageTests {
    typealias Fx = TraceFileFixtures
    static let perChunk = 3
    static let chunks = 5
    static var total: Int { perChunk * chunks }

    /// A finished file of 5 chunks × 3 records; returns its path and bytes.
    func makeFile(_ dir: String, name: String = "t.dsc") throws -> (String, [UInt8]) {
        let path = dir + "/" + name
        try Fx.writeNumbered(path, count: Self.total, perChunk: Self.perChunk)
        return (path, try Fx.bytes(path))
    }

    func numbers(_ events: [Event]) -> [Int] { events.map { Int($0.ino) } }

    @Test func truncationAtEveryByteOffsetKeepsEveryCompleteChunk() throws {
        let dir = try Fx.scratchDirectory()
        defer { Fx.cleanup(dir) }
        let (path, bytes) = try makeFile(dir)
        let offsets = try Fx.chunkOffsets(path)
        #expect(offsets.count == Self.chunks)
        let chunkBytes = TraceFileFormat.chunkHeaderSize + Self.perChunk * RecordLayout.recordSize
        let dataStart = offsets[0]
        let footerStart = offsets.last! + chunkBytes
        let cutPath = dir + "/cut.dsc"

        // every byte offset of the file, from 0 (empty) to one byte short of the whole
        for cut in 0..<bytes.count {
            try Fx.write(Array(bytes[0..<cut]), to: cutPath)
            if cut == 0 {
                #expect(throws: TraceFileError.emptyFile(path: cutPath)) { try TraceReader(path: cutPath) }
                continue
            }
            if cut < TraceFileFormat.fileHeaderSize {
                #expect(throws: TraceFileError.truncatedHeader(path: cutPath, size: cut)) { try TraceReader(path: cutPath) }
                continue
            }
            let (events, s, reader) = try Fx.readAll(cutPath)
            // a cut is never "damage", only truncation
            #expect(!s.damaged, "cut at \(cut): \(s.problems)")
            // exactly the chunks that end at or before the cut
            let complete = cut < dataStart ? 0 : Swift.min(Self.chunks, (cut - dataStart) / chunkBytes)
            #expect(numbers(events) == Array(0..<(complete * Self.perChunk)), "cut at \(cut)")
            #expect(s.eventsRead == UInt64(complete * Self.perChunk))
            #expect(!s.problems.isEmpty, "cut at \(cut) reported nothing")
            if cut < footerStart + TraceFileFormat.footerHeaderSize + 8 {
                // before the end of the footer: no footer, truncated, and a position is named
                #expect(s.truncated, "cut at \(cut)")
                #expect(reader.footer == nil)
                #expect(s.problems.contains { $0.message.contains("missing footer") }, "cut at \(cut)")
                #expect(s.problems.allSatisfy { $0.position.hasPrefix("byte ") }, "cut at \(cut): \(s.problems)")
                if cut > dataStart && (cut - dataStart) % chunkBytes != 0 && cut < footerStart {
                    // cut inside a chunk: that chunk is named, at its offset
                    let chunkAt = offsets[(cut - dataStart) / chunkBytes]
                    #expect(s.problems.contains { $0.position == "byte \(chunkAt)" && $0.message.contains("cut off") },
                            "cut at \(cut): \(s.problems)")
                }
            }
        }
        // and the whole file is clean
        let (events, s, _) = try Fx.readAll(path)
        #expect(events.count == Self.total && s.problems.isEmpty && s.isComplete)
    }

    @Test func payloadBitFlipLosesOnlyThatChunk() throws {
        let dir = try Fx.scratchDirectory()
        defer { Fx.cleanup(dir) }
        let (path, bytes) = try makeFile(dir)
        let offsets = try Fx.chunkOffsets(path)
        let payloadLength = Self.perChunk * RecordLayout.recordSize
        let damaged = dir + "/flip.dsc"
        for byte in stride(from: 0, to: payloadLength, by: 37) {
            for bit in [0, 7] {
                var b = bytes
                b[offsets[2] + TraceFileFormat.chunkHeaderSize + byte] ^= UInt8(1 << bit)
                try Fx.write(b, to: damaged)
                let (events, s, reader) = try Fx.readAll(damaged)
                #expect(numbers(events) == Array(0..<6) + Array(9..<15))
                #expect(s.damaged && !s.truncated)
                #expect(reader.footer != nil)
                let p = try #require(s.problems.first)
                #expect(p.position == "byte \(offsets[2])")
                #expect(p.message.contains("checksum mismatch") && p.message.contains("chunk 2"))
            }
        }
    }

    @Test func headerDamageResyncsOnTheNextChunk() throws {
        let dir = try Fx.scratchDirectory()
        defer { Fx.cleanup(dir) }
        let (path, bytes) = try makeFile(dir)
        let offsets = try Fx.chunkOffsets(path)
        let damaged = dir + "/hdr.dsc"
        // every byte of chunk 1's header, magic included
        for byte in 0..<TraceFileFormat.chunkHeaderSize {
            var b = bytes
            b[offsets[1] + byte] ^= 0x10
            try Fx.write(b, to: damaged)
            let (events, s, _) = try Fx.readAll(damaged)
            #expect(numbers(events) == Array(0..<3) + Array(6..<15), "flip at header byte \(byte)")
            #expect(s.damaged && !s.truncated)
            let p = try #require(s.problems.first)
            #expect(p.position == "byte \(offsets[1])")
            #expect(p.message.contains("resuming at byte \(offsets[2])"), "\(p)")
            if byte < 8 { #expect(p.message.contains("expected a chunk header")) }
            else { #expect(p.message.contains("chunk header checksum mismatch")) }
        }
    }

    @Test func insertedAndDeletedBytesAreSkipped() throws {
        let dir = try Fx.scratchDirectory()
        defer { Fx.cleanup(dir) }
        let (path, bytes) = try makeFile(dir)
        let offsets = try Fx.chunkOffsets(path)

        // 13 junk bytes between chunks 1 and 2 (a stray chunk-magic prefix among them): nothing lost
        var b = bytes
        let junk: [UInt8] = [0x89, 0x44, 0x53, 0x43, 1, 2, 3, 0x89, 0x44, 0x53, 0x43, 0x43, 0x48]
        b.insert(contentsOf: junk, at: offsets[2])
        let p1 = dir + "/ins.dsc"
        try Fx.write(b, to: p1)
        var (events, s, _) = try Fx.readAll(p1)
        #expect(numbers(events) == Array(0..<15))
        #expect(s.damaged)
        #expect(s.problems.first?.position == "byte \(offsets[2])")
        #expect(s.problems.first?.message.contains("skipped 13 bytes") == true)

        // 50 bytes deleted from inside chunk 3's payload: chunk 3 lost, chunk 4 recovered
        b = bytes
        b.removeSubrange((offsets[3] + 100)..<(offsets[3] + 150))
        let p2 = dir + "/del.dsc"
        try Fx.write(b, to: p2)
        (events, s, _) = try Fx.readAll(p2)
        #expect(numbers(events) == Array(0..<9) + Array(12..<15))
        #expect(s.damaged)
        #expect(s.problems.first?.position == "byte \(offsets[3])")
        #expect(s.problems.first?.message.contains("payload checksum mismatch") == true)
        #expect(s.problems.first?.message.contains("resuming at byte \(offsets[4] - 50)") == true, "\(s.problems)")

        // a whole chunk removed: a sequence gap is reported
        b = bytes
        b.removeSubrange(offsets[1]..<offsets[2])
        let p3 = dir + "/gap.dsc"
        try Fx.write(b, to: p3)
        (events, s, _) = try Fx.readAll(p3)
        #expect(numbers(events) == Array(0..<3) + Array(6..<15))
        #expect(s.damaged)
        #expect(s.problems.contains { $0.position == "byte \(offsets[1])" && $0.message.contains("1 chunk(s) missing") },
                "\(s.problems)")
    }

    @Test func damagedFooterAndMetadataDoNotLoseEvents() throws {
        let dir = try Fx.scratchDirectory()
        defer { Fx.cleanup(dir) }
        let (path, bytes) = try makeFile(dir)
        let offsets = try Fx.chunkOffsets(path)
        let footerAt = offsets.last! + TraceFileFormat.chunkHeaderSize + Self.perChunk * RecordLayout.recordSize

        var b = bytes
        b[footerAt + TraceFileFormat.footerHeaderSize + 5] ^= 0x01  // inside the footer JSON
        let p1 = dir + "/footer.dsc"
        try Fx.write(b, to: p1)
        var (events, s, reader) = try Fx.readAll(p1)
        #expect(events.count == Self.total)
        #expect(reader.footer == nil)
        #expect(s.damaged && s.truncated)
        #expect(s.problems.contains { $0.position == "byte \(footerAt)" && $0.message.contains("footer damaged") })

        b = bytes
        b[TraceFileFormat.fileHeaderSize + 3] ^= 0x01  // inside the metadata JSON
        let p2 = dir + "/meta.dsc"
        try Fx.write(b, to: p2)
        (events, s, reader) = try Fx.readAll(p2)
        #expect(events.count == Self.total)
        #expect(reader.metadata == TraceMetadata())
        #expect(reader.footer != nil)
        #expect(s.damaged && !s.truncated)
        #expect(s.problems.first?.position == "byte 64")
        #expect(s.problems.first?.message.contains("metadata checksum mismatch") == true)

        // junk appended after the trailer: events and footer intact, a warning
        b = bytes + Array("junk".utf8)
        let p3 = dir + "/tail.dsc"
        try Fx.write(b, to: p3)
        (events, s, reader) = try Fx.readAll(p3)
        #expect(events.count == Self.total)
        #expect(reader.footer != nil && !s.truncated)
        #expect(s.problems.contains { $0.severity == .warning && $0.message.contains("trailer") })
    }

    @Test func wrongFormatVersionAndABIVersionAreRejected() throws {
        let dir = try Fx.scratchDirectory()
        defer { Fx.cleanup(dir) }
        let (_, bytes) = try makeFile(dir)
        func patched(_ offset: Int, _ value: UInt8, fixCRC: Bool) throws -> String {
            var b = bytes
            b[offset] = value
            if fixCRC {
                let crc = CRC32C.checksum(b[0..<60])
                for i in 0..<4 { b[60 + i] = UInt8(truncatingIfNeeded: crc >> (8 * UInt32(i))) }
            }
            let p = dir + "/patched-\(offset)-\(value)-\(fixCRC).dsc"
            try Fx.write(b, to: p)
            return p
        }
        let v2 = try patched(TraceFileFormat.fhVersion, 2, fixCRC: true)
        #expect(throws: TraceFileError.unsupportedFormatVersion(path: v2, found: 2, supported: 1)) {
            try TraceReader(path: v2)
        }
        // ABI 1 to 5 read (2 to 5 only added record types); 6 is refused, naming what is read
        for v: UInt8 in [1, 2, 3, 4] {
            let older = try patched(TraceFileFormat.fhABIVersion, v, fixCRC: true)
            #expect(throws: Never.self) { try TraceReader(path: older) }
        }
        let abi6 = try patched(TraceFileFormat.fhABIVersion, 6, fixCRC: true)
        #expect(throws: TraceFileError.unsupportedABIVersion(path: abi6, found: 6, supported: 5)) {
            try TraceReader(path: abi6)
        }
        let refusal = "\(TraceFileError.unsupportedABIVersion(path: abi6, found: 6, supported: 5))"
        #expect(refusal.contains("record ABI version 6 is not supported (this dioscope decodes ABI versions 1 to 5)"),
                "\(refusal)")
        let size = try patched(TraceFileFormat.fhRecordSize, 64, fixCRC: true)
        #expect(throws: TraceFileError.unsupportedRecordSize(path: size, found: 64, supported: 96)) {
            try TraceReader(path: size)
        }
        // a flipped ABI byte without a matching checksum is damage, not a new ABI
        let flipped = try patched(TraceFileFormat.fhABIVersion, 6, fixCRC: false)
        #expect(throws: TraceFileError.self) { try TraceReader(path: flipped) }
        do {
            _ = try TraceReader(path: flipped)
        } catch let e as TraceFileError {
            guard case .damagedHeader = e else { Issue.record("expected damagedHeader, got \(e)"); return }
            #expect(e.description.contains("byte 0"))
        }
        // a flipped reserved byte: the header's fields are fine, read on with a problem
        let reserved = try patched(50, 0xFF, fixCRC: false)
        let (events, s, _) = try Fx.readAll(reserved)
        #expect(events.count == Self.total)
        #expect(s.damaged)
        #expect(s.problems.first?.message.contains("file header checksum mismatch") == true)
        // messages users can act on
        #expect(TraceFileError.unsupportedFormatVersion(path: "x", found: 2, supported: 1).description
            == "x: byte 8: trace format version 2 is not supported (this dioscope reads version 1)")
    }

    @Test func foreignInputsGiveClearErrors() throws {
        let dir = try Fx.scratchDirectory()
        defer { Fx.cleanup(dir) }
        let empty = dir + "/empty.dsc"
        try Fx.write([], to: empty)
        #expect(throws: TraceFileError.emptyFile(path: empty)) { try TraceReader(path: empty) }
        #expect(TraceFileError.emptyFile(path: empty).description.contains("empty"))

        #expect(throws: TraceFileError.isDirectory(path: dir)) { try TraceReader(path: dir) }

        let text = dir + "/trace.txt"
        try Fx.write(Array("# tracer: nop\n#\n  fio-123 [001] ....".utf8), to: text)
        #expect(throws: TraceFileError.notATrace(path: text, firstBytes: "\"# tracer: nop\\n#\\n\"")) {
            try TraceReader(path: text)
        }
        let binary = dir + "/bin"
        try Fx.write([0x7F, 0x45, 0x4C, 0x46, 2, 1, 1, 0, 0, 0], to: binary)
        do {
            _ = try TraceReader(path: binary)
            Issue.record("an ELF file was accepted")
        } catch let e as TraceFileError {
            #expect(e.description.contains("not a dioscope trace"))
            #expect(e.description.contains("7f 45 4c 46"))
        }
        let missing = dir + "/nope.dsc"
        do {
            _ = try TraceReader(path: missing)
            Issue.record("a missing file was accepted")
        } catch let e as TraceFileError {
            #expect(e.description == "cannot open \(missing): No such file or directory")
        }
        // a short prefix of a real trace is truncated, not foreign
        let short = dir + "/short.dsc"
        try Fx.write(Array(TraceFileFormat.fileMagic[0..<5]), to: short)
        #expect(throws: TraceFileError.truncatedHeader(path: short, size: 5)) { try TraceReader(path: short) }
    }

    @Test func unknownRecordTypesAndBadFieldsAreSkippedWithTheirOffsets() throws {
        let dir = try Fx.scratchDirectory()
        defer { Fx.cleanup(dir) }
        let path = dir + "/unknown.dsc"
        var raw: [UInt8] = []
        for i in 0..<6 { raw += RecordCodec.encode(Fx.numbered(i)) }
        // record 2: type 99; record 4: dio_begin with api 9 (known type, invalid field)
        raw[2 * 96 + RecordLayout.type] = 99
        var bad = RecordCodec.encode(Event(timestamp: 5, payload: .dioBegin(DIOBegin(
            pos: 0, count: 1, isize: 0, kiFlags: [], api: .sync))))
        bad[RecordLayout.dbApi] = 9
        raw.replaceSubrange(4 * 96 ..< 5 * 96, with: bad)
        let w = try TraceWriter(path: path, metadata: Fx.metadata(), recordsPerChunk: 100)
        try raw.withUnsafeBytes { try w.append(records: $0) }
        try w.finish(footer: Fx.footer())
        let payloadAt = try Fx.chunkOffsets(path)[0] + TraceFileFormat.chunkHeaderSize

        let (events, s, _) = try Fx.readAll(path)
        #expect(numbers(events) == [0, 1, 3, 5])
        #expect(s.damaged && !s.truncated)
        #expect(s.problems.count == 2)
        #expect(s.problems[0].position == "byte \(payloadAt + 2 * 96)")
        #expect(s.problems[0].message.contains("unknown record type 99"))
        #expect(s.problems[1].position == "byte \(payloadAt + 4 * 96)")
        #expect(s.problems[1].message.contains("api"))

        // the raw path checks types only
        var r = try TraceReader(path: path)
        var n = 0
        let rs = try r.forEachRecord { _ in n += 1 }
        #expect(n == 5 && rs.eventsRead == 5)
        #expect(rs.problems.map(\.position) == ["byte \(payloadAt + 2 * 96)"])
        #expect(rs.damaged)
    }

    @Test func missingFooterAfterKillStillYieldsFlushedChunks() throws {
        let dir = try Fx.scratchDirectory()
        defer { Fx.cleanup(dir) }
        let path = dir + "/killed.dsc"
        do {
            // a recorder that stops without finish(): what was appended is kept
            let w = try TraceWriter(path: path, metadata: Fx.metadata(), recordsPerChunk: 4)
            w.maxChunkAge = nil
            for i in 0..<10 { try w.append(Fx.numbered(i)) }
            #expect(w.pendingRecords == 2)
        }
        let (events, s, reader) = try Fx.readAll(path)
        #expect(numbers(events) == Array(0..<10))
        #expect(reader.footer == nil)
        #expect(s.truncated && !s.damaged)
        let p = try #require(s.problems.last)
        #expect(p.message.contains("missing footer") && p.message.contains("3 intact chunk(s)"))
        #expect(p.position == "byte \(reader.fileSize)")

        // header only (killed before the first flush)
        let path2 = dir + "/header-only.dsc"
        let w2 = try TraceWriter(path: path2, metadata: Fx.metadata())
        let (e2, s2, r2) = try Fx.readAll(path2)
        #expect(e2.isEmpty && s2.truncated && r2.metadata == Fx.metadata())
        _ = w2
    }

    @Test func filesAreCreatedPrivate() throws {
        let dir = try Fx.scratchDirectory()
        defer { Fx.cleanup(dir) }
        let path = dir + "/private.dsc"
        try Fx.writeNumbered(path, count: 3, perChunk: 2)
        var st = stat()
        #expect(stat(path, &st) == 0)
        #expect(st.st_mode & 0o777 == 0o600)
        // an existing, world-readable file is made private when reused
        let old = dir + "/old.dsc"
        #expect(FileManager.default.createFile(atPath: old, contents: Data("x".utf8),
                                               attributes: [.posixPermissions: 0o644]))
        try Fx.writeNumbered(old, count: 3, perChunk: 2)
        #expect(stat(old, &st) == 0)
        #expect(st.st_mode & 0o777 == 0o600)
        #expect(try Fx.readAll(old).0.count == 3)
    }

    @Test func dropsComeFromFooterAndLostRecordsWithoutDoubleCounting() throws {
        let dir = try Fx.scratchDirectory()
        defer { Fx.cleanup(dir) }
        let path = dir + "/drops.dsc"
        let w = try TraceWriter(path: path, metadata: Fx.metadata())
        try w.append(Fx.numbered(0))
        try w.append(Event(timestamp: 20_000, payload: .lost(Lost(dropped: 5, sinceNs: 10_000, probe: 4))))
        try w.append(Event(timestamp: 30_000, payload: .lost(Lost(dropped: 2, sinceNs: 20_000, probe: 0))))
        try w.finish(footer: TraceFooter(endReason: .sigint, endTimestamp: 40_000, probes: [
            TraceFooter.ProbeStats(name: "iomap_dio_rw_begin", id: 0, events: 1, drops: 2),
            TraceFooter.ProbeStats(name: "block_bio_queue", id: 4, events: 9, drops: 6),
        ], unattributedDrops: 1))
        let (_, s, reader) = try Fx.readAll(path)
        #expect(reader.footer?.endReason == .sigint)
        // footer says 9 in total, LOST records 7: the same losses, so 9
        #expect(s.dropped == 9)
        #expect(s.droppedByProbe == ["iomap_dio_rw_begin": 2, "block_bio_queue": 6, "unattributed": 1])
        #expect(!s.isComplete)

        // without a footer the LOST records alone count
        let path2 = dir + "/drops-cut.dsc"
        do {
            let w2 = try TraceWriter(path: path2, metadata: Fx.metadata())
            try w2.append(Event(timestamp: 20_000, payload: .lost(Lost(dropped: 5, sinceNs: 10_000, probe: 4))))
            try w2.append(Event(timestamp: 30_000, payload: .lost(Lost(dropped: 2, sinceNs: 20_000, probe: 77))))
        }
        let (_, s2, _) = try Fx.readAll(path2)
        #expect(s2.dropped == 7)
        #expect(s2.droppedByProbe == ["block_bio_queue": 5, "probe 77": 2])
    }
}

/// Adversarial input: resync must stay linear in the file size.
@Suite struct TraceFileResyncCostTests {
    @Test func manyFalseChunkMagicsAreScannedOnce() throws {
        let dir = try TraceFileFixtures.scratchDirectory()
        defer { TraceFileFixtures.cleanup(dir) }
        let path = dir + "/magics.dsc"
        try TraceFileFixtures.writeNumbered(path, count: 6, perChunk: 3)
        let offsets = try TraceFileFixtures.chunkOffsets(path)
        var b = try TraceFileFixtures.bytes(path)
        // 4 MiB of chunk magics (none with a valid header) between chunks 0 and 1
        var junk = [UInt8]()
        junk.reserveCapacity(4 << 20)
        while junk.count < 4 << 20 { junk += TraceFileFormat.chunkMagic }
        b.insert(contentsOf: junk, at: offsets[1])
        try TraceFileFixtures.write(b, to: path)
        let t0 = DispatchTime.now().uptimeNanoseconds
        let (events, s, _) = try TraceFileFixtures.readAll(path)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
        #expect(events.count == 6)
        #expect(s.damaged)
        #expect(s.problems.first?.message.contains("skipped \(junk.count) bytes") == true, "\(s.problems)")
        // 512 Ki candidates; re-reading a 1 MiB window per candidate would take minutes
        #expect(seconds < 20, "resync took \(seconds) s")
    }
}
