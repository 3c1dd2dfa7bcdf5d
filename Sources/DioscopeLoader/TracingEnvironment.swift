import Foundation
import Glibc

/// Paths and privileges tracing depends on, and the checks that turn a
/// missing piece into one clear `LoaderError`.
public struct TracingEnvironment: Sendable {
    /// Where the kernel's BTF is read from.
    public var btfPath = "/sys/kernel/btf/vmlinux"
    /// tracefs mount point.
    public var tracefsPath = "/sys/kernel/tracing"
    /// Probes treated as absent, exactly as if the kernel lacked their
    /// tracepoint (tracepoint or syscall names, `group:name` also accepted).
    /// From `DIOSCOPE_DISABLE_PROBES` (comma-separated): shows what a kernel
    /// without them can do (`dioscope probes`) and tests that path.
    public var disabledProbes: Set<String>

    public init() {
        let list = ProcessInfo.processInfo.environment["DIOSCOPE_DISABLE_PROBES"] ?? ""
        disabledProbes = Set(list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty })
    }

    /// Whether `probe` is disabled by ``disabledProbes``.
    public func isDisabled(_ probe: ProbeSpec) -> Bool {
        !disabledProbes.isEmpty
            && (disabledProbes.contains(probe.name) || disabledProbes.contains(probe.group + ":" + probe.name)
                || disabledProbes.contains(probe.displayName))
    }

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

    /// True when this process may load tracing BPF programs: CAP_SYS_ADMIN,
    /// or CAP_BPF with CAP_PERFMON, in its effective set. Root counts only
    /// with those capabilities (a container or a bounding set may remove them).
    public static func isPrivileged() -> Bool {
        let caps = effectiveCapabilities()
        let sysAdmin: UInt64 = 1 << 21, perfmon: UInt64 = 1 << 38, bpf: UInt64 = 1 << 39
        return caps & sysAdmin != 0 || (caps & bpf != 0 && caps & perfmon != 0)
    }

    /// Checks privileges, BTF and tracefs, in that order.
    public func verify() throws(LoaderError) {
        guard Self.isPrivileged() else { throw geteuid() == 0 ? .capabilitiesMissing : .notPrivileged }
        var st = stat()
        guard access(btfPath, R_OK) == 0, stat(btfPath, &st) == 0, st.st_size > 0 else {
            throw .noKernelBTF(path: btfPath)
        }
        guard access(eventsPath, F_OK) == 0 else { throw .tracefsNotMounted(path: tracefsPath) }
    }
}
