import DioscopeCore
import DioscopeLoader
import Foundation
import Testing

/// A ring buffer far too small for the load: records are dropped in the
/// kernel, counted per probe, and every drop is announced in the stream
/// by a synthetic DSC_EV_LOST record.
@Suite("Live: drop accounting", .enabled(if: LiveEnvironment.shouldRun, "needs root and BPF tracing"))
struct DropAccountingTests {
    @Test("a 4 KiB ring buffer overflows; LOST records account for every drop")
    func overflow() throws {
        guard LiveEnvironment.require() else { return }
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/fio") else {
            Issue.record("fio is not installed")
            return
        }
        let fixture = try LoopFixture(.xfs)
        defer { fixture.tearDown() }
        let rec = try LiveRecording.run(
            [
                "/usr/bin/fio", "--name=d", "--filename=\(fixture.mountPoint)/d", "--size=8m", "--bs=4k",
                "--rw=randwrite", "--direct=1", "--ioengine=libaio", "--iodepth=16",
            ], devices: [fixture.mountPoint], ringBufferBytes: 4096)
        #expect(rec.result.stopReason == .commandExited(.exited(0)))
        #expect(rec.drops > 0)
        let lost = rec.lostRecords.compactMap { e -> Lost? in
            if case .lost(let l) = e.payload { return l }
            return nil
        }
        #expect(!lost.isEmpty)
        #expect(lost.reduce(0) { $0 + $1.dropped } == rec.drops)
        for (e, l) in zip(rec.lostRecords, lost) {
            #expect(l.sinceNs < e.timestamp)
            #expect(l.probe < UInt32(ProbeCatalog.count))
            // the window spans the drops the programs noted: it ends at the last (at most a
            // drop check's read after the record's own time)
            if l.untilNs != 0 { #expect(l.sinceNs < l.untilNs && l.untilNs <= e.timestamp + 100_000_000) }
        }
        #expect(lost.contains { $0.untilNs != 0 }, "no lost window carries the time of its last drop")
        // Records that did arrive are intact.
        #expect(rec.decodeErrors == 0)
        let emitted = rec.result.counters.reduce(UInt64(0)) { $0 + $1.emitted }
        #expect(UInt64(rec.records - lost.count) == emitted)

        // Drops are counted per probe, and the verdict cannot be clean: the
        // live pipeline's analysis of this stream (the kernel's final counters
        // plus the LOST records) is inconclusive, and so is every I/O in a lost window.
        var byProbe: [String: UInt64] = [:]
        for c in rec.result.counters where c.dropped > 0 { byProbe[c.probe.displayName] = c.dropped }
        #expect(!byProbe.isEmpty && byProbe.values.reduce(0, +) == rec.drops)
        let analysis = StreamingAnalysis(options: AnalysisOptions())
        for e in rec.events {
            RecordCodec.encode(e).withUnsafeBytes { analysis.consume(records: $0) }
        }
        let (result, summary) = analysis.finish(dropsByProbe: byProbe)
        #expect(summary.droppedByProbe == byProbe)
        #expect(summary.dropped == rec.drops)
        #expect(result.verdict != .clean, "a lossy run was called clean")
        #expect(result.exitStatus(sourceDamaged: summary.damaged) != .clean)
        #expect(!result.sourceComplete && result.eventsDropped >= rec.drops)
        #expect(!result.lostWindows.isEmpty)
        for t in result.timelines where result.lostWindows.contains(where: { $0.since <= t.endedAt && t.submittedAt <= $0.until }) {
            #expect(t.status == .inconclusive, "io#\(t.id) in a lost window is \(t.status)")
        }
    }
}
