/// The presence mask of a struct that stores optional fields packed: each field's value in a
/// plain integer (zero when absent) and one bit here, instead of an `Optional`. In a struct an
/// `UInt64?` takes 16 bytes (9, padded); the timeline types (``IOTimeline``, its records,
/// ``PhaseLatencies``, ``TimelineEntry``) live by the dozen inside every I/O the analyzer holds,
/// so they store their optionals this way. Every such field's accessors are these two calls.
struct PresenceMask<Bits: FixedWidthInteger & UnsignedInteger & Sendable>: Sendable, Equatable {
    var raw: Bits = 0

    /// The field stored in `stored` under `bit`, or nil when absent.
    @inline(__always)
    func get<Value>(_ bit: Bits, _ stored: Value) -> Value? {
        raw & bit != 0 ? stored : nil
    }

    /// Stores `value` in `stored` under `bit` (zero when nil, so that equal fields compare equal).
    @inline(__always)
    mutating func set<Value: FixedWidthInteger>(_ bit: Bits, _ value: Value?, in stored: inout Value) {
        stored = value ?? 0
        raw = value == nil ? raw & ~bit : raw | bit
    }
}
