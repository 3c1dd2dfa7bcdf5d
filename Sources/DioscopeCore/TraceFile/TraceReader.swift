import Foundation

/// Reads a dioscope trace file (docs/trace-format.md), streaming: memory
/// does not depend on the file's length (one reused read window).
///
/// `init` validates the header and throws ``TraceFileError`` for inputs that
/// cannot be a readable trace (missing, directory, empty, not a trace,
/// unsupported format/ABI version). Everything else is recovered from:
/// every intact chunk is delivered, damaged ones are skipped (resyncing on
/// the next chunk magic) and reported as ``SourceProblem``s with their byte
/// offsets in the returned ``SourceSummary``.
///
/// Each `forEach…` call reads the file from the start again.
public struct TraceReader: EventSource {
    public let path: String
    /// The recording's metadata (defaults if the metadata JSON is damaged;
    /// then ``headerProblems`` says so).
    public private(set) var metadata: TraceMetadata
    /// The footer, or nil if the file has none (recording cut off). Found via
    /// the trailer when opening; a scan may also find it in the stream.
    public private(set) var footer: TraceFooter?
    /// Problems found in the header and metadata, repeated in every summary.
    public let headerProblems: [SourceProblem]
    /// File size in bytes.
    public var fileSize: Int { input.size }
    /// Bytes of the reused read window (what reading holds of the file).
    var windowBytes: Int { input.capacity }
    /// CLOCK_REALTIME ns when the file was created (file header).
    public let createdRealtimeNs: UInt64
    /// The record ABI version the file was written with (file header).
    public let abiVersion: UInt32
    /// Whether chunk payload checksums are verified (see `init`).
    public let verifyChecksums: Bool

    private let input: TraceFileInput
    /// Where the first chunk starts; nil when the metadata length is
    /// unusable (the scan then resyncs from the end of the fixed header).
    private let dataStart: Int?
    /// Some header problem is damage (not just the file ending inside the metadata).
    private let headerDamaged: Bool
    /// Footer offset from the trailer, if the trailer is intact.
    private let trailerFooterOffset: Int?

    /// Opens and validates `path`.
    ///
    /// `verifyChecksums: false` skips the CRC-32C of chunk payloads (the
    /// software CRC runs at 1.5–4 GB/s on one core, the rest of a scan faster):
    /// header, footer and trailer checksums are still verified and records
    /// still validated, but a corrupted byte inside a record then goes
    /// unnoticed. Leave it on unless the file is known good.
    public init(path: String, verifyChecksums: Bool = true) throws {
        try self.init(input: try TraceFileInput(path: path), verifyChecksums: verifyChecksums)
    }

    /// Reads a trace held in memory (a copy of `bytes` is kept); `name`
    /// stands for the path in errors and problems. Same checks and recovery
    /// as a file: the fuzzers and tests use it.
    public init(bytes: UnsafeRawBufferPointer, name: String = "<memory>", verifyChecksums: Bool = true) throws {
        try self.init(input: TraceFileInput(bytes: bytes, name: name), verifyChecksums: verifyChecksums)
    }

    private init(input: TraceFileInput, verifyChecksums: Bool) throws {
        typealias F = TraceFileFormat
        let path = input.path
        self.path = path
        self.verifyChecksums = verifyChecksums
        self.input = input
        let size = input.size
        if size == 0 { throw TraceFileError.emptyFile(path: path) }
        let headNeeded = Swift.min(size, F.fileHeaderSize)
        guard let head = try input.bytes(at: 0, count: headNeeded) else {
            throw TraceFileError.truncatedHeader(path: path, size: size)
        }
        let magicCount = Swift.min(8, size)
        if !(0..<magicCount).allSatisfy({ head.load(fromByteOffset: $0, as: UInt8.self) == F.fileMagic[$0] }) {
            throw TraceFileError.notATrace(path: path, firstBytes: TraceReader.describeBytes(head, count: Swift.min(16, size)))
        }
        if size < F.fileHeaderSize { throw TraceFileError.truncatedHeader(path: path, size: size) }

        let version = UInt16(littleEndian: head.loadUnaligned(fromByteOffset: F.fhVersion, as: UInt16.self))
        if version != F.version {
            throw TraceFileError.unsupportedFormatVersion(path: path, found: version, supported: F.version)
        }
        let headerSize = UInt16(littleEndian: head.loadUnaligned(fromByteOffset: F.fhHeaderSize, as: UInt16.self))
        let abi = UInt32(littleEndian: head.loadUnaligned(fromByteOffset: F.fhABIVersion, as: UInt32.self))
        abiVersion = abi
        let recordSize = UInt32(littleEndian: head.loadUnaligned(fromByteOffset: F.fhRecordSize, as: UInt32.self))
        let metaLength = Int(UInt32(littleEndian: head.loadUnaligned(fromByteOffset: F.fhMetadataLength, as: UInt32.self)))
        let metaCRC = UInt32(littleEndian: head.loadUnaligned(fromByteOffset: F.fhMetadataCRC, as: UInt32.self))
        createdRealtimeNs = UInt64(littleEndian: head.loadUnaligned(fromByteOffset: F.fhCreatedRealtime, as: UInt64.self))
        let storedCRC = UInt32(littleEndian: head.loadUnaligned(fromByteOffset: F.fhHeaderCRC, as: UInt32.self))
        let headerOK = CRC32C.update(0, head, count: F.fhHeaderCRC) == storedCRC

        var problems: [SourceProblem] = []
        if !headerOK {
            let fieldsPlausible = headerSize == F.fileHeaderSize && RecordLayout.readableABIVersions.contains(abi)
                && recordSize == RecordLayout.recordSize
            if !fieldsPlausible {
                throw TraceFileError.damagedHeader(
                    path: path,
                    detail: "header checksum mismatch, and its fields are implausible (header size \(headerSize), "
                        + "ABI version \(abi), record size \(recordSize))")
            }
            problems.append(SourceProblem(
                position: "byte \(F.fhHeaderCRC)",
                message: "file header checksum mismatch (stored 0x\(String(storedCRC, radix: 16)), computed "
                    + "0x\(String(CRC32C.update(0, head, count: F.fhHeaderCRC), radix: 16))); its fields look valid, reading on"))
        } else {
            if !RecordLayout.readableABIVersions.contains(abi) {
                throw TraceFileError.unsupportedABIVersion(path: path, found: abi, supported: RecordLayout.abiVersion)
            }
            if recordSize != RecordLayout.recordSize {
                throw TraceFileError.unsupportedRecordSize(path: path, found: recordSize, supported: RecordLayout.recordSize)
            }
            if headerSize != F.fileHeaderSize {
                throw TraceFileError.damagedHeader(path: path, detail: "header size field is \(headerSize), expected 64")
            }
        }

        // Metadata.
        var metadata = TraceMetadata()
        var metadataCutOff = false
        var dataStart: Int? = F.fileHeaderSize + F.padded(metaLength)
        if metaLength > F.maxJSONLength {
            problems.append(SourceProblem(position: "byte \(F.fhMetadataLength)",
                                          message: "metadata length \(metaLength) is implausible; metadata skipped"))
            dataStart = nil
        } else if F.fileHeaderSize + metaLength > size {
            metadataCutOff = true
            problems.append(SourceProblem(
                position: "byte \(F.fileHeaderSize)",
                message: "metadata truncated: header announces \(metaLength) bytes, file ends at byte \(size)"))
            dataStart = size
        } else if let m = try input.bytes(at: F.fileHeaderSize, count: metaLength) {
            let crc = CRC32C.update(0, m, count: metaLength)
            if crc != metaCRC {
                problems.append(SourceProblem(
                    position: "byte \(F.fileHeaderSize)",
                    message: "metadata checksum mismatch (stored 0x\(String(metaCRC, radix: 16)), computed "
                        + "0x\(String(crc, radix: 16))); metadata ignored"))
            } else {
                do {
                    metadata = try JSONDecoder().decode(TraceMetadata.self, from: Data(bytes: m, count: metaLength))
                } catch {
                    problems.append(SourceProblem(position: "byte \(F.fileHeaderSize)",
                                                  message: "metadata is not valid JSON: \(error); metadata ignored"))
                }
            }
        }
        if let d = dataStart, d > size { dataStart = size }
        self.metadata = metadata
        self.dataStart = dataStart
        self.headerProblems = problems
        self.headerDamaged = problems.count > (metadataCutOff ? 1 : 0)

        // Footer, located by the trailer.
        var footerOffset: Int?
        var footer: TraceFooter?
        let minimal = F.fileHeaderSize + F.footerHeaderSize + F.trailerSize
        if size >= minimal, let t = try input.bytes(at: size - F.trailerSize, count: F.trailerSize),
           t.loadUnaligned(as: UInt64.self) == F.trailerMagicWord.littleEndian,
           CRC32C.update(0, t, count: F.trCRC)
            == UInt32(littleEndian: t.loadUnaligned(fromByteOffset: F.trCRC, as: UInt32.self)) {
            let off = UInt64(littleEndian: t.loadUnaligned(fromByteOffset: F.trFooterOffset, as: UInt64.self))
            if off >= UInt64(F.fileHeaderSize) && off <= UInt64(size - F.trailerSize - F.footerHeaderSize),
               case .intact(let f, _) = try TraceReader.readFooter(input, at: Int(off)) {
                footerOffset = Int(off)
                footer = f
            }
        }
        self.trailerFooterOffset = footerOffset
        self.footer = footer
    }

    // MARK: - Reading

    /// Calls `body` with every intact chunk's raw payload (whole 96-byte
    /// records, checksum verified, record types not checked) in file order.
    /// The fastest way through a file; the buffer is valid only during the call.
    public mutating func forEachChunk(
        _ body: (UnsafeRawBufferPointer, TraceChunkInfo) throws -> Void
    ) throws -> SourceSummary {
        try scan { payload, info, _ in
            try body(UnsafeRawBufferPointer(start: payload, count: info.recordCount * RecordLayout.recordSize), info)
            return UInt64(info.recordCount)
        }
    }

    /// Calls `body` with a pointer to every record (96 bytes, zero-copy,
    /// valid only during the call) of every intact chunk, in file order.
    /// Records whose type is not in the ABI are skipped and reported.
    /// `DSC_EV_LOST` records are delivered and also counted as drops.
    public mutating func forEachRecord(_ body: (UnsafeRawPointer) throws -> Void) throws -> SourceSummary {
        let known = TraceReader.knownTypeMask
        return try scan { payload, info, state in
            let size = RecordLayout.recordSize
            var delivered: UInt64 = 0
            var p = payload
            for i in 0..<info.recordCount {
                let type = UInt16(littleEndian: p.loadUnaligned(fromByteOffset: RecordLayout.type, as: UInt16.self))
                if type >= 32 || (known >> UInt32(type)) & 1 == 0 {
                    state.recordProblem(SourceProblem(
                        position: "byte \(info.payloadOffset + i * size)",
                        message: "unknown record type \(type) in chunk \(info.sequence) (record \(i)); record skipped"))
                } else {
                    if type == EventType.lost.rawValue { state.lost.note(p) }
                    try body(p)
                    delivered += 1
                }
                p += size
            }
            return delivered
        }
    }

    /// Calls `body` with every decodable event of every intact chunk, in file
    /// order (a record that carries two or three events gives each, in turn). Records
    /// RecordCodec cannot decode (unknown type, invalid enum value) are
    /// skipped and reported with their byte offsets.
    public mutating func forEachEvent(_ body: (Event) throws -> Void) throws -> SourceSummary {
        try scan { payload, info, state in
            let size = RecordLayout.recordSize
            var delivered: UInt64 = 0
            var p = payload
            for i in 0..<info.recordCount {
                do {
                    try RecordCodec.forEachEvent(inRecord: p) { e in
                        if case .lost = e.payload { state.lost.note(p) }
                        try body(e)
                        delivered += 1
                    }
                } catch let error as RecordDecodeError {
                    state.recordProblem(SourceProblem(
                        position: "byte \(info.payloadOffset + i * size)",
                        message: "\(error) in chunk \(info.sequence) (record \(i)); record skipped"))
                }
                p += size
            }
            return delivered
        }
    }

    /// Record types this reader knows, as a bit mask: one per event type, the two that carry two
    /// events each (ABI 3) and the one that carries three (ABI 4).
    static let knownTypeMask: UInt32 = EventType.allCases.reduce(0) { $0 | (1 << UInt32($1.rawValue)) }
        | 1 << UInt32(RecordLayout.sysCallType) | 1 << UInt32(RecordLayout.sysExitReapType)
        | 1 << UInt32(RecordLayout.sysCallReapType)

    // MARK: - The scan

    /// Walks the file: header, chunks (verifying checksums, resyncing after
    /// damage), footer, trailer. `onChunk` handles one intact chunk's
    /// payload and returns how many records it delivered.
    private mutating func scan(
        _ onChunk: (UnsafeRawPointer, TraceChunkInfo, inout ScanState) throws -> UInt64
    ) throws -> SourceSummary {
        typealias F = TraceFileFormat
        var summary = SourceSummary(format: "dioscope-trace")
        var state = ScanState()
        for p in headerProblems { state.log.add(p) }
        if headerDamaged { summary.damaged = true }
        let size = input.size
        var expectedSequence: UInt64 = 0
        var chunksRead: UInt64 = 0
        var recordsInIntactChunks: UInt64 = 0
        var lastGoodChunkEnd = dataStart ?? F.fileHeaderSize
        var footerFound: TraceFooter?
        var minTs = UInt64.max, maxTs: UInt64 = 0

        var pos: Int
        if let d = dataStart {
            pos = d
        } else {
            let next = try resync(from: F.fileHeaderSize)
            pos = next
        }

        scanning: while pos < size {
            if size - pos < 8 {
                state.log.add(SourceProblem(position: "byte \(pos)",
                                      message: "\(size - pos) stray byte(s) at the end of the file (cut off)"))
                summary.truncated = true
                break
            }
            guard let m = try input.bytes(at: pos, count: 8) else { break }
            let magic = UInt64(littleEndian: m.loadUnaligned(as: UInt64.self))

            if magic == F.chunkMagicWord {
                guard let h = try input.bytes(at: pos, count: F.chunkHeaderSize) else {
                    state.log.add(SourceProblem(
                        position: "byte \(pos)",
                        message: "chunk header cut off: the file ends at byte \(size), \(size - pos) of "
                            + "\(F.chunkHeaderSize) header bytes present"))
                    summary.truncated = true
                    break
                }
                let stored = UInt32(littleEndian: h.loadUnaligned(fromByteOffset: F.chHeaderCRC, as: UInt32.self))
                if CRC32C.update(0, h, count: F.chHeaderCRC) != stored {
                    summary.damaged = true
                    pos = try skipDamage(at: pos, what: "chunk header checksum mismatch", &state.log)
                    continue
                }
                let seq = UInt64(littleEndian: h.loadUnaligned(fromByteOffset: F.chSequence, as: UInt64.self))
                let count = Int(UInt32(littleEndian: h.loadUnaligned(fromByteOffset: F.chRecordCount, as: UInt32.self)))
                let length = Int(UInt32(littleEndian: h.loadUnaligned(fromByteOffset: F.chPayloadLength, as: UInt32.self)))
                let cMin = UInt64(littleEndian: h.loadUnaligned(fromByteOffset: F.chMinTimestamp, as: UInt64.self))
                let cMax = UInt64(littleEndian: h.loadUnaligned(fromByteOffset: F.chMaxTimestamp, as: UInt64.self))
                let payloadCRC = UInt32(littleEndian: h.loadUnaligned(fromByteOffset: F.chPayloadCRC, as: UInt32.self))
                if length != count * RecordLayout.recordSize || length > F.maxPayloadLength {
                    summary.damaged = true
                    pos = try skipDamage(
                        at: pos, what: "chunk \(seq): payload length \(length) does not hold \(count) records", &state.log)
                    continue
                }
                if pos + F.chunkHeaderSize + length > size {
                    let present = size - pos - F.chunkHeaderSize
                    state.log.add(SourceProblem(
                        position: "byte \(pos)",
                        message: "chunk \(seq) cut off: it announces \(count) records (\(length) bytes), only \(present) "
                            + "of those bytes are present before the end of the file (byte \(size)); its \(count) records are lost"))
                    summary.truncated = true
                    break
                }
                if seq != expectedSequence {
                    if seq > expectedSequence {
                        state.log.add(SourceProblem(
                            position: "byte \(pos)",
                            message: "chunk \(seq) found where chunk \(expectedSequence) was expected: "
                                + "\(seq - expectedSequence) chunk(s) missing"))
                        summary.damaged = true
                    } else {
                        state.log.add(SourceProblem(
                            position: "byte \(pos)",
                            message: "chunk \(seq) repeats or goes back (expected chunk \(expectedSequence))",
                            severity: .warning))
                    }
                }
                guard let chunk = try input.bytes(at: pos, count: F.chunkHeaderSize + length) else {
                    state.log.add(SourceProblem(position: "byte \(pos)",
                                                message: "the file shrank while it was being read"))
                    summary.truncated = true
                    break
                }
                let payload = chunk + F.chunkHeaderSize
                let crc = verifyChecksums ? CRC32C.update(0, payload, count: length) : payloadCRC
                expectedSequence = seq &+ 1
                if crc != payloadCRC {
                    // Resync from inside the payload rather than jumping over
                    // it: bytes may have been lost, moving the next chunk up.
                    summary.damaged = true
                    pos = try skipDamage(
                        at: pos,
                        what: "chunk \(seq): payload checksum mismatch (CRC32C stored 0x\(String(payloadCRC, radix: 16)), "
                            + "computed 0x\(String(crc, radix: 16))), its \(count) records are skipped",
                        from: pos + F.chunkHeaderSize, &state.log)
                    continue
                }
                let info = TraceChunkInfo(sequence: seq, offset: pos, recordCount: count, minTimestamp: cMin,
                                          maxTimestamp: cMax)
                let delivered = try onChunk(payload, info, &state)
                summary.eventsRead += delivered
                chunksRead += 1
                recordsInIntactChunks += UInt64(count)
                if count > 0 {
                    minTs = Swift.min(minTs, cMin)
                    maxTs = Swift.max(maxTs, cMax)
                }
                pos += F.chunkHeaderSize + length
                lastGoodChunkEnd = pos
            } else if magic == F.footerMagicWord {
                switch try TraceReader.readFooter(input, at: pos) {
                case .intact(let f, let end):
                    footerFound = f
                    checkTrailer(afterFooterAt: pos, footerEnd: end, &state.log)
                    break scanning
                case .cutOff(let detail):
                    state.log.add(SourceProblem(position: "byte \(pos)", message: "footer cut off: \(detail)"))
                    summary.truncated = true
                    break scanning
                case .damaged(let detail):
                    summary.damaged = true
                    pos = try skipDamage(at: pos, what: "footer damaged: \(detail)", &state.log)
                }
            } else {
                summary.damaged = true
                let what = "expected a chunk header, found \(TraceReader.describeBytes(m, count: 8))"
                pos = try skipDamage(at: pos, what: what, &state.log)
            }
        }

        if let f = footerFound {
            footer = f
            if chunksRead == f.chunkCount && recordsInIntactChunks != f.totalRecords {
                state.log.add(SourceProblem(
                    position: "footer",
                    message: "footer announces \(f.totalRecords) records, the chunks hold \(recordsInIntactChunks)"))
                summary.damaged = true
            } else if chunksRead < f.chunkCount && !summary.damaged {
                state.log.add(SourceProblem(
                    position: "footer",
                    message: "footer announces \(f.chunkCount) chunks, only \(chunksRead) were found"))
                summary.damaged = true
            }
        } else {
            footer = nil
            summary.truncated = true
            state.log.add(SourceProblem(
                position: "byte \(size)",
                message: "missing footer: the file ends after \(chunksRead) intact chunk(s) "
                    + "(last one ending at byte \(lastGoodChunkEnd)); the recording was cut off "
                    + "(killed, crashed or out of disk space), events after that point are lost"))
        }

        // Drops: the footer's final kernel counters and the LOST records
        // describe the same losses; take the larger of the two.
        var byProbe: [String: UInt64] = [:]
        var footerTotal: UInt64 = 0
        if let f = footer {
            for p in f.probes where p.drops > 0 { byProbe[p.name, default: 0] = byProbe[p.name, default: 0].addingSaturating(p.drops) }
            if f.unattributedDrops > 0 {
                byProbe["unattributed", default: 0] = byProbe["unattributed", default: 0].addingSaturating(f.unattributedDrops)
            }
            footerTotal = f.totalDrops
        }
        if state.lost.total > footerTotal || footer == nil {
            var fromLost: [String: UInt64] = [:]
            for (id, n) in state.lost.byProbe {
                let name = id == UInt32.max ? "unattributed" : (metadata.probe(id: Int(id))?.name ?? "probe \(id)")
                fromLost[name, default: 0] = fromLost[name, default: 0].addingSaturating(n)
            }
            for (name, n) in fromLost { byProbe[name] = Swift.max(byProbe[name] ?? 0, n) }
        }
        summary.dropped = Swift.max(footerTotal, state.lost.total)
        if state.recordProblems > 0 { summary.damaged = true }
        state.log.finish(into: &summary)
        summary.droppedByProbe = byProbe
        if minTs <= maxTs {
            summary.firstTimestamp = minTs
            summary.lastTimestamp = maxTs
        }
        return summary
    }

    /// Reports damage at `pos` and returns where reading resumes: the next
    /// intact chunk or footer, or the end of the file.
    private func skipDamage(at pos: Int, what: String, from searchStart: Int? = nil,
                            _ log: inout ProblemLog) throws -> Int {
        let next = try resync(from: searchStart ?? pos + 1)
        let resume = next < input.size
            ? "skipped \(next - pos) bytes, resuming at byte \(next)"
            : "no intact chunk after it (\(input.size - pos) bytes skipped to the end of the file)"
        log.add(SourceProblem(position: "byte \(pos)", message: "\(what); \(resume)"))
        return next
    }

    /// The offset of the next chunk header with a valid checksum, or footer
    /// block with a valid checksum, at or after `start`; the file size if none.
    private func resync(from start: Int) throws -> Int {
        typealias F = TraceFileFormat
        let size = input.size
        var pos = start
        let step = 1 << 20
        scanning: while pos + 8 <= size {
            guard let (base, n) = try input.bytes(at: pos, upTo: step) else { break }
            let limit = n - 7  // positions where all 8 magic bytes lie in this window
            if limit <= 0 { break }
            var i = 0
            while i < limit {
                guard let hit = memchr(base + i, 0x89, limit - i) else { break }
                let at = UnsafeRawPointer(hit) - base
                let word = UInt64(littleEndian: (base + at).loadUnaligned(as: UInt64.self))
                if word == F.chunkMagicWord || word == F.footerMagicWord {
                    let candidate = pos + at
                    if try isIntactBlock(at: candidate, chunk: word == F.chunkMagicWord) { return candidate }
                    // checking may have moved the window: continue from a fresh one
                    pos = candidate + 1
                    continue scanning
                }
                i = at + 1
            }
            pos += limit
        }
        return size
    }

    private func isIntactBlock(at pos: Int, chunk: Bool) throws -> Bool {
        typealias F = TraceFileFormat
        if chunk {
            guard let h = try input.bytes(at: pos, count: F.chunkHeaderSize) else { return false }
            return CRC32C.update(0, h, count: F.chHeaderCRC)
                == UInt32(littleEndian: h.loadUnaligned(fromByteOffset: F.chHeaderCRC, as: UInt32.self))
        }
        if case .intact = try TraceReader.readFooter(input, at: pos) { return true }
        return false
    }

    private func checkTrailer(afterFooterAt footerPos: Int, footerEnd: Int, _ log: inout ProblemLog) {
        typealias F = TraceFileFormat
        let size = input.size
        if trailerFooterOffset == footerPos && footerEnd + F.trailerSize == size { return }
        if trailerFooterOffset == footerPos {
            log.add(SourceProblem(position: "byte \(footerEnd)",
                                  message: "\(size - footerEnd - F.trailerSize) unexpected bytes between footer and trailer",
                                  severity: .warning))
        } else if footerEnd + F.trailerSize > size {
            log.add(SourceProblem(position: "byte \(footerEnd)", message: "trailer cut off (footer is intact)",
                                  severity: .warning))
        } else {
            log.add(SourceProblem(position: "byte \(size - F.trailerSize)",
                                  message: "trailer missing or damaged (footer at byte \(footerPos) is intact)",
                                  severity: .warning))
        }
    }

    enum FooterRead {
        case intact(TraceFooter, end: Int)
        case cutOff(String)
        case damaged(String)
    }

    /// Reads the footer block at `pos` (which starts with the footer magic).
    static func readFooter(_ input: TraceFileInput, at pos: Int) throws -> FooterRead {
        typealias F = TraceFileFormat
        guard let h = try input.bytes(at: pos, count: F.footerHeaderSize) else {
            return .cutOff("the file ends at byte \(input.size) inside the footer header")
        }
        guard UInt64(littleEndian: h.loadUnaligned(as: UInt64.self)) == F.footerMagicWord else {
            return .damaged("bad footer magic")
        }
        let length = Int(UInt32(littleEndian: h.loadUnaligned(fromByteOffset: F.ftLength, as: UInt32.self)))
        let stored = UInt32(littleEndian: h.loadUnaligned(fromByteOffset: F.ftCRC, as: UInt32.self))
        if length > F.maxJSONLength { return .damaged("implausible footer length \(length)") }
        guard let b = try input.bytes(at: pos + F.footerHeaderSize, count: length) else {
            return .cutOff("it announces \(length) bytes, the file ends at byte \(input.size)")
        }
        let crc = CRC32C.update(0, b, count: length)
        if crc != stored {
            return .damaged("checksum mismatch (stored 0x\(String(stored, radix: 16)), computed 0x\(String(crc, radix: 16)))")
        }
        do {
            let f = try JSONDecoder().decode(TraceFooter.self, from: Data(bytes: b, count: length))
            return .intact(f, end: pos + F.footerHeaderSize + F.padded(length))
        } catch {
            return .damaged("footer is not valid JSON: \(error)")
        }
    }

    /// Bytes for an error message: quoted text if printable, else hex.
    static func describeBytes(_ p: UnsafeRawPointer, count: Int) -> String {
        let bytes = (0..<count).map { p.load(fromByteOffset: $0, as: UInt8.self) }
        if bytes.allSatisfy({ ($0 >= 0x20 && $0 < 0x7F) || $0 == 0x0A || $0 == 0x09 }) {
            let s = String(decoding: bytes, as: UTF8.self)
                .replacingOccurrences(of: "\n", with: "\\n").replacingOccurrences(of: "\t", with: "\\t")
            return "\"\(s)\""
        }
        return "bytes " + bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }
            .joined(separator: " ")
    }
}

/// Problems met during one scan, capped so that a thoroughly damaged file
/// cannot make memory grow without bound.
struct ProblemLog {
    static let limit = 1000
    private(set) var problems: [SourceProblem] = []
    private(set) var suppressed = 0

    mutating func add(_ p: SourceProblem) {
        if problems.count < ProblemLog.limit { problems.append(p) } else { suppressed += 1 }
    }

    func finish(into summary: inout SourceSummary) {
        summary.problems = problems
        if suppressed > 0 {
            summary.problems.append(SourceProblem(position: "file",
                                                  message: "\(suppressed) further problem(s) not listed"))
        }
    }
}

/// What one scan accumulates besides the summary.
struct ScanState {
    var log = ProblemLog()
    var lost = LostCounter()
    /// Records skipped because they could not be decoded.
    var recordProblems: UInt64 = 0

    mutating func recordProblem(_ p: SourceProblem) {
        recordProblems += 1
        log.add(p)
    }
}

/// Totals of the DSC_EV_LOST records met during a scan.
struct LostCounter {
    var total: UInt64 = 0
    var byProbe: [UInt32: UInt64] = [:]

    mutating func note(_ record: UnsafeRawPointer) {
        let n = UInt64(littleEndian: record.loadUnaligned(fromByteOffset: RecordLayout.lsDropped, as: UInt64.self))
        let probe = UInt32(littleEndian: record.loadUnaligned(fromByteOffset: RecordLayout.lsProbe, as: UInt32.self))
        total = total.addingSaturating(n)
        byProbe[probe, default: 0] = byProbe[probe, default: 0].addingSaturating(n)
    }
}
