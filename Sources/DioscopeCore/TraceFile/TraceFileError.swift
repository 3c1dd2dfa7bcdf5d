#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Why a trace file cannot be opened, read or written at all. Damage inside
/// an otherwise readable file is not an error: the reader reports it as a
/// ``SourceProblem`` and goes on.
public enum TraceFileError: Error, Sendable, Equatable, CustomStringConvertible, LocalizedError {
    /// open/stat failed (`errno` text included).
    case cannotOpen(path: String, reason: String)
    case isDirectory(path: String)
    case notARegularFile(path: String)
    case emptyFile(path: String)
    /// The file does not start with the trace magic.
    case notATrace(path: String, firstBytes: String)
    /// The file is shorter than its fixed header.
    case truncatedHeader(path: String, size: Int)
    /// The fixed header is damaged beyond use.
    case damagedHeader(path: String, detail: String)
    case unsupportedFormatVersion(path: String, found: UInt16, supported: UInt16)
    case unsupportedABIVersion(path: String, found: UInt32, supported: UInt32)
    case unsupportedRecordSize(path: String, found: UInt32, supported: Int)
    /// A read, write, fsync or close failed.
    case io(path: String, operation: String, reason: String)
    /// `append(records:)` got a buffer that is not a whole number of records.
    case partialRecord(byteCount: Int)
    /// The writer was used after `finish(footer:)` or after a write error.
    case writerClosed(path: String)
    /// Metadata or footer could not be encoded.
    case encoding(detail: String)

    public var description: String {
        switch self {
        case .cannotOpen(let p, let r): "cannot open \(p): \(r)"
        case .isDirectory(let p): "\(p) is a directory, not a dioscope trace file"
        case .notARegularFile(let p): "\(p) is not a regular file"
        case .emptyFile(let p): "\(p) is empty (0 bytes): not a dioscope trace"
        case .notATrace(let p, let b):
            "\(p) is not a dioscope trace file (it starts with \(b); a trace starts with \\x89DSCOPE\\n)"
        case .truncatedHeader(let p, let n):
            "\(p) is truncated: \(n) bytes, shorter than the \(TraceFileFormat.fileHeaderSize)-byte trace header"
        case .damagedHeader(let p, let d): "\(p): trace header damaged at byte 0: \(d)"
        case .unsupportedFormatVersion(let p, let f, let s):
            "\(p): byte \(TraceFileFormat.fhVersion): trace format version \(f) is not supported (this dioscope reads version \(s))"
        case .unsupportedABIVersion(let p, let f, let s):
            "\(p): byte \(TraceFileFormat.fhABIVersion): record ABI version \(f) is not supported (this dioscope decodes ABI versions \(RecordLayout.readableABIVersions.lowerBound) to \(s))"
        case .unsupportedRecordSize(let p, let f, let s):
            "\(p): byte \(TraceFileFormat.fhRecordSize): record size \(f) is not supported (expected \(s))"
        case .io(let p, let op, let r): "\(p): \(op) failed: \(r)"
        case .partialRecord(let n):
            "record buffer of \(n) bytes is not a multiple of the \(RecordLayout.recordSize)-byte record size"
        case .writerClosed(let p): "\(p): trace writer already finished or failed"
        case .encoding(let d): "cannot encode trace metadata: \(d)"
        }
    }

    public var errorDescription: String? { description }

    /// `strerror(errno)` for the current errno.
    static func errnoText(_ e: Int32 = errno) -> String {
        String(cString: strerror(e))
    }
}
