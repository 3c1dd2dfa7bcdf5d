/// When to read the attached programs' recursion misses, and the lost windows their new misses
/// make.
///
/// The kernel skips a program that fires while the same program already runs on that CPU (an
/// I/O completed inline in an interrupt while a kworker completed another) and only counts it in
/// the program's `recursion_misses`, with no time. A miss lies between two readings of the count:
/// after the earlier reading began, before the later one ended. Read with the ring buffer's drop
/// counters every 200 ms (and more under load: the reading waited for the consume to end), a
/// miss's window was that whole interval, and every I/O in flight in it is inconclusive: a mixed
/// load that missed 11 hits marked 105 381 of its 769 566 I/Os.
///
/// So every program's count is read every ``readIntervalNs``, and a program that has missed once
/// is *watched*: read every ``watchIntervalNs`` (by ``MissWatcher``'s thread). A reading costs
/// one `BPF_OBJ_GET_INFO_BY_FD` per program: 1.1 µs in a tight loop, several when cold.
/// Same load, two runs: 43 and 51 misses, 8 015 and 9 163 I/Os inconclusive (windows of 2 ms,
/// 50 ms for a program's first).
struct RecursionMissWatch {
    static let watchIntervalNs: UInt64 = 2_000_000
    static let readIntervalNs: UInt64 = 50_000_000

    /// Which programs a reading reads.
    enum Reading: Equatable {
        /// Every program.
        case all
        /// Only the watched ones.
        case watched
    }

    /// Probe id of each program, by its index in the tracer's attached programs.
    let probes: [Int]
    /// Each program's count as last read.
    private(set) var counts: [UInt64]
    /// The programs that have missed, in the order they first did.
    private(set) var watched: [Int] = []
    private var isWatched: [Bool]
    /// When the last reading that read each program began: a miss the next reading of a program
    /// counts happened after it. (A reading the kernel did not answer for a program leaves it.)
    private var lastRead: [UInt64]
    /// When the last reading of the watched programs began, and of every program (the schedule).
    private(set) var lastWatchRead: UInt64
    private(set) var lastAllRead: UInt64

    init(probes: [Int], now: UInt64) {
        self.probes = probes
        counts = Array(repeating: 0, count: probes.count)
        isWatched = Array(repeating: false, count: probes.count)
        lastRead = Array(repeating: now, count: probes.count)
        lastWatchRead = now
        lastAllRead = now
    }

    /// The reading due at `now`, if one is.
    func due(now: UInt64) -> Reading? {
        if now &- lastAllRead >= Self.readIntervalNs { return .all }
        if !watched.isEmpty && now &- lastWatchRead >= Self.watchIntervalNs { return .watched }
        return nil
    }

    /// When the next reading is due.
    var nextDue: UInt64 {
        let all = lastAllRead &+ Self.readIntervalNs
        return watched.isEmpty ? all : min(all, lastWatchRead &+ Self.watchIntervalNs)
    }

    /// Reads the programs of `reading` through `read` (a program's count now, nil when the kernel
    /// did not answer: the count stays as it was) in a reading that began at `start`, and returns
    /// its new misses as lost windows ending at `end()` (asked once the reading is over): one for
    /// the programs watched before it, one for the others, which are watched from now on. Each
    /// window starts where the last reading of its programs that the kernel answered began.
    mutating func apply(_ reading: Reading, start: UInt64, read: (Int) -> UInt64?, end: () -> UInt64) -> [LostTally] {
        var hot = LostTally(), cold = LostTally()
        hot.recursion = true
        cold.recursion = true
        var hotSince = UInt64.max, coldSince = UInt64.max
        func take(_ i: Int, into tally: inout LostTally, since: inout UInt64) {
            guard let n = read(i) else { return }
            if n > counts[i] {
                tally.add(n &- counts[i], probe: probes[i])
                since = min(since, lastRead[i])
                counts[i] = n
            }
            lastRead[i] = start
        }
        for i in watched { take(i, into: &hot, since: &hotSince) }
        if reading == .all {
            for i in probes.indices where !isWatched[i] {
                take(i, into: &cold, since: &coldSince)
                if counts[i] > 0 {
                    isWatched[i] = true
                    watched.append(i)
                }
            }
        }
        var out: [LostTally] = []
        if hot.dropped > 0 || cold.dropped > 0 {
            let until = end()
            if hot.dropped > 0 {
                hot.since = hotSince
                hot.until = until
                out.append(hot)
            }
            if cold.dropped > 0 {
                cold.since = coldSince
                cold.until = until
                out.append(cold)
            }
        }
        lastWatchRead = start
        if reading == .all { lastAllRead = start }
        return out
    }

    /// The counts as last read, summed by probe id (`probeCount` ids).
    func missesByProbe(probeCount: Int) -> [UInt64] {
        var out = [UInt64](repeating: 0, count: probeCount)
        for (i, p) in probes.enumerated() where p < probeCount { out[p] &+= counts[i] }
        return out
    }
}

/// Drops of one kind found by one check, the probe that dropped the most of them, and their
/// window (since, until]: what one `DSC_EV_LOST` record reports.
struct LostTally: Equatable {
    var dropped: UInt64 = 0
    var probe = UInt32.max
    var since: UInt64 = 0
    var until: UInt64 = 0
    /// The drops are recursion misses (``RecursionMissWatch``), not records the ring refused.
    var recursion = false
    private var worst: UInt64 = 0
    /// Drops of more than one probe were added.
    private(set) var mixed = false

    /// Every drop is a recursion miss of `probe`: the record says so (`DSC_LOST_F_RECURSION`),
    /// and the analyzer then looks only for I/Os missing that probe's events.
    var onlyMissesOfProbe: Bool { recursion && !mixed && dropped > 0 }

    /// (What a record reports: `worst` is only how `probe` was chosen.)
    static func == (a: LostTally, b: LostTally) -> Bool {
        a.dropped == b.dropped && a.probe == b.probe && a.since == b.since && a.until == b.until
            && a.onlyMissesOfProbe == b.onlyMissesOfProbe
    }

    mutating func add(_ n: UInt64, probe id: Int) {
        guard n > 0 else { return }
        if dropped > 0 && probe != UInt32(id) { mixed = true }
        dropped &+= n
        if n > worst {
            worst = n
            probe = UInt32(id)
        }
    }
}
