/// A task's `comm` (16 bytes, NUL-padded), stored inline so that events
/// carrying one never allocate.
public struct Comm: Hashable, Sendable, CustomStringConvertible {
    public var lo: UInt64
    public var hi: UInt64

    public static let empty = Comm(lo: 0, hi: 0)

    public init(lo: UInt64, hi: UInt64) {
        self.lo = lo
        self.hi = hi
    }

    public init(_ s: some StringProtocol) {
        var bytes = [UInt8](repeating: 0, count: 16)
        for (i, b) in s.utf8.prefix(15).enumerated() { bytes[i] = b }
        var lo: UInt64 = 0, hi: UInt64 = 0
        for i in 0..<8 {
            lo |= UInt64(bytes[i]) << (8 * UInt64(i))
            hi |= UInt64(bytes[i + 8]) << (8 * UInt64(i))
        }
        self.init(lo: lo, hi: hi)
    }

    public var isEmpty: Bool { lo == 0 && hi == 0 }

    /// The name up to its first NUL, read in place (no byte array is made for it).
    public var description: String {
        withUnsafeBytes(of: (lo.littleEndian, hi.littleEndian)) { bytes in
            String(decoding: bytes.prefix(bytes.firstIndex(of: 0) ?? bytes.count), as: UTF8.self)
        }
    }
}
