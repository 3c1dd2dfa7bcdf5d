/// Everything an analysis produced: timelines, findings, phase statistics,
/// what was inconclusive, and the verdict. Codable: `dioscope analyze
/// --format json` prints it as is.
public struct AnalysisResult: Sendable, Codable, Equatable {
    /// What the source read ("dioscope-trace", "ftrace-trace", ...).
    public var sourceFormat: String
    public var eventsRead: UInt64
    /// Events the analyzer used (after the reorder window).
    public var eventsAnalyzed: UInt64
    /// The source was damaged, truncated or lossy (or LOST records were seen).
    public var sourceComplete: Bool
    public var sourceProblems: [String]
    public var eventsDropped: UInt64
    /// Time windows (ns) in which events were lost.
    public var lostWindows: [LostWindow]

    /// Counts over all I/Os, including those not kept in ``timelines``.
    public var counts: IOCounts
    /// The I/O timelines (all of them unless ``AnalysisOptions/keepAllTimelines`` was off,
    /// in which case only those named by a finding or inconclusive).
    public var timelines: [IOTimeline]
    public var findings: [Finding]
    /// btt-style phase statistics: overall, per process, per inode.
    public var phaseTables: PhaseTables
    /// Events that could not be joined to any I/O, by kind (diagnostics).
    public var unmatched: [String: UInt64]
    /// The ``unmatched`` key counting libaio completions that were posted and never reaped because
    /// their process exited first (record ABI 5 traces): their I/Os are complete, their timelines
    /// end with a `process-exited` entry.
    public static let unreapedAtExit = "libaio completion not reaped: its process exited"
    /// `unmatched` key: I/Os whose user got the result with no `iomap_dio_complete` recorded (a
    /// lost window's, or one the kernel skipped without counting it).
    public static let resultWithoutCompletion = "result without iomap_dio_complete"
    /// `unmatched` key: I/Os that completed with bios of which no request completion was
    /// recorded (the device phase is missing): `block_rq_complete` fired where no BPF program ran
    /// (a softirq on top of a task the kernel hides from BPF: README, "Robustness") or in a lost
    /// window. The I/O's completion itself was recorded, so nothing the detectors read is missing.
    public static let noDeviceCompletion = "I/O without a recorded request completion"
    public var verdict: Verdict

    public init(sourceFormat: String, eventsRead: UInt64, eventsAnalyzed: UInt64, sourceComplete: Bool,
                sourceProblems: [String], eventsDropped: UInt64, lostWindows: [LostWindow], counts: IOCounts,
                timelines: [IOTimeline], findings: [Finding], phaseTables: PhaseTables, unmatched: [String: UInt64],
                verdict: Verdict) {
        self.sourceFormat = sourceFormat
        self.eventsRead = eventsRead
        self.eventsAnalyzed = eventsAnalyzed
        self.sourceComplete = sourceComplete
        self.sourceProblems = sourceProblems
        self.eventsDropped = eventsDropped
        self.lostWindows = lostWindows
        self.counts = counts
        self.timelines = timelines
        self.findings = findings
        self.phaseTables = phaseTables
        self.unmatched = unmatched
        self.verdict = verdict
    }

    /// The documented exit status for this result. `damaged` is the source's
    /// own verdict on its input (bad chunks/lines): it wins over everything.
    public func exitStatus(sourceDamaged: Bool) -> DioscopeExitStatus {
        if sourceDamaged { return .badInput }
        switch verdict {
        case .findings: return .findings
        case .inconclusive: return .inconclusive
        case .clean: return .clean
        }
    }
}

public enum Verdict: String, Sendable, Codable, CustomStringConvertible {
    /// Every I/O was seen whole and nothing was flagged.
    case clean
    /// At least one finding.
    case findings
    /// No finding, but some I/O or the source itself was incomplete.
    case inconclusive
    public var description: String { rawValue }
}

public struct LostWindow: Sendable, Codable, Equatable {
    public var since: UInt64
    public var until: UInt64
    public var dropped: UInt64
    /// The tracepoint whose program missed every hit of the window (recursion misses,
    /// ``Lost/recursionMiss``), when the analyzer marked only the I/Os missing its events; nil
    /// for drops that may have been any record (every I/O in the window is marked).
    public var missesOf: String?
    public init(since: UInt64, until: UInt64, dropped: UInt64, missesOf: String? = nil) {
        self.since = since
        self.until = until
        self.dropped = dropped
        self.missesOf = missesOf
    }
}

public struct IOCounts: Sendable, Codable, Equatable {
    public var total: UInt64 = 0
    public var reads: UInt64 = 0
    public var writes: UInt64 = 0
    /// By API name ("sync", "libaio", "io_uring", "async") and operation: "libaio write".
    public var byAPI: [String: UInt64] = [:]
    public var inconclusive: UInt64 = 0
    /// I/Os whose kernel retried them (counted once).
    public var retried: UInt64 = 0
    public var errors: UInt64 = 0
    public init() {}
}
