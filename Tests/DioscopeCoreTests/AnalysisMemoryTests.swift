import Foundation
import Testing
@testable import DioscopeCore

/// What the analyzer holds must not grow with how long a stream runs:
/// phase statistics and the lost-window bookkeeping are bounded.
@Suite struct AnalysisMemoryTests {
    /// Timeline entries are stored packed (presence mask instead of three Optional tags, the note
    /// as a number): 48 bytes instead of 88, with no reference-counted field, while the API and
    /// the JSON keep the optional fields, absent when nil.
    @Test func timelineEntriesArePackedAndKeepTheirOptionalFields() throws {
        #expect(MemoryLayout<TimelineEntry>.stride <= 48)
        #expect(_isPOD(TimelineEntry.self))
        var e = TimelineEntry(timestamp: 7, step: .mapping, tid: 3, cpu: 1, offset: -1, length: nil, value: 0)
        #expect(e.offset == -1 && e.length == nil && e.value == 0 && e.note == nil)
        e.length = 0x1000
        e.offset = nil
        #expect(e.offset == nil && e.length == 0x1000 && e.value == 0)
        #expect(e != TimelineEntry(timestamp: 7, step: .mapping, tid: 3, cpu: 1, offset: nil, length: 0x1000, value: nil))
        #expect(e == TimelineEntry(timestamp: 7, step: .mapping, tid: 3, cpu: 1, offset: nil, length: 0x1000, value: 0))
        let json = try #require(String(data: try JSONEncoder().encode(e), encoding: .utf8))
        #expect(json.contains("\"length\":4096") && json.contains("\"value\":0"))
        #expect(!json.contains("offset") && !json.contains("note"))
        #expect(try JSONDecoder().decode(TimelineEntry.self, from: Data(json.utf8)) == e)

        // Notes: nil, empty and texts stay distinct; equal texts compare equal; JSON keeps them.
        var n = e
        n.note = "error -5"
        #expect(n.note == "error -5" && n != e)
        n.note = ""
        #expect(n.note == "" && n != e)
        n.note = nil
        #expect(n == e)
        let a = TimelineEntry(timestamp: 1, step: .posted, tid: 1, note: "aio ring \(UInt8.random(in: 0...255))")
        let b = TimelineEntry(timestamp: 1, step: .posted, tid: 1, note: a.note)
        #expect(a == b && a.note == b.note)
        let noted = try JSONEncoder().encode(a)
        #expect(String(decoding: noted, as: UTF8.self).contains("\"note\":\"aio ring "))
        #expect(try JSONDecoder().decode(TimelineEntry.self, from: noted) == a)
    }

    @Test func histogramBucketsCoverEveryValueOnce() {
        var values: [UInt64] = Array(0..<300)
        var x: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<20000 {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17
            values.append(x >> UInt64(x % 60))
        }
        for v in values {
            let b = LatencyHistogram.bucket(v)
            #expect(v <= LatencyHistogram.upperBound(b), "\(v) above its bucket \(b)")
            if b > 0 { #expect(v > LatencyHistogram.upperBound(b - 1), "\(v) belongs below bucket \(b)") }
        }
    }

    @Test func histogramPercentilesAreWithinOneSubBucket() {
        var h = LatencyHistogram()
        var counters = [UInt64](repeating: 0, count: LatencyHistogram.buckets)
        var exact: [UInt64] = []
        var x: UInt64 = 12345
        for _ in 0..<50000 {
            x = x &* 6364136223846793005 &+ 1442695040888963407
            let v = 1000 + (x >> 40) % 5_000_000  // 1 µs .. 5 ms
            counters.withUnsafeMutableBufferPointer { h.add(v, counters: $0.baseAddress!) }
            exact.append(v)
        }
        let s = PhaseAccumulator.summarize(exact)
        let hs = h.summary(counters: counters[...])
        #expect(hs.count == s.count && hs.min == s.min && hs.max == s.max)
        for (a, e) in [(hs.p50, s.p50), (hs.p99, s.p99)] {
            #expect(a >= e && Double(a - e) <= Double(e) / 32 + 1, "histogram \(a) vs exact \(e)")
        }
    }

    @Test func accumulatorSwitchesToTheHistogramPastTheExactLimit() {
        var acc = PhaseAccumulator(group: "t")
        for i in 0..<(PhaseAccumulator.exactLimit * 3) {
            var p = PhaseLatencies()
            p.total = UInt64(1000 + i)
            acc.add(p)
        }
        let total = acc.table().phases[Phase.total.rawValue]
        #expect(total?.count == UInt64(PhaseAccumulator.exactLimit * 3))
        #expect(total?.min == 1000 && total?.max == UInt64(1000 + PhaseAccumulator.exactLimit * 3 - 1))
    }

    /// The six series share one array of counters: each must count only its own samples, and
    /// switch to the histogram at its own time. Random latencies per phase (each phase present
    /// with its own probability, so the series pass the exact limit at different I/Os, and one
    /// never does) against a reference that keeps each phase apart, exact up to the limit and
    /// then in a histogram of its own.
    @Test func accumulatorSeriesShareTheirCountersWithoutMixing() {
        var acc = PhaseAccumulator(group: "t")
        var reference: [Phase: (exact: [UInt64], hist: LatencyHistogram?, counters: [UInt64])] = [:]
        var x: UInt64 = 0x9e37_79b9_7f4a_7c15
        func next() -> UInt64 {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17
            return x
        }
        let odds: [Phase: UInt64] = [.submitToFirstBio: 100, .device: 90, .deviceToConversion: 5,
                                     .conversionToPosted: 60, .postedToReaped: 75, .total: 100]
        for _ in 0..<(PhaseAccumulator.exactLimit * 2) {
            var p = PhaseLatencies()
            for phase in Phase.allCases where next() % 100 < odds[phase]! {
                // Each phase in its own range, so a sample counted under another phase moves
                // that phase's percentiles.
                let v = UInt64(Phase.allCases.firstIndex(of: phase)! + 1) * 37_000 + next() % 200_000
                switch phase {
                case .submitToFirstBio: p.submitToFirstBio = v
                case .device: p.device = v
                case .deviceToConversion: p.deviceToConversion = v
                case .conversionToPosted: p.conversionToPosted = v
                case .postedToReaped: p.postedToReaped = v
                case .total: p.total = v
                }
                var r = reference[phase] ?? ([], nil, [UInt64](repeating: 0, count: LatencyHistogram.buckets))
                if r.hist == nil && r.exact.count < PhaseAccumulator.exactLimit {
                    r.exact.append(v)
                } else {
                    var h = r.hist ?? LatencyHistogram()
                    r.counters.withUnsafeMutableBufferPointer { c in
                        for e in r.exact { h.add(e, counters: c.baseAddress!) }
                        h.add(v, counters: c.baseAddress!)
                    }
                    r.exact = []
                    r.hist = h
                }
                reference[phase] = r
            }
            acc.add(p)
        }
        let table = acc.table()
        var switched = 0
        for phase in Phase.allCases {
            guard let r = reference[phase] else { continue }
            let want = r.hist.map { $0.summary(counters: r.counters[...]) } ?? PhaseAccumulator.summarize(r.exact)
            #expect(table.summary(phase) == want, "\(phase)")
            if r.hist != nil { switched += 1 }
        }
        #expect(switched == 5, "five phases pass the exact limit, one stays exact")
    }

    /// The eight events of the i-th synchronous 4 KiB pwrite of a stream, one a millisecond from
    /// `base` (1 s): enter, begin, mapping, bio, request issue and completion, dio completion, return.
    static func syncWrite(_ i: Int, base: UInt64 = 1_000_000_000) -> [Event] {
        let dev = DeviceNumber(major: 7, minor: 0), tgid: UInt32 = 4242
        let t0 = base + UInt64(i) * 1_000_000
        let kiocb = 0xffff_8880_0000_0000 + UInt64(i) * 0x100
        let off = Int64(i % 1024) * 4096
        let sector = UInt64(0x10000) + UInt64(i % 1024) * 8
        func ev(_ dt: UInt64, _ p: Event.Payload, ino: UInt64 = 0x83) -> Event {
            Event(timestamp: t0 + dt, tgid: tgid, tid: tgid, cpu: 0, dev: dev, ino: ino, payload: p)
        }
        return [
            ev(0, .sysEnter(SysEnter(sysno: .pwrite64, fd: 3, args: (0, 4096, off), isize: 4 << 20))),
            ev(1000, .dioBegin(DIOBegin(kiocb: kiocb, pos: off, count: 4096, isize: 4 << 20, kiFlags: [.direct],
                                        dioFlags: [.dioscopeWrite], api: .sync, blkbits: 12))),
            ev(2000, .iomapDstmap(IomapMapping(addr: sector << 9, offset: off, length: 4096, type: .mapped, flags: [],
                                               bdev: dev, blkbits: 12))),
            ev(3000, .block(.bioQueue, BlockIO(sector: sector, nrSector: 8, ptr: 1, kiocb: kiocb,
                                               flags: [.sync, .iomapDIO], op: .write)), ino: 0),
            ev(4000, .block(.rqIssue, BlockIO(sector: sector, nrSector: 8, bytes: 4096, ptr: 2, op: .write)), ino: 0),
            ev(50000, .block(.rqComplete, BlockIO(sector: sector, nrSector: 8, bytes: 4096, ptr: 2, op: .write)), ino: 0),
            ev(60000, .dioComplete(DIOComplete(kiocb: kiocb, pos: off + 4096, isize: 4 << 20, ret: 4096, error: 0,
                                               kiFlags: [.direct], api: .sync))),
            ev(61000, .sysExit(SysExit(sysno: .pwrite64, fd: 3, ret: 4096, isize: 4 << 20, enterTimestamp: t0))),
        ]
    }

    /// 70 000 synchronous writes, one a millisecond (70 s of trace time), with events lost
    /// around the 100th: the held spans stay far below the I/O count, and the lost window
    /// still makes exactly the I/Os inside it inconclusive.
    @Test func lostWindowBookkeepingAndStaleIOsAreBoundedAndExact() {
        let a = Analyzer(options: {
            var o = AnalysisOptions()
            o.keepAllTimelines = false
            return o
        }())
        let n = 70_000
        var maxHeld = 0, maxHeldIOs = 0
        for i in 0..<n {
            let t0 = 1_000_000_000 + UInt64(i) * 1_000_000
            let evs = Self.syncWrite(i)
            // I/O 100's completion and return were among the dropped events: it never completes
            for e in (i == 100 ? Array(evs.prefix(6)) : evs) { a.consume(e) }
            if i == 100 {
                // the window (t(100)+55 µs, t(100)+500 µs] starts after I/O 100's last seen event
                // (its request completed at +50 µs): an I/O still in flight overlaps it anyway
                let since = t0 + 55_000
                a.consume(Event(timestamp: t0 + 500_000, payload: .lost(Lost(dropped: 2, sinceNs: since))))
            }
            maxHeld = max(maxHeld, a.retainedSpans)
            maxHeldIOs = max(maxHeldIOs, a.heldIOs)
        }
        var summary = SourceSummary(format: "test")
        summary.eventsRead = UInt64(n * 8 - 1)
        summary.dropped = 2
        let r = a.finish(summary: summary)
        #expect(r.counts.total == UInt64(n))
        #expect(r.counts.inconclusive == 1, "inconclusive \(r.counts.inconclusive)")
        #expect(maxHeld < n / 2, "held \(maxHeld) spans for \(n) I/Os")
        // the I/O that never completes was evicted after ~2 s of trace time instead of pinning
        // every later I/O of its file in memory
        #expect(maxHeldIOs < 5000, "held \(maxHeldIOs) I/Os")
        // and the slots of emitted I/Os were reused: two chunks at most, all free at the end
        #expect(a.ioSlots <= 2 * IOSlab.chunkSize, "\(a.ioSlots) I/O slots for \(n) I/Os")
        #expect(a.ioSlotsInUse == 0)
        #expect(r.unmatched["lost I/O evicted without completion"] == 1, "\(r.unmatched)")
        #expect(r.findings.isEmpty)
    }

    /// A live consumer that lags stamps its LOST record with its own clock, seconds ahead of
    /// the records still waiting in the ring. The record must wait for them: acted on early, it
    /// pushed the analyzer's clock ahead, marked I/Os that were merely in flight at the time as
    /// lost, and postponed the eviction of stale ones (a 10-minute `live` run grew to 2.7 GB).
    @Test func aLOSTRecordStampedAheadOfTheStreamWaitsForTheEventsBeforeIt() {
        let a = Analyzer(options: {
            var o = AnalysisOptions()
            o.keepAllTimelines = false
            return o
        }())
        let n = 8000, base: UInt64 = 1_000_000_000
        func t(_ i: Int) -> UInt64 { base + UInt64(i) * 1_000_000 }
        // read from the ring while I/O 100 was current; the drops happened 2.9-3.0 s later
        let lost = (at: 100, since: t(100) + 2_900_000_000, until: t(100) + 3_000_000_000)
        let droppedTail = 3000  // the I/O whose completion and return fell into the window
        var maxHeldIOs = 0
        for i in 0..<n {
            let evs = Self.syncWrite(i, base: base)
            // as from two CPUs: the request's completion is read after the dio's (50 µs earlier)
            var arrival = i == droppedTail ? Array(evs.prefix(6)) : evs
            if arrival.count == 8 { arrival.swapAt(5, 6) }
            for e in arrival { a.consume(e) }
            if i == lost.at {
                a.consume(Event(timestamp: lost.until, payload: .lost(Lost(dropped: 2, sinceNs: lost.since))))
            }
            maxHeldIOs = max(maxHeldIOs, a.heldIOs)
        }
        let r = a.finish()
        // exactly the I/Os whose [begin, end] touches the window, judged in trace time
        let touching = (0..<n).filter { i in
            let end = t(i) + (i == droppedTail ? 50_000 : 61_000)
            return end >= lost.since && t(i) <= lost.until
        }.count
        #expect(touching > 90 && touching < 110)
        #expect(r.counts.total == UInt64(n))
        #expect(r.counts.inconclusive == UInt64(touching), "inconclusive \(r.counts.inconclusive), expected \(touching)")
        #expect(r.unmatched["lost I/O evicted without completion"] == 1, "\(r.unmatched)")
        #expect(!r.sourceProblems.contains { $0.contains("arrived later") }, "\(r.sourceProblems)")
        #expect(maxHeldIOs < 2000, "held \(maxHeldIOs) I/Os")
    }

    /// I/Os cut off by the end of the stream are all counted inconclusive, but without
    /// keepAllTimelines only maxInconclusiveTimelines of them are held for the report.
    @Test func inconclusiveTimelinesAreCountedAllButKeptUpToTheLimit() {
        var o = AnalysisOptions()
        o.keepAllTimelines = false
        o.maxInconclusiveTimelines = 3
        let a = Analyzer(options: o)
        let dev = DeviceNumber(major: 7, minor: 0)
        for i in 0..<10 {
            let tid = UInt32(5000 + i)
            a.consume(Event(timestamp: 1_000_000 + UInt64(i) * 1000, tgid: 5000, tid: tid, dev: dev, ino: 0x90,
                            payload: .dioBegin(DIOBegin(kiocb: 0xffff_8880_0000_1000 + UInt64(i) * 0x100,
                                                        pos: Int64(i) * 4096, count: 4096, isize: 1 << 20,
                                                        kiFlags: [.direct, .write], api: .libaio, blkbits: 12))))
        }
        let r = a.finish()
        #expect(r.counts.total == 10 && r.counts.inconclusive == 10)
        #expect(r.timelines.count == 3)
        #expect(r.verdict == .inconclusive)
    }

    /// I/O B's begin was dropped, so its mapping and bio land on the task's previous I/O A.
    /// A 4 KiB bio far outside A's blocks is no sub-block zeroing: A becomes inconclusive,
    /// and no zeroing overlap with C (which writes that block) may be reported.
    @Test func aBioOutsideTheIOsBlocksIsAMisattributionNotZeroing() {
        let dev = DeviceNumber(major: 7, minor: 0)
        let k1: UInt64 = 0xffff_8880_0001_0000, k3: UInt64 = 0xffff_8880_0003_0000
        var evs: [Event] = []
        func add(_ us: UInt64, _ tid: UInt32, _ p: Event.Payload, ino: UInt64 = 0x83) {
            evs.append(Event(timestamp: 1_000_000_000 + us * 1000, tgid: 100, tid: tid, dev: dev, ino: ino, payload: p))
        }
        func begin(_ k: UInt64, _ pos: Int64, _ ref: UInt64) -> Event.Payload {
            .dioBegin(DIOBegin(kiocb: k, pos: pos, count: 4096, isize: 1 << 30, userRef: ref, kiFlags: [.direct, .write],
                               api: .libaio, blkbits: 12))
        }
        func map(_ off: Int64, _ addr: UInt64) -> Event.Payload {
            .iomapDstmap(IomapMapping(addr: addr, offset: off, length: 4096, type: .mapped, flags: [], bdev: dev, blkbits: 12))
        }
        func bio(_ addr: UInt64, _ k: UInt64) -> Event.Payload {
            .block(.bioQueue, BlockIO(sector: addr >> 9, nrSector: 8, ptr: addr, kiocb: k,
                                      flags: k == 0 ? [.sync] : [.sync, .iomapDIO], op: .write))
        }
        let aOff: Int64 = 0xf0fb000, bOff: Int64 = 0x993b000
        let aAddr: UInt64 = 0x100_0000, bAddr: UInt64 = 0x200_0000
        add(0, 100, .sysEnter(SysEnter(sysno: .ioSubmit, args: (1, 2, 0))), ino: 0)
        add(1, 100, begin(k1, aOff, 0xa))
        add(2, 100, map(aOff, aAddr))
        add(3, 100, bio(aAddr, k1), ino: 0)
        add(4, 100, .dioQueued(DIOQueued(offset: aOff + 4096, length: 0, isize: 1 << 30)))
        // B: begin dropped; its mapping and bio (no kiocb known) follow in the same task
        add(5, 100, map(bOff, bAddr))
        add(6, 100, bio(bAddr, 0), ino: 0)
        add(7, 100, .sysExit(SysExit(sysno: .ioSubmit, ret: 2)), ino: 0)
        // C writes B's block, in flight at the same time
        add(8, 101, .sysEnter(SysEnter(sysno: .ioSubmit, args: (1, 1, 0))), ino: 0)
        add(9, 101, begin(k3, bOff, 0xc))
        add(10, 101, map(bOff, bAddr))
        add(11, 101, bio(bAddr, k3), ino: 0)
        add(12, 101, .dioQueued(DIOQueued(offset: bOff + 4096, length: 0, isize: 1 << 30)))
        add(13, 101, .sysExit(SysExit(sysno: .ioSubmit, ret: 1)), ino: 0)
        for (us, addr) in [(20 as UInt64, aAddr), (21, bAddr)] {
            add(us, 0, .block(.rqIssue, BlockIO(sector: addr >> 9, nrSector: 8, bytes: 4096, op: .write)), ino: 0)
            add(us + 20, 0, .block(.rqComplete, BlockIO(sector: addr >> 9, nrSector: 8, bytes: 4096, op: .write)), ino: 0)
        }
        add(50, 0, .dioComplete(DIOComplete(kiocb: k1, pos: aOff + 4096, isize: 1 << 30, ret: 4096, userRef: 0xa,
                                            error: 0, kiFlags: [.direct, .write], api: .libaio)))
        add(51, 0, .dioComplete(DIOComplete(kiocb: k3, pos: bOff + 4096, isize: 1 << 30, ret: 4096, userRef: 0xc,
                                            error: 0, kiFlags: [.direct, .write], api: .libaio)))
        add(60, 100, .sysEnter(SysEnter(sysno: .ioGetevents, args: (1, 2, 2))), ino: 0)
        add(61, 100, .sysExit(SysExit(sysno: .ioGetevents, ret: 2)), ino: 0)
        add(61, 100, .aioReap(AIOReap(obj: 0xa, res: 4096, index: 0, total: 2)), ino: 0)
        add(61, 100, .aioReap(AIOReap(obj: 0xc, res: 4096, index: 1, total: 2)), ino: 0)
        let r = Analyzer.analyze(events: evs)
        #expect(r.findings.isEmpty, "\(r.findings.map(\.message))")
        let a = r.timelines.first { $0.offset == aOff }
        #expect(a?.status == .inconclusive)
        #expect(r.unmatched["bio outside its I/O's blocks (misattributed)"] == 1, "\(r.unmatched)")
        #expect(r.timelines.first { $0.offset == bOff }?.status == .complete)
    }

    /// The engine drops the state of files with nothing in flight or held once their table has
    /// grown (a run over a file per object): `count` one-write files after `before`, each event
    /// shifted past `before`'s last.
    static func manyFiles(after before: [Event], count: Int = 3_000) -> [Event] {
        let shift = (before.last?.timestamp ?? 0) + 1_000_000_000
        var out: [Event] = []
        for i in 1...count {
            for var e in PhaseTablesTests.io(i, tgid: 2000 + UInt32(i % 7), ino: 0x10_0000 + UInt64(i), fd: 3) {
                e.timestamp += shift
                out.append(e)
            }
        }
        return out
    }

    static func held(_ a: Analyzer, _ name: String) -> Int { a.collectionSizes.first { $0.0 == name }?.1 ?? -1 }

    /// Idle file states are dropped and counted, and the table stays bounded.
    @Test func idleFilesDropped() {
        let a = Analyzer()
        for e in Self.manyFiles(after: [], count: 5_000) { a.consume(e) }
        a.advance(to: .max)
        let files = Self.held(a, "inodes"), dropped = Self.held(a, "filesDropped")
        let r = a.finish()
        #expect(r.counts.total == 5_000 && r.counts.inconclusive == 0 && r.findings.isEmpty)
        #expect(files >= 1 && files <= 2 * AnalysisEngine.fileSweepMinimum, "file states held: \(files)")
        #expect(dropped >= 5_000 - 2 * AnalysisEngine.fileSweepMinimum, "dropped \(dropped)")
    }

    /// A file the sweep drops right after the engine last looked it up is a new state when it is
    /// seen again. The engine keeps the last file it found beside the table (`fileIfAny`); were
    /// that one kept past the sweep, it would be a freed slot here (no I/O holds it: debug builds
    /// trap on the stale handle). The files of ``manyFiles(after:count:)``, then an event of
    /// another task with no file, late enough for the sweep to run before it and drop every file,
    /// then the last file's write again.
    @Test func fileDroppedRightAfterItsLastLookupIsNewWhenSeenAgain() {
        let count = 2_000
        let files = Self.manyFiles(after: [], count: count)
        let last = files.last!
        let a = Analyzer()
        for e in files { a.consume(e) }
        let tick = last.timestamp + 1_000_000_000
        a.consume(Event(timestamp: tick, tgid: 9, tid: 9, cpu: 0, dev: PhaseTablesTests.dev, ino: 0,
                        payload: .sysEnter(SysEnter(sysno: .ioGetevents, args: (1, 1, 1)))))
        a.advance(to: tick + AnalysisOptions().reorderWindowNs + 1)
        // The sweep ran at the tick and dropped every file, the last one's included.
        #expect(Self.held(a, "inodes") == 0, "file states held: \(Self.held(a, "inodes"))")
        #expect(Self.held(a, "fileSlotsInUse") == 0)
        let again = PhaseTablesTests.io(count, tgid: last.tgid, ino: last.ino, fd: 3).map { e in
            var e = e
            e.timestamp += tick + 1_000_000_000 - PhaseTablesTests.io(count, tgid: last.tgid, ino: last.ino, fd: 3)[0].timestamp
            return e
        }
        for e in again { a.consume(e) }
        a.advance(to: .max)
        #expect(Self.held(a, "inodes") == 1)
        let r = a.finish()
        #expect(r.counts.total == count + 1 && r.counts.inconclusive == 0 && r.findings.isEmpty,
                "\(r.counts) \(r.findings.map(\.message))")
    }

    /// A file a pending size-extension race names keeps its state: the race's severity and
    /// message need the file's final size at the end. seed002 (fallocate cuts off an extending
    /// write; "the file ends at 0x2000"), then 3 000 other files: the same findings as alone.
    @Test func fileOfAPendingSizeRaceKept() throws {
        let path = ExportFixtures.packageRoot.appendingPathComponent("traces/constructed/seed002-fallocate-extending.trace").path
        let seed = try TimelineSpillTests.events(path)
        let alone = Analyzer.analyze(events: seed)
        #expect(alone.findings.contains { $0.kind == .sizeExtensionRace && $0.message.contains("the file ends at 0x2000") })
        let a = Analyzer()
        for e in seed + Self.manyFiles(after: seed) { a.consume(e) }
        a.advance(to: .max)
        #expect(Self.held(a, "filesDropped") > 1_000)
        let r = a.finish()
        #expect(r.findings == alone.findings)
    }

    /// A file whose block size an event taught (1 KiB here, not the default 4 KiB) keeps its
    /// state: a later I/O whose events carry no block size still gets it.
    @Test func fileWithALearnedBlockSizeKept() {
        func withBlockBits(_ events: [Event], _ bits: UInt8) -> [Event] {
            events.map { e in
                var e = e
                switch e.payload {
                case .dioBegin(var p): p.blkbits = bits; e.payload = .dioBegin(p)
                case .iomapDstmap(var p): p.blkbits = bits; e.payload = .iomapDstmap(p)
                default: break
                }
                return e
            }
        }
        let first = withBlockBits(PhaseTablesTests.io(0, tgid: 1, ino: 0xB0, fd: 5), 10)
        let others = Self.manyFiles(after: first)
        var later = withBlockBits(PhaseTablesTests.io(1, tgid: 1, ino: 0xB0, fd: 5), 0)
        let shift = others.last!.timestamp + 1_000_000_000 - later[0].timestamp
        for i in later.indices { later[i].timestamp += shift }
        let a = Analyzer()
        for e in first + others + later { a.consume(e) }
        a.advance(to: .max)
        #expect(Self.held(a, "filesDropped") > 1_000)
        let r = a.finish()
        let onB0 = r.timelines.filter { $0.ino == 0xB0 }
        #expect(onB0.count == 2)
        #expect(onB0.allSatisfy { $0.blockSize == 1024 }, "\(onB0.map(\.blockSize))")
    }
}
