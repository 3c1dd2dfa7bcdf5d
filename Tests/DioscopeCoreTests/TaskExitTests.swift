import Foundation
import Testing
@testable import DioscopeCore

/// A traced task's exit (record ABI 5, `DSC_EV_TASK_EXIT`): the engine forgets what it keeps per
/// thread and per process, and settles the libaio completions a dead process can no longer reap.
@Suite struct TaskExitTests {
    static let fs = DeviceNumber(major: 7, minor: 0)
    static let ino: UInt64 = 0x83

    /// Events of one process's libaio writes, built in time order.
    struct Writer {
        var tgid: UInt32 = 500
        var comm = "writer"
        var events: [Event] = []
        var t: UInt64 = 1_000_000_000

        mutating func ev(_ tid: UInt32, _ p: Event.Payload, ino: UInt64 = 0, tgid: UInt32? = nil) {
            t += 1_000
            events.append(Event(timestamp: t, tgid: tgid ?? self.tgid, tid: tid, cpu: 0, dev: TaskExitTests.fs, ino: ino,
                                payload: p))
        }

        /// io_submit of writes `refs` (4 KiB each at offset ref × 4096) by thread `tid`, each then
        /// completed by the kernel (posted to the ring).
        mutating func submitAndComplete(_ refs: [UInt64], tid: UInt32) {
            ev(tid, .sysEnter(SysEnter(sysno: .ioSubmit, fd: 3, args: (0x1000, Int64(refs.count), 0x2000),
                                       comm: Comm(comm))), ino: TaskExitTests.ino)
            for r in refs {
                ev(tid, .dioBegin(DIOBegin(kiocb: 0xffff_8880_0000_0000 + r * 0x100, pos: Int64(r) * 4096, count: 4096,
                                           isize: 1 << 28, userRef: r, kiFlags: [.direct, .write], api: .libaio,
                                           blkbits: 12)), ino: TaskExitTests.ino)
                ev(tid, .dioQueued(DIOQueued(offset: Int64(r) * 4096 + 4096, length: 0, isize: 1 << 28)), ino: TaskExitTests.ino)
            }
            ev(tid, .sysExit(SysExit(sysno: .ioSubmit, ret: Int64(refs.count))))
            for r in refs {
                ev(0, .dioComplete(DIOComplete(kiocb: 0xffff_8880_0000_0000 + r * 0x100, pos: Int64(r) * 4096 + 4096,
                                               isize: 1 << 28, ret: 4096, userRef: r, error: 0,
                                               kiFlags: [.direct, .write], api: .libaio)), ino: TaskExitTests.ino)
            }
        }

        /// io_getevents by `tid` returning the completions of `refs`.
        mutating func reap(_ refs: [UInt64], tid: UInt32) {
            ev(tid, .sysEnter(SysEnter(sysno: .ioGetevents, args: (0x1000, 1, 16), comm: Comm(comm))))
            for (i, r) in refs.enumerated() {
                ev(tid, .aioReap(AIOReap(ctx: 0x1000, obj: r, res: 4096, index: UInt32(i), total: UInt32(refs.count))))
            }
            ev(tid, .sysExit(SysExit(sysno: .ioGetevents, ret: Int64(refs.count))))
        }

        mutating func exit(tid: UInt32, groupDead: Bool, code: Int32 = 0) {
            ev(tid, .taskExit(TaskExit(exitCode: code, groupDead: groupDead)))
        }
    }

    /// Runs `events` through an analyzer; the timelines emitted before the end of the input, and
    /// the result.
    static func analyze(_ events: [Event]) -> (early: [IOTimeline], result: AnalysisResult, sizes: [String: Int]) {
        let a = Analyzer()
        var early: [IOTimeline] = []
        a.onTimeline = { early.append($0) }
        for e in events { a.consume(e) }
        a.advance(to: .max)
        let sizes = Dictionary(a.collectionSizes, uniquingKeysWith: { x, _ in x })
        return (early, a.finish(), sizes)
    }

    /// A process killed with one of its two completions unreaped: that I/O is settled at the exit
    /// as complete (its completion was posted: user-visible), its timeline ending with the exit,
    /// and counted. Without the exit record (older traces) it waits for the end of the input and
    /// is cut off there, which makes the whole run inconclusive.
    @Test func anUnreapedCompletionSettlesWhenItsProcessExits() throws {
        var w = Writer()
        w.submitAndComplete([1, 2], tid: 500)
        w.reap([1], tid: 500)
        let beforeExit = w.events
        w.exit(tid: 500, groupDead: true, code: 9)

        let (early, result, sizes) = Self.analyze(w.events)
        #expect(early.count == 2, "both I/Os are emitted before the end of the input")
        #expect(result.verdict == .clean)
        #expect(result.unmatched[AnalysisResult.unreapedAtExit] == 1)
        #expect(AnalysisReport.text(result).contains("I/Os: 2 (0 reads, 2 writes), 1 completed but never reaped (their process exited)\n"))
        let unreaped = try #require(result.timelines.first { $0.offset == 2 * 4096 })
        #expect(unreaped.status == .complete)
        #expect(unreaped.reapedAt == nil && unreaped.postedAt != nil)
        let last = try #require(unreaped.entries.last)
        #expect(last.step == .processExited && last.value == 9 && last.timestamp == w.events.last!.timestamp)
        let reaped = try #require(result.timelines.first { $0.offset == 4096 })
        #expect(reaped.reapedAt != nil && !reaped.entries.contains { $0.step == .processExited })
        // the process's tables are empty
        for table in ["tidComm", "tgidComm", "tgidInode", "fdMap", "fdsByProcess", "aioPosted", "byUserRef", "tasks"] {
            #expect(sizes[table] == 0, "\(table): \(sizes[table] ?? -1)")
        }
        #expect(sizes["processesExited"] == 1 && sizes["tasksExited"] == 1)

        let (_, old, oldSizes) = Self.analyze(beforeExit)
        #expect(old.verdict == .inconclusive)
        let cutOff = try #require(old.timelines.first { $0.offset == 2 * 4096 })
        #expect(cutOff.status == .inconclusive && cutOff.inconclusiveReason == InconclusiveCause.cutOffNotReaped.text)
        #expect(oldSizes["tidComm"] == 1 && oldSizes["tgidComm"] == 1 && oldSizes["fdMap"] == 1)
    }

    /// A write into unwritten extents whose completion was posted before its conversion (race 1's
    /// order), by a process that then exited: the exit does not settle it while the conversion is
    /// missing. The conversion that comes later settles it, and the detector flags the order; with
    /// no conversion by the end, it is judged as such, not as cut off before its reap.
    @Test func anExitDoesNotSettleAWriteBeforeItsConversion() throws {
        func run(convert: Bool) throws -> AnalysisResult {
            var w = Writer()
            let kiocb: UInt64 = 0xffff_8880_0000_0100
            w.ev(500, .sysEnter(SysEnter(sysno: .ioSubmit, fd: 3, args: (0x1000, 1, 0x2000), comm: Comm("writer"))),
                 ino: Self.ino)
            w.ev(500, .dioBegin(DIOBegin(kiocb: kiocb, pos: 4096, count: 4096, isize: 0, userRef: 1,
                                         kiFlags: [.direct, .write], api: .libaio, blkbits: 12)), ino: Self.ino)
            w.ev(500, .iomapDstmap(IomapMapping(addr: 0x10_0000, offset: 4096, length: 4096, type: .unwritten,
                                                flags: [.new], bdev: Self.fs, blkbits: 12)), ino: Self.ino)
            w.ev(500, .dioQueued(DIOQueued(offset: 8192, length: 0, isize: 0)), ino: Self.ino)
            w.ev(500, .sysExit(SysExit(sysno: .ioSubmit, ret: 1)))
            w.ev(0, .dioComplete(DIOComplete(kiocb: kiocb, pos: 8192, isize: 8192, ret: 4096, userRef: 1, error: 0,
                                             kiFlags: [.direct, .write], api: .libaio)), ino: Self.ino)
            w.exit(tid: 500, groupDead: true)
            if convert {
                w.ev(77, .xfs(.unwrittenConvert, XFSIO(isize: 8192, disize: 8192, offset: 4096, count: 4096)),
                     ino: Self.ino)
            }
            return Self.analyze(w.events).result
        }
        let converted = try run(convert: true)
        let io = try #require(converted.timelines.first)
        #expect(io.status == .complete && io.convertedAt != nil)
        #expect(io.entries.contains { $0.step == .processExited })
        #expect(converted.findings.map(\.kind) == [.completionBeforeConversion])

        let never = try run(convert: false)
        let cut = try #require(never.timelines.first)
        #expect(cut.inconclusiveReason != InconclusiveCause.cutOffNotReaped.text, "\(cut.inconclusiveReason ?? "-")")
        #expect(never.findings.map(\.kind) == [.completionBeforeConversion])
    }

    /// A thread that exits forgets only itself: its process's completions stay to be reaped by
    /// another thread, and the process keeps its name and descriptors.
    @Test func aThreadExitKeepsItsProcessState() throws {
        var w = Writer()
        w.submitAndComplete([1], tid: 501)
        w.exit(tid: 501, groupDead: false)
        w.reap([1], tid: 500)
        let (_, result, sizes) = Self.analyze(w.events)
        #expect(result.verdict == .clean)
        #expect(result.unmatched[AnalysisResult.unreapedAtExit] == nil)
        let io = try #require(result.timelines.first)
        #expect(io.reapedAt != nil && !io.entries.contains { $0.step == .processExited })
        #expect(sizes["tgidComm"] == 1 && sizes["fdMap"] == 1 && sizes["processesExited"] == 0)
        // the exited thread's name is gone, the reaping thread's is kept
        #expect(sizes["tidComm"] == 1 && sizes["tasksExited"] == 1)
    }

    /// A new process that gets a dead one's pid does not inherit its name: an I/O it begins
    /// outside any traced call is not attributed to the dead process's command.
    @Test func aReusedPidDoesNotInheritTheDeadProcessName() throws {
        func run(exit: Bool) throws -> IOTimeline {
            var w = Writer()
            w.submitAndComplete([1], tid: 500)
            w.reap([1], tid: 500)
            if exit { w.exit(tid: 500, groupDead: true) }
            // pid 500 again, a new program: a synchronous direct write with no traced call
            w.ev(500, .dioBegin(DIOBegin(kiocb: 0xffff_8880_0009_0000, pos: 1 << 20, count: 4096, isize: 1 << 28,
                                         kiFlags: [.direct, .write], api: .sync, blkbits: 12)), ino: Self.ino)
            w.ev(500, .dioComplete(DIOComplete(kiocb: 0xffff_8880_0009_0000, pos: (1 << 20) + 4096, isize: 1 << 28,
                                               ret: 4096, error: 0, kiFlags: [.direct, .write], api: .sync)), ino: Self.ino)
            let (_, result, _) = Self.analyze(w.events)
            return try #require(result.timelines.first { $0.offset == 1 << 20 })
        }
        #expect(try run(exit: false).comm == "writer", "without the exit the dead process's name is reused")
        #expect(try run(exit: true).comm == "")
    }

    /// Many short-lived processes leave nothing behind once they exited: the per-thread and
    /// per-process tables end as they began.
    @Test func shortLivedProcessesLeaveNoState() throws {
        var events: [Event] = []
        var t: UInt64 = 1_000_000_000
        for p in 0..<3_000 as Range<UInt32> {
            var w = Writer(tgid: 10_000 + p, comm: "job-\(p)", t: t)
            w.submitAndComplete([UInt64(p) + 1], tid: 10_000 + p)
            w.reap([UInt64(p) + 1], tid: 10_000 + p)
            w.exit(tid: 10_000 + p, groupDead: true)
            events += w.events
            t = w.t
        }
        let (_, result, sizes) = Self.analyze(events)
        #expect(result.counts.total == 3_000 && result.verdict == .clean)
        for table in ["tidComm", "tgidComm", "tgidInode", "fdMap", "fdsByProcess", "tasks", "recentFIFOReaps"] {
            #expect(sizes[table] == 0, "\(table): \(sizes[table] ?? -1)")
        }
        #expect(sizes["processesExited"] == 3_000)
        // The exited tasks' slots were freed and reused: one task at a time needs one slot.
        #expect(sizes["taskSlotsInUse"] == 0, "\(sizes["taskSlotsInUse"] ?? -1) task slots in use")
        #expect((sizes["taskSlots"] ?? .max) <= 2, "\(sizes["taskSlots"] ?? -1) task slots for 3 000 tasks")
    }

    /// Without exit records (recordings before ABI 5), idle tasks are dropped when the task table
    /// doubles, and their slots reused: 5 000 short-lived processes leave a bounded table and as
    /// many task slots in use as it holds.
    @Test func idleTasksWithoutExitsAreSweptAndTheirSlotsReused() throws {
        var events: [Event] = []
        var t: UInt64 = 1_000_000_000
        for p in 0..<5_000 as Range<UInt32> {
            var w = Writer(tgid: 20_000 + p, comm: "job-\(p)", t: t)
            w.submitAndComplete([UInt64(p) + 1], tid: 20_000 + p)
            w.reap([UInt64(p) + 1], tid: 20_000 + p)
            events += w.events
            t = w.t
        }
        let (_, result, sizes) = Self.analyze(events)
        #expect(result.counts.total == 5_000 && result.verdict == .clean)
        let tasks = sizes["tasks"] ?? -1, dropped = sizes["tasksDropped"] ?? -1
        #expect(dropped >= 3_000, "\(dropped) idle tasks dropped")
        #expect(tasks + dropped == 5_000, "\(tasks) held + \(dropped) dropped")
        #expect(sizes["taskSlotsInUse"] == tasks, "\(sizes["taskSlotsInUse"] ?? -1) slots in use for \(tasks) tasks")
        #expect((sizes["taskSlots"] ?? .max) <= 2_048 + TaskSlab.chunkSize, "\(sizes["taskSlots"] ?? -1) task slots")
    }
}
