/// Events emitted and records dropped by one probe, summed over CPUs.
public struct ProbeCounters: Sendable, Equatable {
    public var probe: ProbeSpec
    public var emitted: UInt64
    public var dropped: UInt64

    public init(probe: ProbeSpec, emitted: UInt64, dropped: UInt64) {
        self.probe = probe
        self.emitted = emitted
        self.dropped = dropped
    }
}
