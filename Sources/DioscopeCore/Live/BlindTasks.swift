/// The comparison behind `dioscope probes --blind-tasks`: interrupts counted by the task they
/// interrupted, once by ftrace (a tracefs instance) and once by BPF programs on the same
/// tracepoints (`irq:softirq_entry`, `irq:irq_handler_entry`).
///
/// The BPF programs are attached before the tracefs instance starts recording and detached after
/// it stops, so for every task BPF must count at least what tracefs records. A task that tracefs
/// saw interrupted more often than BPF did is one the kernel runs no BPF program on top of. On the
/// VMs dioscope was built on, these are the VM agent's threads (`tokio-rt-worker`). A direct I/O
/// completed in an interrupt there is lost to every BPF tool and counted by none, so the recording
/// cannot report it as a drop. The analyzer still never calls such an I/O clean.
public enum BlindTasks {
    /// One task's interrupt counts.
    public struct Task: Sendable, Equatable, Codable {
        public var tid: UInt32
        /// As tracefs printed it (truncated to 15 characters by the kernel).
        public var comm: String
        public var tracefs: UInt64
        public var bpf: UInt64
    }

    /// What one check found.
    public struct Result: Sendable, Equatable, Codable {
        public var seconds: Double
        /// Interrupt entries in all.
        public var tracefsTotal: UInt64
        public var bpfTotal: UInt64
        /// Events the tracefs instance lost (its buffer overran): its counts are then low, which
        /// can hide a blind task but never invent one.
        public var tracefsLost: UInt64
        /// Tasks tracefs saw interrupted more often than BPF did, most interrupts first.
        public var blind: [Task]

        public init(seconds: Double, tracefsTotal: UInt64, bpfTotal: UInt64, tracefsLost: UInt64, blind: [Task]) {
            self.seconds = seconds
            self.tracefsTotal = tracefsTotal
            self.bpfTotal = bpfTotal
            self.tracefsLost = tracefsLost
            self.blind = blind
        }
    }

    /// Interrupt entries in a tracefs `trace` file by interrupted task: lines such as
    /// `  tokio-rt-worker-103     [001] ..s1.  5731.404338: softirq_entry: vec=3 [action=NET_RX]`
    /// (with or without the `(tgid)` column). Other lines are skipped; the comm keeps any spaces
    /// or dashes it has (the task id is what follows its last dash).
    public static func countTracefs(_ text: Substring) -> [UInt32: (comm: String, count: UInt64)] {
        var out: [UInt32: (comm: String, count: UInt64)] = [:]
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            guard !line.hasPrefix("#"),
                  line.contains(": softirq_entry:") || line.contains(": irq_handler_entry:"),
                  let bracket = line.firstIndex(of: "[") else { continue }
            // the task is what precedes the CPU column (and the tgid column, if any)
            var head = line[..<bracket].trimmingCharacters(in: .whitespaces)[...]
            if head.hasSuffix(")"), let open = head.lastIndex(of: "(") {
                head = head[..<open].trimmingCharacters(in: .whitespaces)[...]
            }
            guard let dash = head.lastIndex(of: "-"), let tid = UInt32(head[head.index(after: dash)...]) else { continue }
            let comm = String(head[..<dash])
            out[tid, default: (comm, 0)].count += 1
        }
        return out
    }

    /// The tasks tracefs counted more interrupts for than BPF did, most interrupts first (ties
    /// by task id).
    public static func compare(tracefs: [UInt32: (comm: String, count: UInt64)], bpf: [UInt32: UInt64]) -> [Task] {
        tracefs.compactMap { tid, t -> Task? in
            let b = bpf[tid] ?? 0
            return b < t.count ? Task(tid: tid, comm: t.comm, tracefs: t.count, bpf: b) : nil
        }.sorted { ($0.tracefs, $1.tid) > ($1.tracefs, $0.tid) }
    }
}
