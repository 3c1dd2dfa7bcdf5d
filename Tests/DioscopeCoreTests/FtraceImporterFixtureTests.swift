import Testing
@testable import DioscopeCore

/// Real ftrace text recorded on kernel 6.18 (loop-mounted XFS and ext4, see
/// Fixtures/ftrace/capture.sh), parsed and compared field by field.
@Suite struct FtraceImporterFixtureTests {
    let dev70 = DeviceNumber(major: 7, minor: 0)
    let dev71 = DeviceNumber(major: 7, minor: 1)
    let libaioWrite = KiFlags(rawValue: (1 << 17) | (1 << 18) | (1 << 23)) // DIRECT|WRITE|AIO_RW

    @Test func xfsAIOHoleTraceFile() throws {
        let (events, summary) = try FtraceFixtures.importFile("xfs-aio-hole.trace")
        #expect(summary.format == "ftrace-trace")
        #expect(summary.problems.isEmpty)
        #expect(summary.isComplete)
        #expect(summary.skipped.isEmpty)
        #expect(events.count == (try FtraceFixtures.eventLineCount("xfs-aio-hole.trace")))
        #expect(summary.eventsRead == UInt64(events.count))
        #expect(summary.firstTimestamp == 509_553_775_000)

        let submit = try #require(events.first(.sysEnter, at: 509_554_544_000))
        #expect(submit.tid == 6297 && submit.tgid == 6297 && submit.cpu == 0)
        guard case .sysEnter(let se) = submit.payload else { Issue.record("not sysEnter"); return }
        #expect(se.sysno == .ioSubmit && se.fd == -1)
        #expect(se.args == (0x7ffa_78a5_4000, 1, 0x7ffd_6732_2198))
        #expect(se.comm == Comm("aio_hole_read"))

        let dw = try #require(events.first(.xfsDirectWrite, at: 509_554_553_000))
        #expect(dw.dev == dev70 && dw.ino == 0x83)
        #expect(dw.payload == .xfs(.directWrite, XFSIO(isize: -1, disize: 0xc000, offset: 0, count: 0x1000)))

        let begin = try #require(events.first(.dioBegin, at: 509_554_555_000))
        #expect(begin.dev == dev70 && begin.ino == 0x83 && begin.tid == 6297)
        #expect(begin.payload == .dioBegin(DIOBegin(pos: 0, count: 0x1000, isize: 0xc000, kiFlags: libaioWrite,
                                                    dioFlags: [], api: .libaio)))

        let map = try #require(events.first(.iomapDstmap, at: 509_554_905_000))
        #expect(map.dev == dev70 && map.ino == 0x83)
        #expect(map.payload == .iomapDstmap(IomapMapping(addr: 0xa000, offset: 0, length: 0x1000, type: .unwritten,
                                                         flags: [.new, .dirty], bdev: dev70)))

        let hole = try #require(events.first(.iomapDstmap, at: 509_554_475_000))
        #expect(hole.payload == .iomapDstmap(IomapMapping(addr: IomapMapping.nullAddress, offset: 0, length: 0xc000,
                                                          type: .hole, flags: [], bdev: dev70)))

        let bio = try #require(events.first(.bioQueue, at: 509_554_912_000))
        #expect(bio.dev == dev70 && bio.ino == 0)
        #expect(bio.payload == .block(.bioQueue, BlockIO(sector: 80, nrSector: 8, flags: [.sync], op: .write)))
        let issue = try #require(events.first(.rqIssue, at: 509_554_914_000))
        #expect(issue.payload == .block(.rqIssue, BlockIO(sector: 80, nrSector: 8, bytes: 4096, flags: [.sync], op: .write)))
        let done = try #require(events.first(.rqComplete, at: 509_554_937_000))
        #expect(done.tid == 22 && done.cpu == 1)
        #expect(done.payload == .block(.rqComplete, BlockIO(sector: 80, nrSector: 8, flags: [.sync], op: .write)))
        let meta = try #require(events.first(.bioQueue, at: 509_554_116_000))
        #expect(meta.payload == .block(.bioQueue, BlockIO(sector: 32, nrSector: 8, flags: [.meta], op: .read)))

        let queued = try #require(events.first(.dioQueued, at: 509_554_916_000))
        #expect(queued.payload == .dioQueued(DIOQueued(offset: 0x1000, length: 0, isize: 0xc000)))

        let submitExit = try #require(events.first(.sysExit, at: 509_554_919_000))
        #expect(submitExit.payload == .sysExit(SysExit(sysno: .ioSubmit, fd: -1, ret: 1, enterTimestamp: 509_554_544_000)))

        let endio = try #require(events.first(.xfsEndIoDirectWrite, at: 509_554_945_000))
        #expect(endio.tid == 467 && endio.tgid == 467 && endio.cpu == 1)
        #expect(endio.payload == .xfs(.endIoDirectWrite, XFSIO(isize: 0xc000, disize: 0xc000, offset: 0, count: 0x1000)))
        let conv = try #require(events.first(.xfsUnwrittenConvert, at: 509_554_946_000))
        #expect(conv.payload == .xfs(.unwrittenConvert, XFSIO(isize: 0xc000, disize: 0xc000, offset: 0, count: 0x1000)))

        let complete = try #require(events.first(.dioComplete, at: 509_554_956_000))
        #expect(complete.tid == 467 && complete.dev == dev70 && complete.ino == 0x83)
        #expect(complete.payload == .dioComplete(DIOComplete(pos: 0x1000, isize: 0xc000, ret: 4096, error: 0,
                                                             kiFlags: libaioWrite, api: .libaio)))

        // the read-back: sync DIO inside pread64
        let pread = try #require(events.first(.sysEnter, at: 509_554_969_000))
        #expect(pread.payload == .sysEnter(SysEnter(sysno: .pread64, fd: 3, args: (0x55e9_36a2_c000, 0x1000, 0),
                                                    comm: Comm("aio_hole_read"))))
        let rbegin = try #require(events.first(.dioBegin, at: 509_554_971_000))
        #expect(rbegin.payload == .dioBegin(DIOBegin(pos: 0, count: 0x1000, isize: 0xc000, kiFlags: [.direct], api: .sync)))
        let rcomplete = try #require(events.first(.dioComplete, at: 509_554_998_000))
        #expect(rcomplete.payload == .dioComplete(DIOComplete(pos: 0x1000, isize: 0xc000, ret: 4096, error: 0,
                                                              kiFlags: [.direct], api: .sync)))
        let preadExit = try #require(events.first(.sysExit, at: 509_555_000_000))
        #expect(preadExit.payload == .sysExit(SysExit(sysno: .pread64, fd: 3, ret: 0x1000, enterTimestamp: 509_554_969_000)))

        let trunc = try #require(events.first(.sysEnter, at: 509_554_465_000))
        #expect(trunc.payload == .sysEnter(SysEnter(sysno: .ftruncate, fd: 3, args: (0xc000, 0, 0), comm: Comm("aio_hole_read"))))
        let setattr = try #require(events.first(.fsSpaceOp, at: 509_554_471_000))
        #expect(setattr.dev == dev70 && setattr.ino == 0x83)
        #expect(setattr.payload == .fsSpaceOp(SpaceOp(kind: .xfsSetattr)))
    }

    @Test func ext4AIOHoleTraceFile() throws {
        let (events, summary) = try FtraceFixtures.importFile("ext4-aio-hole.trace")
        #expect(summary.format == "ftrace-trace")
        #expect(summary.problems.isEmpty && summary.isComplete)
        #expect(events.count == (try FtraceFixtures.eventLineCount("ext4-aio-hole.trace")))

        let enter = try #require(events.first(.ext4MapBlocksEnter, at: 509_838_464_000))
        #expect(enter.dev == dev71 && enter.ino == 12 && enter.tid == 11)
        #expect(enter.payload == .ext4MapBlocksEnter(Ext4Map(lblk: 0, len: 1,
                                                             flags: Ext4MapFlags(rawValue: 0x1 | 0x2 | 0x10 | 0x400 | 0x4000_0000))))
        let unwritten = try #require(events.first(.ext4HandleUnwritten, at: 509_838_466_000))
        #expect(unwritten.dev == dev71 && unwritten.ino == 12)
        #expect(unwritten.payload == .ext4HandleUnwritten(Ext4Map(
            lblk: 0, len: 1, flags: Ext4MapFlags(rawValue: 0x1 | 0x2 | 0x10 | 0x20 | 0x400 | 0x4000_0000),
            allocated: 1, pblk: 33280, newblk: 33280)))
        // iomap prints the same inode in hex and the device with ':'
        let begin = try #require(events.first(.dioBegin, at: 509_838_153_000))
        #expect(begin.dev == dev71 && begin.ino == 12)
        let map = try #require(events.first(.iomapDstmap, at: 509_838_389_000))
        guard case .iomapDstmap(let m) = map.payload else { Issue.record("not dstmap"); return }
        #expect(m.addr == 33280 * 4096 && m.type == .unwritten && m.bdev == dev71)
        let empty = try #require(events.first(.ext4MapBlocksEnter, at: 509_838_144_000))
        #expect(empty.payload == .ext4MapBlocksEnter(Ext4Map(lblk: 0, len: 1, flags: [])))
        let complete = try #require(events.first(.dioComplete, at: 509_838_474_000))
        #expect(complete.payload == .dioComplete(DIOComplete(pos: 0x1000, isize: 0xc000, ret: 4096, error: 0,
                                                             kiFlags: libaioWrite, api: .libaio)))
    }

    @Test func ioUringWithTgidColumn() throws {
        let (events, summary) = try FtraceFixtures.importFile("xfs-uring-tgid.trace")
        #expect(summary.format == "ftrace-trace")
        #expect(summary.problems.isEmpty && summary.isComplete)
        #expect(events.count == (try FtraceFixtures.eventLineCount("xfs-uring-tgid.trace")))

        let enter = try #require(events.first(.sysEnter, at: 510_366_114_000))
        #expect(enter.tid == 6312 && enter.tgid == 6312)
        #expect(enter.payload == .sysEnter(SysEnter(sysno: .ioUringEnter, fd: 6, args: (1, 0, 1), comm: Comm("fio"))))
        // comm "iou-wrk-6312" contains dashes: split at the last one
        let begin = try #require(events.first(.dioBegin, at: 510_366_274_000))
        #expect(begin.tid == 6313 && begin.tgid == 6312 && begin.cpu == 1 && begin.ino == 0x84)
        #expect(begin.payload == .dioBegin(DIOBegin(pos: 0, count: 0x1000, isize: 0,
                                                    kiFlags: KiFlags(rawValue: (1 << 17) | (1 << 18) | (1 << 21)),
                                                    api: .ioUring)))
        // completion in a kworker: the API comes from the begin of the same range
        let complete = try #require(events.first(.dioComplete, at: 510_366_444_000))
        #expect(complete.tid == 11 && complete.tgid == 11)
        guard case .dioComplete(let c) = complete.payload else { Issue.record("not complete"); return }
        #expect(c.api == .ioUring && c.ret == 4096 && c.pos == 0x1000 && c.isize == 0x1000)
        let cqe = try #require(events.first(.ioUringComplete, at: 510_366_451_000))
        #expect(cqe.tgid == 6312)
        #expect(cqe.payload == .ioUringComplete(URingComplete(ctx: 0x9e0_1c39, req: 0xc82f_7650, userData: 0x55e9_b8f7_b340,
                                                              res: 4096, cflags: 0)))
        let exit = try #require(events.first(.sysExit, at: 510_366_452_000))
        #expect(exit.payload == .sysExit(SysExit(sysno: .ioUringEnter, fd: 6, ret: 0, enterTimestamp: 510_366_180_000)))
    }

    @Test func spaceOperationsAndFsync() throws {
        let (xfs, xs) = try FtraceFixtures.importFile("xfs-misc.trace")
        #expect(xs.problems.isEmpty && xs.isComplete)
        let falloc = try #require(xfs.first(.sysEnter, at: 510_635_810_000))
        #expect(falloc.payload == .sysEnter(SysEnter(sysno: .fallocate, fd: 3, args: (0, 0x2000, 0x2000), comm: Comm("xfs_io"))))
        let alloc = try #require(xfs.first(.fsSpaceOp, at: 510_635_813_000))
        #expect(alloc.ino == 0x85 && alloc.payload == .fsSpaceOp(SpaceOp(kind: .xfsAllocFileSpace)))
        let fsync = try #require(xfs.first(.sysEnter, at: 510_635_912_000))
        #expect(fsync.payload == .sysEnter(SysEnter(sysno: .fsync, fd: 3, comm: Comm("xfs_io"))))
        let fsyncExit = try #require(xfs.first(.sysExit, at: 510_637_125_000))
        #expect(fsyncExit.payload == .sysExit(SysExit(sysno: .fsync, fd: 3, ret: 0, enterTimestamp: 510_635_912_000)))
        let fdatasync = try #require(xfs.first(.sysExit, at: 510_637_225_000))
        #expect(fdatasync.payload == .sysExit(SysExit(sysno: .fdatasync, fd: 3, ret: 0, enterTimestamp: 510_637_131_000)))
        let syncWrite = try #require(xfs.first(.dioBegin, at: 510_635_464_000))
        guard case .dioBegin(let b) = syncWrite.payload else { Issue.record("not begin"); return }
        #expect(b.api == .sync && b.kiFlags == [.direct])

        let (ext4, es) = try FtraceFixtures.importFile("ext4-misc.trace")
        #expect(es.problems.isEmpty && es.isComplete)
        let fe = try #require(ext4.first(.fsSpaceOp, at: 510_868_882_000))
        #expect(fe.dev == dev71 && fe.ino == 13)
        #expect(fe.payload == .fsSpaceOp(SpaceOp(kind: .ext4FallocateEnter, offset: 8192, len: 8192, mode: 0)))
        let fx = try #require(ext4.first(.fsSpaceOp, at: 510_868_889_000))
        #expect(fx.payload == .fsSpaceOp(SpaceOp(kind: .ext4FallocateExit, offset: 8192, mode: 0)))
        let tr = try #require(ext4.first(.fsSpaceOp, at: 510_868_903_000))
        #expect(tr.ino == 13 && tr.payload == .fsSpaceOp(SpaceOp(kind: .ext4TruncateEnter)))
        let fw = try #require(ext4.first(.dioBegin, at: 510_868_505_000))
        guard case .dioBegin(let w) = fw.payload else { Issue.record("not begin"); return }
        // a sync pwrite64's kiocb has no IOCB_WRITE on 6.18: the text shows "flags DIRECT" only,
        // and the importer keeps the kernel's bits (direction comes from the enclosing syscall)
        #expect(w.dioFlags == [.forceWait] && w.api == .sync && w.kiFlags == [.direct] && !w.isWrite)
    }

    @Test func traceCmdReport() throws {
        let (events, summary) = try FtraceFixtures.importFile("xfs-aio-hole.trace-cmd")
        #expect(summary.format == "trace-cmd-report")
        #expect(summary.problems.isEmpty && summary.isComplete)
        #expect(summary.skipped == ["iomap_iter": 10])
        #expect(events.count == (try FtraceFixtures.eventLineCount("xfs-aio-hole.trace-cmd")) - 10)

        let submit = try #require(events.first(.sysEnter, at: 540_542_415_000))
        #expect(submit.tid == 6920 && submit.cpu == 1)
        #expect(submit.payload == .sysEnter(SysEnter(sysno: .ioSubmit, args: (0x7f32_b268_4000, 1, 0x7ffd_6401_7138),
                                                     comm: Comm("aio_hole_read"))))
        let exit = try #require(events.first(.sysExit, at: 540_542_473_000))
        #expect(exit.payload == .sysExit(SysExit(sysno: .ioSubmit, ret: 1, enterTimestamp: 540_542_415_000)))
        let begin = try #require(events.first(.dioBegin, at: 540_542_423_000))
        #expect(begin.dev == dev70 && begin.ino == 0x86)
        #expect(begin.payload == .dioBegin(DIOBegin(pos: 0, count: 0x1000, isize: 0xc000, kiFlags: libaioWrite, api: .libaio)))
        let rq = try #require(events.first(.rqComplete, at: 540_542_533_000))
        #expect(rq.tid == 14 && rq.payload == .block(.rqComplete, BlockIO(sector: 200, nrSector: 8, flags: [.sync], op: .write)))
    }

    @Test func tracePipe() throws {
        let (events, summary) = try FtraceFixtures.importFile("xfs-aio-hole.pipe")
        #expect(summary.format == "ftrace-pipe")
        #expect(summary.problems.isEmpty && summary.isComplete)
        #expect(events.count == (try FtraceFixtures.eventLineCount("xfs-aio-hole.pipe")))
        let unknownComm = try #require(events.first(.sysEnter, at: 554_257_896_000))
        #expect(unknownComm.tid == 7027)
        guard case .sysEnter(let se) = unknownComm.payload else { Issue.record("not sysEnter"); return }
        #expect(se.comm == .empty && se.sysno == .pread64 && se.args == (0x7ffd_c129_3350, 0x310, 0x40))
    }

    @Test func smallReadBlocksGiveTheSameEvents() throws {
        let path = try FtraceFixtures.path("xfs-uring-tgid.trace")
        var whole: [Event] = []
        var a = FtraceImporter(path: path)
        let sa = try a.forEachEvent { whole.append($0) }
        var pieces: [Event] = []
        var b = FtraceImporter(path: path, blockSize: 97)
        let sb = try b.forEachEvent { pieces.append($0) }
        #expect(whole.count > 50)
        #expect(whole == pieces)
        #expect(sa == sb)
    }
}
