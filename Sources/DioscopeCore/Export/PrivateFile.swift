#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Writes output files the way trace files are written: mode 0600 (they
/// reveal file layout, process names and timing), atomically (a temporary
/// file in the same directory, fsynced, renamed over `path`).
public enum PrivateFile {
    /// Writers that hand their output to a sink in pieces (exports, the text report) cut them at
    /// about this size: a large recording's output is never held whole.
    public static let pieceBytes = 1 << 20

    public static func write(_ data: Data, to path: String) throws {
        try write(to: path) { sink in try sink(data) }
    }

    /// Writes what `produce` hands its sink, piece by piece, as the file `path`; if `produce`
    /// throws, the temporary file is removed and `path` is left as it was.
    public static func write(to path: String, _ produce: ((Data) throws -> Void) throws -> Void) throws {
        let dir = (path as NSString).deletingLastPathComponent
        var template = Array(((dir.isEmpty ? "." : dir) + "/.dioscope-XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }  // 0600
        guard fd >= 0 else { throw TraceFileError.cannotOpen(path: path, reason: TraceFileError.errnoText()) }
        // the name mkstemp filled in, without the terminating NUL
        let tmp = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var ok = false
        defer {
            if !ok { unlink(tmp) }
        }
        do {
            try produce { data in
                try data.withUnsafeBytes { raw in
                    var off = 0
                    while off < raw.count {
                        let n = Glibc.write(fd, raw.baseAddress! + off, raw.count - off)
                        if n < 0 && errno == EINTR { continue }
                        if n <= 0 {
                            throw TraceFileError.io(path: path, operation: "write", reason: TraceFileError.errnoText())
                        }
                        off += n
                    }
                }
            }
            if fsync(fd) != 0 {
                throw TraceFileError.io(path: path, operation: "fsync", reason: TraceFileError.errnoText())
            }
        } catch {
            close(fd)
            throw error
        }
        close(fd)
        if rename(tmp, path) != 0 {
            throw TraceFileError.io(path: path, operation: "rename", reason: TraceFileError.errnoText())
        }
        ok = true
    }
}
