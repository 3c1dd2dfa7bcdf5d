import Foundation
import Testing
@testable import DioscopeCore

/// Bios whose request completion never comes: block_rq_complete fires, but in a softirq on top
/// of a task the kernel runs no BPF program for (on the VMs this was built on, the VM agent's
/// threads; bpftrace misses the same ones: README, "Robustness"), while the bios still end and
/// their I/Os complete. Such a bio must neither take a later request's completion nor stay
/// pending (holding its I/O) for the rest of a run, and the I/O is counted.
private let irq = AnalysisScenarios.irq
private let kw = AnalysisScenarios.kworker

@Suite struct AnalysisPendingBioTests {
    static let base: UInt64 = 100_000_000_000
    static let dropped = "bio without request completion dropped"

    /// One libaio 4 KiB overwrite at file offset `pos` (disk sector `sector`) from `t` µs on:
    /// submitted, mapped, bio queued, request issued, request completed unless `traceComplete` is
    /// false (the kernel's missing block_rq_complete), dio completed, reaped.
    static func write(_ s: Scenario, _ p: STask, t: UInt64, pos: Int64, sector: UInt64, kiocb: UInt64, userRef: UInt64,
                      traceComplete: Bool = true) {
        s.sysEnter(t, p, .ioSubmit, args: (1, 1, 3))
        s.dioBegin(t + 1, p, ino: 0x90, isize: 0x100000, pos: pos, count: 0x1000, write: true, api: .libaio,
                   kiocb: kiocb, userRef: userRef)
        s.dstmap(t + 2, p, ino: 0x90, addr: 0x100000, offset: 0, length: 0x100000, type: .mapped, new: false)
        s.bioQueue(t + 3, p, sector: sector, nr: 8, write: true, kiocb: kiocb)
        s.rqIssue(t + 4, p, sector: sector, nr: 8, write: true)
        s.dioQueued(t + 5, p, ino: 0x90, isize: 0x100000, offset: pos + 0x1000)
        s.sysExit(t + 6, p, .ioSubmit, ret: 1)
        if traceComplete { s.rqComplete(t + 40, irq, sector: sector, nr: 8, write: true) }
        s.dioComplete(t + 50, kw, ino: 0x90, isize: 0x100000, pos: pos + 0x1000, ret: 0x1000, write: true, api: .libaio,
                      kiocb: kiocb, userRef: userRef)
        s.sysEnter(t + 60, p, .ioGetevents, args: (1, 1, 1))
        s.reap(t + 61, p, obj: userRef, res: 0x1000, index: 0, total: 1)
        s.sysExit(t + 61, p, .ioGetevents, ret: 1)
    }

    /// The first write's request completion is missing; three later writes hit the same sectors.
    /// Before the fix the stale bio (its I/O long complete) was the oldest issued one in the range
    /// and took the second write's completion, whose bio then took the third's, and so on: every
    /// later write to those sectors lost its device phase. Now only the first lacks it.
    /// An I/O that completed without a recorded request completion is counted and the summary
    /// says so: its device phase is missing from the phase table (before, only that table's
    /// shorter `device` count showed it). One that had every request completion is not counted.
    @Test(arguments: [Scenario.Flavour.identity, .ftrace])
    func anIOWithoutItsRequestCompletionIsCounted(flavour: Scenario.Flavour) throws {
        let s = Scenario("no-rq-complete", title: "", models: "")
        let p = STask("fio", 3200)
        Self.write(s, p, t: 0, pos: 0x8000, sector: 0x840, kiocb: 0xffff_8880_5000_0100, userRef: 0x5100,
                   traceComplete: false)
        Self.write(s, p, t: 100, pos: 0x10000, sector: 0x880, kiocb: 0xffff_8880_5000_0200, userRef: 0x5200)
        let r = Analyzer.analyze(events: s.events(flavour))
        #expect(r.counts.total == 2)
        #expect(r.unmatched[AnalysisResult.noDeviceCompletion] == 1)
        #expect(r.phaseTables.overall.ios == 2)
        #expect(r.verdict == .clean, "the detectors read nothing the request completion gives")
        var text = ""
        try AnalysisReport.write(r) { text += $0 }
        #expect(text.contains("I/Os: 2 (0 reads, 2 writes), 1 without a recorded request completion\n"))

        let whole = Scenario("rq-complete", title: "", models: "")
        Self.write(whole, p, t: 0, pos: 0x8000, sector: 0x840, kiocb: 0xffff_8880_5000_0100, userRef: 0x5100)
        let r2 = Analyzer.analyze(events: whole.events(flavour))
        #expect(r2.unmatched[AnalysisResult.noDeviceCompletion] == nil)
    }

    @Test(arguments: [Scenario.Flavour.identity, .ftrace])
    func bioOfCompletedIOWithoutCompletionDoesNotTakeLaterRequests(flavour: Scenario.Flavour) throws {
        let s = Scenario("stale-bio", title: "", models: "")
        let p = STask("fio", 3200)
        for i in 0..<4 {
            Self.write(s, p, t: UInt64(i) * 100, pos: 0x8000, sector: 0x840, kiocb: 0xffff_8880_5000_0100 + UInt64(i) * 0x100,
                       userRef: 0x5100 + UInt64(i), traceComplete: i != 0)
        }
        let r = Analyzer.analyze(events: s.events(flavour))
        #expect(r.timelines.count == 4)
        let byID = r.timelines.sorted { $0.id < $1.id }
        #expect(byID.allSatisfy { $0.status == .complete })
        #expect(byID[0].phases.device == nil)
        for (i, t) in byID.enumerated().dropFirst() {
            // each later write is completed by its own request (issued at +4 µs, completed at +40 µs)
            #expect(t.phases.device == Self.us(37), "io \(i)")
            #expect(t.bios.first?.completedAt == Self.base + Self.us(UInt64(i) * 100 + 40), "io \(i)")
        }
        #expect(byID[0].bios.first?.completedAt == nil)
        #expect(r.unmatched[Self.dropped] == 1)
        #expect(r.unmatched["block_rq_complete"] == nil)
        #expect(r.findings.isEmpty)
    }

    /// Two writes to the same sectors in flight together, each request completed: FIFO among
    /// identical requests still pairs them in issue order (a bio is dropped only once its I/O is done).
    @Test func identicalRequestsInFlightStillJoinFIFO() throws {
        let s = Scenario("fifo", title: "", models: "")
        let p = STask("fio", 3300)
        let k1: UInt64 = 0xffff_8880_6000_0100, k2: UInt64 = 0xffff_8880_6000_0200
        s.sysEnter(0, p, .ioSubmit, args: (1, 2, 3))
        s.dioBegin(1, p, ino: 0x91, isize: 0x100000, pos: 0, count: 0x1000, write: true, api: .libaio, kiocb: k1, userRef: 0x61)
        s.dstmap(2, p, ino: 0x91, addr: 0x100000, offset: 0, length: 0x100000, type: .mapped, new: false)
        s.bioQueue(3, p, sector: 0x800, nr: 8, write: true, kiocb: k1)
        s.rqIssue(4, p, sector: 0x800, nr: 8, write: true)
        s.dioQueued(5, p, ino: 0x91, isize: 0x100000, offset: 0x1000)
        s.dioBegin(6, p, ino: 0x91, isize: 0x100000, pos: 0, count: 0x1000, write: true, api: .libaio, kiocb: k2, userRef: 0x62)
        s.dstmap(7, p, ino: 0x91, addr: 0x100000, offset: 0, length: 0x100000, type: .mapped, new: false)
        s.bioQueue(8, p, sector: 0x800, nr: 8, write: true, kiocb: k2)
        s.rqIssue(9, p, sector: 0x800, nr: 8, write: true)
        s.dioQueued(10, p, ino: 0x91, isize: 0x100000, offset: 0x1000)
        s.sysExit(11, p, .ioSubmit, ret: 2)
        s.rqComplete(40, irq, sector: 0x800, nr: 8, write: true)
        s.dioComplete(45, kw, ino: 0x91, isize: 0x100000, pos: 0x1000, ret: 0x1000, write: true, api: .libaio, kiocb: k1,
                      userRef: 0x61)
        s.rqComplete(50, irq, sector: 0x800, nr: 8, write: true)
        s.dioComplete(55, kw, ino: 0x91, isize: 0x100000, pos: 0x1000, ret: 0x1000, write: true, api: .libaio, kiocb: k2,
                      userRef: 0x62)
        s.sysEnter(60, p, .ioGetevents, args: (1, 2, 2))
        s.reap(61, p, obj: 0x61, res: 0x1000, index: 0, total: 2)
        s.reap(61, p, obj: 0x62, res: 0x1000, index: 1, total: 2)
        s.sysExit(61, p, .ioGetevents, ret: 2)
        let r = Analyzer.analyze(events: s.events(.identity))
        let byID = r.timelines.sorted { $0.id < $1.id }
        #expect(byID.count == 2)
        #expect(byID[0].bios.first?.completedAt == Self.base + Self.us(40))
        #expect(byID[1].bios.first?.completedAt == Self.base + Self.us(50))
        #expect(r.unmatched[Self.dropped] == nil)
    }

    /// A bio of a completed I/O whose request completion never came, and no later request on its
    /// sectors: without any lost window it stayed pending (with its I/O) until the end of the run.
    /// The periodic sweep drops it once it is older than the bound, and counts it.
    @Test func pendingBioOfSettledIOIsPrunedByAgeWithoutLostWindows() throws {
        let s = Scenario("sweep", title: "", models: "")
        let p = STask("fio", 3400)
        Self.write(s, p, t: 0, pos: 0x8000, sector: 0x840, kiocb: 0xffff_8880_7000_0100, userRef: 0x71,
                   traceComplete: false)
        // Later I/O on other sectors keeps the trace going: up to 0.5 s, then past the 1 s bound.
        let analyzer = Analyzer()
        func pending() -> Int? { analyzer.collectionSizes.first { $0.0 == "pendingBios" }?.1 }
        Self.write(s, p, t: 500_000, pos: 0x10000, sector: 0x880, kiocb: 0xffff_8880_7000_0200, userRef: 0x72)
        let early = s.events(.identity)
        for e in early { analyzer.consume(e) }
        analyzer.advance(to: early.last!.timestamp + AnalysisOptions().reorderWindowNs + 1)
        #expect(pending() == 1, "young enough to keep")
        let s2 = Scenario("sweep2", title: "", models: "")
        Self.write(s2, p, t: 1_200_000, pos: 0x18000, sector: 0x8c0, kiocb: 0xffff_8880_7000_0300, userRef: 0x73)
        let late = s2.events(.identity)
        for e in late { analyzer.consume(e) }
        analyzer.advance(to: late.last!.timestamp + AnalysisOptions().reorderWindowNs + 1)
        #expect(pending() == 0)
        let r = analyzer.finish()
        #expect(r.unmatched[Self.dropped] == 1)
        #expect(r.lostWindows.isEmpty)
        #expect(r.counts.total == 3 && r.counts.inconclusive == 0)
    }

    /// A bio larger than the queue allows is split into several requests, none of which holds the
    /// whole bio: the bio is issued with its first part and done when parts covering all its
    /// sectors completed (before, it met no request and its I/O had no device phase).
    @Test(arguments: [Scenario.Flavour.identity, .ftrace])
    func bioSplitAcrossRequestsIsDoneWithItsLastPart(flavour: Scenario.Flavour) throws {
        let s = Scenario("split-bio", title: "", models: "")
        let p = STask("fio", 3300)
        let kiocb: UInt64 = 0xffff_8880_6000_0100
        s.sysEnter(0, p, .ioSubmit, args: (1, 1, 3))
        s.dioBegin(1, p, ino: 0x91, isize: 0x1000000, pos: 0, count: 0x100000, write: true, api: .libaio,
                   kiocb: kiocb, userRef: 0x6100)
        s.dstmap(2, p, ino: 0x91, addr: 0x200000, offset: 0, length: 0x100000, type: .mapped, new: false)
        s.bioQueue(3, p, sector: 0x1000, nr: 2048, write: true, kiocb: kiocb)
        // three parts: 1040 + 1000 + 8 sectors
        s.rqIssue(4, p, sector: 0x1000, nr: 1040, write: true)
        s.rqIssue(5, p, sector: 0x1000 + 1040, nr: 1000, write: true)
        s.rqIssue(6, p, sector: 0x1000 + 2040, nr: 8, write: true)
        s.dioQueued(7, p, ino: 0x91, isize: 0x1000000, offset: 0x100000)
        s.sysExit(8, p, .ioSubmit, ret: 1)
        s.rqComplete(40, irq, sector: 0x1000 + 1040, nr: 1000, write: true)
        s.rqComplete(45, irq, sector: 0x1000, nr: 1040, write: true)
        s.rqComplete(50, irq, sector: 0x1000 + 2040, nr: 8, write: true)
        s.dioComplete(60, kw, ino: 0x91, isize: 0x1000000, pos: 0x100000, ret: 0x100000, write: true, api: .libaio,
                      kiocb: kiocb, userRef: 0x6100)
        s.sysEnter(70, p, .ioGetevents, args: (1, 1, 1))
        s.reap(71, p, obj: 0x6100, res: 0x100000, index: 0, total: 1)
        s.sysExit(71, p, .ioGetevents, ret: 1)
        let r = Analyzer.analyze(events: s.events(flavour))
        let t = try #require(r.timelines.first)
        #expect(r.timelines.count == 1 && t.status == .complete)
        // first part issued at +4 µs, last part completed at +50 µs
        #expect(t.bios.first?.issuedAt == Self.base + Self.us(4))
        #expect(t.bios.first?.completedAt == Self.base + Self.us(50))
        #expect(t.phases.device == Self.us(47))
        #expect(t.entries.filter { $0.step == .rqIssued }.count == 1)
        #expect(t.entries.filter { $0.step == .rqCompleted }.count == 1)
        #expect(r.unmatched["block_rq_issue"] == nil && r.unmatched["block_rq_complete"] == nil, "\(r.unmatched)")
    }

    /// Request issues are numbered in 32 bits (a pending bio is 32 bytes): the count skips 0
    /// (none) when it wraps, and order is by distance, so the FIFO choice among identical
    /// requests stays right across the wrap.
    @Test func issueNumbersWrapPastZeroAndKeepTheirOrder() {
        var n = UInt32.max - 2
        var seen: [UInt32] = []
        for _ in 0..<5 {
            n = PendingBio.nextIssue(after: n)
            seen.append(n)
        }
        #expect(seen == [UInt32.max - 1, UInt32.max, 1, 2, 3], "0 is never handed out")
        for (a, b) in zip(seen, seen.dropFirst()) {
            #expect(PendingBio.issued(a, before: b) && !PendingBio.issued(b, before: a), "\(a) before \(b)")
        }
        #expect(!PendingBio.issued(7, before: 7))
        #expect(PendingBio.issued(UInt32.max, before: 1 << 30) && !PendingBio.issued(1 << 30, before: UInt32.max))
        // The oldest of several pending across the wrap, as the request completion picks it.
        let pending: [UInt32] = [2, UInt32.max, 1, UInt32.max - 1]
        var oldest: UInt32?
        for q in pending where oldest.map({ PendingBio.issued(q, before: $0) }) ?? true { oldest = q }
        #expect(oldest == UInt32.max - 1)
        #expect(MemoryLayout<PendingBio>.stride == 32)
    }

    static func us(_ v: UInt64) -> UInt64 { v * 1000 }
}
