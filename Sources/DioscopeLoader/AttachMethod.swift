/// How one probe is attached on the running kernel.
public enum AttachMethod: String, Sendable, Codable, CaseIterable {
    /// BTF-typed raw tracepoint (`tp_btf/<name>`): cheapest, typed arguments.
    case tpBTF = "tp_btf"
    /// Raw tracepoint (`raw_tp/<name>`): same arguments, read through CO-RE.
    case rawTP = "raw_tp"
    /// Classic perf tracepoint (`tracepoint/<group>/<name>`): system calls when the raw
    /// syscall tracepoints cannot be used.
    case tracepoint = "tracepoint"
    /// Not attached; see the probe's reason.
    case unavailable = "unavailable"
}
