import DioscopeABI

/// One dioscope probe: a kernel tracepoint (or a syscall's enter/exit
/// pair) and the index of its counters in the BPF maps (`enum dsc_probe_id`).
public struct ProbeSpec: Sendable, Hashable {
    /// What kind of kernel hook the probe is.
    public enum Kind: Sendable, Hashable {
        /// A tracepoint with a BTF prototype: tp_btf or raw_tp variant.
        case rawTracepoint
        /// A system call: raw_syscalls:sys_enter/sys_exit (tp_btf or raw_tp, one
        /// program pair shared by every call), or the classic
        /// syscalls:sys_enter_<name> / sys_exit_<name> pair as a fallback.
        case syscall
    }

    /// `enum dsc_probe_id` value.
    public let id: Int
    /// Tracepoint group in tracefs, e.g. "iomap", "syscalls".
    public let group: String
    /// Tracepoint name (for syscalls, the call name, e.g. "pread64").
    public let name: String
    public let kind: Kind
    /// Whether dioscope can do without it (e.g. block_io_start on older kernels).
    public let optional: Bool
    /// Attached unless asked otherwise. Probes whose events the analyzer does not
    /// use are off by default (each costs some 100 ns per hit in the kernel and
    /// its share of the consumer): `TraceConfiguration.includedProbes` turns them on.
    public var enabledByDefault: Bool = true
    /// Why it is off by default, as `dioscope probes` and a recording's metadata say.
    public var offByDefaultReason = "the analyzer does not need it"

    /// Display name, e.g. "iomap:iomap_dio_rw_begin" or "syscalls:pread64".
    public var displayName: String { "\(group):\(name)" }

    /// BPF program names in the embedded object, per attach method.
    public func programNames(for method: AttachMethod) -> [String] {
        switch (kind, method) {
        case (.rawTracepoint, .tpBTF): return [name + "_btf"]
        case (.rawTracepoint, .rawTP): return [name + "_raw"]
        case (.syscall, .tpBTF): return ["sys_enter_btf", "sys_exit_btf"]
        case (.syscall, .rawTP): return ["sys_enter_raw", "sys_exit_raw"]
        case (.syscall, .tracepoint): return ["sys_enter_" + name, "sys_exit_" + name]
        default: return []
        }
    }

    /// Every program in the object that belongs to this probe.
    public var allProgramNames: [String] {
        AttachMethod.allCases.flatMap { programNames(for: $0) }
    }

    /// The raw syscall tracepoints behind every syscall probe's tp_btf/raw_tp programs.
    public static let rawSyscallEventDirectories = ["raw_syscalls/sys_enter", "raw_syscalls/sys_exit"]

    /// tracefs event directories whose existence the probe requires (for a
    /// syscall, with the classic tracepoints).
    public var eventDirectories: [String] {
        switch kind {
        case .rawTracepoint: return ["\(group)/\(name)"]
        case .syscall: return ["syscalls/sys_enter_\(name)", "syscalls/sys_exit_\(name)"]
        }
    }
}
