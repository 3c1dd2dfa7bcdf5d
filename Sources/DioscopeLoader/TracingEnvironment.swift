import Foundation
import Glibc

/// Paths and privileges tracing depends on, and the checks that turn a
/// missing piece into one clear `LoaderError`.
public struct TracingEnvironment: Sendable {
    /// Where the kernel's BTF is read from.
    public var btfPath = "/sys/kernel/btf/vmlinux"
    /// tracefs mount point.
    public var tracefsPath = "/sys/kernel/tracing"

    public init() {}

    /// Directory holding the tracepoint format files.
    public var eventsPath: String { tracefsPath + "/events" }

    /// Whether the tracefs event directory `group/name` exists.
    public func hasEvent(_ relative: String) -> Bool {
        access(eventsPath + "/" + relative, F_OK) == 0
    }

    /// Effective capability mask of this process (from /proc/self/status).
    public static func effectiveCapabilities() -> UInt64 {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("CapEff:") {
            let hex = line.dropFirst("CapEff:".count).trimmingCharacters(in: .whitespaces)
            return UInt64(hex, radix: 16) ?? 0
        }
        return 0
    }

    /// True when this process may load tracing BPF programs.
    public static func isPrivileged() -> Bool {
        if geteuid() == 0 { return true }
        let caps = effectiveCapabilities()
        let sysAdmin: UInt64 = 1 << 21, perfmon: UInt64 = 1 << 38, bpf: UInt64 = 1 << 39
        return caps & sysAdmin != 0 || (caps & bpf != 0 && caps & perfmon != 0)
    }

    /// Checks privileges, BTF and tracefs, in that order.
    public func verify() throws(LoaderError) {
        guard Self.isPrivileged() else { throw .notPrivileged }
        guard access(btfPath, R_OK) == 0 else { throw .noKernelBTF(path: btfPath) }
        guard access(eventsPath, F_OK) == 0 else { throw .tracefsNotMounted(path: tracefsPath) }
    }
}
