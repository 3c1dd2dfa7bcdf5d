import CLibbpf
import Glibc

/// Decides, per probe, how it can be attached on the running kernel, and
/// probes the optional mechanisms truthfully (by trying them).
public struct FeatureProber {
    public var environment: TracingEnvironment

    public init(environment: TracingEnvironment = TracingEnvironment()) {
        self.environment = environment
    }

    /// Inspects BTF and tracefs; loads throwaway programs for fentry and
    /// the ring buffer (needs privileges; reported as unavailable otherwise).
    public func run() -> FeatureReport {
        let btf = btf__load_vmlinux_btf()
        defer { if let btf { btf__free(btf) } }
        let probes = ProbeCatalog.all.map { decide($0, btf: btf) }
        return FeatureReport(
            probes: probes, fentry: probeFentry(btf: btf), kprobes: probeKprobes(),
            ringBuffer: probeRingBuffer())
    }

    /// How one probe will be attached.
    public func decide(_ probe: ProbeSpec, btf: OpaquePointer?) -> ProbeStatus {
        if access(environment.eventsPath, X_OK) != 0 {
            let e = errno
            let why = e == ENOENT ? "tracefs is not mounted at \(environment.tracefsPath)"
                : "cannot read \(environment.eventsPath) (\(LoaderError.errnoText(e))); run as root"
            return ProbeStatus(probe: probe, method: .unavailable, reason: why)
        }
        if environment.isDisabled(probe) {
            return ProbeStatus(probe: probe, method: .unavailable,
                               reason: "no tracepoint \(probe.group):\(probe.name) (disabled by DIOSCOPE_DISABLE_PROBES)")
        }
        let missing = probe.eventDirectories.filter { !environment.hasEvent($0) }
        switch probe.kind {
        case .syscall:
            // Raw syscall tracepoints: no perf record per call (the classic ones build one).
            if ProbeSpec.rawSyscallEventDirectories.allSatisfy({ environment.hasEvent($0) }) {
                if let btf, btf__find_by_name_kind(btf, "btf_trace_sys_enter", btfKindTypedef) > 0,
                    btf__find_by_name_kind(btf, "btf_trace_sys_exit", btfKindTypedef) > 0
                {
                    return ProbeStatus(probe: probe, method: .tpBTF, reason: "raw_syscalls sys_enter/sys_exit (tp_btf)")
                }
                return ProbeStatus(probe: probe, method: .rawTP, reason: "raw_syscalls sys_enter/sys_exit (raw_tp)")
            }
            if missing.isEmpty {
                return ProbeStatus(probe: probe, method: .tracepoint, reason: "classic syscalls tracepoints")
            }
            return ProbeStatus(
                probe: probe, method: .unavailable,
                reason: "no tracepoint " + missing.joined(separator: ", ") + " in \(environment.eventsPath)")
        case .rawTracepoint:
            guard missing.isEmpty else {
                return ProbeStatus(
                    probe: probe, method: .unavailable,
                    reason: "no tracepoint \(probe.group):\(probe.name) on this kernel")
            }
            guard let btf else {
                return ProbeStatus(probe: probe, method: .rawTP, reason: "no kernel BTF; raw tracepoint")
            }
            if btf__find_by_name_kind(btf, "btf_trace_" + probe.name, btfKindTypedef) > 0 {
                return ProbeStatus(probe: probe, method: .tpBTF, reason: "btf_trace_\(probe.name) in vmlinux BTF")
            }
            return ProbeStatus(
                probe: probe, method: .rawTP,
                reason: "no btf_trace_\(probe.name) in vmlinux BTF (module tracepoint?); raw tracepoint")
        }
    }

    /// Loads `r0 = 0; exit` as an fentry program on vfs_read and attaches it.
    func probeFentry(btf: OpaquePointer?) -> OptionalFeature {
        let name = "fentry"
        guard let btf else { return OptionalFeature(name: name, available: false, detail: "no kernel BTF") }
        let target = btf__find_by_name_kind(btf, "vfs_read", btfKindFunc)
        guard target > 0 else {
            return OptionalFeature(name: name, available: false, detail: "vfs_read not in kernel BTF")
        }
        var insns = [bpf_insn(), bpf_insn()]
        insns[0].code = 0xb7  // BPF_ALU64 | BPF_MOV | BPF_K: r0 = 0
        insns[1].code = 0x95  // BPF_JMP | BPF_EXIT
        var opts = bpf_prog_load_opts()
        opts.sz = MemoryLayout<bpf_prog_load_opts>.size
        opts.expected_attach_type = BPF_TRACE_FENTRY
        opts.attach_btf_id = UInt32(target)
        let fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, "dsc_fentry", "GPL", &insns, 2, &opts)
        if fd < 0 {
            let e = errno
            return OptionalFeature(
                name: name, available: false,
                detail: "loading a trivial fentry program failed: " + LoaderError.errnoText(e)
                    + (e != EPERM ? ""
                        : TracingEnvironment.isPrivileged()
                            ? " (kernel or LSM policy forbids BPF trampolines)" : " (not privileged)"))
        }
        defer { close(fd) }
        let link = bpf_link_create(fd, 0, BPF_TRACE_FENTRY, nil)
        if link < 0 {
            let e = errno
            return OptionalFeature(
                name: name, available: false,
                detail: "a trivial fentry program loaded but attaching it failed: " + LoaderError.errnoText(e))
        }
        close(link)
        return OptionalFeature(name: name, available: true, detail: "a trivial fentry program loaded and attached")
    }

    /// kprobes need the kprobe PMU (perf) or kprobe_events (tracefs).
    func probeKprobes() -> OptionalFeature {
        let pmu = access("/sys/bus/event_source/devices/kprobe/type", F_OK) == 0
        let events = access(environment.tracefsPath + "/kprobe_events", F_OK) == 0
        if pmu || events {
            return OptionalFeature(
                name: "kprobe", available: true,
                detail: pmu ? "kprobe PMU present" : "kprobe_events present in tracefs")
        }
        return OptionalFeature(
            name: "kprobe", available: false,
            detail: "no kprobe PMU and no kprobe_events: kernel built without CONFIG_KPROBES")
    }

    /// Creates (and closes) a small BPF ring buffer map.
    func probeRingBuffer() -> OptionalFeature {
        let fd = bpf_map_create(BPF_MAP_TYPE_RINGBUF, "dsc_rb_probe", 0, 0, 4096, nil)
        if fd < 0 {
            return OptionalFeature(
                name: "ringbuf", available: false,
                detail: "creating a BPF ring buffer failed: " + LoaderError.errnoText(errno)
                    + (TracingEnvironment.isPrivileged() ? "" : " (not privileged)"))
        }
        close(fd)
        return OptionalFeature(name: "ringbuf", available: true, detail: "BPF ring buffer map created")
    }
}

/// BTF kinds from linux/btf.h (the C enum constants import ambiguously).
let btfKindTypedef: UInt32 = 8
let btfKindFunc: UInt32 = 12
let btfKindDatasec: UInt32 = 15
