/// A log-linear latency histogram: 32 linear sub-buckets per power of two,
/// so a percentile read from it is within 1/32 (about 3 %) of the true
/// value. Count, sum, min and max are exact, and kept here; the ``buckets`` counters (16 KiB)
/// are the caller's (``PhaseAccumulator`` keeps its six series' in one array), for phase
/// statistics of unbounded runs.
struct LatencyHistogram: Sendable {
    private static let subBits = 5
    private static let sub = 1 << subBits
    /// Counters a histogram reads and writes.
    static let buckets = 64 * (1 << 5)
    private(set) var count: UInt64 = 0
    private var sum: Double = 0
    private var minValue = UInt64.max
    private var maxValue: UInt64 = 0

    /// Bucket of `v`: values below 32 map to themselves; above, the top
    /// 5 bits under the leading one select the sub-bucket of its power of two.
    @inline(__always)
    static func bucket(_ v: UInt64) -> Int {
        if v < UInt64(sub) { return Int(v) }
        let msb = 63 - v.leadingZeroBitCount
        let shift = msb - subBits
        let mantissa = Int((v >> UInt64(shift)) & UInt64(sub - 1))
        return (shift + 1) * sub + mantissa
    }

    /// The largest value that falls into bucket `b`.
    static func upperBound(_ b: Int) -> UInt64 {
        if b < sub { return UInt64(b) }
        let shift = b / sub - 1
        let mantissa = UInt64(b % sub) | UInt64(sub)
        let low = mantissa << UInt64(shift)
        return low + ((UInt64(1) << UInt64(shift)) - 1)  // in this order: the top bucket ends at UInt64.max
    }

    /// Inlined into ``PhaseSeries/add(_:counters:)``: every finished I/O adds five or six
    /// samples, and as a call each paid a register save and restore as large as the work.
    /// `counters` are this histogram's ``buckets``.
    @inline(__always)
    mutating func add(_ v: UInt64, counters: UnsafeMutablePointer<UInt64>) {
        counters[Self.bucket(v)] += 1
        count += 1
        sum += Double(v)
        minValue = Swift.min(minValue, v)
        maxValue = Swift.max(maxValue, v)
    }

    /// Nearest-rank percentile, reported as its bucket's upper bound (clamped to the maximum).
    func percentile(_ p: Double, counters: ArraySlice<UInt64>) -> UInt64 {
        guard count > 0 else { return 0 }
        let rank = Swift.max(1, UInt64((p / 100.0 * Double(count)).rounded(.up)))
        var seen: UInt64 = 0
        for (b, c) in counters.enumerated() where c > 0 {
            seen += c
            if seen >= rank { return Swift.min(Self.upperBound(b), maxValue) }
        }
        return maxValue
    }

    func summary(counters: ArraySlice<UInt64>) -> PhaseSummary {
        PhaseSummary(count: count, min: minValue, avg: UInt64(sum / Double(Swift.max(count, 1))),
                     p50: percentile(50, counters: counters), p99: percentile(99, counters: counters), max: maxValue)
    }
}
