/// Something that yields trace events: a dioscope trace file, ftrace text,
/// or the live ring buffer. Sources stream: memory must not grow with the
/// length of the input.
///
/// Events come in the source's order, which is close to but not exactly
/// timestamp order (per-CPU buffers); consumers that need strict order sort
/// within a bounded window.
public protocol EventSource {
    /// Calls `body` for every event that could be decoded, then returns what
    /// was read and every problem met (damaged chunks, malformed lines, ...).
    /// Problems in the input never throw; only `body`'s errors and I/O errors
    /// on opening the input do.
    mutating func forEachEvent(_ body: (Event) throws -> Void) throws -> SourceSummary

    /// ``forEachEvent(_:)`` with the events first restored to timestamp order: held until the
    /// newest timestamp seen is more than `windowNs` ahead of them (or more than `maxEvents` are
    /// held), ties in arrival order. Also returns how many events came later than an event
    /// already released (they are passed on out of order). ``Analyzer/analyze(_:options:)`` reads
    /// its input this way. The default reorders on the calling thread; a trace file decoded on a
    /// thread of its own reorders there (``TraceInput``).
    mutating func forEachEventInTimeOrder(windowNs: UInt64, maxEvents: Int, _ body: (Event) throws -> Void) throws
        -> (summary: SourceSummary, lateEvents: UInt64)
}

extension EventSource {
    public mutating func forEachEventInTimeOrder(windowNs: UInt64, maxEvents: Int, _ body: (Event) throws -> Void)
        throws -> (summary: SourceSummary, lateEvents: UInt64)
    {
        let reorder = ReorderBuffer(windowNs: windowNs, maxEvents: maxEvents)
        let summary = try forEachEvent { e in
            reorder.push(e)
            while let r = reorder.popReady() { try body(r) }
        }
        try reorder.drain(body)
        return (summary, reorder.lateEvents)
    }
}

/// A problem found in an input, with where it was.
public struct SourceProblem: Sendable, Equatable, CustomStringConvertible {
    public enum Severity: String, Sendable, Codable { case warning, error }
    /// "byte 4096", "chunk 3 at byte 4096", "line 17", ...
    public var position: String
    public var message: String
    public var severity: Severity

    public init(position: String, message: String, severity: Severity = .error) {
        self.position = position
        self.message = message
        self.severity = severity
    }

    public var description: String { "\(position): \(message)" }
}

/// What a source read, for the verdict: a damaged or lossy input can never
/// be called clean.
public struct SourceSummary: Sendable, Equatable {
    /// "dioscope-trace", "ftrace-trace", "ftrace-pipe", "trace-cmd-report", "live"
    public var format: String
    public var eventsRead: UInt64 = 0
    /// Inputs skipped on purpose (for example unknown ftrace events), by name.
    public var skipped: [String: UInt64] = [:]
    public var problems: [SourceProblem] = []
    /// Some of the input could not be read (bad chunk, malformed data).
    public var damaged: Bool = false
    /// The input ended early (no footer, cut mid-chunk or mid-line).
    public var truncated: Bool = false
    /// Records the kernel dropped (ring buffer full), total and per probe name.
    public var dropped: UInt64 = 0
    public var droppedByProbe: [String: UInt64] = [:]
    /// Time span the source covered, if known (CLOCK_MONOTONIC ns).
    public var firstTimestamp: UInt64?
    public var lastTimestamp: UInt64?

    public init(format: String) { self.format = format }

    /// True when nothing was lost, damaged or cut off.
    public var isComplete: Bool { !damaged && !truncated && dropped == 0 }
}
