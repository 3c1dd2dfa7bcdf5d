import Foundation
import Testing
@testable import DioscopeCore

/// A window of recursion misses of `iomap_dio_complete` (`Lost.recursionMiss`, probe
/// `DSC_P_DIO_COMPLETE`) lost only completions that program did not record: the analyzer marks
/// the I/Os left with an attempt that has no completion, not every I/O in the window, and keeps
/// the findings of the others. Drops that may have been any record still mark every I/O.
@Suite struct MissWindowTests {
    static func miss(since: UInt64, until: UInt64, dropped: UInt64 = 1, recursion: Bool = true,
                     probe: UInt32 = Lost.dioCompleteProbe) -> Lost {
        Lost(dropped: dropped, sinceNs: since, probe: probe, untilNs: until, recursionMiss: recursion)
    }

    /// A: 1–9 ms, completes at 9 ms (after the window); B: 1.5–8 ms, its completion is the missed
    /// hit (the user still gets the result); C: 0.5–2.5 ms, completed before the window; the
    /// window (2, 4] ms is reported at 5 ms.
    static func analyze(_ lost: Lost) -> AnalysisResult {
        let b = LostWindowTests.write(tid: 11, offset: 8192, begin: 1_500_000, end: 8_000_000)
            .filter { if case .dioComplete = $0.payload { false } else { true } }
        let events = (LostWindowTests.write(tid: 10, offset: 0, begin: 1_000_000, end: 9_000_000) + b
            + LostWindowTests.write(tid: 12, offset: 16384, begin: 500_000, end: 2_500_000)
            + [Event(timestamp: 5_000_000, payload: .lost(lost))]).sorted { $0.timestamp < $1.timestamp }
        return Analyzer.analyze(events: events)
    }

    @Test func onlyTheIOLeftWithoutItsCompletionIsMarked() throws {
        let r = Self.analyze(Self.miss(since: 2_000_000, until: 4_000_000))
        let a = try #require(r.timelines.first { $0.offset == 0 })
        let b = try #require(r.timelines.first { $0.offset == 8192 })
        let c = try #require(r.timelines.first { $0.offset == 16384 })
        #expect(a.status == .complete, "completed after the window: the missed hit was not its")
        #expect(c.status == .complete)
        #expect(b.status == .inconclusive)
        #expect(b.entries.contains { $0.step == .lost }, "the victim's timeline shows the window")
        #expect(!a.entries.contains { $0.step == .lost })
        #expect(r.counts.inconclusive == 1)
        // the run itself lost events: still not clean, and the window is reported as misses
        #expect(r.verdict == .inconclusive)
        #expect(!r.sourceComplete)
        #expect(r.eventsDropped == 1)
        #expect(r.lostWindows == [LostWindow(since: 2_000_000, until: 4_000_000, dropped: 1, missesOf: "iomap_dio_complete")])
        var text = ""
        try AnalysisReport.write(r) { text += $0 }
        #expect(text.contains("(misses of iomap_dio_complete)"))
    }

    /// An I/O that had already settled without its completion when the window was reported (its
    /// file held it: another I/O of the file was in flight) is judged at once.
    @Test func aSettledIOWithoutItsCompletionIsJudgedWhenTheWindowComes() throws {
        let c = LostWindowTests.write(tid: 12, offset: 16384, begin: 500_000, end: 2_500_000)
            .filter { if case .dioComplete = $0.payload { false } else { true } }
        let events = (LostWindowTests.write(tid: 10, offset: 0, begin: 1_000_000, end: 9_000_000) + c
            + [Event(timestamp: 5_000_000, payload: .lost(Self.miss(since: 2_000_000, until: 4_000_000)))])
            .sorted { $0.timestamp < $1.timestamp }
        let r = Analyzer.analyze(events: events)
        let settled = try #require(r.timelines.first { $0.offset == 16384 })
        let a = try #require(r.timelines.first { $0.offset == 0 })
        #expect(settled.status == .inconclusive)
        #expect(settled.entries.contains { $0.step == .lost }, "marked by the window, not only for its missing completion")
        #expect(a.status == .complete)
    }

    /// The same drops not said to be misses of that program (a ring-full drop, another probe's
    /// misses, or several probes' in one record) mark every I/O in flight in the window.
    @Test func otherDropsStillMarkEveryIOInTheWindow() throws {
        for lost in [Self.miss(since: 2_000_000, until: 4_000_000, recursion: false),
                     Self.miss(since: 2_000_000, until: 4_000_000, probe: 6)] {
            let r = Self.analyze(lost)
            let a = try #require(r.timelines.first { $0.offset == 0 })
            let c = try #require(r.timelines.first { $0.offset == 16384 })
            #expect(a.status == .inconclusive, "\(lost)")
            #expect(c.status == .inconclusive, "ended inside the window: \(lost)")
            #expect(r.counts.inconclusive == 3)
            #expect(r.lostWindows.first?.missesOf == nil)
        }
    }

    /// Seed 000's race (completion posted and reaped before the conversion) with a miss window
    /// around the write's completion, which was recorded: the finding stands. The same window as
    /// ordinary drops leaves it unproven.
    @Test func aFindingOfAnIOThatKeptItsCompletionStands() throws {
        let events = AnalysisScenarios.seed000ConversionAfterReap().events(.identity)
        let done = try #require(events.first { if case .dioComplete = $0.payload { true } else { false } }).timestamp
        func run(_ lost: Lost) -> AnalysisResult {
            let e = Event(timestamp: done + 10_000, payload: .lost(lost))
            return Analyzer.analyze(events: (events + [e]).sorted { $0.timestamp < $1.timestamp })
        }
        let targeted = run(Self.miss(since: done - 5_000, until: done + 5_000))
        #expect(targeted.findings.map(\.kind) == [.completionBeforeConversion])
        #expect(targeted.verdict == .findings)
        let broad = run(Self.miss(since: done - 5_000, until: done + 5_000, recursion: false))
        #expect(broad.findings.isEmpty)
        #expect(broad.verdict == .inconclusive)
    }

    /// A libaio write whose completion was the missed hit and that is never reaped: settled
    /// (evicted) as lost once it stops making progress, instead of holding its file to the end.
    @Test func aVictimNobodyReapsIsEvicted() throws {
        let events = AnalysisScenarios.seed000ConversionAfterReap().events(.identity)
        let begin = try #require(events.first { if case .dioBegin = $0.payload { true } else { false } }).timestamp
        // up to the write's return from io_submit: no request completion, no iomap_dio_complete,
        // no reap, no read
        let kept = events.filter { $0.timestamp < begin + 100_000 }
        let lost = Event(timestamp: begin + 200_000, payload: .lost(Self.miss(since: begin, until: begin + 150_000)))
        // time goes on in another file well past the eviction age
        let later = LostWindowTests.write(tid: 20, offset: 0, begin: begin + 400_000_000, end: begin + 400_100_000)
            .map { e -> Event in
                var e = e
                e.ino = 0x99
                return e
            }
        let r = Analyzer.analyze(events: (kept + [lost] + later).sorted { $0.timestamp < $1.timestamp })
        let w = try #require(r.timelines.first { $0.ino == 0x87 && $0.op == .write })
        #expect(w.status == .inconclusive)
        #expect(w.inconclusiveReason == InconclusiveCause.lostNoCompletion.text)
        #expect(r.counts.inconclusive == 1)
        let other = try #require(r.timelines.first { $0.ino == 0x99 })
        #expect(other.status == .complete, "begun after the window")
    }

    /// An io_uring write whose iomap_dio_complete was never recorded (the kernel skips the
    /// program, uncounted, when the completion runs in a softirq on top of some other tasks): its
    /// CQE, by user_data, settles it as inconclusive there, instead of leaving it in flight until
    /// the trace ends and calling it cut off.
    @Test func aCQEForAnIOWithoutItsCompletionSettlesIt() throws {
        let events = AnalysisScenarios.correctXFSUringNowaitRetry().events(.identity)
        let lastComplete = try #require(events.lastIndex { if case .dioComplete = $0.payload { true } else { false } })
        var kept = events
        kept.remove(at: lastComplete)
        let cqe = try #require(kept.first { if case .ioUringComplete = $0.payload { true } else { false } }).timestamp
        let r = Analyzer.analyze(events: kept)
        let w = try #require(r.timelines.first)
        #expect(r.timelines.count == 1)
        #expect(w.status == .inconclusive)
        #expect(w.inconclusiveReason == InconclusiveCause.resultWithoutCompletion.text)
        #expect(w.postedAt == cqe, "the CQE is its own")
        #expect(w.attempts.count == 2, "the refused attempt and its retry stay one I/O")
        #expect(r.verdict == .inconclusive)
        // the summary says so at the top, not only in the I/O's line
        var text = ""
        try AnalysisReport.write(r) { text += $0 }
        #expect(text.contains("1 INCONCLUSIVE, 1 with a result but no iomap_dio_complete record"))
    }

    @Test func theFlagRoundTripsThroughARecord() throws {
        let e = Event(timestamp: 5_000_000, payload: .lost(Self.miss(since: 100, until: 150)))
        let bytes = RecordCodec.encode(e)
        #expect(try RecordCodec.decode(bytes) == e)
        #expect(EventFormatter.text(e).hasSuffix(" recursion_misses"))
        #expect(EventFormatter.json(e).contains("\"recursion_misses\":true"))
        // a record of session 18 (0 in the field) is what it was: drops of any record
        var old = bytes
        old[RecordLayout.lsFlags] = 0
        let back = try RecordCodec.decode(old)
        guard case .lost(let p) = back.payload else { Issue.record("not a lost record"); return }
        #expect(!p.recursionMiss)
    }
}
