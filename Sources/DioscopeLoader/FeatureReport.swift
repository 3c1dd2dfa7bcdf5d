/// What this kernel offers dioscope: per-probe attachment and the
/// optional mechanisms it does not rely on.
public struct FeatureReport: Sendable {
    /// One entry per probe in `ProbeCatalog.all` order.
    public var probes: [ProbeStatus]
    /// fentry/fexit (BPF trampolines): probed by loading a trivial program.
    public var fentry: OptionalFeature
    /// kprobes: probed by looking for the kprobe PMU and kprobe_events.
    public var kprobes: OptionalFeature
    /// BPF ring buffer map support (needed; checked by creating one).
    public var ringBuffer: OptionalFeature

    public init(probes: [ProbeStatus], fentry: OptionalFeature, kprobes: OptionalFeature, ringBuffer: OptionalFeature) {
        self.probes = probes
        self.fentry = fentry
        self.kprobes = kprobes
        self.ringBuffer = ringBuffer
    }

    /// The status of one probe.
    public func status(of probe: ProbeSpec) -> ProbeStatus? {
        probes.first { $0.probe.id == probe.id }
    }

    /// Whether the named probe (tracepoint or syscall name) will be attached.
    public func isAttached(_ name: String) -> Bool {
        probes.first { $0.probe.name == name }.map { $0.method != .unavailable } ?? false
    }
}
