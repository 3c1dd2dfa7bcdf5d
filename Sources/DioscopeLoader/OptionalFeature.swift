/// An attachment mechanism dioscope could use but does not need
/// (fentry, kprobes), and whether this kernel offers it.
public struct OptionalFeature: Sendable, Codable, Equatable {
    public var name: String
    public var available: Bool
    /// Why it is unavailable, or how it was verified.
    public var detail: String

    public init(name: String, available: Bool, detail: String) {
        self.name = name
        self.available = available
        self.detail = detail
    }
}
