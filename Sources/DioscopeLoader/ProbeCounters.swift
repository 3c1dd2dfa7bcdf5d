/// Events emitted and records dropped by one probe, summed over CPUs.
public struct ProbeCounters: Sendable, Equatable {
    public var probe: ProbeSpec
    public var emitted: UInt64
    public var dropped: UInt64
    /// Events held back into another record (in-kernel assembly: `DSC_EV_DIO_STEPS`, and the system-call
    /// records that carry several events): traced, not emitted as records of their own.
    public var absorbed: UInt64

    public init(probe: ProbeSpec, emitted: UInt64, dropped: UInt64, absorbed: UInt64 = 0) {
        self.probe = probe
        self.emitted = emitted
        self.dropped = dropped
        self.absorbed = absorbed
    }
}
