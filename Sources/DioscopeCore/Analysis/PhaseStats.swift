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
    /// The six series' histogram counters, ``LatencyHistogram/buckets`` each in ``Phase`` order;
    /// empty until the first series passes ``exactLimit``. One array for the six: with an array
    /// in each series' histogram, an I/O's samples paid a uniqueness check each (callgrind: the
    /// accumulator was about 350 instructions per I/O).
    private var counters: [UInt64] = []
    static let exactLimit = PhaseSeries.exactLimit

    public init(group: String) { self.group = group }

    /// Runs for every finished I/O, once (overall) or three times (with its process and file).
    public mutating func add(_ p: PhaseLatencies) {
        ios += 1
        if counters.isEmpty {
            @inline(__always) func full(_ v: UInt64?, _ s: PhaseSeries) -> Bool { v != nil && s.exactIsFull }
            if !(full(p.submitToFirstBio, submitToFirstBio) || full(p.device, device)
                 || full(p.deviceToConversion, deviceToConversion) || full(p.conversionToPosted, conversionToPosted)
                 || full(p.postedToReaped, postedToReaped) || full(p.total, total)) {
                if let v = p.submitToFirstBio { submitToFirstBio.addExact(v) }
                if let v = p.device { device.addExact(v) }
                if let v = p.deviceToConversion { deviceToConversion.addExact(v) }
                if let v = p.conversionToPosted { conversionToPosted.addExact(v) }
                if let v = p.postedToReaped { postedToReaped.addExact(v) }
                if let v = p.total { total.addExact(v) }
                return
            }
            counters = Array(repeating: 0, count: Phase.allCases.count * LatencyHistogram.buckets)
        }
        counters.withUnsafeMutableBufferPointer { c in
            let c0 = c.baseAddress.unsafelyUnwrapped, n = LatencyHistogram.buckets
            if let v = p.submitToFirstBio { submitToFirstBio.add(v, counters: c0) }
            if let v = p.device { device.add(v, counters: c0 + n) }
            if let v = p.deviceToConversion { deviceToConversion.add(v, counters: c0 + 2 * n) }
            if let v = p.conversionToPosted { conversionToPosted.add(v, counters: c0 + 3 * n) }
            if let v = p.postedToReaped { postedToReaped.add(v, counters: c0 + 4 * n) }
            if let v = p.total { total.add(v, counters: c0 + 5 * n) }
        }
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
        for (i, phase) in Phase.allCases.enumerated() {
            let n = LatencyHistogram.buckets
            let counts = counters.isEmpty ? [] : counters[(i * n)..<((i + 1) * n)]
            if let summary = series(phase).summary(counters: counts) { out[phase.rawValue] = summary }
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
/// histogram, so memory stays bounded however long a live run goes. The histogram's counters
/// are the accumulator's (``PhaseAccumulator``); its count, sum, minimum and maximum are here.
struct PhaseSeries: Sendable {
    static let exactLimit = 4096
    private var exact: [UInt64] = []
    /// Empty (count 0) while the samples are exact.
    private var histogram = LatencyHistogram()

    /// No room is left for exact samples (and the series is not a histogram yet).
    var exactIsFull: Bool {
        @inline(__always) get { histogram.count == 0 && exact.count >= Self.exactLimit }
    }

    /// Adds `v` while no series of the accumulator is a histogram yet (and this one has room).
    @inline(__always)
    mutating func addExact(_ v: UInt64) { exact.append(v) }

    /// Adds `v`; `counters` are this series' histogram counters. Inlined, with the switch to the
    /// histogram out of line: as a call, its prologue and epilogue were a third of a sample's cost.
    @inline(__always)
    mutating func add(_ v: UInt64, counters: UnsafeMutablePointer<UInt64>) {
        if histogram.count != 0 {
            histogram.add(v, counters: counters)
        } else if exact.count < Self.exactLimit {
            exact.append(v)
        } else {
            switchToHistogram(adding: v, counters: counters)
        }
    }

    @inline(never)
    private mutating func switchToHistogram(adding v: UInt64, counters: UnsafeMutablePointer<UInt64>) {
        for x in exact { histogram.add(x, counters: counters) }
        histogram.add(v, counters: counters)
        exact = []
    }

    func summary(counters: ArraySlice<UInt64>) -> PhaseSummary? {
        if histogram.count != 0 { return histogram.summary(counters: counters) }
        return exact.isEmpty ? nil : PhaseAccumulator.summarize(exact)
    }
}
