import DioscopeLoader
import Testing

@Suite("Live: probes", .enabled(if: LiveEnvironment.shouldRun, "needs root and BPF tracing"))
struct ProbesTests {
    @Test("fentry and kprobes are probed truthfully; core tracepoints attach via tp_btf")
    func report() throws {
        guard LiveEnvironment.require() else { return }
        let report = FeatureProber().run()
        // On this kernel fentry loads fail (EPERM) and CONFIG_KPROBES is off.
        #expect(!report.fentry.available)
        #expect(report.fentry.detail.contains("errno"))
        #expect(!report.kprobes.available)
        #expect(report.ringBuffer.available)

        var config = TraceConfiguration()
        config.pids = [Int32.max]
        config.ringBufferBytes = 1 << 16
        let tracer = try Tracer(configuration: config)
        defer { tracer.close() }
        for name in [
            "iomap_dio_rw_begin", "iomap_dio_complete", "iomap_iter_dstmap", "block_bio_queue", "block_rq_complete",
            "xfs_unwritten_convert", "ext4_ext_handle_unwritten_extents", "sched_process_fork", "sched_process_exit",
        ] {
            #expect(tracer.statuses.first { $0.probe.name == name }?.method == .tpBTF, "\(name)")
        }
        // system calls: the raw syscall tracepoints, as tp_btf (no perf record per call); read and
        // write only for a traced command (off here: no command)
        let calls = tracer.statuses.filter { $0.probe.kind == .syscall }
        #expect(calls.filter { $0.probe.enabledByDefault }.allSatisfy { $0.method == .tpBTF })
        #expect(calls.filter { ProbeCatalog.commandProbes.contains($0.probe.name) }.allSatisfy {
            $0.method == .unavailable && $0.reason.contains("on for a traced command")
        })
        let support = DetectorSupport.evaluate(attached: { n in
            tracer.statuses.contains { $0.probe.name == n && $0.method != .unavailable }
        })
        #expect(support.allSatisfy { $0.level == .full })
        // Nothing was emitted: the pid filter matches no process.
        #expect(tracer.counters().allSatisfy { $0.emitted == 0 && $0.dropped == 0 })
    }

    @Test("Detector support degrades when probes are missing")
    func detectorLevels() {
        let none = DetectorSupport.evaluate(attached: { _ in false })
        #expect(none.allSatisfy { $0.level == .none })
        let noUring = DetectorSupport.evaluate(attached: { $0 != "io_uring_complete" })
        #expect(noUring.first { $0.detector == "completion-before-conversion" }?.level == .partial)
        #expect(noUring.first { $0.detector == "subblock-zeroing-overlap" }?.level == .full)
        let noRing = DetectorSupport.evaluate(attached: { _ in true }, ringBuffer: false)
        #expect(noRing.allSatisfy { $0.level == .none })
    }
}
