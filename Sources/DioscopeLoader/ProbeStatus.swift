/// The decision for one probe: how it will be attached, and why.
public struct ProbeStatus: Sendable, Equatable {
    public var probe: ProbeSpec
    public var method: AttachMethod
    /// Why this method (or why unavailable).
    public var reason: String

    public init(probe: ProbeSpec, method: AttachMethod, reason: String) {
        self.probe = probe
        self.method = method
        self.reason = reason
    }
}
