import ArgumentParser
import DioscopeLoader
import Glibc

/// What to trace: the filters and ring-buffer size shared by `record`,
/// `live` and `run`. Filtering happens in the kernel.
struct TraceTargetOptions: ParsableArguments {
    @Option(name: .customLong("dev"), help: "Block device, mount point or MAJOR:MINOR to trace (repeatable).")
    var devices: [String] = []

    @Option(name: .customLong("pid"), help: "Process to trace, with its future children (repeatable).")
    var pids: [Int32] = []

    @Option(help: "Only trace tasks in this cgroup v2 directory.")
    var cgroup: String?

    @Option(name: .customLong("ringbuf-mb"), help: "Ring buffer size in MiB (rounded up to a power of two).")
    var ringbufMB: Int = 64

    @Flag(name: .customLong("no-assemble"),
          help: "Emit every step of every direct I/O as its own event (by default the kernel side sends the steps of a plain overwrite or read as one record).")
    var noAssemble = false

    @Option(name: .customLong("disable-probe"),
            help: "Leave this probe out (repeatable; a name as `dioscope probes` prints it). For measuring.")
    var disabledProbes: [String] = []

    @Option(name: .customLong("enable-probe"),
            help: "Attach this probe although it is off by default (repeatable; see `dioscope probes`).")
    var enabledProbes: [String] = []

    /// Probes off by default to attach, by tracepoint or syscall name.
    var includedProbeNames: Set<String> {
        Set(enabledProbes.compactMap { ProbeCatalog.probe(named: $0)?.name })
    }

    /// The probes to leave out, by tracepoint or syscall name.
    var excludedProbeNames: Set<String> {
        Set(disabledProbes.compactMap { ProbeCatalog.probe(named: $0)?.name })
    }

    func validate() throws {
        for name in disabledProbes where ProbeCatalog.probe(named: name) == nil {
            throw ValidationError("--disable-probe \(name): no such probe (see `dioscope probes`)")
        }
        for name in enabledProbes where ProbeCatalog.probe(named: name) == nil {
            throw ValidationError("--enable-probe \(name): no such probe (see `dioscope probes`)")
        }
        if ringbufMB < 1 || ringbufMB > 4096 { throw ValidationError("--ringbuf-mb must be 1...4096") }
        if pids.contains(where: { $0 <= 0 }) { throw ValidationError("--pid must be positive") }
    }
}
