#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Every timeline an analysis emits, written to an unlinked temporary file as it is emitted
/// (``TimelineCodec``'s binary form), and read back in id or submission order for an export.
///
/// Why: an export writes every I/O's timeline, and holding them all as values until the end
/// took about 1.35 KB per I/O (3.2 GB for the 2.3 M I/Os of a 4 M-event recording; a
/// 10-minute recording at fio's rate would need about 85 GB). Spilled, a timeline takes
/// a record of about 150–250 bytes in the file (the page cache's, not the process's) and
/// 24 bytes of index in memory.
///
/// The file is created in `$TMPDIR`, else `/var/tmp`, else `/tmp`, with mode 0600, and unlinked
/// at once: it holds the same private detail as the trace, and it disappears with the process
/// whatever happens. `/var/tmp` before `/tmp`: `/tmp` is a tmpfs on many systems (Debian 13,
/// Fedora, Arch), where the spill would take memory again; `/var/tmp` is where large temporary
/// files are meant to go (systemd's file-hierarchy(7)). A write error (a full disk) is kept and thrown by ``finishWriting()`` or any read,
/// with the file's directory named; nothing is silently dropped.
///
/// Reading applies the analysis's end-of-trace marks (``TimelineFinalMark``): a lost window
/// reported after an I/O was emitted, or a damaged source, makes a timeline emitted as
/// complete inconclusive, exactly as the analysis marks the timelines it keeps.
public final class TimelineSpill {
    /// Where each record lies, and what ordering and the inconclusive scan need without
    /// reading it: 24 bytes per timeline.
    struct IndexEntry {
        var id: UInt64
        var submittedAt: UInt64
        /// The record's byte offset in the file (bits 0–39: up to 1 TiB), its length (bits
        /// 40–62; ``lengthOverflow`` when it does not fit, the length then in `longRecords`), and
        /// whether it was emitted inconclusive (bit 63).
        private var place: UInt64

        static let offsetBits = 40
        static let lengthOverflow = (1 << 23) - 1

        init(id: UInt64, submittedAt: UInt64, offset: UInt64, length: Int, inconclusive: Bool) {
            self.id = id
            self.submittedAt = submittedAt
            place = offset | UInt64(min(length, Self.lengthOverflow)) << Self.offsetBits | (inconclusive ? 1 << 63 : 0)
        }

        var offset: UInt64 { place & (1 << Self.offsetBits - 1) }
        /// The length, unless it is ``lengthOverflow``.
        var packedLength: Int { Int(truncatingIfNeeded: place >> Self.offsetBits) & Self.lengthOverflow }
        var inconclusive: Bool { place >> 63 == 1 }
    }

    /// The order records are read back in.
    public enum Order {
        /// By I/O id (the analysis result's order).
        case id
        /// By submission time, then id (the Perfetto export's order).
        case submission
    }

    private let fd: Int32
    private let directory: String
    private var index: [IndexEntry] = []
    /// Lengths of records too long for their index entry (8 MiB or more: never seen).
    private var longRecords: [UInt64: Int] = [:]
    /// The order `index` is sorted in (nil: emission order).
    private var indexOrder: Order?
    /// Records not yet written to the file.
    private var buffer: [UInt8] = []
    /// Bytes written to the file so far.
    private var fileBytes: UInt64 = 0
    /// The first write error; once set, nothing more is written.
    private var failure: (any Error)?
    /// Set by ``Analyzer/analyze(_:options:spill:)`` when the analysis ends.
    public internal(set) var finalMark = TimelineFinalMark()

    /// Timelines spilled.
    public var count: Int { index.count }
    /// Bytes of records spilled (written or buffered).
    public var recordBytes: UInt64 { fileBytes + UInt64(buffer.count) }

    /// Creates the spill file in `directory`, or ``defaultDirectory``.
    public init(directory: String? = nil) throws {
        let dir = directory ?? Self.defaultDirectory
        var template = Array((dir + "/dioscope-spill-XXXXXX").utf8CString)
        // mode 0600, and unlinked at once
        let fd = template.withUnsafeMutableBufferPointer { name -> Int32 in
            let fd = mkstemp(name.baseAddress!)
            if fd >= 0 { unlink(name.baseAddress!) }
            return fd
        }
        guard fd >= 0 else {
            throw SpillError(directory: dir, operation: "create a spill file", reason: TraceFileError.errnoText())
        }
        self.fd = fd
        self.directory = dir
        buffer.reserveCapacity(PrivateFile.pieceBytes + 65_536)
    }

    /// A spill into the open file `fd` (closed with the spill); for tests of failing writes.
    init(fd: Int32, directory: String) {
        self.fd = fd
        self.directory = directory
        buffer.reserveCapacity(PrivateFile.pieceBytes + 65_536)
    }

    deinit { close(fd) }

    /// `$TMPDIR` if set, else `/var/tmp` if it is a writable directory, else `/tmp`.
    public static var defaultDirectory: String {
        if let env = ProcessInfo.processInfo.environment["TMPDIR"], !env.isEmpty { return env }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: "/var/tmp", isDirectory: &isDirectory), isDirectory.boolValue,
           access("/var/tmp", W_OK) == 0 {
            return "/var/tmp"
        }
        return "/tmp"
    }

    /// Appends `t` (called for every emitted timeline: ``Analyzer``'s `onTimeline`). A write
    /// error is kept for ``finishWriting()``.
    public func append(_ t: IOTimeline) {
        guard failure == nil else { return }
        let start = buffer.count
        t.appendBinary(to: &buffer)
        let length = buffer.count - start
        let offset = fileBytes + UInt64(start)
        guard offset < 1 << IndexEntry.offsetBits else {
            failure = SpillError(directory: directory, operation: "write the spill file", reason: "it would exceed 1 TiB")
            return
        }
        if length >= IndexEntry.lengthOverflow { longRecords[offset] = length }
        index.append(IndexEntry(id: t.id, submittedAt: t.submittedAt, offset: offset, length: length,
                                inconclusive: t.status == .inconclusive))
        indexOrder = nil
        if buffer.count >= PrivateFile.pieceBytes { flush() }
    }

    /// Writes what is buffered; throws the first write error seen.
    public func finishWriting() throws {
        if failure == nil { flush() }
        if let failure { throw failure }
    }

    private func flush() {
        guard !buffer.isEmpty else { return }
        let ok = buffer.withUnsafeBytes { raw -> Bool in
            var off = 0
            while off < raw.count {
                let n = pwrite(fd, raw.baseAddress! + off, raw.count - off, off_t(fileBytes) + off_t(off))
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { return false }
                off += n
            }
            return true
        }
        if !ok {
            failure = SpillError(directory: directory, operation: "write the spill file", reason: TraceFileError.errnoText())
            return
        }
        fileBytes += UInt64(buffer.count)
        buffer.removeAll(keepingCapacity: true)
    }

    /// Calls `body` with every spilled timeline that `include` accepts (all without it), in
    /// `order`, each with the analysis's end marks applied.
    public func forEach(order: Order, where include: ((IOTimeline) -> Bool)? = nil,
                        _ body: (IOTimeline) throws -> Void) throws {
        try finishWriting()
        var reader = RecordReader(fd: fd, directory: directory)
        for e in sortedIndex(order) {
            var t = try reader.timeline(e, length: length(e))
            finalMark.apply(to: &t)
            if let include, !include(t) { continue }
            try body(t)
        }
    }

    /// Calls `body` with the track fields (``IOTimeline/TrackFields``) of every spilled timeline,
    /// in `order`, read from each record's head only.
    func forEachTrack(order: Order, _ body: (IOTimeline.TrackFields) throws -> Void) throws {
        try finishWriting()
        var reader = RecordReader(fd: fd, directory: directory)
        for e in sortedIndex(order) {
            let f = try reader.trackFields(e, length: length(e))
            guard f.id == e.id else {
                throw TimelineCodecError("spilled timeline io#\(e.id) at byte \(e.offset) does not read back")
            }
            try body(f)
        }
    }

    /// The first `limit` inconclusive timelines `include` accepts, in id order. Records the
    /// index shows complete are read only when the end marks could change them.
    public func inconclusive(limit: Int, where include: ((IOTimeline) -> Bool)? = nil) throws -> [IOTimeline] {
        try finishWriting()
        var out: [IOTimeline] = []
        guard limit > 0 else { return out }
        var reader = RecordReader(fd: fd, directory: directory)
        let marksComplete = finalMark.canMarkComplete
        for e in sortedIndex(.id) where e.inconclusive || marksComplete {
            var t = try reader.timeline(e, length: length(e))
            finalMark.apply(to: &t)
            guard t.status == .inconclusive, include?(t) ?? true else { continue }
            out.append(t)
            if out.count == limit { break }
        }
        return out
    }

    /// The index in `order`, sorted in place (a copy would double the index's memory).
    private func sortedIndex(_ order: Order) -> [IndexEntry] {
        guard indexOrder != order else { return index }
        switch order {
        case .id:
            // emitted nearly in id order: skip the sort when it already holds
            var inOrder = true
            for i in index.indices.dropFirst() where index[i - 1].id > index[i].id {
                inOrder = false
                break
            }
            if !inOrder { index.sort { $0.id < $1.id } }
        case .submission:
            index.sort { ($0.submittedAt, $0.id) < ($1.submittedAt, $1.id) }
        }
        indexOrder = order
        return index
    }

    private func length(_ e: IndexEntry) -> Int {
        e.packedLength == IndexEntry.lengthOverflow ? longRecords[e.offset] ?? 0 : e.packedLength
    }

    /// Reads records through a window of 64 KiB (about 280 records): read in id or submission
    /// order, they lie nearly in file order (timelines are emitted close to the order they were
    /// submitted in), and a record outside the window costs one read of it. Small, so that
    /// an order far from the file's (I/Os of very different lengths interleaved) costs a 64 KiB
    /// copy per jump rather than a 1 MiB one.
    private struct RecordReader {
        static let windowSize = 64 << 10
        let fd: Int32
        let directory: String
        var window: [UInt8] = []
        /// File offset of `window[0]`, and how many of its bytes were read.
        var windowStart: UInt64 = 0
        var windowBytes = 0

        init(fd: Int32, directory: String) {
            self.fd = fd
            self.directory = directory
        }

        mutating func trackFields(_ e: TimelineSpill.IndexEntry, length: Int) throws -> IOTimeline.TrackFields {
            let start = try locate(e, length: length)
            return try window.withUnsafeBytes { raw in
                try IOTimeline.trackFields(binary: UnsafeRawBufferPointer(rebasing: raw[..<(start + length)]), position: start)
            }
        }

        /// Reads the window holding the record if it is not in the current one; returns where
        /// it starts in the window.
        private mutating func locate(_ e: TimelineSpill.IndexEntry, length: Int) throws -> Int {
            let end = e.offset + UInt64(length)
            if e.offset < windowStart || end > windowStart + UInt64(windowBytes) { try fill(at: e.offset, atLeast: length) }
            return Int(e.offset - windowStart)
        }

        mutating func timeline(_ e: TimelineSpill.IndexEntry, length: Int) throws -> IOTimeline {
            let start = try locate(e, length: length)
            return try window.withUnsafeBytes { raw in
                var position = start
                let t = try IOTimeline(binary: UnsafeRawBufferPointer(rebasing: raw[..<(start + length)]), position: &position)
                guard position == start + length, t.id == e.id else {
                    throw TimelineCodecError("spilled timeline io#\(e.id) at byte \(e.offset) does not read back")
                }
                return t
            }
        }

        private mutating func fill(at offset: UInt64, atLeast n: Int) throws {
            let size = max(Self.windowSize, n, window.count)
            if window.count < size { window = [UInt8](repeating: 0, count: size) }
            var got = 0
            try window.withUnsafeMutableBytes { raw in
                while got < size {
                    let r = pread(fd, raw.baseAddress! + got, size - got, off_t(offset) + off_t(got))
                    if r < 0 && errno == EINTR { continue }
                    if r < 0 {
                        throw SpillError(directory: directory, operation: "read the spill file",
                                         reason: TraceFileError.errnoText())
                    }
                    if r == 0 { break }
                    got += r
                }
            }
            guard got >= n else {
                throw SpillError(directory: directory, operation: "read the spill file",
                                 reason: "it ends \(n - got) bytes short")
            }
            windowStart = offset
            windowBytes = got
        }
    }
}

/// A spill file that cannot be created, written or read.
public struct SpillError: Error, CustomStringConvertible {
    public var directory: String
    public var operation: String
    public var reason: String
    public var description: String {
        "cannot \(operation) in \(directory) (set TMPDIR to a directory with room): \(reason)"
    }
}

extension SpillError: LocalizedError {
    public var errorDescription: String? { description }
}
