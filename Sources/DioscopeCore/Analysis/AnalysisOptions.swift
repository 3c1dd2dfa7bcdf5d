/// How the analyzer runs.
public struct AnalysisOptions: Sendable {
    /// Events are sorted by timestamp within this window (ns) before analysis:
    /// per-CPU buffers deliver them slightly out of order.
    public var reorderWindowNs: UInt64 = 20_000_000
    /// Hard cap on events held for reordering (memory bound).
    public var reorderMaxEvents: Int = 1 << 20
    /// Keep every timeline in the result. Off: keep only timelines named by a
    /// finding or inconclusive ones (counts and phase tables still cover all).
    public var keepAllTimelines: Bool = true
    /// Without ``keepAllTimelines``: how many inconclusive timelines to keep for the report
    /// (all are counted). Bounds memory when a long live run keeps losing events.
    public var maxInconclusiveTimelines: Int = 1000
    /// How many processes and how many files get their own phase table. The I/Os of further
    /// processes (files) go into one table named "other processes" ("other files"). Each table
    /// keeps up to 4 096 exact samples per phase, then a fixed histogram (about 160 KB at most),
    /// so without a bound a long live run over a file per table (a database) grew by that much
    /// per file; the first ones seen keep their tables.
    public var maxPhaseGroups: Int = 256
    /// Default filesystem block size when the trace does not tell (log2).
    public var defaultBlockBits: UInt8 = 12

    public init() {}
}

/// Which parts of a result to show (`dioscope analyze --pid/--inode/...`).
/// The analysis itself always runs over every event: races need context.
public struct AnalysisFilter: Sendable {
    public var pid: UInt32?
    public var ino: UInt64?
    public var dev: DeviceNumber?
    public var kind: FindingKind?
    public var since: UInt64?
    public var until: UInt64?

    public init(pid: UInt32? = nil, ino: UInt64? = nil, dev: DeviceNumber? = nil, kind: FindingKind? = nil,
                since: UInt64? = nil, until: UInt64? = nil) {
        self.pid = pid
        self.ino = ino
        self.dev = dev
        self.kind = kind
        self.since = since
        self.until = until
    }

    public var isEmpty: Bool { pid == nil && ino == nil && dev == nil && kind == nil && since == nil && until == nil }

    public func matches(_ t: IOTimeline) -> Bool {
        if let pid, t.tgid != pid && t.tid != pid { return false }
        if let ino, t.ino != ino { return false }
        if let dev, t.dev != dev { return false }
        if let since, t.endedAt < since { return false }
        if let until, t.submittedAt > until { return false }
        return true
    }

    public func matches(_ f: Finding, timelines: [UInt64: IOTimeline]) -> Bool {
        if let kind, f.kind != kind { return false }
        if let ino, f.ino != ino { return false }
        if let dev, f.dev != dev { return false }
        if let pid, !f.subjects.contains(where: { $0.tgid == pid || $0.tid == pid }),
           !f.operations.contains(where: { $0.tgid == pid || $0.tid == pid }) { return false }
        if since != nil || until != nil {
            let ts = f.evidence.map(\.timestamp)
            guard let lo = ts.min(), let hi = ts.max() else { return true }
            if let since, hi < since { return false }
            if let until, lo > until { return false }
        }
        return true
    }

    /// The result restricted to what matches; counts, tables and verdict stay global.
    public func apply(to r: AnalysisResult) -> AnalysisResult {
        if isEmpty { return r }
        var out = r
        var byID: [UInt64: IOTimeline] = [:]
        for t in r.timelines { byID[t.id] = t }
        out.findings = r.findings.filter { matches($0, timelines: byID) }
        if let include = timelineFilter(shownFindings: out.findings) { out.timelines = r.timelines.filter(include) }
        return out
    }

    /// Which timelines the filtered view shows, given the findings it shows (with a kind, only
    /// the I/Os those findings name); nil when it shows every one. ``apply(to:)`` uses it on the
    /// result's timelines, an export on a spill's (``ExportTimelines``).
    public func timelineFilter(shownFindings: [Finding]) -> ((IOTimeline) -> Bool)? {
        if isEmpty { return nil }
        let named = kind == nil ? [] : Set(shownFindings.flatMap(\.ios))
        return { (kind == nil || named.contains($0.id)) && matches($0) }
    }
}
