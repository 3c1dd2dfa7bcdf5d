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
        }
        // Records that did arrive are intact.
        #expect(rec.decodeErrors == 0)
        let emitted = rec.result.counters.reduce(UInt64(0)) { $0 + $1.emitted }
        #expect(UInt64(rec.events.count - lost.count) == emitted)
    }
}
