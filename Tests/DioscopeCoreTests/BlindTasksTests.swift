import Testing

@testable import DioscopeCore

/// The tracefs side of `dioscope probes --blind-tasks` (``BlindTasks``): counting interrupt
/// entries by the task they interrupted, and the comparison with BPF's counts.
@Suite("Blind tasks: tracefs counting and comparison")
struct BlindTasksTests {
    /// Lines as a tracefs instance prints them: with and without the `(tgid)` column, a comm
    /// with dashes and one with a space, the idle task, other events, and the header.
    static let sample = """
        # tracer: nop
        #
        #           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION
        #              | |         |   |||||     |         |
                  <idle>-0       [001] d.h1. 73477.728875: irq_handler_entry: irq=36 name=virtio1-req.0
                  <idle>-0       [001] ..s1. 73477.728882: softirq_entry: vec=4 [action=BLOCK]
         tokio-rt-worker-103     [000] ..s1. 73477.729844: softirq_entry: vec=1 [action=TIMER]
         tokio-rt-worker-103     [000] d.h1. 73477.729900: irq_handler_entry: irq=11 name=eth0
         kworker/u4:2-ev-ub-88   [000] ..s1. 73477.730001: softirq_entry: vec=3 [action=NET_RX]
                 fio-4242    ( 4240) [001] ..s1. 73477.730100: softirq_entry: vec=4 [action=BLOCK]
           Web Content-5151  [000] ..s1. 73477.730200: softirq_entry: vec=1 [action=TIMER]
         tokio-rt-worker-103     [000] ..s1. 73477.730300: softirq_exit: vec=1 [action=TIMER]
                 fio-4242    ( 4240) [001] ..s1. 73477.730400: block_rq_complete: 7,0 W () 8 + 8 [0]
        """

    @Test("tracefs lines are counted by interrupted task, tgid column or not; other lines are skipped")
    func counting() {
        let c = BlindTasks.countTracefs(Self.sample[...])
        #expect(c.count == 5, "\(c.keys.sorted())")
        #expect(c[0]?.comm == "<idle>" && c[0]?.count == 2)
        #expect(c[103]?.comm == "tokio-rt-worker" && c[103]?.count == 2, "softirq_exit is not an entry")
        #expect(c[88]?.comm == "kworker/u4:2-ev-ub" && c[88]?.count == 1)
        #expect(c[4242]?.comm == "fio" && c[4242]?.count == 1, "the tgid column is not the task id")
        #expect(c[5151]?.comm == "Web Content" && c[5151]?.count == 1)
    }

    @Test("a task is blind when BPF counted fewer of its interrupts than tracefs, most interrupts first")
    func comparison() {
        let c = BlindTasks.countTracefs(Self.sample[...])
        // BPF ran longer: it saw more of the idle task's and fio's, none of the agent's, one of
        // the kworker's, and none of the browser's (its count missing)
        let blind = BlindTasks.compare(tracefs: c, bpf: [0: 9, 103: 0, 88: 1, 4242: 3])
        #expect(blind == [
            BlindTasks.Task(tid: 103, comm: "tokio-rt-worker", tracefs: 2, bpf: 0),
            BlindTasks.Task(tid: 5151, comm: "Web Content", tracefs: 1, bpf: 0),
        ])
        #expect(BlindTasks.compare(tracefs: c, bpf: [0: 2, 103: 2, 88: 1, 4242: 1, 5151: 1]).isEmpty,
                "equal counts are not blind")
    }
}
