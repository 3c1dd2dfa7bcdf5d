import DioscopeCore
import Glibc

/// Why tracing could not be set up or continued. Every case reads as one
/// sentence a user can act on; all map to `DioscopeExitStatus.tracingUnavailable`.
public enum LoaderError: Error, CustomStringConvertible, Sendable {
    /// Neither root nor CAP_BPF + CAP_PERFMON (or CAP_SYS_ADMIN).
    case notPrivileged
    /// Running as root, but without CAP_BPF + CAP_PERFMON (or CAP_SYS_ADMIN).
    case capabilitiesMissing
    /// The kernel exposes no BTF, so CO-RE programs cannot be relocated.
    case noKernelBTF(path: String)
    /// tracefs is not mounted where the tracepoints are looked up.
    case tracefsNotMounted(path: String)
    /// A tracepoint every detector needs does not exist on this kernel.
    case tracepointMissing(String)
    /// The embedded BPF object is empty or libbpf refused to open it.
    case objectOpen(errno: Int32)
    /// The kernel rejected the programs; `log` holds libbpf's last messages.
    case load(errno: Int32, log: String)
    /// Attaching one probe failed.
    case attach(probe: String, errno: Int32)
    /// Setting up or reading a map or the ring buffer failed.
    case map(what: String, errno: Int32)
    /// A `--dev` argument names nothing we can trace.
    case badDevice(String, reason: String)
    /// A `--cgroup` argument is not a cgroup v2 directory.
    case badCgroup(String, reason: String)
    /// The command to trace could not be started.
    case spawn(String, errno: Int32)

    /// The exit status commands use for this error.
    public var exitStatus: DioscopeExitStatus {
        switch self {
        case .badDevice, .badCgroup: .usage
        default: .tracingUnavailable
        }
    }

    public var description: String {
        switch self {
        case .notPrivileged:
            return "tracing needs root, or the CAP_BPF and CAP_PERFMON capabilities; run dioscope with sudo."
        case .capabilitiesMissing:
            return "tracing needs the CAP_BPF and CAP_PERFMON capabilities (or CAP_SYS_ADMIN), which this root "
                + "process does not have (its capability set was reduced); run dioscope with full root privileges."
        case .noKernelBTF(let path):
            return "the kernel has no BTF type information (\(path) is missing or empty); it needs CONFIG_DEBUG_INFO_BTF=y."
        case .tracefsNotMounted(let path):
            return "tracefs is not mounted at \(path); mount it with `mount -t tracefs nodev /sys/kernel/tracing`."
        case .tracepointMissing(let name):
            return "the kernel has no \(name) tracepoint, which dioscope needs to trace direct I/O."
        case .objectOpen(let e):
            return "the embedded BPF object could not be opened (\(Self.errnoText(e))); rebuild with scripts/build-bpf.sh."
        case .load(let e, let log):
            let tail = log.isEmpty ? "" : "\n" + log
            return "the kernel rejected dioscope's BPF programs (\(Self.errnoText(e)))." + tail
        case .attach(let probe, let e):
            return "attaching the \(probe) probe failed (\(Self.errnoText(e)))."
        case .map(let what, let e):
            return "\(what) failed (\(Self.errnoText(e)))."
        case .badDevice(let arg, let reason):
            return "--dev \(arg): \(reason)"
        case .badCgroup(let arg, let reason):
            return "--cgroup \(arg): \(reason)"
        case .spawn(let cmd, let e):
            return "cannot start \(cmd) (\(Self.errnoText(e)))."
        }
    }

    static func errnoText(_ e: Int32) -> String {
        let code = abs(e)
        return "errno \(code): " + String(cString: strerror(code))
    }
}
