import Foundation
import Testing
@testable import DioscopeCore

/// Joins of ftrace text, which names neither the kiocb nor the user iocb: an io_getevents return
/// takes the oldest posted completions of its own aio context (a process may have one per
/// thread), and an iomap_dio_complete goes to the write that ended at its offset before one that
/// starts there.
@Suite struct AIOContextReapTests {
    static let fs = DeviceNumber(major: 7, minor: 0)
    static let ino: UInt64 = 0x83
    static let tgid: UInt32 = 700

    /// Events in time order, as an ftrace import gives them (kiocb and user iocb 0).
    struct Builder {
        var events: [Event] = []
        var t: UInt64 = 5_000_000_000

        mutating func ev(_ tid: UInt32, _ p: Event.Payload, ino: UInt64 = AIOContextReapTests.ino) {
            t += 1_000
            events.append(Event(timestamp: t, tgid: AIOContextReapTests.tgid, tid: tid, cpu: 0,
                                dev: AIOContextReapTests.fs, ino: ino, payload: p))
        }

        /// io_submit on `ctx` by `tid` of one 4 KiB write at `offset` into an unwritten extent.
        mutating func submit(tid: UInt32, ctx: Int64, offset: Int64) {
            ev(tid, .sysEnter(SysEnter(sysno: .ioSubmit, args: (ctx, 1, 0x1000), comm: Comm("fio"))), ino: 0)
            ev(tid, .dioBegin(DIOBegin(kiocb: 0, pos: offset, count: 4096, isize: 1 << 20, userRef: 0,
                                       kiFlags: [.direct, .write], api: .libaio, blkbits: 12)))
            ev(tid, .iomapDstmap(IomapMapping(addr: 0x10_0000 + UInt64(offset), offset: offset, length: 4096,
                                              type: .unwritten, flags: [], bdev: AIOContextReapTests.fs, blkbits: 12)))
            ev(tid, .dioQueued(DIOQueued(offset: offset + 4096, length: 0, isize: 1 << 20)))
            ev(tid, .sysExit(SysExit(sysno: .ioSubmit, ret: 1)), ino: 0)
        }

        /// The write at `offset` converted, then completed in a kworker (the completion printing
        /// where the write ended, as the kernel does).
        mutating func convertAndComplete(offset: Int64, worker: UInt32 = 31) {
            ev(worker, Self.convert(offset: offset, length: 4096))
            ev(worker, .dioComplete(DIOComplete(kiocb: 0, pos: offset + 4096, isize: 1 << 20, ret: 4096, userRef: 0,
                                                error: 0, kiFlags: [.direct, .write], api: .libaio)))
        }

        static func convert(offset: Int64, length: UInt64) -> Event.Payload {
            .xfs(.unwrittenConvert, XFSIO(isize: 1 << 20, disize: 1 << 20, offset: offset, count: length))
        }

        /// io_getevents on `ctx` by `tid` returning `n` (ftrace: no per-event records). `ctx` nil:
        /// the call's enter was not seen.
        mutating func getevents(tid: UInt32, ctx: Int64?, n: Int64) {
            if let ctx {
                ev(tid, .sysEnter(SysEnter(sysno: .ioGetevents, args: (ctx, 1, 8), comm: Comm("fio"))), ino: 0)
            }
            ev(tid, .sysExit(SysExit(sysno: .ioGetevents, ret: n)), ino: 0)
        }
    }

    /// Thread 101 writes at 0 through context A, thread 102 at 0x10000 through context B; B's
    /// write is converted and completed first, then A's. Nothing reaped yet.
    static func bothCompletedBFirst() -> Builder {
        var b = Builder()
        b.submit(tid: 101, ctx: 0xA000, offset: 0)
        b.submit(tid: 102, ctx: 0xB000, offset: 0x10000)
        b.convertAndComplete(offset: 0x10000)
        b.convertAndComplete(offset: 0)
        return b
    }

    static func analyze(_ events: [Event]) -> AnalysisResult {
        let a = Analyzer()
        for e in events { a.consume(e) }
        return a.finish()
    }

    static func timeline(_ r: AnalysisResult, offset: Int64) throws -> IOTimeline {
        try #require(r.timelines.first { $0.offset == offset }, "no timeline at \(offset)")
    }

    static func reaper(_ t: IOTimeline) -> UInt32? { t.entries.first { $0.step == .reaped }?.tid }

    /// Thread 101 (context A) and thread 102 (context B) of one process. B's write completes
    /// first; then 101 reaps one event from A, then 102 one from B. Each reap is its own
    /// context's completion: the process's oldest (B's) went to 101 before.
    @Test func aReapTakesItsOwnContextsCompletions() throws {
        var b = Self.bothCompletedBFirst()
        b.getevents(tid: 101, ctx: 0xA000, n: 1)
        b.getevents(tid: 102, ctx: 0xB000, n: 1)
        b.ev(101, .sysEnter(SysEnter(sysno: .pread64, fd: 9, args: (0, 0, 0), comm: Comm("fio"))), ino: 0)
        b.ev(102, .sysEnter(SysEnter(sysno: .pread64, fd: 9, args: (0, 0, 0), comm: Comm("fio"))), ino: 0)
        let r = Self.analyze(b.events)
        let a = try Self.timeline(r, offset: 0), bb = try Self.timeline(r, offset: 0x10000)
        #expect(Self.reaper(a) == 101 && Self.reaper(bb) == 102)
        #expect(a.reapedAt! < bb.reapedAt!, "A's reap is the first call's, B's the second's")
        #expect(r.findings.isEmpty && r.verdict == .clean)
    }

    /// A reap runs ahead of another context's conversion: with the process-wide FIFO it was
    /// given the other thread's write, which then was user-visible before its conversion (a
    /// false completion-before-conversion).
    @Test func anotherContextsReapIsNotAUserVisibleCompletion() throws {
        var b = Builder()
        b.submit(tid: 101, ctx: 0xA000, offset: 0)
        b.submit(tid: 102, ctx: 0xB000, offset: 0x10000)
        b.convertAndComplete(offset: 0)
        // thread 102's write is still converting when thread 101 reaps its own
        b.ev(32, Builder.convert(offset: 0x10000, length: 2048))
        b.getevents(tid: 101, ctx: 0xA000, n: 1)
        b.ev(32, Builder.convert(offset: 0x10800, length: 2048))
        b.ev(32, .dioComplete(DIOComplete(kiocb: 0, pos: 0x11000, isize: 1 << 20, ret: 4096, userRef: 0, error: 0,
                                          kiFlags: [.direct, .write], api: .libaio)))
        b.getevents(tid: 102, ctx: 0xB000, n: 1)
        b.ev(102, .sysEnter(SysEnter(sysno: .pread64, fd: 9, args: (0, 0, 0), comm: Comm("fio"))), ino: 0)
        let r = Self.analyze(b.events)
        #expect(r.findings.isEmpty, "\(r.findings.map(\.kind))")
        #expect(Self.reaper(try Self.timeline(r, offset: 0)) == 101)
        #expect(Self.reaper(try Self.timeline(r, offset: 0x10000)) == 102)
    }

    /// A call whose enter was not seen (its context unknown) still reaps the process's oldest,
    /// as before contexts were told apart.
    @Test func aCallOfUnknownContextTakesTheProcesssOldest() throws {
        var b = Self.bothCompletedBFirst()
        b.getevents(tid: 101, ctx: nil, n: 1)
        b.getevents(tid: 101, ctx: nil, n: 1)
        b.ev(101, .sysEnter(SysEnter(sysno: .pread64, fd: 9, args: (0, 0, 0), comm: Comm("fio"))), ino: 0)
        let r = Self.analyze(b.events)
        let a = try Self.timeline(r, offset: 0), bb = try Self.timeline(r, offset: 0x10000)
        #expect(Self.reaper(a) == 101 && Self.reaper(bb) == 101)
        #expect(bb.reapedAt! < a.reapedAt!, "the oldest posted (B's) first")
    }

    /// Two adjacent writes in flight at once, the one at 0x1000 begun first. The completion
    /// printing offset 0x1000 is the write at 0 ending there, not the one starting there; taking
    /// the first begun made the write at 0x1000 complete (and be posted) before its conversion.
    @Test func aCompletionGoesToTheWriteThatEndedAtItsOffset() throws {
        var b = Builder()
        b.submit(tid: 101, ctx: 0xA000, offset: 0x1000)
        b.submit(tid: 101, ctx: 0xA000, offset: 0)
        b.convertAndComplete(offset: 0)       // prints pos 0x1000
        b.convertAndComplete(offset: 0x1000)  // prints pos 0x2000
        b.getevents(tid: 101, ctx: 0xA000, n: 2)
        b.ev(101, .sysEnter(SysEnter(sysno: .pread64, fd: 9, args: (0, 0, 0), comm: Comm("fio"))), ino: 0)
        let r = Self.analyze(b.events)
        #expect(r.findings.isEmpty, "\(r.findings.map(\.kind))")
        let first = try Self.timeline(r, offset: 0), second = try Self.timeline(r, offset: 0x1000)
        #expect(first.completedAt! < second.completedAt!)
        #expect(first.convertedAt! <= first.completedAt! && second.convertedAt! <= second.completedAt!)
    }

    /// Thread 101 writes twice through context A and reaps both with its last system call; then
    /// thread 102's io_setup gets the same ring address (101's io_destroy unmapped it), writes twice
    /// and reaps. Each thread reaps its own: 101's reap, pending until its next system call (none
    /// comes before its exit), goes before 102's. Before, 102's reap took 101's completions (the
    /// oldest posted of "its" context), and 101's, applied at the end, took 102's.
    @Test func aContextAddressReusedByTheNextThreadKeepsEachThreadsReaps() throws {
        var b = Builder()
        b.submit(tid: 101, ctx: 0xA000, offset: 0)
        b.submit(tid: 101, ctx: 0xA000, offset: 0x1000)
        b.convertAndComplete(offset: 0)
        b.convertAndComplete(offset: 0x1000)
        b.getevents(tid: 101, ctx: 0xA000, n: 2)
        b.submit(tid: 102, ctx: 0xA000, offset: 0x10000)
        b.submit(tid: 102, ctx: 0xA000, offset: 0x11000)
        b.convertAndComplete(offset: 0x10000)
        b.convertAndComplete(offset: 0x11000)
        b.getevents(tid: 102, ctx: 0xA000, n: 2)
        b.ev(102, .sysEnter(SysEnter(sysno: .ioSubmit, args: (0xA000, 0, 0), comm: Comm("fio"))), ino: 0)
        b.ev(101, .taskExit(TaskExit(exitCode: nil, groupDead: false)), ino: 0)
        let r = Self.analyze(b.events)
        for offset: Int64 in [0, 0x1000, 0x10000, 0x11000] {
            let t = try Self.timeline(r, offset: offset)
            #expect(Self.reaper(t) == t.tid, "write at \(offset) of \(t.tid) reaped by \(Self.reaper(t).map(String.init) ?? "none")")
        }
        #expect(r.findings.isEmpty)
    }

    /// The real captures (traces/real/*-fio-two-threads): two fio threads of one process, each
    /// with its own aio context and file, each reaping its own. Every write is reaped by the
    /// thread that submitted it, after its completion was posted.
    @Test(arguments: ["xfs-fio-two-threads.ftrace.txt", "ext4-fio-two-threads.ftrace.txt"])
    func eachThreadReapsItsOwnInARealCapture(_ name: String) throws {
        var input = try TraceInput(path: TracesDirectoryTests.realDir.appendingPathComponent(name).path)
        var options = AnalysisOptions()
        options.keepAllTimelines = true
        let (r, _) = try Analyzer.analyze(&input, options: options)
        let writes = r.timelines.filter { $0.api == .libaio && $0.op == .write }
        #expect(writes.count == 128)
        #expect(Set(writes.map(\.tid)).count == 2 && Set(writes.map(\.tgid)).count == 1)
        for w in writes {
            #expect(Self.reaper(w) == w.tid, "io#\(w.id) submitted by \(w.tid), reaped by \(Self.reaper(w).map(String.init) ?? "none")")
            if let posted = w.postedAt, let reaped = w.reapedAt { #expect(posted <= reaped, "io#\(w.id)") }
        }
        #expect(r.findings.isEmpty && r.verdict == .clean)
    }
}
