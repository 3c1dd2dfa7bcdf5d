#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why an input given to `analyze`/`export` cannot be used at all.
public enum TraceInputError: Error, Sendable, Equatable, CustomStringConvertible {
    case cannotOpen(path: String, reason: String)
    /// The file has no bytes at all.
    case empty(path: String)
    /// Neither a dioscope trace (magic) nor ftrace / trace-cmd text.
    case unrecognized(path: String)

    public var description: String {
        switch self {
        case .cannotOpen(let p, let r): "cannot open \(p): \(r)"
        case .empty(let p): "\(p) is empty (0 bytes): neither a dioscope trace nor ftrace text"
        case .unrecognized(let p):
            "\(p) is neither a dioscope trace file nor ftrace text (tracefs trace, trace_pipe or trace-cmd report)"
        }
    }
}

/// An input file, detected by content: a dioscope trace file (by its magic)
/// or ftrace text. Use it wherever a command takes "a trace".
///
/// ```swift
/// var input = try TraceInput(path: p)
/// let (result, summary) = try Analyzer.analyze(&input)
/// ```
public struct TraceInput: EventSource {
    public enum Kind: String, Sendable {
        case dioscopeTrace = "dioscope-trace"
        case ftraceText = "ftrace-text"
    }

    private enum Source {
        case trace(TraceReader)
        case ftrace(FtraceImporter)
    }

    public let kind: Kind
    public let path: String
    /// Decode a dioscope trace on a second thread while `forEachEvent`'s body
    /// runs (``TraceReader/forEachEventPipelined(_:)``); same events, summary
    /// and errors either way. Ftrace text is always read on one thread.
    public var pipelinedDecode = DecodePipeline.isEnabledByDefault
    private var source: Source

    /// Opens `path` and detects its kind. Throws ``TraceInputError`` for
    /// unreadable or unrecognized input, and the trace reader's
    /// `TraceFileError` for a dioscope trace whose header is unusable.
    public init(path: String) throws {
        self.path = path
        let prefix = try Self.prefix(path: path, count: 64 * 1024)
        if prefix.isEmpty { throw TraceInputError.empty(path: path) }
        if prefix.starts(with: TraceFileFormat.fileMagic) {
            kind = .dioscopeTrace
            source = .trace(try TraceReader(path: path))
        } else if FtraceImporter.looksLikeFtraceText(prefix) {
            kind = .ftraceText
            source = .ftrace(FtraceImporter(path: path))
        } else {
            throw TraceInputError.unrecognized(path: path)
        }
    }

    /// The kind of input `path` holds, or nil if unrecognized.
    public static func detect(path: String) throws -> Kind? {
        let prefix = try Self.prefix(path: path, count: 64 * 1024)
        if prefix.starts(with: TraceFileFormat.fileMagic) { return .dioscopeTrace }
        if FtraceImporter.looksLikeFtraceText(prefix) { return .ftraceText }
        return nil
    }

    public mutating func forEachEvent(_ body: (Event) throws -> Void) throws -> SourceSummary {
        switch source {
        case .trace(var r):
            defer { source = .trace(r) }
            return try pipelinedDecode ? r.forEachEventPipelined(body) : r.forEachEvent(body)
        case .ftrace(var f):
            defer { source = .ftrace(f) }
            return try f.forEachEvent(body)
        }
    }

    /// The dioscope trace's events are restored to time order on the decoding thread when it
    /// decodes on one (the analyzing thread then only analyzes); otherwise on this thread.
    public mutating func forEachEventInTimeOrder(windowNs: UInt64, maxEvents: Int, _ body: (Event) throws -> Void)
        throws -> (summary: SourceSummary, lateEvents: UInt64)
    {
        switch source {
        case .trace(var r) where pipelinedDecode:
            defer { source = .trace(r) }
            return try r.forEachEventPipelined(timeOrder: (windowNs, maxEvents), body)
        case .trace(var r):
            defer { source = .trace(r) }
            return try r.forEachEventInTimeOrder(windowNs: windowNs, maxEvents: maxEvents, body)
        case .ftrace(var f):
            defer { source = .ftrace(f) }
            return try f.forEachEventInTimeOrder(windowNs: windowNs, maxEvents: maxEvents, body)
        }
    }

    private static func prefix(path: String, count: Int) throws -> [UInt8] {
        var st = stat()
        guard stat(path, &st) == 0 else {
            throw TraceInputError.cannotOpen(path: path, reason: String(cString: strerror(errno)))
        }
        if st.st_mode & S_IFMT == S_IFDIR { throw TraceInputError.cannotOpen(path: path, reason: "is a directory") }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw TraceInputError.cannotOpen(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        var buf = [UInt8](repeating: 0, count: count)
        var got = 0
        while got < count {
            let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress! + got, count - got) }
            if n < 0 {
                if errno == EINTR { continue }
                throw TraceInputError.cannotOpen(path: path, reason: String(cString: strerror(errno)))
            }
            if n == 0 { break }
            got += n
        }
        return Array(buf.prefix(got))
    }
}
