import DioscopeCore
import DioscopeLoader
import Foundation
import Testing

/// In-kernel assembly on real XFS and ext4: libaio overwrites of written blocks are plain I/Os, so
/// their mapping, bio, issue and request completion come as one `dio_steps` record each, and
/// they analyze as completely as when every step is its own record (`--no-assemble`).
@Suite("Live: in-kernel assembly", .serialized, .enabled(if: LiveEnvironment.shouldRun, "needs root and BPF tracing"))
struct AssemblyLiveTests {
    static let ios = 600

    /// fio overwriting a written file: `ios` 4 KiB libaio writes at queue depth 8.
    static func overwrite(_ file: String) -> [String] {
        ["fio", "--name=ow", "--filename=\(file)", "--size=8m", "--rw=randwrite", "--bs=4k", "--direct=1",
         "--ioengine=libaio", "--iodepth=8", "--number_ios=\(ios)", "--randrepeat=1", "--norandommap",
         "--output=/dev/null"]
    }

    static func counter(_ r: LiveRecording, _ probe: String) -> ProbeCounters? {
        r.result.counters.first { $0.probe.name == probe }
    }

    @Test("plain overwrites: one dio_steps record each, same analysis as step by step",
          arguments: [LoopFixture.FSType.xfs, .ext4])
    func plainOverwritesAreAssembled(_ fs: LoopFixture.FSType) throws {
        guard LiveEnvironment.require() else { return }
        let fixture = try LoopFixture(fs)
        defer { fixture.tearDown() }
        let file = fixture.mountPoint + "/f"
        // written once, sequentially: every later write is an overwrite of MAPPED blocks
        try Shell.run("fio", "--name=lay", "--filename=\(file)", "--size=8m", "--rw=write", "--bs=1m", "--direct=1",
                      "--ioengine=psync", "--output=/dev/null")

        let held = try LiveRecording.run(Self.overwrite(file), devices: [fixture.mountPoint])
        let full = try LiveRecording.run(Self.overwrite(file), devices: [fixture.mountPoint], assemble: false)
        for r in [held, full] {
            #expect(r.drops == 0 && r.decodeErrors == 0)
        }

        let steps = held.events.compactMap { e -> DIOSteps? in
            if case .dioSteps(let s) = e.payload { return s } else { return nil }
        }
        let complete = steps.filter { !$0.partial && $0.has(.bio) && $0.has(.issue) && $0.has(.requestDone) }
        // fio's writes all overwrite MAPPED blocks: nearly every one is plain (a request the
        // block layer merges releases its bios as partial records)
        #expect(complete.count >= Self.ios * 9 / 10, "\(complete.count) complete steps records of \(Self.ios)")
        #expect(full.events.allSatisfy { $0.type != .dioSteps })
        // what was held is counted per probe, and not emitted
        let dstmapHeld = Self.counter(held, "iomap_iter_dstmap")?.absorbed ?? 0
        #expect(dstmapHeld >= UInt64(complete.count))
        #expect(Self.counter(full, "iomap_iter_dstmap")?.absorbed == 0)
        let writeMaps = { (r: LiveRecording) in r.events.filter { $0.type == .iomapDstmap && $0.ino != 0 }.count }
        #expect(writeMaps(held) + Int(dstmapHeld) >= writeMaps(full) - 5)
        // at least three records fewer per I/O (mapping, bio, issue, completion: four into one)
        #expect(held.events.count + 3 * complete.count <= full.events.count + Self.ios / 10,
                "\(held.events.count) vs \(full.events.count) records")

        let a = Analyzer.analyze(events: held.events)
        let b = Analyzer.analyze(events: full.events)
        for (name, r) in [("assembled", a), ("step by step", b)] {
            let writes = r.timelines.filter { $0.op == .write && $0.api == .libaio }
            #expect(writes.count == Self.ios, "\(name)")
            #expect(r.verdict == .clean, "\(name)")
            #expect(r.counts.inconclusive == 0, "\(name)")
            #expect(r.unmatched["dio_steps"] == nil && r.unmatched["dio_steps bio without request completion"] == nil,
                    "\(name): \(r.unmatched)")
            for t in writes {
                let s = Set(t.entries.map(\.step))
                #expect([.begin, .mapping, .bioQueued, .rqIssued, .rqCompleted, .completed, .reaped].allSatisfy(s.contains),
                        "\(name) io#\(t.id): \(t.entries.map(\.step))")
                #expect(t.phases.device != nil && t.bios.count == 1 && t.bios[0].exactJoin)
                #expect(t.entries.map(\.timestamp) == t.entries.map(\.timestamp).sorted())
            }
        }
    }
}
