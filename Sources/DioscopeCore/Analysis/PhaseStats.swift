/// min/avg/p50/p99/max of one phase over a group of I/Os (nanoseconds).
public struct PhaseSummary: Sendable, Codable, Equatable {
    public var count: UInt64
    public var min: UInt64
    public var avg: UInt64
    public var p50: UInt64
    public var p99: UInt64
    public var max: UInt64

    public init(count: UInt64, min: UInt64, avg: UInt64, p50: UInt64, p99: UInt64, max: UInt64) {
        self.count = count
        self.min = min
        self.avg = avg
        self.p50 = p50
        self.p99 = p99
        self.max = max
    }
}

/// The btt-style table of one group: every phase that had samples.
public struct PhaseTable: Sendable, Codable, Equatable {
    /// "all", "pid 1234 (fio)", "ino 7:0/0x87"
    public var group: String
    public var ios: UInt64
    /// Keyed by ``Phase/rawValue``.
    public var phases: [String: PhaseSummary]

    public init(group: String, ios: UInt64, phases: [String: PhaseSummary]) {
        self.group = group
        self.ios = ios
        self.phases = phases
    }

    public func summary(_ p: Phase) -> PhaseSummary? { phases[p.rawValue] }
}

/// Overall, per-process and per-inode tables.
public struct PhaseTables: Sendable, Codable, Equatable {
    public var overall: PhaseTable
    public var byProcess: [PhaseTable]
    public var byInode: [PhaseTable]

    public init(overall: PhaseTable, byProcess: [PhaseTable], byInode: [PhaseTable]) {
        self.overall = overall
        self.byProcess = byProcess
        self.byInode = byInode
    }
}

/// Collects phase samples for one group. Samples are kept exactly (8 bytes
/// per I/O and phase) so percentiles are exact; nearest-rank percentiles.
public struct PhaseAccumulator: Sendable {
    public var group: String
    public private(set) var ios: UInt64 = 0
    /// One series per phase, in ``Phase`` order, as six stored properties rather than arrays of
    /// arrays: every finished I/O adds up to six samples to three accumulators, and each sample
    /// added through `[[UInt64]]` and `[LatencyHistogram?]` paid a uniqueness and a bounds check
    /// on the outer array as well as the inner one.
    private var submitToFirstBio = PhaseSeries()
    private var device = PhaseSeries()
    private var deviceToConversion = PhaseSeries()
    private var conversionToPosted = PhaseSeries()
    private var postedToReaped = PhaseSeries()
    private var total = PhaseSeries()
    static let exactLimit = PhaseSeries.exactLimit

    public init(group: String) { self.group = group }

    /// Runs for every finished I/O, three times (overall, its process, its file).
    public mutating func add(_ p: PhaseLatencies) {
        ios += 1
        if let v = p.submitToFirstBio { submitToFirstBio.add(v) }
        if let v = p.device { device.add(v) }
        if let v = p.deviceToConversion { deviceToConversion.add(v) }
        if let v = p.conversionToPosted { conversionToPosted.add(v) }
        if let v = p.postedToReaped { postedToReaped.add(v) }
        if let v = p.total { total.add(v) }
    }

    private func series(_ phase: Phase) -> PhaseSeries {
        switch phase {
        case .submitToFirstBio: submitToFirstBio
        case .device: device
        case .deviceToConversion: deviceToConversion
        case .conversionToPosted: conversionToPosted
        case .postedToReaped: postedToReaped
        case .total: total
        }
    }

    public func table() -> PhaseTable {
        var out: [String: PhaseSummary] = [:]
        for phase in Phase.allCases {
            if let summary = series(phase).summary() { out[phase.rawValue] = summary }
        }
        return PhaseTable(group: group, ios: ios, phases: out)
    }

    /// Nearest-rank percentiles over the samples.
    public static func summarize(_ values: [UInt64]) -> PhaseSummary {
        let s = values.sorted()
        let n = s.count
        func pct(_ p: Double) -> UInt64 {
            let rank = Int((p / 100.0 * Double(n)).rounded(.up))
            return s[Swift.max(0, Swift.min(n - 1, rank - 1))]
        }
        var sum: Double = 0
        for v in s { sum += Double(v) }
        return PhaseSummary(count: UInt64(n), min: s[0], avg: UInt64(sum / Double(n)), p50: pct(50), p99: pct(99),
                            max: s[n - 1])
    }
}

/// The samples of one phase in one group: exact up to ``exactLimit``, then a fixed log-linear
/// histogram, so memory stays bounded however long a live run goes.
struct PhaseSeries: Sendable {
    static let exactLimit = 4096
    private var exact: [UInt64] = []
    private var histogram: LatencyHistogram?

    @inline(__always)
    mutating func add(_ v: UInt64) {
        if histogram != nil {
            histogram!.add(v)
        } else if exact.count < Self.exactLimit {
            exact.append(v)
        } else {
            var h = LatencyHistogram()
            for x in exact { h.add(x) }
            h.add(v)
            histogram = h
            exact = []
        }
    }

    func summary() -> PhaseSummary? {
        if let histogram { return histogram.summary() }
        return exact.isEmpty ? nil : PhaseAccumulator.summarize(exact)
    }
}
