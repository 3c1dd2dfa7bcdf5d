@testable import DioscopeLoader
import Testing

/// The reading schedule of recursion misses and the lost windows it gives (no kernel needed: the
/// counts are handed in). A miss lies after the start of the last reading of its program and
/// before the end of the reading that counts it.
@Suite("Recursion miss watch")
struct RecursionMissWatchTests {
    static let ms: UInt64 = 1_000_000

    /// Programs 0 and 1 of probe 2, program 2 of probe 7; every program read from `counts`.
    struct Kernel {
        var counts: [UInt64] = [0, 0, 0]
        var reads: [Int] = []
        mutating func read(_ i: Int) -> UInt64? {
            reads.append(i)
            return counts[i]
        }
    }

    static let all = RecursionMissWatch.readIntervalNs
    static let watched = RecursionMissWatch.watchIntervalNs

    @Test("nothing is due before the first interval; then every program is read")
    func schedule() {
        let t0 = 1_000 * Self.ms
        var watch = RecursionMissWatch(probes: [2, 2, 7], now: t0)
        #expect(watch.due(now: t0 + Self.all - 1) == nil)
        #expect(watch.due(now: t0 + Self.all) == .all)
        #expect(watch.nextDue == t0 + Self.all)
        var k = Kernel()
        let lost = watch.apply(.all, start: t0 + Self.all, read: { k.read($0) }, end: { t0 + Self.all + Self.ms })
        #expect(lost.isEmpty)
        #expect(k.reads == [0, 1, 2])
        // no program has missed: nothing is watched, the next reading is another of all
        #expect(watch.due(now: t0 + Self.all + Self.watched) == nil)
        #expect(watch.due(now: t0 + 2 * Self.all) == .all)
        #expect(watch.nextDue == t0 + 2 * Self.all)
    }

    @Test("a first miss spans the interval since the last reading of all; its program is watched from then on")
    func firstMissThenWatched() {
        var watch = RecursionMissWatch(probes: [2, 2, 7], now: 0)
        var k = Kernel()
        let t1 = Self.all, t2 = 2 * Self.all
        _ = watch.apply(.all, start: t1, read: { k.read($0) }, end: { t1 + Self.ms })
        k.counts[2] = 3
        var lost = watch.apply(.all, start: t2, read: { k.read($0) }, end: { t2 + Self.ms })
        #expect(lost == [tally(dropped: 3, probe: 7, since: t1, until: t2 + Self.ms)])
        #expect(watch.watched == [2])
        // the watched program alone, every watch interval
        #expect(watch.nextDue == t2 + Self.watched)
        #expect(watch.due(now: t2 + Self.watched - 1) == nil)
        #expect(watch.due(now: t2 + Self.watched) == .watched)
        k.reads = []
        k.counts[2] = 5
        let t3 = t2 + Self.watched
        lost = watch.apply(.watched, start: t3, read: { k.read($0) }, end: { t3 + 30_000 })
        #expect(k.reads == [2])
        #expect(lost == [tally(dropped: 2, probe: 7, since: t2, until: t3 + 30_000)])
        // the next watched reading's window starts where this one began
        k.counts[2] = 6
        let t4 = t3 + Self.watched
        lost = watch.apply(.watched, start: t4, read: { k.read($0) }, end: { t4 + Self.ms })
        #expect(lost == [tally(dropped: 1, probe: 7, since: t3, until: t4 + Self.ms)])
        // a reading of all is due an interval after the last one of all, watched readings or not
        #expect(watch.due(now: t2 + Self.all - 1) == .watched)
        #expect(watch.due(now: t2 + Self.all) == .all)
        _ = watch.apply(.watched, start: t2 + Self.all - 1, read: { k.read($0) }, end: { t2 + Self.all })
        #expect(watch.nextDue == t2 + Self.all)
    }

    @Test("misses of watched and of new programs in one reading: two windows")
    func twoWindows() {
        var watch = RecursionMissWatch(probes: [2, 2, 7], now: 0)
        var k = Kernel()
        k.counts[2] = 1
        _ = watch.apply(.all, start: 20 * Self.ms, read: { k.read($0) }, end: { 21 * Self.ms })
        _ = watch.apply(.watched, start: 30 * Self.ms, read: { k.read($0) }, end: { 31 * Self.ms })
        k.counts = [4, 1, 2]
        let lost = watch.apply(.all, start: 40 * Self.ms, read: { k.read($0) }, end: { 41 * Self.ms })
        #expect(lost == [tally(dropped: 1, probe: 7, since: 30 * Self.ms, until: 41 * Self.ms),
                         tally(dropped: 5, probe: 2, since: 20 * Self.ms, until: 41 * Self.ms)])
        #expect(watch.watched == [2, 0, 1])
        #expect(watch.missesByProbe(probeCount: 8) == [0, 0, 5, 0, 0, 0, 0, 2])
        // each window holds the misses of one probe (two programs of probe 2 in the second): the
        // records say so, and the analyzer looks only for I/Os missing that probe's events
        #expect(lost.count == 2 && lost.allSatisfy { $0.onlyMissesOfProbe })
    }

    @Test("new misses of two probes in one reading: one window, not said to be one probe's")
    func twoProbesOneWindow() {
        var watch = RecursionMissWatch(probes: [2, 2, 7], now: 0)
        var k = Kernel()
        k.counts = [1, 0, 3]
        let lost = watch.apply(.all, start: 20 * Self.ms, read: { k.read($0) }, end: { 21 * Self.ms })
        #expect(lost.count == 1)
        #expect(lost.first?.dropped == 4)
        #expect(lost.first?.probe == 7)
        #expect(lost.first?.onlyMissesOfProbe == false)
        // ring-full drops are never said to be misses, whichever probe lost them
        var ring = LostTally()
        ring.add(3, probe: 2)
        #expect(!ring.onlyMissesOfProbe)
    }

    @Test("a program the kernel does not answer for keeps its count; its misses come with a later reading")
    func unanswered() {
        var watch = RecursionMissWatch(probes: [2, 2, 7], now: 0)
        var k = Kernel()
        k.counts[0] = 2
        _ = watch.apply(.all, start: 20 * Self.ms, read: { k.read($0) }, end: { 21 * Self.ms })
        k.counts[0] = 5
        var lost = watch.apply(.watched, start: 22 * Self.ms, read: { _ in nil }, end: { 23 * Self.ms })
        #expect(lost.isEmpty)
        #expect(watch.counts[0] == 2)
        lost = watch.apply(.watched, start: 24 * Self.ms, read: { k.read($0) }, end: { 25 * Self.ms })
        // the window starts at the last reading the kernel answered: the misses may have come
        // before the one that it did not
        #expect(lost == [tally(dropped: 3, probe: 2, since: 20 * Self.ms, until: 25 * Self.ms)])
    }

    func tally(dropped: UInt64, probe: Int, since: UInt64, until: UInt64) -> LostTally {
        var t = LostTally()
        t.recursion = true
        t.add(dropped, probe: probe)
        t.since = since
        t.until = until
        return t
    }
}
