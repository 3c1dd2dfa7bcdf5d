import Foundation
import Testing
@testable import DioscopeCore

/// Join logic, inconclusive marking, retry collapsing and phase statistics.
private let irq = AnalysisScenarios.irq
private let kw = AnalysisScenarios.kworker

@Suite struct AnalysisJoinTests {
    static func us(_ v: UInt64) -> UInt64 { v * 1000 }

    /// Two overwrites of the same range in one io_submit; the device completes the second first and
    /// the first comes back short. Identity joins by kiocb; without identity the tie is FIFO.
    static func reversedCompletions() -> Scenario {
        let s = Scenario("reversed", title: "", models: "")
        let p = STask("rev", 3000)
        let k1: UInt64 = 0xffff_8880_3000_0100, k2: UInt64 = 0xffff_8880_3000_0200
        let u1: UInt64 = 0x1100, u2: UInt64 = 0x2200
        s.sysEnter(0, p, .ioSubmit, args: (1, 2, 3))
        s.dioBegin(5, p, ino: 0x70, isize: 0x10000, pos: 0, count: 0x1000, write: true, api: .libaio, kiocb: k1, userRef: u1)
        s.dstmap(6, p, ino: 0x70, addr: 0x100000, offset: 0, length: 0x1000, type: .mapped, new: false)
        s.bioQueue(7, p, sector: 0x800, nr: 8, write: true, kiocb: k1)
        s.dioQueued(8, p, ino: 0x70, isize: 0x10000, offset: 0x1000)
        s.dioBegin(10, p, ino: 0x70, isize: 0x10000, pos: 0, count: 0x1000, write: true, api: .libaio, kiocb: k2, userRef: u2)
        s.dstmap(11, p, ino: 0x70, addr: 0x100000, offset: 0, length: 0x1000, type: .mapped, new: false)
        s.bioQueue(12, p, sector: 0x800, nr: 8, write: true, kiocb: k2)
        s.dioQueued(13, p, ino: 0x70, isize: 0x10000, offset: 0x1000)
        s.sysExit(14, p, .ioSubmit, ret: 2)
        s.rqIssue(15, p, sector: 0x800, nr: 8, write: true)
        s.rqIssue(16, p, sector: 0x800, nr: 8, write: true)
        s.rqComplete(40, irq, sector: 0x800, nr: 8, write: true)
        s.rqComplete(50, irq, sector: 0x800, nr: 8, write: true)
        // second I/O completes first (full), first I/O completes later (0x800: short)
        s.dioComplete(60, kw, ino: 0x70, isize: 0x10000, pos: 0x1000, ret: 0x1000, write: true, api: .libaio, kiocb: k2,
                      userRef: u2)
        s.dioComplete(70, kw, ino: 0x70, isize: 0x10000, pos: 0x800, ret: 0x800, write: true, api: .libaio, kiocb: k1,
                      userRef: u1)
        s.sysEnter(80, p, .ioGetevents, args: (1, 2, 2))
        s.reap(81, p, obj: u2, res: 0x1000, index: 0, total: 2)
        s.reap(81, p, obj: u1, res: 0x800, index: 1, total: 2)
        s.sysExit(81, p, .ioGetevents, ret: 2)
        return s
    }

    /// A cache flush completes as a request at sector (sector_t)-1 with no data while a write's bio is
    /// pending on the device: the request join must neither trap nor take the flush for the write.
    @Test(arguments: [Scenario.Flavour.identity, .ftrace])
    func flushRequestAtSectorMinusOneDoesNotTrapOrJoin(flavour: Scenario.Flavour) throws {
        let s = Scenario("flush", title: "", models: "")
        let p = STask("flush", 3100)
        s.sysEnter(0, p, .pwrite64, args: (0, 0x1000, 0))
        s.dioBegin(5, p, ino: 0x71, isize: 0x10000, pos: 0, count: 0x1000, write: true, api: .sync, kiocb: 0xffff_8880_4000_0100)
        s.dstmap(6, p, ino: 0x71, addr: 0x100000, offset: 0, length: 0x1000, type: .mapped, new: false)
        s.bioQueue(7, p, sector: 0x800, nr: 8, write: true, kiocb: 0xffff_8880_4000_0100)
        s.rqIssue(8, p, sector: UInt64.max, nr: 0, write: true)
        s.rqComplete(9, irq, sector: UInt64.max, nr: 0, write: true)
        s.rqIssue(10, p, sector: 0x800, nr: 8, write: true)
        s.rqComplete(40, irq, sector: 0x800, nr: 8, write: true)
        s.dioComplete(50, p, ino: 0x71, isize: 0x10000, pos: 0x1000, ret: 0x1000, write: true, api: .sync,
                      kiocb: 0xffff_8880_4000_0100, userRef: 0)
        s.sysExit(51, p, .pwrite64, ret: 0x1000)
        let r = Analyzer.analyze(events: s.events(flavour))
        let t = try #require(r.timelines.first)
        #expect(r.timelines.count == 1 && t.status == .complete)
        // the bio was issued and completed by its own request, not by the flush
        #expect(t.bios.first?.issuedAt == 100_000_000_000 + Self.us(10))
        #expect(r.findings.isEmpty)
    }

    @Test func exactKiocbJoinFollowsIdentityNotOrder() throws {
        let r = Analyzer.analyze(events: Self.reversedCompletions().events(.identity))
        #expect(r.timelines.count == 2)
        let first = try #require(r.timelines.first { $0.attempts[0].kiocb == 0xffff_8880_3000_0100 })
        let second = try #require(r.timelines.first { $0.attempts[0].kiocb == 0xffff_8880_3000_0200 })
        #expect(first.result == 0x800)
        #expect(second.result == 0x1000)
        #expect(first.completedAt == 100_000_000_000 + Self.us(70))
        #expect(second.completedAt == 100_000_000_000 + Self.us(60))
        #expect(first.bios.allSatisfy { $0.exactJoin })
        // reap records (here before the call's exit) name each I/O: nothing left for the FIFO rule
        #expect(r.unmatched["aio_reap"] == nil && r.unmatched["io_getevents without posted I/O"] == nil)
        // the short first write is flagged (async, posted, no fallback): error, naming only io 1
        #expect(r.findings.map(\.kind) == [.shortDIOWrite])
        #expect(r.findings.first?.ios == [first.id])
        #expect(r.findings.first?.severity == .error)
    }

    @Test func withoutIdentityTiesJoinFIFO() throws {
        let r = Analyzer.analyze(events: Self.reversedCompletions().events(.ftrace))
        #expect(r.timelines.count == 2)
        let byID = r.timelines.sorted { $0.id < $1.id }
        // The pos 0x1000 completion matches both (same range): the oldest I/O takes it.
        #expect(byID[0].completedAt == 100_000_000_000 + Self.us(60))
        #expect(byID[0].result == 0x1000)
        #expect(byID[1].result == 0x800)
        // io_getevents -> 2 reaps both oldest-first
        #expect(byID.allSatisfy { $0.reapedAt == 100_000_000_000 + Self.us(81) })
        #expect(byID[0].bios.count == 1 && byID[1].bios.count == 1)
        #expect(byID.allSatisfy { $0.bios.allSatisfy { !$0.exactJoin } })
    }

    /// Two writes to different ranges without identity; completions reversed: the position
    /// (ki_pos = start + ret) picks the right I/O.
    @Test func positionDisambiguatesCompletionsWithoutIdentity() throws {
        let s = Scenario("pos", title: "", models: "")
        let p = STask("pos", 3100)
        s.sysEnter(0, p, .ioSubmit, args: (1, 2, 3))
        s.dioBegin(5, p, ino: 0x71, isize: 0x10000, pos: 0, count: 0x1000, write: true, api: .libaio)
        s.dioQueued(6, p, ino: 0x71, isize: 0x10000, offset: 0x1000)
        s.dioBegin(7, p, ino: 0x71, isize: 0x10000, pos: 0x4000, count: 0x2000, write: true, api: .libaio)
        s.dioQueued(8, p, ino: 0x71, isize: 0x10000, offset: 0x6000)
        s.sysExit(9, p, .ioSubmit, ret: 2)
        s.dioComplete(20, kw, ino: 0x71, isize: 0x10000, pos: 0x6000, ret: 0x2000, write: true, api: .libaio)
        s.dioComplete(30, kw, ino: 0x71, isize: 0x10000, pos: 0x1000, ret: 0x1000, write: true, api: .libaio)
        s.sysEnter(40, p, .ioGetevents, args: (1, 2, 2))
        s.sysExit(41, p, .ioGetevents, ret: 2)
        let r = Analyzer.analyze(events: s.events(.ftrace))
        let t = r.timelines.sorted { $0.id < $1.id }
        #expect(t.count == 2)
        #expect(t[0].offset == 0 && t[0].completedAt == 100_000_000_000 + Self.us(30))
        #expect(t[1].offset == 0x4000 && t[1].completedAt == 100_000_000_000 + Self.us(20))
        #expect(r.verdict == .clean)
    }

    @Test func lostWindowMakesTheIOInconclusiveAndSuppressesItsFinding() {
        let s = AnalysisScenarios.seed000ConversionAfterReap()
        s.lost(300, sinceUs: 100, dropped: 7)
        for f in [Scenario.Flavour.identity, .ftrace] {
            let r = Analyzer.analyze(events: s.events(f))
            #expect(r.findings.isEmpty)
            #expect(r.verdict == .inconclusive)
            #expect(r.lostWindows.count == 1)
            #expect(r.eventsDropped == 7)
            #expect(r.timelines.contains { $0.status == .inconclusive && ($0.inconclusiveReason ?? "").contains("lost") })
            #expect(!r.sourceComplete)
        }
    }

    @Test func lostWindowElsewhereLeavesOtherIOsConclusive() {
        let s = AnalysisScenarios.correctXFSAIOHoleRead()
        s.lost(5000, sinceUs: 4000, dropped: 3)
        let r = Analyzer.analyze(events: s.events(.identity))
        #expect(r.timelines.allSatisfy { $0.status == .complete })
        // but the run as a whole cannot be called clean
        #expect(r.verdict == .inconclusive)
    }

    @Test func completionWithoutBeginIsInconclusive() {
        let s = Scenario("cut-start", title: "", models: "")
        let p = STask("late", 3200)
        s.dioComplete(10, kw, ino: 0x72, isize: 0x10000, pos: 0x1000, ret: 0x1000, write: true, api: .libaio)
        s.sysEnter(20, p, .ioGetevents, args: (1, 1, 1))
        s.sysExit(21, p, .ioGetevents, ret: 1)
        for f in [Scenario.Flavour.identity, .ftrace] {
            let r = Analyzer.analyze(events: s.events(f))
            #expect(r.timelines.count == 1)
            #expect(r.timelines.first?.status == .inconclusive)
            #expect(r.timelines.first?.inconclusiveReason?.contains("without its begin") == true)
            #expect(r.timelines.first?.offset == 0)
            #expect(r.verdict == .inconclusive)
            #expect(r.findings.isEmpty)
        }
    }

    @Test func beginWithoutCompletionAtEndIsInconclusive() {
        let s = Scenario("cut-end", title: "", models: "")
        let p = STask("early", 3300)
        s.sysEnter(0, p, .ioSubmit, args: (1, 1, 1))
        s.dioBegin(5, p, ino: 0x73, isize: 0x10000, pos: 0, count: 0x1000, write: true, api: .libaio, kiocb: 9, userRef: 8)
        s.dstmap(6, p, ino: 0x73, addr: 0x200000, offset: 0, length: 0x1000, type: .unwritten, new: true)
        s.dioQueued(7, p, ino: 0x73, isize: 0x10000, offset: 0x1000)
        s.sysExit(8, p, .ioSubmit, ret: 1)
        for f in [Scenario.Flavour.identity, .ftrace] {
            let r = Analyzer.analyze(events: s.events(f))
            #expect(r.timelines.count == 1)
            #expect(r.timelines.first?.status == .inconclusive)
            #expect(r.timelines.first?.inconclusiveReason?.contains("no completion") == true)
            #expect(r.verdict == .inconclusive)
            #expect(r.findings.isEmpty)
        }
    }

    @Test func completedButUnconvertedAtEndOfCompleteTraceIsAFinding() {
        // The seed-000 model cut right after the reap: no conversion ever, no read.
        let full = AnalysisScenarios.seed000ConversionAfterReap()
        let cut = full.events(.identity).filter { $0.timestamp <= 100_000_000_000 + Self.us(141) }
        let r = Analyzer.analyze(events: cut)
        #expect(r.findings.map(\.kind) == [.completionBeforeConversion])
        #expect(r.findings.first?.severity == .warning)
        #expect(r.findings.first?.message.contains("no conversion by the end") == true)
        // ... but if the source says events were dropped, it is only inconclusive
        var summary = SourceSummary(format: "test")
        summary.dropped = 5
        let r2 = Analyzer.analyze(events: cut, summary: summary)
        #expect(r2.findings.isEmpty)
        #expect(r2.verdict == .inconclusive)
        #expect(r2.timelines.allSatisfy { $0.status == .inconclusive })
    }

    @Test func damagedSourceIsNeverClean() {
        var summary = SourceSummary(format: "dioscope-trace")
        summary.damaged = true
        summary.problems = [SourceProblem(position: "chunk 2", message: "bad checksum")]
        let r = Analyzer.analyze(events: AnalysisScenarios.correctXFSAIOHoleRead().events(.identity), summary: summary)
        #expect(r.verdict == .inconclusive)
        #expect(r.exitStatus(sourceDamaged: true) == .badInput)
        #expect(r.timelines.allSatisfy { $0.status == .inconclusive })
        #expect(r.sourceProblems == ["chunk 2: bad checksum"])
    }

    @Test func kernelRetriesAreOneIOWithAttempts() throws {
        for f in [Scenario.Flavour.identity, .ftrace] {
            let r = Analyzer.analyze(events: AnalysisScenarios.correctXFSUnalignedPair().events(f))
            #expect(r.counts.total == 2)
            #expect(r.counts.retried == 1)
            let w1 = try #require(r.timelines.first { $0.offset == 0 })
            #expect(w1.attempts.count == 2)
            #expect(w1.attempts[0].retried && w1.attempts[0].error == -11)
            #expect(w1.attempts[0].dioFlags == ["DIO_OVERWRITE_ONLY"])
            #expect(w1.attempts[1].dioFlags == ["DIO_FORCE_WAIT"])
            #expect(w1.result == 512)
            #expect(w1.bios.map(\.role) == [.data, .subBlockZeroing])
            #expect(w1.bios[1].zeroedRanges == [FileRange(start: 0x200, end: 0x1000)])
            #expect(w1.needsConversion && w1.convertedAt != nil)
            let w2 = try #require(r.timelines.first { $0.offset == 0x200 })
            #expect(w2.attempts.count == 1)
            #expect(w2.bios.map(\.role) == [.data])
            #expect(!w2.needsConversion)

            let u = Analyzer.analyze(events: AnalysisScenarios.correctXFSUringNowaitRetry().events(f))
            #expect(u.counts.total == 1 && u.counts.retried == 1)
            #expect(u.timelines.first?.api == .ioUring)
            #expect(u.timelines.first?.tid == 1800)
            #expect(u.timelines.first?.postedAt == 100_000_000_000 + Self.us(86))
        }
    }

    /// A second begin with the same kiocb, range and user iocb while the first attempt is still open
    /// (its -EAGAIN completion was not recorded) is a kernel retry of the same user I/O; the same
    /// kiocb with another user iocb, or after the first attempt completed, is a new I/O. The engine
    /// finds the candidate through its kiocb index while no I/O of the file awaits a retry.
    @Test func beginWithAnOpenAttemptsKiocbIsItsRetry() throws {
        func run(secondUserRef: UInt64, completeFirst: Bool) -> AnalysisResult {
            let s = Scenario("retry-by-kiocb", title: "", models: "")
            let p = STask("rk", 3300)
            let k: UInt64 = 0xffff_8880_5000_0100
            s.sysEnter(0, p, .ioSubmit, args: (1, 1, 3))
            // another in-flight I/O on the file first, so that a scan would have something to skip
            s.dioBegin(2, p, ino: 0x72, isize: 0x10000, pos: 0x4000, count: 0x1000, write: true, api: .libaio,
                       kiocb: 0xffff_8880_5000_0900, userRef: 0x9900)
            s.dioBegin(5, p, ino: 0x72, isize: 0x10000, pos: 0, count: 0x1000, write: true, api: .libaio, kiocb: k,
                       userRef: 0x1100)
            if completeFirst {
                s.dioComplete(6, kw, ino: 0x72, isize: 0x10000, pos: 0x1000, ret: 0x1000, write: true, api: .libaio,
                              kiocb: k, userRef: 0x1100)
            }
            s.dioBegin(8, p, ino: 0x72, isize: 0x10000, pos: 0, count: 0x1000, write: true, api: .libaio, kiocb: k,
                       userRef: secondUserRef)
            s.sysExit(9, p, .ioSubmit, ret: 1)
            return Analyzer.analyze(events: s.events(.identity))
        }
        let retry = run(secondUserRef: 0x1100, completeFirst: false)
        #expect(retry.counts.total == 2 && retry.counts.retried == 1)
        let io = try #require(retry.timelines.first { $0.offset == 0 })
        #expect(io.attempts.count == 2 && io.attempts[0].retried)
        #expect(io.entries.contains { $0.step == .retry })

        let otherUser = run(secondUserRef: 0x2200, completeFirst: false)
        #expect(otherUser.counts.total == 3 && otherUser.counts.retried == 0)
        let afterCompletion = run(secondUserRef: 0x1100, completeFirst: true)
        #expect(afterCompletion.counts.total == 3 && afterCompletion.counts.retried == 0)
    }

    @Test func phaseLatenciesAndTables() throws {
        let r = Analyzer.analyze(events: AnalysisScenarios.correctXFSAIOHoleRead().events(.identity))
        let w = try #require(r.timelines.first { $0.op == .write })
        #expect(w.phases.submitToFirstBio == Self.us(38))
        #expect(w.phases.device == Self.us(112 - 38))
        #expect(w.phases.deviceToConversion == Self.us(129 - 112))
        #expect(w.phases.conversionToPosted == Self.us(145 - 129))
        #expect(w.phases.postedToReaped == Self.us(169 - 145))
        #expect(w.phases.total == Self.us(169))
        let rd = try #require(r.timelines.first { $0.op == .read })
        #expect(rd.phases.total == Self.us(18))
        #expect(rd.phases.postedToReaped == nil)
        let all = r.phaseTables.overall
        #expect(all.ios == 2)
        let total = try #require(all.summary(.total))
        #expect(total.count == 2 && total.min == Self.us(18) && total.max == Self.us(169))
        #expect(total.avg == (Self.us(18) + Self.us(169)) / 2)
        #expect(total.p50 == Self.us(18) && total.p99 == Self.us(169))
        #expect(r.phaseTables.byProcess.map(\.group) == ["pid 1234 (aio_hole_read)"])
        #expect(r.phaseTables.byInode.map(\.group) == ["ino 7:0/135"])
        // ftrace: reaped at io_getevents' return
        let f = Analyzer.analyze(events: AnalysisScenarios.correctXFSAIOHoleRead().events(.ftrace))
        #expect(f.timelines.first { $0.op == .write }?.phases.postedToReaped == Self.us(169 - 145))
    }

    @Test func percentilesAreNearestRank() {
        let s = PhaseAccumulator.summarize((1...100).map { UInt64($0) })
        #expect(s.min == 1 && s.max == 100 && s.p50 == 50 && s.p99 == 99 && s.avg == 50)
        let one = PhaseAccumulator.summarize([7])
        #expect(one.p50 == 7 && one.p99 == 7)
    }

    @Test func accumulatorFilesEachLatencyUnderItsPhase() {
        // add(_:) reads the fields one by one in table order: each must land in its own row,
        // both while samples are exact and after the switch to histograms.
        var p = PhaseLatencies()
        p.submitToFirstBio = 1
        p.device = 2
        p.deviceToConversion = 3
        p.conversionToPosted = 4
        p.postedToReaped = 5
        p.total = 6
        for n in [1, PhaseAccumulator.exactLimit + 1] {
            var acc = PhaseAccumulator(group: "g")
            for _ in 0..<n { acc.add(p) }
            let t = acc.table()
            #expect(t.ios == UInt64(n))
            for phase in Phase.allCases {
                let s = t.summary(phase)
                #expect(s?.count == UInt64(n) && s?.min == p.value(phase) && s?.max == p.value(phase), "\(phase)")
            }
        }
        var partial = PhaseAccumulator(group: "g")
        var q = PhaseLatencies()
        q.device = 9
        partial.add(q)
        #expect(partial.table().phases.keys.sorted() == [Phase.device.rawValue])
    }

    @Test func resultRoundTripsThroughJSON() throws {
        let r = Analyzer.analyze(events: AnalysisScenarios.seed001UnalignedZeroing().events(.identity))
        let data = try JSONEncoder().encode(r)
        let back = try JSONDecoder().decode(AnalysisResult.self, from: data)
        #expect(back == r)
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains("\"subblock-zeroing-overlap\""))
        #expect(text.contains("\"7:0\""))
    }

    @Test func filterRestrictsFindingsAndTimelines() {
        let r = Analyzer.analyze(events: AnalysisScenarios.seed000ConversionAfterReap().events(.identity))
        #expect(AnalysisFilter(kind: .shortDIOWrite).apply(to: r).findings.isEmpty)
        #expect(AnalysisFilter(kind: .completionBeforeConversion).apply(to: r).findings.count == 1)
        #expect(AnalysisFilter(pid: 999).apply(to: r).timelines.isEmpty)
        #expect(AnalysisFilter(ino: 0x87).apply(to: r).timelines.count == 2)
        #expect(AnalysisFilter(until: 100_000_000_000 + Self.us(100)).apply(to: r).timelines.map(\.op) == [.write])
    }

    @Test func streamingDropsSettledState() {
        // 200 sequential overwrites: each file flush leaves no I/O behind in the engine.
        let s = Scenario("many", title: "", models: "")
        let p = STask("many", 3400)
        s.open(p, fd: 3, ino: 0x74)
        for i in 0..<200 {
            let t = UInt64(i) * 100
            let off = Int64(i) * 0x1000
            s.sysEnter(t, p, .pwrite64, fd: 3, args: (1, 0x1000, off), isize: 0x1000000)
            s.dioBegin(t + 1, p, ino: 0x74, isize: 0x1000000, pos: off, count: 0x1000, write: true, api: .sync)
            s.dstmap(t + 2, p, ino: 0x74, addr: 0x800000 + UInt64(off), offset: off, length: 0x1000, type: .mapped, new: false)
            s.bioQueue(t + 3, p, sector: (0x800000 + UInt64(off)) / 512, nr: 8, write: true)
            s.rqIssue(t + 4, p, sector: (0x800000 + UInt64(off)) / 512, nr: 8, write: true)
            s.rqComplete(t + 20, irq, sector: (0x800000 + UInt64(off)) / 512, nr: 8, write: true)
            s.dioComplete(t + 22, p, ino: 0x74, isize: 0x1000000, pos: off + 0x1000, ret: 0x1000, write: true, api: .sync)
            s.sysExit(t + 23, p, .pwrite64, fd: 3, ret: 0x1000)
        }
        let a = Analyzer(options: { var o = AnalysisOptions(); o.reorderWindowNs = 1000; return o }())
        var maxHeld = 0
        for e in s.events(.ftrace) {
            a.consume(e)
            maxHeld = max(maxHeld, a.heldIOs)
        }
        #expect(maxHeld <= 2)
        let r = a.finish()
        #expect(r.counts.total == 200)
        #expect(r.verdict == .clean)
        #expect(r.timelines.allSatisfy { $0.bios.count == 1 && $0.bios[0].completedAt != nil })
        #expect(r.phaseTables.overall.summary(.device)?.count == 200)
    }
}

@Suite struct AnalysisReportTests {
    @Test func textReportShowsFindingTimelineAndVerdict() {
        let r = Analyzer.analyze(events: AnalysisScenarios.seed003FsyncBeforeConversion().events(.identity))
        let text = AnalysisReport.text(r, timelines: true)
        #expect(text.contains("ERROR fsync-before-conversion"))
        #expect(text.contains("WARNING completion-before-conversion"))
        #expect(text.contains("|*"))  // ASCII timeline rows
        #expect(text.contains("fsync returned 0"))
        #expect(text.contains("Verdict: FINDINGS — 1 error(s), 1 warning(s)"))
        #expect(text.contains("Timelines:\nio#1 libaio write pid 1700/1700 (aio_fsync)"))
        let clean = AnalysisReport.text(Analyzer.analyze(events: AnalysisScenarios.correctExt4AIOHoleRead().events(.ftrace)))
        #expect(clean.contains("No findings."))
        #expect(clean.contains("Verdict: CLEAN"))
        #expect(clean.contains("device->conv"))
    }

    @Test func withoutSyscallEventsLibaioNeedsNoReap() {
        // ftrace without the syscalls group: no io_submit/io_getevents lines at all
        // (the importer knows libaio from AIO_RW in ki_flags)
        let ev: [Event] = AnalysisScenarios.correctXFSAIOHoleRead().events(.ftrace).compactMap {
            var e = $0
            switch e.payload {
            case .sysEnter, .sysExit: return nil
            case .dioBegin(var p) where p.api == .asyncOther: p.api = .libaio; e.payload = .dioBegin(p)
            case .dioComplete(var p) where p.api == .asyncOther: p.api = .libaio; e.payload = .dioComplete(p)
            default: break
            }
            return e
        }
        let r = Analyzer.analyze(events: ev)
        #expect(r.verdict == .clean)
        #expect(r.counts.total == 2)
        #expect(r.timelines.first?.api == .libaio)
        #expect(r.unmatched.isEmpty, "\(r.unmatched)")
        #expect(r.timelines.first?.reapedAt == nil)
    }
}

@Suite struct AnalysisKeepTimelinesTests {
    @Test func countsAgreeWhetherOrNotTimelinesAreKept() {
        var summary = SourceSummary(format: "dioscope-trace")
        summary.damaged = true
        var o = AnalysisOptions()
        o.keepAllTimelines = false
        for s in AnalysisScenarios.all {
            let all = Analyzer.analyze(events: s.events(.identity), summary: summary)
            let few = Analyzer.analyze(events: s.events(.identity), summary: summary, options: o)
            #expect(all.counts == few.counts, "\(s.name)")
            #expect(all.findings == few.findings, "\(s.name)")
            #expect(all.verdict == few.verdict, "\(s.name)")
            // only timelines named by findings (or inconclusive) are kept
            let named = Set(few.findings.flatMap(\.ios))
            #expect(few.timelines.allSatisfy { named.contains($0.id) || $0.status == .inconclusive })
        }
    }
}

@Suite struct AnalysisZeroEofTests {
    /// dioscope's BPF records xfs_zero_eof (binary traces only): a truncate-up entering while an
    /// extending write is in flight that zeroes from the stale size over the write's range.
    @Test func zeroEofOverTheWritesRangeIsAnError() throws {
        let base = AnalysisScenarios.correctXFSFallocateWaits()
        func run(zeroAt offset: Int64) -> AnalysisResult {
            var ev = base.events(.identity)
            let w = STask("extend_vs_fallo", 1501, tgid: 1500, cpu: 0)
            // replace the fallocate by an ftruncate up to 0x30000 that zeroes [offset, 0x30000) at 96us
            ev = ev.map { e in
                var e = e
                if case .sysEnter(var p) = e.payload, p.sysno == .fallocate {
                    p.sysno = .ftruncate; p.args = (0x30000, 0, 0); e.payload = .sysEnter(p)
                }
                if case .sysExit(var p) = e.payload, p.sysno == .fallocate { p.sysno = .ftruncate; e.payload = .sysExit(p) }
                return e
            }.filter { if case .fsSpaceOp = $0.payload { return false }; return true }
            ev.append(Event(timestamp: 100_000_096_000, tgid: w.tgid, tid: w.pid, cpu: 0,
                            dev: DeviceNumber(major: 7, minor: 0), ino: 0x8a,
                            payload: .fsSpaceOp(SpaceOp(kind: .xfsZeroEof, offset: offset, len: 0x30000 - offset,
                                                        isize: 0x20000))))
            ev.sort { $0.timestamp < $1.timestamp }
            return Analyzer.analyze(events: ev)
        }
        let bad = run(zeroAt: 0x10000)  // stale size: zeroes the write's range 0x10000..0x20000
        #expect(bad.findings.map(\.kind) == [.sizeExtensionRace])
        #expect(bad.findings.first?.severity == .error)
        #expect(bad.findings.first?.message.contains("0x10000..0x20000") == true)
        let good = run(zeroAt: 0x20000)  // zeroes only beyond the write's end: fine
        #expect(good.findings.isEmpty)
        #expect(good.verdict == .clean)
    }
}

@Suite struct AnalysisBusyFileTests {
    /// A file that never goes quiet: 3000 overlapping AIO writes (about 4 in flight at any time),
    /// one of them (the 1500th) posted and reaped before its conversion while a read runs.
    /// Memory stays bounded (partial flushes) and the one race is still found.
    @Test func busyFileIsFlushedPartiallyAndRacesAreKept() throws {
        let s = Scenario("busy", title: "", models: "")
        let p = STask("busy", 3500)
        let r = STask("reader", 3600)
        let irq = AnalysisScenarios.irq, kw = AnalysisScenarios.kworker
        let n = 3000, bad = 1500
        var events: [(UInt64, () -> Void)] = []
        for i in 0..<n {
            let t = UInt64(i) * 10
            let off = Int64(i) * 0x1000
            let k = 0xffff_8880_0000_0000 + UInt64(i) * 0x100, u = 0x5000_0000 + UInt64(i) * 0x40
            let addr = 0x1000_0000 + UInt64(off)
            events.append((t, {
                s.sysEnter(t, p, .ioSubmit, args: (1, 1, 1))
                s.dioBegin(t + 1, p, ino: 0x75, isize: 0x10000000, pos: off, count: 0x1000, write: true, api: .libaio,
                           kiocb: k, userRef: u)
                s.dstmap(t + 2, p, ino: 0x75, addr: addr, offset: off, length: 0x1000, type: .unwritten, new: true)
                s.bioQueue(t + 3, p, sector: addr / 512, nr: 8, write: true, kiocb: k)
                s.dioQueued(t + 4, p, ino: 0x75, isize: 0x10000000, offset: off + 0x1000)
                s.sysExit(t + 5, p, .ioSubmit, ret: 1)
            }))
            events.append((t + 30, {
                s.rqComplete(t + 30, irq, sector: addr / 512, nr: 8, write: true)
                if i != bad { s.xfsConvert(t + 31, kw, ino: 0x75, isize: 0x10000000, pos: off, count: 0x1000) }
                s.dioComplete(t + 32, kw, ino: 0x75, isize: 0x10000000, pos: off + 0x1000, ret: 0x1000, write: true,
                              api: .libaio, kiocb: k, userRef: u)
                s.sysEnter(t + 33, p, .ioGetevents, args: (1, 1, 1))
                s.sysExit(t + 34, p, .ioGetevents, ret: 1)
                s.reap(t + 34, p, obj: u, res: 0x1000)
                if i == bad {
                    s.dioBegin(t + 35, r, ino: 0x75, isize: 0x10000000, pos: off, count: 0x1000, write: false, api: .sync)
                    s.dstmap(t + 36, r, ino: 0x75, addr: addr, offset: off, length: 0x1000, type: .unwritten, new: false)
                    s.dioComplete(t + 37, r, ino: 0x75, isize: 0x10000000, pos: off + 0x1000, ret: 0x1000, write: false,
                                  api: .sync)
                    s.xfsConvert(t + 38, kw, ino: 0x75, isize: 0x10000000, pos: off, count: 0x1000)
                }
            }))
        }
        // build the events in time order of their groups (groups interleave: about 3 writes overlap)
        for (_, build) in events.sorted(by: { $0.0 < $1.0 }) { build() }
        for f in [Scenario.Flavour.identity, .ftrace] {
            var ev = s.events(f)
            ev.sort { $0.timestamp < $1.timestamp }
            let a = Analyzer()
            var maxHeld = 0
            for e in ev {
                a.consume(e)
                maxHeld = max(maxHeld, a.heldIOs)
            }
            let res = a.finish()
            #expect(maxHeld < 600, "held \(maxHeld)")
            #expect(res.counts.total == UInt64(n) + 1)
            #expect(res.counts.inconclusive == 0)
            #expect(res.findings.map(\.kind) == [.completionBeforeConversion])
            #expect(res.findings.first?.severity == .error)
            #expect(res.findings.first?.subjects.map(\.offset) == [Int64(bad) * 0x1000, Int64(bad) * 0x1000])
            #expect(res.timelines.count == n + 1)
        }
    }
}

@Suite struct AnalysisStreamingCallbackTests {
    @Test func findingsAndTimelinesAreDeliveredAsTheyBecomeFinal() {
        let s = AnalysisScenarios.seed000ConversionAfterReap()
        let a = Analyzer(options: { var o = AnalysisOptions(); o.reorderWindowNs = 1_000; return o }())
        var found: [(FindingKind, Int)] = []
        var timelines: [UInt64] = []
        var consumed = 0
        a.onFinding = { found.append(($0.kind, consumed)) }
        a.onTimeline = { timelines.append($0.id) }
        var ev = s.events(.identity)
        // something unrelated much later moves the reorder window past the scenario
        ev.append(Event(timestamp: ev.last!.timestamp + 1_000_000_000, tgid: 1, tid: 1,
                        payload: .sysEnter(SysEnter(sysno: .fsync, fd: 9))))
        for e in ev {
            a.consume(e)
            consumed += 1
        }
        // the race is reported once the conversion is through the window, before the input ends
        #expect(found.map(\.0) == [.completionBeforeConversion])
        #expect(found.first.map { $0.1 == ev.count - 1 } == true)  // while consuming the last event
        #expect(timelines.count == 2)
        let r = a.finish()
        #expect(Set(timelines) == Set(r.timelines.map(\.id)))
        #expect(r.findings.count == 1)
    }
}

@Suite struct AnalysisLateReapTests {
    /// Seen in a fio recording: the reap record comes 100 us after io_getevents' exit, and irq work
    /// that interrupted the task (carrying its tid) comes in between. Here even the task's next call
    /// comes first: the FIFO rule reaps the I/O, and the late record agrees with it.
    @Test func lateReapRecordStillJoinsByObj() throws {
        let s = AnalysisScenarios.correctXFSAIOHoleRead()
        var ev = s.events(.identity)
        let i = try #require(ev.firstIndex { if case .aioReap = $0.payload { return true }; return false })
        var reap = ev.remove(at: i)
        reap.timestamp += 100_000
        // irq completion of the following read, in the reaping task's context
        ev = ev.map { e in
            var e = e
            if case .block(.rqComplete, _) = e.payload, e.timestamp > reap.timestamp - 100_000 { e.tid = 1234; e.tgid = 1234 }
            return e
        }
        ev.append(reap)
        ev.sort { $0.timestamp < $1.timestamp }
        let r = Analyzer.analyze(events: ev)
        #expect(r.unmatched["aio_reap"] == nil, "\(r.unmatched)")
        #expect(r.verdict == .clean)
        // reaped when io_getevents returned (the task's next call came before the record)
        #expect(r.timelines.first { $0.op == .write }?.reapedAt == 100_000_169_000)
    }
}
