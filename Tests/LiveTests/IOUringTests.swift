import DioscopeCore
import DioscopeLoader
import Foundation
import Testing

/// io_uring direct writes: the kiocb is recognized as io_uring's and the
/// SQE's user_data is found both at DIO_BEGIN and in the posted CQE.
@Suite("Live: io_uring", .enabled(if: LiveEnvironment.shouldRun, "needs root and BPF tracing"))
struct IOUringTests {
    @Test("fio io_uring O_DIRECT writes: api io_uring, user_data joins begin, completion and CQE")
    func uring() throws {
        guard LiveEnvironment.require() else { return }
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/fio") else {
            Issue.record("fio is not installed")
            return
        }
        let fixture = try LoopFixture(.xfs)
        defer { fixture.tearDown() }
        let rec = try LiveRecording.run(
            [
                "/usr/bin/fio", "--name=u", "--filename=\(fixture.mountPoint)/u", "--size=1m", "--bs=4k",
                "--rw=write", "--direct=1", "--ioengine=io_uring", "--iodepth=4",
            ], devices: [fixture.mountPoint])
        #expect(rec.result.stopReason == .commandExited(.exited(0)))
        #expect(rec.drops == 0)
        let begins = rec.events.compactMap { e -> DIOBegin? in
            if case .dioBegin(let b) = e.payload, b.isWrite { return b }
            return nil
        }
        // io_uring may first try a write with IOCB_NOWAIT and reissue it
        // after -EAGAIN: at least one begin per 4 KiB, all io_uring's.
        #expect(begins.count >= 256)
        #expect(begins.allSatisfy { $0.api == .ioUring && $0.userRef != 0 })
        var cqes: [UInt64: Int] = [:]
        var completes: [UInt64: Int] = [:]
        for e in rec.events {
            switch e.payload {
            case .ioUringComplete(let c) where c.res == 4096: cqes[c.userData, default: 0] += 1
            case .dioComplete(let c) where c.api == .ioUring && c.ret == 4096: completes[c.userRef, default: 0] += 1
            default: break
            }
        }
        #expect(cqes.values.reduce(0, +) == 256)
        #expect(completes.values.reduce(0, +) == 256)
        // The same user_data identifies each write at begin, completion and CQE.
        #expect(cqes == completes)
        #expect(Set(begins.map(\.userRef)).isSuperset(of: cqes.keys))
    }
}
