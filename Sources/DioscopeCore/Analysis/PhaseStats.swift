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
    /// Exact samples up to ``exactLimit`` per phase; past that the phase switches to a fixed
    /// log-linear histogram, so memory stays bounded however long a live run goes.
    private var samples: [[UInt64]] = Array(repeating: [], count: Phase.allCases.count)
    private var histograms: [LatencyHistogram?] = Array(repeating: nil, count: Phase.allCases.count)
    static let exactLimit = 4096

    public init(group: String) { self.group = group }

    /// Bit i set: phase i has switched to its histogram (tested instead of unwrapping
    /// `histograms[i]`, which copied the optional histogram's array reference per sample).
    private var histogramMask: UInt8 = 0

    /// Runs for every finished I/O, three times (overall, its process, its file): one call per
    /// phase field rather than a loop over `Phase` through `value(_:)` (2.4 % of `analyze` before).
    public mutating func add(_ p: PhaseLatencies) {
        ios += 1
        if let v = p.submitToFirstBio { add(v, phase: 0) }
        if let v = p.device { add(v, phase: 1) }
        if let v = p.deviceToConversion { add(v, phase: 2) }
        if let v = p.conversionToPosted { add(v, phase: 3) }
        if let v = p.postedToReaped { add(v, phase: 4) }
        if let v = p.total { add(v, phase: 5) }
    }

    @inline(__always)
    private mutating func add(_ v: UInt64, phase i: Int) {
        if histogramMask & (1 << UInt8(i)) != 0 {
            histograms[i]!.add(v)
        } else if samples[i].count < Self.exactLimit {
            samples[i].append(v)
        } else {
            var h = LatencyHistogram()
            for x in samples[i] { h.add(x) }
            h.add(v)
            histograms[i] = h
            histogramMask |= 1 << UInt8(i)
            samples[i] = []
        }
    }

    public func table() -> PhaseTable {
        var out: [String: PhaseSummary] = [:]
        for (i, phase) in Phase.allCases.enumerated() {
            if let h = histograms[i] {
                out[phase.rawValue] = h.summary()
            } else if !samples[i].isEmpty {
                out[phase.rawValue] = Self.summarize(samples[i])
            }
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
