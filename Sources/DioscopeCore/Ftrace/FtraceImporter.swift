#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why an ftrace text input could not be read at all.
public struct FtraceImportError: Error, Sendable, Equatable, CustomStringConvertible {
    public var path: String
    public var errno: Int32
    public var description: String { "\(path): \(String(cString: strerror(errno)))" }
}

/// Imports ftrace text into dioscope events: the `trace` file of a tracefs
/// instance, `trace_pipe` output, or `trace-cmd report` output (detected
/// per line; the summary's `format` names what was seen).
///
/// Reads the input in 1 MiB blocks and parses bytes in place, so memory does
/// not grow with the input. Unknown events are skipped and counted by name
/// in `SourceSummary.skipped`; malformed lines become `SourceProblem`s
/// ("line N") and mark the summary damaged; lost-events markers become
/// `.lost` events and count in `SourceSummary.dropped`; a last line without
/// newline is not parsed and marks the summary truncated.
///
/// What text cannot show stays 0 / -1: `kiocb`, `userRef`, `blkbits`,
/// `isize` of syscalls and of `xfs_file_direct_write`. `tgid` is the tgid
/// column when present (`record-tgid`), else the thread id. Exits carry the
/// `sysno`, `fd` and `enterTimestamp` of the thread's matching enter.
public struct FtraceImporter: EventSource {
    private enum Input {
        case path(String)
        case bytes([UInt8])
    }

    private let input: Input
    /// Read-block size; lines longer than this grow the buffer.
    private let blockSize: Int
    /// Longer lines are skipped and reported (memory stays bounded).
    private let maxLineLength: Int

    /// Reads the file at `path` (opened when `forEachEvent` runs).
    public init(path: String) {
        self.init(path: path, blockSize: 1 << 20)
    }

    /// Parses text already in memory.
    public init(bytes: [UInt8]) {
        input = .bytes(bytes)
        blockSize = 1 << 20
        maxLineLength = Int.max
    }

    /// Parses text already in memory.
    public init(text: String) {
        self.init(bytes: Array(text.utf8))
    }

    init(path: String, blockSize: Int, maxLineLength: Int = 4 << 20) {
        input = .path(path)
        self.blockSize = blockSize
        self.maxLineLength = max(maxLineLength, blockSize)
    }

    /// True if `prefix` (the first bytes of an input) looks like ftrace or
    /// trace-cmd text: a `# tracer:` header, trace-cmd's `cpus=`/`version =`
    /// header, or a line of the form `comm-pid [cpu] ... secs.usecs: name`.
    public static func looksLikeFtraceText(_ prefix: [UInt8]) -> Bool {
        var p = FtraceLineParser()
        var events = 0
        var lines = 0
        let sentinel = prefix.withUnsafeBufferPointer { buf -> Bool in
            guard let base = buf.baseAddress else { return false }
            var s = 0
            while s < buf.count && lines < 64 {
                var e = s
                while e < buf.count && base[e] != 0x0A { e += 1 }
                if e == buf.count { break }
                for k in s..<e where base[k] == 0 { return false } // binary
                try? p.parse(base, s, e) { _ in events += 1 }
                lines += 1
                s = e + 1
            }
            return true
        }
        guard sentinel else { return false }
        let text = String(decoding: prefix.prefix(4096), as: UTF8.self)
        if text.hasPrefix("# tracer:") || text.hasPrefix("cpus=") || text.hasPrefix("version = ") { return true }
        let s = p.summary
        let recognized = events + s.skipped.values.reduce(0) { $0 + Int($1) }
        return lines > 0 && recognized * 2 > max(1, lines - s.problems.count / 4) && s.problems.count * 2 < lines
    }

    public mutating func forEachEvent(_ body: (Event) throws -> Void) throws -> SourceSummary {
        var parser = FtraceLineParser()
        switch input {
        case .bytes(let bytes):
            try bytes.withUnsafeBufferPointer { buf in
                guard let base = buf.baseAddress else { return }
                let consumed = try Self.parseLines(base, buf.count, &parser, body)
                if consumed < buf.count { parser.truncatedLastLine() }
            }
        case .path(let path):
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw FtraceImportError(path: path, errno: errno) }
            defer { close(fd) }
            try Self.readBlocks(fd: fd, path: path, blockSize: blockSize, maxLineLength: maxLineLength, &parser, body)
        }
        return try parser.finish(emit: body)
    }

    private static func readBlocks(fd: Int32, path: String, blockSize: Int, maxLineLength: Int,
                                   _ parser: inout FtraceLineParser, _ body: (Event) throws -> Void) throws {
        var buffer = [UInt8](repeating: 0, count: blockSize)
        var filled = 0
        // Inside a line longer than maxLineLength: drop bytes up to the next newline.
        var skipping = false
        while true {
            if filled == buffer.count {
                if buffer.count < maxLineLength {
                    buffer.append(contentsOf: repeatElement(0, count: min(buffer.count, maxLineLength - buffer.count)))
                } else {
                    parser.overlongLine(limit: maxLineLength)
                    skipping = true
                    filled = 0
                }
            }
            let n = buffer.withUnsafeMutableBytes { raw in
                read(fd, raw.baseAddress! + filled, raw.count - filled)
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw FtraceImportError(path: path, errno: errno)
            }
            if n == 0 {
                if filled > 0 && !skipping {
                    try buffer.withUnsafeBufferPointer { buf in
                        let consumed = try parseLines(buf.baseAddress!, filled, &parser, body)
                        if consumed < filled { parser.truncatedLastLine() }
                    }
                }
                return
            }
            var start = filled
            filled += n
            if skipping {
                guard let nl = buffer.withUnsafeBufferPointer({ buf in
                    memchr(buf.baseAddress! + start, 0x0A, filled - start).map {
                        UnsafeRawPointer($0).assumingMemoryBound(to: UInt8.self) - buf.baseAddress!
                    }
                }) else {
                    filled = 0
                    continue
                }
                skipping = false
                start = nl + 1
            } else {
                start = 0
            }
            let consumed = try buffer.withUnsafeBufferPointer { buf in
                start + (try parseLines(buf.baseAddress! + start, filled - start, &parser, body))
            }
            if consumed > 0 {
                let rest = filled - consumed
                buffer.withUnsafeMutableBytes { raw in
                    if rest > 0 { memmove(raw.baseAddress!, raw.baseAddress! + consumed, rest) }
                }
                filled = rest
            }
        }
    }

    /// Parses every complete line in `base[0..<count]`; returns the bytes consumed.
    private static func parseLines(_ base: UnsafePointer<UInt8>, _ count: Int, _ parser: inout FtraceLineParser,
                                   _ body: (Event) throws -> Void) throws -> Int {
        var s = 0
        while s < count {
            guard let nl = memchr(base + s, 0x0A, count - s) else { break }
            let e = UnsafeRawPointer(nl).assumingMemoryBound(to: UInt8.self) - base
            try parser.parse(base, s, e, emit: body)
            s = e + 1
        }
        return s
    }
}
