import Foundation
import Testing
@testable import DioscopeCore

/// A direct read that begins at or past the end of the file: iomap returns 0 for it at once
/// (`__iomap_dio_rw`, `pos >= i_size`) and records no completion. `dd iflag=direct` ends every
/// file that way; each such read was left "cut off: no completion" and the run INCONCLUSIVE.
@Suite struct ReadAtEOFTests {
    static let fs = DeviceNumber(major: 7, minor: 0)
    static let ino: UInt64 = 0x83
    static let size: Int64 = 0x40_0000
    static let pid: UInt32 = 900

    struct Builder {
        var events: [Event] = []
        var t: UInt64 = 7_000_000_000

        mutating func ev(_ p: Event.Payload, tid: UInt32 = ReadAtEOFTests.pid, ino: UInt64 = ReadAtEOFTests.ino) {
            t += 1_000
            events.append(Event(timestamp: t, tgid: ReadAtEOFTests.pid, tid: tid, cpu: 1, dev: ReadAtEOFTests.fs,
                                ino: ino, payload: p))
        }

        mutating func begin(at pos: Int64, count: UInt64 = 0x10_0000, api: IOAPI = .sync, kiocb: UInt64 = 0,
                            userRef: UInt64 = 0) {
            ev(.dioBegin(DIOBegin(kiocb: kiocb, pos: pos, count: count, isize: ReadAtEOFTests.size, userRef: userRef,
                                  kiFlags: [.direct], api: api, blkbits: 12)))
        }

        /// A whole read of `count` bytes at `pos` inside the file: mapping, bio, completion.
        mutating func fullRead(at pos: Int64, count: UInt64, kiocb: UInt64 = 0xffff_c900_0000_1000, api: IOAPI = .sync) {
            begin(at: pos, count: count, api: api, kiocb: kiocb)
            ev(.iomapDstmap(IomapMapping(addr: 0x20_0000 + UInt64(pos), offset: pos, length: count, type: .mapped,
                                         flags: [], bdev: ReadAtEOFTests.fs, blkbits: 12)))
            let sector = (0x20_0000 + UInt64(pos)) >> 9
            ev(.block(.bioQueue, BlockIO(sector: sector, nrSector: UInt32(count >> 9), kiocb: kiocb, op: .read)), ino: 0)
            ev(.block(.rqIssue, BlockIO(sector: sector, nrSector: UInt32(count >> 9), ptr: 0xab, op: .read)), ino: 0)
            ev(.block(.rqComplete, BlockIO(sector: sector, nrSector: UInt32(count >> 9), ptr: 0xab, op: .read)), tid: 0,
               ino: 0)
            ev(.dioComplete(DIOComplete(kiocb: kiocb, pos: pos + Int64(count), isize: ReadAtEOFTests.size,
                                        ret: Int64(count), error: 0, kiFlags: [.direct], api: api)))
        }
    }

    static func analyze(_ events: [Event]) -> AnalysisResult {
        let a = Analyzer()
        for e in events { a.consume(e) }
        return a.finish()
    }

    /// The read at the end: complete, 0 bytes, its completion entry (with the note) where it began.
    static func checkEndedAtEOF(_ r: AnalysisResult, offset: Int64 = size) throws {
        let t = try #require(r.timelines.first { $0.offset == offset })
        #expect(t.status == .complete && t.result == 0)
        let began = try #require(t.entries.first { $0.step == .begin })
        let done = try #require(t.entries.first { $0.step == .completed })
        #expect(done.timestamp == began.timestamp && done.value == 0)
        #expect(TimelineNote.text(done.noteID) == "read at or past EOF: iomap ends it without a completion")
        #expect(t.completedAt == began.timestamp)
        #expect(t.entries.map(\.timestamp) == t.entries.map(\.timestamp).sorted(), "entries in time order")
    }

    /// read(2) (no traced system call), as dd does: four whole reads, then one at the end,
    /// then the process exits.
    @Test func aReadWithoutItsCallEndsWhenItsTaskExits() throws {
        var b = Builder()
        for i: Int64 in 0..<4 { b.fullRead(at: i * 0x10_0000, count: 0x10_0000, kiocb: 0xffff_c900_0000_1000 + UInt64(i)) }
        b.begin(at: Self.size, kiocb: 0xffff_c900_0000_2000)
        let beforeExit = b.events
        b.ev(.taskExit(TaskExit(exitCode: 0, groupDead: true)), ino: 0)
        let r = Self.analyze(b.events)
        #expect(r.verdict == .clean && r.timelines.count == 5)
        try Self.checkEndedAtEOF(r)

        // Without the exit record (ABI 1 to 4): nothing shows the read returned; still cut off.
        let cut = Self.analyze(beforeExit)
        #expect(cut.verdict == .inconclusive)
        #expect(cut.timelines.first { $0.offset == Self.size }?.inconclusiveReason
            == "cut off: no completion before the trace ended")
    }

    /// The same task's next direct I/O also shows that the untraced call returned.
    @Test func aReadWithoutItsCallEndsAtItsTasksNextIO() throws {
        var b = Builder()
        b.begin(at: Self.size + 0x1000, count: 0x1000, kiocb: 0xffff_c900_0000_3000)
        b.fullRead(at: 0, count: 0x1000)
        let r = Self.analyze(b.events)
        #expect(r.verdict == .clean)
        try Self.checkEndedAtEOF(r, offset: Self.size + 0x1000)
        #expect(r.timelines.first { $0.offset == 0 }?.result == 0x1000)
    }

    /// pread64 at the end returning 0: the return is the user's; the read ends where it began.
    @Test func aPreadAtTheEndReturnsZero() throws {
        var b = Builder()
        b.ev(.sysEnter(SysEnter(sysno: .pread64, fd: 3, args: (0x7000, 0x1000, Self.size), comm: Comm("xfs_io"))))
        b.begin(at: Self.size, count: 0x1000, kiocb: 0xffff_c900_0000_4000)
        b.ev(.sysExit(SysExit(sysno: .pread64, fd: 3, ret: 0)))
        let r = Self.analyze(b.events)
        #expect(r.verdict == .clean)
        try Self.checkEndedAtEOF(r)
        let t = try #require(r.timelines.first)
        #expect(t.entries.map(\.step) == [.syscallEnter, .begin, .completed, .returned])
    }

    /// libaio: the reap of 0 bytes.
    @Test func aLibaioReadAtTheEndIsReapedWithZero() throws {
        var b = Builder()
        b.ev(.sysEnter(SysEnter(sysno: .ioSubmit, args: (0xc000, 1, 0x9000), comm: Comm("aio"))), ino: 0)
        b.begin(at: Self.size, count: 0x1000, api: .libaio, kiocb: 0xffff_8880_0000_5000, userRef: 0x5151)
        b.ev(.sysExit(SysExit(sysno: .ioSubmit, ret: 1)), ino: 0)
        b.ev(.sysEnter(SysEnter(sysno: .ioGetevents, args: (0xc000, 1, 1), comm: Comm("aio"))), ino: 0)
        b.ev(.aioReap(AIOReap(ctx: 0xc000, obj: 0x5151, res: 0)), ino: 0)
        b.ev(.sysExit(SysExit(sysno: .ioGetevents, ret: 1)), ino: 0)
        let r = Self.analyze(b.events)
        #expect(r.verdict == .clean, "\(r.timelines.map { $0.inconclusiveReason ?? "" })")
        try Self.checkEndedAtEOF(r)
    }

    /// libaio without the iocbs of the reaps (an ftrace import: io_getevents' return only says how
    /// many): the read at the end was posted by io_submit itself, before the read inside the file
    /// that completed later, so the FIFO rule reaps it first. Before, it was never posted: the
    /// first io_getevents took the other read, and the trace's end cut the one at the end off.
    @Test func aLibaioReadAtTheEndIsPostedBySubmitForTheFIFORule() throws {
        var b = Builder()
        b.ev(.sysEnter(SysEnter(sysno: .ioSubmit, args: (0xc000, 2, 0x9000), comm: Comm("aio"))), ino: 0)
        b.begin(at: Self.size, count: 0x1000, api: .libaio, kiocb: 0xffff_8880_0000_5000)
        b.ev(.sysExit(SysExit(sysno: .ioSubmit, ret: 1)), ino: 0)
        b.ev(.sysEnter(SysEnter(sysno: .ioSubmit, args: (0xc000, 1, 0x9000), comm: Comm("aio"))), ino: 0)
        b.fullRead(at: 0, count: 0x1000, kiocb: 0xffff_8880_0000_6000, api: .libaio)
        b.ev(.sysExit(SysExit(sysno: .ioSubmit, ret: 1)), ino: 0)
        for _ in 0..<2 {
            b.ev(.sysEnter(SysEnter(sysno: .ioGetevents, args: (0xc000, 1, 1), comm: Comm("aio"))), ino: 0)
            b.ev(.sysExit(SysExit(sysno: .ioGetevents, ret: 1)), ino: 0)
        }
        let r = Self.analyze(b.events)
        #expect(r.verdict == .clean, "\(r.timelines.map { $0.inconclusiveReason ?? "" })")
        try Self.checkEndedAtEOF(r)
        let atEnd = try #require(r.timelines.first { $0.offset == Self.size })
        let inside = try #require(r.timelines.first { $0.offset == 0 })
        #expect(atEnd.entries.map(\.step) == [.syscallEnter, .begin, .completed, .posted, .submitReturned, .reaped])
        #expect(atEnd.postedAt == atEnd.completedAt)
        let atEndReaped = try #require(atEnd.reapedAt), insideReaped = try #require(inside.reapedAt)
        #expect(atEndReaped < insideReaped, "the FIFO rule reaps in posting order")
        #expect(try #require(inside.postedAt) < insideReaped)
    }

    /// io_uring: the CQE of 0 bytes.
    @Test func anIOUringReadAtTheEndCompletesWithAZeroCQE() throws {
        var b = Builder()
        b.ev(.sysEnter(SysEnter(sysno: .ioUringEnter, fd: 5, args: (1, 0, 0), comm: Comm("uring"))), ino: 0)
        b.begin(at: Self.size, count: 0x1000, api: .ioUring, kiocb: 0xffff_8880_0000_6000, userRef: 0x77)
        b.ev(.ioUringComplete(URingComplete(ctx: 0xffff_8880_0001_0000, req: 0xffff_8880_0000_6000, userData: 0x77,
                                            res: 0)), ino: 0)
        b.ev(.sysExit(SysExit(sysno: .ioUringEnter, fd: 5, ret: 1)), ino: 0)
        let r = Self.analyze(b.events)
        #expect(r.verdict == .clean, "\(r.timelines.map { $0.inconclusiveReason ?? "" })")
        try Self.checkEndedAtEOF(r)
    }

    /// The file grew between the begin's size and iomap's look: the read maps, issues and
    /// completes as usual, and is not taken for one at the end.
    @Test func aReadThatGoesOnIsNotEndedAtItsBegin() throws {
        var b = Builder()
        b.ev(.sysEnter(SysEnter(sysno: .pread64, fd: 3, args: (0x7000, 0x1000, Self.size), comm: Comm("xfs_io"))))
        b.fullRead(at: Self.size, count: 0x1000)
        b.ev(.sysExit(SysExit(sysno: .pread64, fd: 3, ret: 0x1000)))
        let r = Self.analyze(b.events)
        #expect(r.verdict == .clean)
        let t = try #require(r.timelines.first)
        #expect(t.result == 0x1000 && t.bios.count == 1)
        #expect(!t.entries.contains { TimelineNote.text($0.noteID)?.hasPrefix("read at or past EOF") == true })
    }

    /// A read inside the file whose completion is missing is not taken for one at the end.
    @Test func aMissingCompletionInsideTheFileStaysInconclusive() throws {
        var b = Builder()
        b.ev(.sysEnter(SysEnter(sysno: .pread64, fd: 3, args: (0x7000, 0x1000, 0), comm: Comm("xfs_io"))))
        b.begin(at: 0, count: 0x1000, kiocb: 0xffff_c900_0000_7000)
        b.ev(.sysExit(SysExit(sysno: .pread64, fd: 3, ret: 0)))
        let r = Self.analyze(b.events)
        #expect(r.verdict == .inconclusive)
        #expect(r.timelines.first?.inconclusiveReason
            == "the user got the result but no iomap_dio_complete was recorded for it")
    }
}
