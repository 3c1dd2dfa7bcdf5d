import Foundation

/// One line of /proc/self/mountinfo.
public struct MountEntry: Sendable, Equatable {
    /// st_dev of files on this mount (kernel encoding).
    public var dev: UInt32
    public var mountPoint: String
    public var filesystemType: String
    /// Mount source, e.g. "/dev/loop0".
    public var source: String
}

/// The mounts of this process's mount namespace.
public struct MountTable: Sendable {
    public var entries: [MountEntry]

    /// Parses /proc/self/mountinfo (or `path`).
    public init(path: String = "/proc/self/mountinfo") {
        entries = []
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return }
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: false)
            guard fields.count >= 10, let dash = fields.firstIndex(of: "-"), dash + 2 < fields.count else { continue }
            let mm = fields[2].split(separator: ":")
            guard mm.count == 2, let major = UInt32(mm[0]), let minor = UInt32(mm[1]) else { continue }
            entries.append(
                MountEntry(
                    dev: major << 20 | minor, mountPoint: Self.unescape(fields[4]),
                    filesystemType: String(fields[dash + 1]), source: Self.unescape(fields[dash + 2])))
        }
    }

    /// Mounts of the filesystem with this st_dev (the last one is the top).
    public func mounts(dev: UInt32) -> [MountEntry] { entries.filter { $0.dev == dev } }

    /// mountinfo escapes space, tab, newline and backslash as \ooo.
    static func unescape(_ s: Substring) -> String {
        guard s.contains("\\") else { return String(s) }
        var out = [UInt8]()
        let b = Array(s.utf8)
        var i = 0
        while i < b.count {
            if b[i] == 0x5C, i + 3 < b.count,
                let v = UInt8(String(decoding: b[(i + 1)...(i + 3)], as: UTF8.self), radix: 8)
            {
                out.append(v)
                i += 4
            } else {
                out.append(b[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
