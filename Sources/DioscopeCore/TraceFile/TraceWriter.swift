#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Writes a dioscope trace file (docs/trace-format.md).
///
/// The header and metadata are written by `init`, so even a recording
/// killed at once leaves a readable (empty, truncated) trace. Records are
/// buffered into a chunk of `recordsPerChunk` records; a full chunk, or
/// ``flush()``, writes it with its checksums in one `write(2)`. A file cut
/// off at any point still yields every chunk written before the cut.
/// ``finish(footer:)`` writes the footer and trailer and fsyncs.
///
/// The file is created with mode 0600 (an existing file is truncated and
/// set to 0600): traces reveal file layout and process names.
///
/// Time-based flushing: a chunk is also written once its oldest buffered
/// record has waited `maxChunkAge` (default 1 s), checked on `append`, so a
/// steady trickle of events reaches the disk within about a second. A
/// recorder that may go idle should still call ``flush()`` periodically.
///
/// Not thread-safe: use from one thread (the ring-buffer consumer).
public final class TraceWriter {
    public let path: String
    public let metadata: TraceMetadata
    public let recordsPerChunk: Int
    /// Records accepted by `append` so far (written or still buffered).
    public private(set) var recordsWritten: UInt64 = 0
    /// Chunks written to the file so far.
    public private(set) var chunksWritten: UInt64 = 0
    /// Bytes written to the file so far.
    public private(set) var bytesWritten: UInt64 = 0
    /// Records buffered in the current, not yet written chunk.
    public var pendingRecords: Int { pending }
    /// Longest time (ns, CLOCK_MONOTONIC) records stay buffered before an
    /// `append` writes their chunk; nil: only full chunks and `flush()`.
    public var maxChunkAge: UInt64? = 1_000_000_000

    private var fd: Int32
    private var failed = false
    private let chunk: UnsafeMutableRawPointer
    private var pending = 0
    private var minTs = UInt64.max
    private var maxTs: UInt64 = 0
    /// CLOCK_MONOTONIC ns when the first pending record was buffered.
    private var chunkStarted: UInt64 = 0
    private var appendsSinceClockCheck = 0

    /// Creates (or truncates) `path` with mode 0600 and writes the header.
    public init(path: String, metadata: TraceMetadata,
                recordsPerChunk: Int = TraceFileFormat.defaultRecordsPerChunk) throws {
        precondition(recordsPerChunk > 0 && recordsPerChunk * RecordLayout.recordSize <= TraceFileFormat.maxPayloadLength)
        self.path = path
        self.metadata = metadata
        self.recordsPerChunk = recordsPerChunk
        let json: [UInt8]
        do {
            json = Array(try TraceWriter.jsonEncoder().encode(metadata))
        } catch {
            throw TraceFileError.encoding(detail: "\(error)")
        }
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        if fd < 0 { throw TraceFileError.cannotOpen(path: path, reason: TraceFileError.errnoText()) }
        chunk = UnsafeMutableRawPointer.allocate(
            byteCount: TraceFileFormat.chunkHeaderSize + recordsPerChunk * RecordLayout.recordSize, alignment: 16)
        if fchmod(fd, 0o600) != 0 {
            let e = TraceFileError.errnoText()
            close(fd)
            fd = -1
            throw TraceFileError.io(path: path, operation: "fchmod 0600", reason: e)
        }

        typealias F = TraceFileFormat
        var header = [UInt8](repeating: 0, count: F.fileHeaderSize)
        let (_, realtime, _) = TraceMetadata.sampleClocks()
        header.withUnsafeMutableBytes { h in
            let b = h.baseAddress!
            b.copyMemory(from: F.fileMagic, byteCount: 8)
            b.storeBytes(of: F.version.littleEndian, toByteOffset: F.fhVersion, as: UInt16.self)
            b.storeBytes(of: UInt16(F.fileHeaderSize).littleEndian, toByteOffset: F.fhHeaderSize, as: UInt16.self)
            b.storeBytes(of: RecordLayout.abiVersion.littleEndian, toByteOffset: F.fhABIVersion, as: UInt32.self)
            b.storeBytes(of: UInt32(RecordLayout.recordSize).littleEndian, toByteOffset: F.fhRecordSize, as: UInt32.self)
            b.storeBytes(of: UInt32(json.count).littleEndian, toByteOffset: F.fhMetadataLength, as: UInt32.self)
            b.storeBytes(of: CRC32C.checksum(json).littleEndian, toByteOffset: F.fhMetadataCRC, as: UInt32.self)
            b.storeBytes(of: realtime.littleEndian, toByteOffset: F.fhCreatedRealtime, as: UInt64.self)
            let crc = CRC32C.update(0, b, count: F.fhHeaderCRC)
            b.storeBytes(of: crc.littleEndian, toByteOffset: F.fhHeaderCRC, as: UInt32.self)
        }
        header += json
        header += [UInt8](repeating: 0, count: F.padded(json.count) - json.count)
        do {
            try header.withUnsafeBytes { try writeAll($0.baseAddress!, $0.count) }
        } catch {
            close(fd)
            fd = -1
            throw error
        }
    }

    deinit {
        // Not finished: keep what was appended (the file stays "truncated":
        // no footer), ignoring errors since nobody can hear them.
        if fd >= 0 {
            if !failed && pending > 0 { try? writeChunk() }
            close(fd)
        }
        chunk.deallocate()
    }

    /// Appends raw ABI records exactly as the ring buffer delivered them.
    /// `records.count` must be a multiple of 96.
    public func append(records: UnsafeRawBufferPointer) throws {
        let size = RecordLayout.recordSize
        guard records.count % size == 0 else { throw TraceFileError.partialRecord(byteCount: records.count) }
        try checkOpen()
        guard var src = records.baseAddress else { return }
        var left = records.count / size
        if left > 0 && pending == 0 { chunkStarted = TraceWriter.monotonicNow() }
        while left > 0 {
            let n = min(left, recordsPerChunk - pending)
            let dst = chunk + TraceFileFormat.chunkHeaderSize + pending * size
            dst.copyMemory(from: src, byteCount: n * size)
            var lo = minTs, hi = maxTs
            for i in 0..<n {
                let r = src + i * size
                let ts = UInt64(littleEndian: r.loadUnaligned(fromByteOffset: RecordLayout.ts, as: UInt64.self))
                // a record's first event may come before the record's own time (a folded call's enter)
                lo = Swift.min(lo, RecordCodec.earliestTimestamp(r))
                hi = Swift.max(hi, ts)
            }
            minTs = lo
            maxTs = hi
            pending += n
            recordsWritten += UInt64(n)
            src += n * size
            left -= n
            if pending == recordsPerChunk {
                try writeChunk()
                if left > 0 { chunkStarted = TraceWriter.monotonicNow() }
            }
        }
        try flushIfOld(TraceWriter.monotonicNow())
    }

    /// Appends one event, encoded with ``RecordCodec``.
    public func append(_ event: Event) throws {
        try checkOpen()
        if pending == 0 { chunkStarted = TraceWriter.monotonicNow() }
        RecordCodec.encode(event, into: chunk + TraceFileFormat.chunkHeaderSize + pending * RecordLayout.recordSize)
        minTs = Swift.min(minTs, event.timestamp)
        maxTs = Swift.max(maxTs, event.timestamp)
        pending += 1
        recordsWritten += 1
        if pending == recordsPerChunk {
            try writeChunk()
        } else if maxChunkAge != nil {
            // reading the clock for every single event would cost more than the event
            appendsSinceClockCheck += 1
            if appendsSinceClockCheck >= 64 || maxChunkAge == 0 {
                appendsSinceClockCheck = 0
                try flushIfOld(TraceWriter.monotonicNow())
            }
        }
    }

    private func flushIfOld(_ now: UInt64) throws {
        if let age = maxChunkAge, pending > 0, now &- chunkStarted >= age { try writeChunk() }
    }

    static func monotonicNow() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }

    /// Writes the buffered records as a (possibly short) chunk. Call it
    /// periodically (e.g. every second) so that a killed recording loses
    /// little. Does nothing when no record is buffered.
    public func flush() throws {
        try checkOpen()
        if pending > 0 { try writeChunk() }
    }

    /// Flushes and `fdatasync`s what was written so far.
    public func sync() throws {
        try flush()
        if fdatasync(fd) != 0 {
            throw TraceFileError.io(path: path, operation: "fdatasync", reason: TraceFileError.errnoText())
        }
    }

    /// Flushes, writes the footer and trailer, fsyncs and closes the file.
    /// The writer sets `footer.totalRecords` and `footer.chunkCount`; the
    /// footer as written is returned.
    @discardableResult
    public func finish(footer: TraceFooter) throws -> TraceFooter {
        try flush()
        typealias F = TraceFileFormat
        var f = footer
        f.totalRecords = recordsWritten
        f.chunkCount = chunksWritten
        let json: [UInt8]
        do {
            json = Array(try TraceWriter.jsonEncoder().encode(f))
        } catch {
            throw TraceFileError.encoding(detail: "\(error)")
        }
        let footerOffset = bytesWritten
        var block = [UInt8](repeating: 0, count: F.footerHeaderSize)
        block.withUnsafeMutableBytes { h in
            let b = h.baseAddress!
            b.copyMemory(from: F.footerMagic, byteCount: 8)
            b.storeBytes(of: UInt32(json.count).littleEndian, toByteOffset: F.ftLength, as: UInt32.self)
            b.storeBytes(of: CRC32C.checksum(json).littleEndian, toByteOffset: F.ftCRC, as: UInt32.self)
        }
        block += json
        block += [UInt8](repeating: 0, count: F.padded(json.count) - json.count)
        var trailer = [UInt8](repeating: 0, count: F.trailerSize)
        trailer.withUnsafeMutableBytes { h in
            let b = h.baseAddress!
            b.copyMemory(from: F.trailerMagic, byteCount: 8)
            b.storeBytes(of: footerOffset.littleEndian, toByteOffset: F.trFooterOffset, as: UInt64.self)
            b.storeBytes(of: chunksWritten.littleEndian, toByteOffset: F.trChunkCount, as: UInt64.self)
            let crc = CRC32C.update(0, b, count: F.trCRC)
            b.storeBytes(of: crc.littleEndian, toByteOffset: F.trCRC, as: UInt32.self)
        }
        block += trailer
        try block.withUnsafeBytes { try writeAll($0.baseAddress!, $0.count) }
        if fsync(fd) != 0 {
            failed = true
            throw TraceFileError.io(path: path, operation: "fsync", reason: TraceFileError.errnoText())
        }
        let rc = close(fd)
        fd = -1
        if rc != 0 { throw TraceFileError.io(path: path, operation: "close", reason: TraceFileError.errnoText()) }
        return f
    }

    // MARK: - internals

    private func checkOpen() throws {
        if fd < 0 || failed { throw TraceFileError.writerClosed(path: path) }
    }

    private func writeChunk() throws {
        typealias F = TraceFileFormat
        let payload = pending * RecordLayout.recordSize
        let h = chunk
        h.initializeMemory(as: UInt8.self, repeating: 0, count: F.chunkHeaderSize)
        h.copyMemory(from: F.chunkMagic, byteCount: 8)
        h.storeBytes(of: chunksWritten.littleEndian, toByteOffset: F.chSequence, as: UInt64.self)
        h.storeBytes(of: UInt32(pending).littleEndian, toByteOffset: F.chRecordCount, as: UInt32.self)
        h.storeBytes(of: UInt32(payload).littleEndian, toByteOffset: F.chPayloadLength, as: UInt32.self)
        h.storeBytes(of: minTs.littleEndian, toByteOffset: F.chMinTimestamp, as: UInt64.self)
        h.storeBytes(of: maxTs.littleEndian, toByteOffset: F.chMaxTimestamp, as: UInt64.self)
        let pcrc = CRC32C.update(0, h + F.chunkHeaderSize, count: payload)
        h.storeBytes(of: pcrc.littleEndian, toByteOffset: F.chPayloadCRC, as: UInt32.self)
        let hcrc = CRC32C.update(0, h, count: F.chHeaderCRC)
        h.storeBytes(of: hcrc.littleEndian, toByteOffset: F.chHeaderCRC, as: UInt32.self)
        let chunkStart = bytesWritten
        do {
            try writeAll(h, F.chunkHeaderSize + payload)
        } catch {
            // A chunk written in part (disk full) is cut back off, so the
            // file ends after its last complete chunk.
            if bytesWritten != chunkStart, ftruncate(fd, off_t(chunkStart)) == 0 { bytesWritten = chunkStart }
            throw error
        }
        chunksWritten += 1
        pending = 0
        minTs = .max
        maxTs = 0
    }

    private func writeAll(_ base: UnsafeRawPointer, _ count: Int) throws {
        var p = base
        var left = count
        while left > 0 {
            let n = write(fd, p, left)
            if n < 0 {
                if errno == EINTR { continue }
                failed = true
                throw TraceFileError.io(path: path, operation: "write at byte \(bytesWritten)",
                                        reason: TraceFileError.errnoText())
            }
            if n == 0 {
                failed = true
                throw TraceFileError.io(path: path, operation: "write", reason: "no progress")
            }
            p += n
            left -= n
            bytesWritten += UInt64(n)
        }
    }

    static func jsonEncoder() -> JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }
}
