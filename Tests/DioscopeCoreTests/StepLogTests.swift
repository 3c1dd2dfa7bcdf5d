import Foundation
import Testing
@testable import DioscopeCore

/// An I/O's entries are held as 12-byte items that name its records (``StepLog``): rebuilding
/// them must give back exactly the entries added, in the order the engine added them.
@Suite struct StepLogTests {
    static let base = EntryLog.Base(tid: 4242, offset: 1 << 30, timestamp: 5_000_000_000)
    static let dev = DeviceNumber(major: 7, minor: 0)

    /// A state with one attempt, mapping, two bios and a conversion, as the engine records them.
    static func state() -> IOState {
        var t = IOState(id: 1, op: .write, api: .libaio, tgid: 4242, tid: base.tid, comm: Comm("fio"),
                        offset: base.offset, length: 8192,
                        requested: nil, syscall: .ioSubmit, isizeAtBegin: 1 << 31, blockSize: 4096,
                        submittedAt: base.timestamp)
        t.appendAttempt(AttemptState(beganAt: base.timestamp + 10, tid: base.tid, kiocb: 0xbeef, dioFlags: [], nowait: false))
        t.appendMapping(IOMappingRecord(timestamp: base.timestamp + 20, offset: base.offset, length: 8192,
                                          addr: 1 << 20, type: .unwritten, new: true, bdev: dev))
        for k: UInt64 in 0..<2 {
            t.appendBio(BioState(queuedAt: base.timestamp + 30, dev: dev, sector: 2048 + 8 * k, nrSector: 8,
                                   op: .write, role: .data, fileOffset: base.offset + Int64(4096 * k),
                                   zeroedRanges: [], exactJoin: true))
        }
        t.appendConversion(ConversionRecord(timestamp: base.timestamp + 90, source: "xfs_unwritten_convert",
                                              offset: base.offset, length: 8192, tid: 77))
        return t
    }

    /// A libaio write's steps through ``StepLog/appendStep``, then entries that no item can hold
    /// (before the submission, 5 s after it, a CPU and a note past 255, a value past 32 bits, a
    /// completion position that is not the I/O's end, a fifth task): each of those is kept whole,
    /// and every entry comes back as added, in order.
    @Test func rebuildsWhatWasAdded() {
        var t = Self.state()
        var log = StepLog()
        defer { log.deallocate() }
        log.reserveCapacity(StepLog.typicalItems)
        var expected: [TimelineEntry] = []
        var expectedWhole = 0
        withUnsafePointer(to: &t) { state in
            let b = Self.base
            func step(_ e: TimelineEntry, form: UInt8, aux: UInt32, whole: Bool = false) {
                log.appendStep(e.step, form: form, aux: aux, at: e.timestamp, tid: e.tid, cpu: e.cpu, note: e.noteID,
                               base: b, state: state) { e }
                expected.append(e)
                if whole { expectedWhole += 1 }
            }
            func generic(_ e: TimelineEntry, whole: Bool) {
                log.append(e, base: b, state: state)
                expected.append(e)
                if whole { expectedWhole += 1 }
            }
            // The attempt's range is the I/O's (AttemptState).
            let m = state.pointee.mappings[0]
            step(TimelineEntry(timestamp: b.timestamp + 10, step: .begin, tid: b.tid, cpu: 1, offset: state.pointee.offset,
                               length: state.pointee.length, value: state.pointee.isizeAtBegin, noteID: 0),
                 form: StepLog.Form.record, aux: 0)
            step(TimelineEntry(timestamp: b.timestamp + 20, step: .mapping, tid: b.tid, cpu: 1, offset: m.offset,
                               length: m.length, noteID: TimelineNote.mapping(.unwritten, new: true)),
                 form: StepLog.Form.record, aux: 0)
            for (i, stepKind) in [(0, TimelineStep.bioQueued), (1, .bioQueued), (1, .rqIssued), (0, .rqIssued),
                                  (1, .rqCompleted), (0, .rqCompleted)] {
                let bio = state.pointee.bios[i]
                step(TimelineEntry(timestamp: b.timestamp + 30 + UInt64(i), step: stepKind, tid: i == 0 ? b.tid : 0,
                                   cpu: UInt16(i), offset: bio.fileOffset, length: UInt64(bio.nrSector) * 512,
                                   value: Int64(bio.sector), noteID: 0),
                     form: StepLog.Form.record, aux: UInt32(i))
            }
            // A completion at the I/O's end, in an interrupt (another task), then its posting.
            step(TimelineEntry(timestamp: b.timestamp + 60, step: .completed, tid: 9, cpu: 0,
                               offset: b.offset + 8192, value: 8192, noteID: 0),
                 form: StepLog.Form.value | StepLog.Form.offsetAfterValue, aux: 8192)
            step(TimelineEntry(timestamp: b.timestamp + 61, step: .posted, tid: 9, cpu: 0, value: -5,
                               noteID: TimelineNote.aioRing),
                 form: StepLog.Form.value, aux: UInt32(bitPattern: -5))
            generic(TimelineEntry(timestamp: b.timestamp + 90, step: .conversion, tid: 77, cpu: 1, offset: b.offset,
                                  length: 8192, noteID: TimelineNote.id("xfs_unwritten_convert")), whole: false)
            generic(TimelineEntry(timestamp: b.timestamp + 95, step: .queued, tid: b.tid, cpu: 1,
                                  offset: state.pointee.offset + Int64(state.pointee.length), length: 0, noteID: 0), whole: false)
            // Kept whole.
            generic(TimelineEntry(timestamp: b.timestamp - 1, step: .syscallEnter, tid: b.tid, value: 8192,
                                  noteID: 0), whole: true)
            generic(TimelineEntry(timestamp: b.timestamp + 5_000_000_000, step: .reaped, tid: b.tid, value: 1,
                                  noteID: 0), whole: true)
            generic(TimelineEntry(timestamp: b.timestamp + 100, step: .reaped, tid: b.tid, cpu: 300, value: 1,
                                  noteID: 0), whole: true)
            generic(TimelineEntry(timestamp: b.timestamp + 100, step: .reaped, tid: b.tid, value: 1, noteID: 999),
                    whole: true)
            generic(TimelineEntry(timestamp: b.timestamp + 100, step: .posted, tid: b.tid, value: 1 << 40,
                                  noteID: 0), whole: true)
            generic(TimelineEntry(timestamp: b.timestamp + 100, step: .completed, tid: b.tid, offset: b.offset + 4096,
                                  value: 8192, noteID: 0), whole: true)
            generic(TimelineEntry(timestamp: b.timestamp + 100, step: .queued, tid: b.tid, offset: state.pointee.offset,
                                  length: 4096, noteID: 0), whole: true)
            // Tasks 0, 9 and 77 took the three slots: a fourth other task is kept whole, a known one not.
            generic(TimelineEntry(timestamp: b.timestamp + 110, step: .reaped, tid: 5555, value: 8192, noteID: 0),
                    whole: true)
            generic(TimelineEntry(timestamp: b.timestamp + 111, step: .reaped, tid: 77, value: 8192, noteID: 0),
                    whole: false)
            #expect(log.decoded(base: b, state: state) == expected)
        }
        #expect(Int(log.count) == expected.count)
        #expect(log.loggedCount == expectedWhole)
        #expect(log.lastTimestamp == expected.last!.timestamp)
    }

    /// Sorting gives what sorting the entries as an array gives (stable), through any sequence of
    /// additions and sorts, with the last timestamp the array's last entry's after each step. The
    /// random entries of `EntryLogTests` are kept whole or as items as they come.
    @Test func sortsLikeTheArray() {
        var t = Self.state()
        withUnsafePointer(to: &t) { state in
            for seed: UInt64 in 1...200 {
                var rng = SplitMix(seed: seed &* 7919)
                var reference: [TimelineEntry] = []
                var log = StepLog()
                defer { log.deallocate() }
                for round in 0..<6 {
                    let more = EntryLogTests.entries(Int(rng.next() % 6), seed: seed &* 100 &+ UInt64(round))
                    reference += more
                    for e in more { log.append(e, base: Self.base, state: state) }
                    if rng.next() % 3 != 0 {
                        reference.sortByTimestampStable()
                        log.sortByTimestampStable(base: Self.base)
                    }
                    #expect(log.decoded(base: Self.base, state: state) == reference, "seed \(seed) round \(round)")
                    #expect(log.lastTimestamp == (reference.last?.timestamp ?? 0), "seed \(seed) round \(round)")
                }
            }
        }
    }

    /// Every I/O of every bundled trace and fixture, its timeline kept and so rebuilt: in a debug
    /// build (the tests') each rebuild is compared with the entries as added (``StepLog``'s shadow
    /// log) and traps if they differ; each item is compared with its entry when added.
    @Test func everyBundledTimelineRebuildsAsAdded() throws {
        #if !DEBUG
        Issue.record("the comparison runs in debug builds only")
        #endif
        var analyzed = 0, entries = 0
        var options = AnalysisOptions()
        options.keepAllTimelines = true
        for url in BundledTraceFiles.all() {
            guard var input = try? TraceInput(path: url.path) else { continue }
            guard let (result, _) = try? Analyzer.analyze(&input, options: options) else { continue }
            entries += result.timelines.reduce(0) { $0 + $1.entries.count }
            analyzed += 1
        }
        #expect(analyzed >= 20, "only \(analyzed) traces analyzed")
        #expect(entries > 1000, "only \(entries) entries rebuilt")
    }
}
