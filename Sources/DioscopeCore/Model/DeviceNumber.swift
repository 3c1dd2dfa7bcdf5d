/// A kernel `dev_t` as the kernel encodes it internally and in tracepoints:
/// `major << 20 | minor`. (User space's `st_dev` uses glibc's encoding;
/// convert with ``init(userDev:)``.)
public struct DeviceNumber: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var raw: UInt32

    public init(raw: UInt32) { self.raw = raw }

    public init(major: UInt32, minor: UInt32) {
        raw = (major << 20) | (minor & 0xFFFFF)
    }

    /// From a user-space `st_dev`/`st_rdev` (glibc `makedev` encoding).
    public init(userDev d: UInt64) {
        let major = UInt32(((d >> 8) & 0xFFF) | ((d >> 32) & 0xFFFF_F000))
        let minor = UInt32((d & 0xFF) | ((d >> 12) & 0xFFFF_FF00))
        self.init(major: major, minor: minor)
    }

    public var major: UInt32 { raw >> 20 }
    public var minor: UInt32 { raw & 0xFFFFF }
    public var description: String { "\(major):\(minor)" }

    public static func < (a: DeviceNumber, b: DeviceNumber) -> Bool { a.raw < b.raw }
}
