@testable import DioscopeCore

/// The constructed scenarios: the correct sequences observed on this kernel
/// (docs: /work/shared/notes/observed-sequences.md) and models of the
/// historical buggy kernels of the seeds. Each is rendered both as events
/// and as ftrace text (traces/constructed/<name>.trace) with its expected
/// findings (traces/constructed/<name>.expected.json).
enum AnalysisScenarios {
    static let irq = STask("<idle>", 0, cpu: 1)
    static let kworker = STask("kworker/1:2", 467, cpu: 1)

    static var all: [Scenario] {
        [correctXFSAIOHoleRead(), correctExt4AIOHoleRead(), correctXFSUnalignedPair(), correctXFSSyncShortUlimit(),
         correctXFSFallocateWaits(), correctXFSUringNowaitRetry(), seed000ConversionAfterReap(),
         seed001UnalignedZeroing(), seed002FallocateExtending(), seed003FsyncBeforeConversion(),
         seed004ShortAsyncWrite()]
    }

    static func named(_ n: String) -> Scenario { all.first { $0.name == n }! }

    /// libaio submit of one iocb: io_submit enter.
    private static func submit(_ s: Scenario, _ us: UInt64, _ p: STask, nr: Int64 = 1) {
        s.sysEnter(us, p, .ioSubmit, args: (0x7f12_3400_0000, nr, 0x7ffd_1234_5670))
    }

    /// io_getevents returning the given user iocbs (reap records only in the identity flavour).
    private static func getevents(_ s: Scenario, _ us: UInt64, _ p: STask, reaped: [(obj: UInt64, res: Int64)]) {
        let n = Int64(reaped.count)
        s.sysEnter(us, p, .ioGetevents, args: (0x7f12_3400_0000, n, n))
        s.sysExit(us + 1, p, .ioGetevents, ret: n)
        // dioscope's BPF emits the reap records after the call's sys_exit (docs/trace-format.md)
        for (i, r) in reaped.enumerated() {
            s.reap(us + 1, p, obj: r.obj, res: r.res, index: UInt32(i), total: UInt32(n))
        }
    }

    /// A synchronous O_DIRECT pread of a MAPPED (or unwritten) range.
    private static func directRead(_ s: Scenario, _ us: UInt64, _ p: STask, fd: Int32, ino: UInt64, isize: Int64,
                                   pos: Int64, count: UInt64, addr: UInt64, mapType: ExtentType = .mapped,
                                   ret: Int64? = nil) {
        let r = ret ?? Int64(count)
        s.sysEnter(us, p, .pread64, fd: fd, args: (0x7f00_0000_8000, Int64(count), pos), isize: isize)
        s.dioBegin(us + 1, p, ino: ino, isize: isize, pos: pos, count: count, write: false, api: .sync,
                   kiocb: 0xffff_c900_0000_9000)
        s.dstmap(us + 2, p, ino: ino, addr: addr, offset: pos, length: UInt64(r), type: mapType, new: false)
        if mapType == .mapped {
            s.bioQueue(us + 3, p, sector: addr / 512, nr: UInt32(r / 512), write: false, kiocb: 0xffff_c900_0000_9000)
            s.rqIssue(us + 4, p, sector: addr / 512, nr: UInt32(r / 512), write: false)
            s.rqComplete(us + 15, irq, sector: addr / 512, nr: UInt32(r / 512), write: false)
        }
        s.dioComplete(us + 17, p, ino: ino, isize: isize, pos: pos + r, ret: r, write: false, api: .sync,
                      kiocb: 0xffff_c900_0000_9000)
        s.sysExit(us + 18, p, .pread64, fd: fd, ret: r, isize: isize)
    }

    // MARK: - correct sequences (observed on kernel 6.18)

    /// XFS: 4 KiB AIO+DIO write into a hole, reaped, then pread (seed 000's reproducer, fixed kernel).
    static func correctXFSAIOHoleRead() -> Scenario {
        let s = Scenario("correct-xfs-aio-hole-read", title: "XFS AIO write into a hole, conversion before completion",
                         models: "observed-sequences.md: XFS 4 KiB AIO+DIO write into a hole (fixed kernel)")
        let p = STask("aio_hole_read", 1234)
        s.open(p, fd: 3, ino: 0x87)
        let k: UInt64 = 0xffff_8880_1234_0000, u: UInt64 = 0x5555_5555_a000
        submit(s, 0, p)
        s.dioBegin(6, p, ino: 0x87, isize: 0x50000, pos: 0, count: 0x1000, write: true, api: .libaio, kiocb: k, userRef: u)
        s.dstmap(31, p, ino: 0x87, addr: 0x2022000, offset: 0, length: 0x1000, type: .unwritten, new: true)
        s.bioQueue(38, p, sector: 65808, nr: 8, write: true, kiocb: k)
        s.rqIssue(45, p, sector: 65808, nr: 8, write: true)
        s.dioQueued(52, p, ino: 0x87, isize: 0x50000, offset: 0x1000)
        s.sysExit(53, p, .ioSubmit, ret: 1)
        s.rqComplete(112, irq, sector: 65808, nr: 8, write: true)
        s.xfsEndIO(128, kworker, ino: 0x87, isize: 0x50000, pos: 0, count: 0x1000)
        s.xfsConvert(129, kworker, ino: 0x87, isize: 0x50000, pos: 0, count: 0x1000)
        s.dioComplete(145, kworker, ino: 0x87, isize: 0x50000, pos: 0x1000, ret: 4096, write: true, api: .libaio,
                      kiocb: k, userRef: u)
        getevents(s, 168, p, reaped: [(u, 4096)])
        directRead(s, 170, p, fd: 3, ino: 0x87, isize: 0x50000, pos: 0, count: 0x1000, addr: 0x2022000)
        s.expectedVerdict = .clean
        return s
    }

    /// ext4: the same workload; conversion by ext4_ext_map_blocks_enter/handle_unwritten_extents (CONVERT) in a kworker.
    static func correctExt4AIOHoleRead() -> Scenario {
        let dev = DeviceNumber(major: 7, minor: 2)
        let s = Scenario("correct-ext4-aio-hole-read", title: "ext4 AIO write into a hole, conversion before completion",
                         models: "observed-sequences.md: ext4, the same workload (fixed kernel)", fsDev: dev, ext4: true)
        let p = STask("aio_hole_read", 2234)
        s.open(p, fd: 3, ino: 12)
        let k: UInt64 = 0xffff_8880_2234_0000, u: UInt64 = 0x5555_5555_b000
        submit(s, 0, p)
        s.dioBegin(5, p, ino: 12, isize: 0x50000, pos: 0, count: 0x1000, write: true, api: .libaio, kiocb: k, userRef: u)
        s.dstmap(20, p, ino: 12, addr: 34816 * 4096, offset: 0, length: 0x1000, type: .unwritten, new: true)
        s.bioQueue(25, p, sector: 34816 * 8, nr: 8, write: true, kiocb: k)
        s.rqIssue(30, p, sector: 34816 * 8, nr: 8, write: true)
        s.dioQueued(40, p, ino: 12, isize: 0x50000, offset: 0x1000)
        s.sysExit(41, p, .ioSubmit, ret: 1)
        s.rqComplete(100, irq, sector: 34816 * 8, nr: 8, write: true)
        s.ext4MapEnter(120, kworker, ino: 12, lblk: 0, len: 1, flags: [.create, .unwrit, .convert])
        s.ext4Unwritten(122, kworker, ino: 12, lblk: 0, pblk: 34816, len: 1, flags: [.create, .unwrit, .convert],
                        allocated: 1)
        s.dioComplete(140, kworker, ino: 12, isize: 0x50000, pos: 0x1000, ret: 4096, write: true, api: .libaio,
                      kiocb: k, userRef: u)
        getevents(s, 160, p, reaped: [(u, 4096)])
        directRead(s, 165, p, fd: 3, ino: 12, isize: 0x50000, pos: 0, count: 0x1000, addr: 34816 * 4096)
        s.expectedVerdict = .clean
        return s
    }

    /// XFS: two 512-byte AIO writes to one new block; overwrite-only refused (-EAGAIN), force-wait retry.
    static func correctXFSUnalignedPair() -> Scenario {
        let s = Scenario("correct-xfs-unaligned-pair",
                         title: "XFS unaligned AIO pair: overwrite-only -EAGAIN, force-wait retry, serialized zeroing",
                         models: "observed-sequences.md: XFS two 512-byte AIO writes to one new 4 KiB block (fix of seed 001)")
        let p = STask("unaligned_pair", 1300)
        s.open(p, fd: 3, ino: 0x88)
        let k1: UInt64 = 0xffff_8880_1300_0100, k2: UInt64 = 0xffff_8880_1300_0200
        let u1: UInt64 = 0x5555_5555_c100, u2: UInt64 = 0x5555_5555_c200
        submit(s, 0, p, nr: 2)
        s.dioBegin(5, p, ino: 0x88, isize: 0x10000, pos: 0, count: 0x200, write: true, api: .libaio,
                   dioFlags: .overwriteOnly, kiocb: k1, userRef: u1)
        s.xfsEndIO(8, p, ino: 0x88, isize: 0x10000, pos: 0, count: 0)
        s.dioComplete(9, p, ino: 0x88, isize: 0x10000, pos: 0, ret: -11, error: -11, write: true, api: .libaio,
                      kiocb: k1, userRef: u1)
        s.dioBegin(10, p, ino: 0x88, isize: 0x10000, pos: 0, count: 0x200, write: true, api: .libaio,
                   dioFlags: .forceWait, kiocb: k1, userRef: u1)
        s.dstmap(15, p, ino: 0x88, addr: 0x2023000, offset: 0, length: 0x1000, type: .unwritten, new: true)
        s.bioQueue(20, p, sector: 65816, nr: 1, write: true, kiocb: k1)
        s.bioQueue(21, p, sector: 65817, nr: 7, write: true, kiocb: k1)
        s.rqIssue(25, p, sector: 65816, nr: 8, write: true)
        s.rqComplete(60, irq, sector: 65816, nr: 8, write: true)
        s.xfsEndIO(70, p, ino: 0x88, isize: 0x10000, pos: 0, count: 0x200)
        s.xfsConvert(71, p, ino: 0x88, isize: 0x10000, pos: 0, count: 0x200)
        s.dioComplete(75, p, ino: 0x88, isize: 0x10000, pos: 0x200, ret: 512, write: true, api: .libaio, kiocb: k1,
                      userRef: u1)
        s.dioBegin(80, p, ino: 0x88, isize: 0x10000, pos: 0x200, count: 0x200, write: true, api: .libaio,
                   dioFlags: .overwriteOnly, kiocb: k2, userRef: u2)
        s.dstmap(82, p, ino: 0x88, addr: 0x2023000, offset: 0, length: 0x1000, type: .mapped, new: false)
        s.bioQueue(85, p, sector: 65817, nr: 1, write: true, kiocb: k2)
        s.rqIssue(86, p, sector: 65817, nr: 1, write: true)
        s.dioQueued(87, p, ino: 0x88, isize: 0x10000, offset: 0x400)
        s.sysExit(88, p, .ioSubmit, ret: 2)
        s.rqComplete(120, irq, sector: 65817, nr: 1, write: true)
        s.dioComplete(130, kworker, ino: 0x88, isize: 0x10000, pos: 0x400, ret: 512, write: true, api: .libaio,
                      kiocb: k2, userRef: u2)
        getevents(s, 150, p, reaped: [(u1, 512), (u2, 512)])
        s.expectedVerdict = .clean
        return s
    }

    /// XFS: sync pwrite64 of 2 MiB under `ulimit -f 1024`: the DIO is 1 MiB and the call returns 1 MiB.
    static func correctXFSSyncShortUlimit() -> Scenario {
        let s = Scenario("correct-xfs-sync-short-ulimit", title: "XFS sync pwrite64 shortened by RLIMIT_FSIZE",
                         models: "observed-sequences.md: short DIO write under ulimit -f (a real short write, warning)")
        let p = STask("short_write", 1400)
        s.open(p, fd: 3, ino: 0x89)
        s.sysEnter(0, p, .pwrite64, fd: 3, args: (0x7f00_0000_4000, 0x200000, 0), isize: 0)
        s.dioBegin(5, p, ino: 0x89, isize: 0, pos: 0, count: 0x100000, write: true, api: .sync,
                   kiocb: 0xffff_c900_0140_0000)
        s.dstmap(10, p, ino: 0x89, addr: 0x3000000, offset: 0, length: 0x100000, type: .unwritten, new: true)
        s.bioQueue(15, p, sector: 0x3000000 / 512, nr: 2048, write: true, kiocb: 0xffff_c900_0140_0000)
        s.rqIssue(16, p, sector: 0x3000000 / 512, nr: 2048, write: true)
        s.rqComplete(300, irq, sector: 0x3000000 / 512, nr: 2048, write: true)
        s.xfsEndIO(310, p, ino: 0x89, isize: 0, pos: 0, count: 0x100000)
        s.xfsConvert(311, p, ino: 0x89, isize: 0x100000, disize: 0, pos: 0, count: 0x100000)
        s.xfsSetFileSize(312, p, ino: 0x89, isize: 0x100000, disize: 0, pos: 0, count: 0x100000)
        s.dioComplete(315, p, ino: 0x89, isize: 0x100000, pos: 0x100000, ret: 0x100000, write: true, api: .sync,
                      kiocb: 0xffff_c900_0140_0000)
        s.sysExit(316, p, .pwrite64, fd: 3, ret: 0x100000, isize: 0x100000)
        s.expected = [ExpectedFinding(kind: .shortDIOWrite, severity: .warning,
                                      ios: [ExpectedIO(.write, tid: 1400, ino: 0x89, offset: 0, length: 0x100000)])]
        s.expectedVerdict = .findings
        return s
    }

    /// XFS: fallocate entering during an extending AIO write waits for it (xfs_alloc_file_space after completion).
    static func correctXFSFallocateWaits() -> Scenario {
        let s = Scenario("correct-xfs-fallocate-waits", title: "XFS fallocate waits for an extending AIO write",
                         models: "observed-sequences.md: fallocate during an extending AIO write (fix of seed 002)")
        let p = STask("extend_vs_fallo", 1500)
        let f = STask("extend_vs_fallo", 1501, tgid: 1500, cpu: 0)
        s.open(p, fd: 3, ino: 0x8a)
        let k: UInt64 = 0xffff_8880_1500_0000, u: UInt64 = 0x5555_5555_d000
        submit(s, 0, p)
        s.dioBegin(5, p, ino: 0x8a, isize: 0x10000, pos: 0x10000, count: 0x10000, write: true, api: .libaio,
                   kiocb: k, userRef: u)
        s.dstmap(10, p, ino: 0x8a, addr: 0x4000000, offset: 0x10000, length: 0x10000, type: .unwritten, new: true)
        s.bioQueue(12, p, sector: 0x4000000 / 512, nr: 128, write: true, kiocb: k)
        s.rqIssue(13, p, sector: 0x4000000 / 512, nr: 128, write: true)
        s.dioQueued(15, p, ino: 0x8a, isize: 0x10000, offset: 0x20000)
        s.sysExit(16, p, .ioSubmit, ret: 1)
        s.sysEnter(20, f, .fallocate, fd: 3, args: (0, 0x20000, 0x10000), isize: 0x10000)
        s.rqComplete(80, irq, sector: 0x4000000 / 512, nr: 128, write: true)
        s.xfsEndIO(90, kworker, ino: 0x8a, isize: 0x10000, pos: 0x10000, count: 0x10000)
        s.xfsConvert(91, kworker, ino: 0x8a, isize: 0x10000, pos: 0x10000, count: 0x10000)
        s.xfsSetFileSize(92, kworker, ino: 0x8a, isize: 0x20000, disize: 0x10000, pos: 0x10000, count: 0x10000)
        s.dioComplete(95, kworker, ino: 0x8a, isize: 0x20000, pos: 0x20000, ret: 0x10000, write: true, api: .libaio,
                      kiocb: k, userRef: u)
        s.xfsSpace(100, f, .xfsAllocFileSpace, ino: 0x8a)
        s.sysExit(110, f, .fallocate, fd: 3, ret: 0, isize: 0x30000)
        getevents(s, 120, p, reaped: [(u, 0x10000)])
        s.expectedVerdict = .clean
        return s
    }

    /// io_uring NOWAIT write refused with -EAGAIN inline, retried in io-wq, CQE posted after conversion.
    static func correctXFSUringNowaitRetry() -> Scenario {
        let s = Scenario("correct-xfs-uring-nowait-retry", title: "io_uring NOWAIT -EAGAIN retried in io-wq",
                         models: "brief: io_uring NOWAIT -> -EAGAIN -> retry in io-wq is one user I/O")
        let p = STask("uring_writer", 1800)
        let w = STask("iou-wrk-1800", 1801, tgid: 1800, cpu: 0)
        let k: UInt64 = 0xffff_8880_1800_0000
        s.sysEnter(0, p, .ioUringEnter, fd: 5, args: (1, 0, 0))
        s.dioBegin(5, p, ino: 0x8b, isize: 0x10000, pos: 0, count: 0x1000, write: true, api: .ioUring, nowait: true,
                   kiocb: k, userRef: 0x1)
        s.dioComplete(7, p, ino: 0x8b, isize: 0x10000, pos: 0, ret: -11, error: -11, write: true, api: .ioUring,
                      nowait: true, kiocb: k, userRef: 0x1)
        s.sysExit(9, p, .ioUringEnter, ret: 1)
        s.dioBegin(15, w, ino: 0x8b, isize: 0x10000, pos: 0, count: 0x1000, write: true, api: .ioUring, kiocb: k,
                   userRef: 0x1)
        s.dstmap(20, w, ino: 0x8b, addr: 0x7000000, offset: 0, length: 0x1000, type: .unwritten, new: true)
        s.bioQueue(22, w, sector: 0x7000000 / 512, nr: 8, write: true, kiocb: k)
        s.rqIssue(23, w, sector: 0x7000000 / 512, nr: 8, write: true)
        s.dioQueued(25, w, ino: 0x8b, isize: 0x10000, offset: 0x1000)
        s.rqComplete(70, irq, sector: 0x7000000 / 512, nr: 8, write: true)
        s.xfsEndIO(80, kworker, ino: 0x8b, isize: 0x10000, pos: 0, count: 0x1000)
        s.xfsConvert(81, kworker, ino: 0x8b, isize: 0x10000, pos: 0, count: 0x1000)
        s.dioComplete(85, kworker, ino: 0x8b, isize: 0x10000, pos: 0x1000, ret: 4096, write: true, api: .ioUring,
                      kiocb: k, userRef: 0x1)
        s.uringComplete(86, kworker, req: k, userData: 0x1, res: 4096)
        s.expectedVerdict = .clean
        return s
    }

    // MARK: - models of the historical buggy kernels (constructed, not observed)

    /// Seed 000/003: AIO completion posted from irq and reaped; conversion runs later from a workqueue; a
    /// pread in between sees the still-unwritten extent and returns zeros.
    static func seed000ConversionAfterReap() -> Scenario {
        let s = Scenario("seed000-conversion-after-reap",
                         title: "CONSTRUCTED: AIO completion posted and reaped before unwritten conversion; pread in the window",
                         models: "seed 000 (XFS AIO+DIO into holes, pre-fix): completion before conversion, read returns zeros")
        let p = STask("aio_hole_read", 1234)
        s.open(p, fd: 3, ino: 0x87)
        let k: UInt64 = 0xffff_8880_1234_0000, u: UInt64 = 0x5555_5555_a000
        submit(s, 0, p)
        s.dioBegin(6, p, ino: 0x87, isize: 0x50000, pos: 0, count: 0x1000, write: true, api: .libaio, kiocb: k, userRef: u)
        s.dstmap(31, p, ino: 0x87, addr: 0x2022000, offset: 0, length: 0x1000, type: .unwritten, new: true)
        s.bioQueue(38, p, sector: 65808, nr: 8, write: true, kiocb: k)
        s.rqIssue(45, p, sector: 65808, nr: 8, write: true)
        s.dioQueued(52, p, ino: 0x87, isize: 0x50000, offset: 0x1000)
        s.sysExit(53, p, .ioSubmit, ret: 1)
        s.rqComplete(112, irq, sector: 65808, nr: 8, write: true)
        s.dioComplete(114, irq, ino: 0x87, isize: 0x50000, pos: 0x1000, ret: 4096, write: true, api: .libaio,
                      kiocb: k, userRef: u)
        getevents(s, 140, p, reaped: [(u, 4096)])
        directRead(s, 150, p, fd: 3, ino: 0x87, isize: 0x50000, pos: 0, count: 0x1000, addr: 0x2022000,
                   mapType: .unwritten)
        s.xfsEndIO(200, kworker, ino: 0x87, isize: 0x50000, pos: 0, count: 0x1000)
        s.xfsConvert(201, kworker, ino: 0x87, isize: 0x50000, pos: 0, count: 0x1000)
        s.expected = [ExpectedFinding(kind: .completionBeforeConversion, severity: .error,
                                      ios: [ExpectedIO(.write, tid: 1234, ino: 0x87, offset: 0, length: 0x1000),
                                            ExpectedIO(.read, tid: 1234, ino: 0x87, offset: 0, length: 0x1000)])]
        s.expectedVerdict = .findings
        return s
    }

    /// Seed 001: two unaligned AIO writes into one new block, both zeroing its unwritten part, in flight together.
    static func seed001UnalignedZeroing() -> Scenario {
        let s = Scenario("seed001-unaligned-zeroing",
                         title: "CONSTRUCTED: two unaligned AIO writes both zero one new block",
                         models: "seed 001 (pre-fix sub-block zeroing of concurrent unaligned DIO)")
        let p = STask("unaligned_pair", 1300)
        s.open(p, fd: 3, ino: 0x90)
        let k1: UInt64 = 0xffff_8880_1300_0100, k2: UInt64 = 0xffff_8880_1300_0200
        let u1: UInt64 = 0x5555_5555_c100, u2: UInt64 = 0x5555_5555_c200
        submit(s, 0, p, nr: 2)
        s.dioBegin(5, p, ino: 0x90, isize: 0x10000, pos: 0, count: 0x200, write: true, api: .libaio, kiocb: k1,
                   userRef: u1)
        s.dstmap(8, p, ino: 0x90, addr: 0x2023000, offset: 0, length: 0x1000, type: .unwritten, new: true)
        s.bioQueue(10, p, sector: 65816, nr: 1, write: true, kiocb: k1)
        s.bioQueue(11, p, sector: 65817, nr: 7, write: true, kiocb: k1)
        s.dioQueued(12, p, ino: 0x90, isize: 0x10000, offset: 0x200)
        s.rqIssue(13, p, sector: 65816, nr: 8, write: true)
        s.dioBegin(15, p, ino: 0x90, isize: 0x10000, pos: 0x200, count: 0x200, write: true, api: .libaio, kiocb: k2,
                   userRef: u2)
        s.dstmap(18, p, ino: 0x90, addr: 0x2023000, offset: 0, length: 0x1000, type: .unwritten, new: true)
        s.bioQueue(20, p, sector: 65816, nr: 1, write: true, kiocb: k2)
        s.bioQueue(21, p, sector: 65817, nr: 1, write: true, kiocb: k2)
        s.bioQueue(22, p, sector: 65818, nr: 6, write: true, kiocb: k2)
        s.dioQueued(23, p, ino: 0x90, isize: 0x10000, offset: 0x400)
        s.sysExit(24, p, .ioSubmit, ret: 2)
        s.rqIssue(26, p, sector: 65816, nr: 8, write: true)
        s.rqComplete(60, irq, sector: 65816, nr: 8, write: true)
        s.rqComplete(70, irq, sector: 65816, nr: 8, write: true)
        s.xfsEndIO(80, kworker, ino: 0x90, isize: 0x10000, pos: 0, count: 0x200)
        s.xfsConvert(81, kworker, ino: 0x90, isize: 0x10000, pos: 0, count: 0x200)
        s.dioComplete(82, kworker, ino: 0x90, isize: 0x10000, pos: 0x200, ret: 512, write: true, api: .libaio,
                      kiocb: k1, userRef: u1)
        s.xfsEndIO(90, kworker, ino: 0x90, isize: 0x10000, pos: 0x200, count: 0x200)
        s.xfsConvert(91, kworker, ino: 0x90, isize: 0x10000, pos: 0x200, count: 0x200)
        s.dioComplete(92, kworker, ino: 0x90, isize: 0x10000, pos: 0x400, ret: 512, write: true, api: .libaio,
                      kiocb: k2, userRef: u2)
        getevents(s, 100, p, reaped: [(u1, 512), (u2, 512)])
        s.expected = [ExpectedFinding(kind: .subblockZeroingOverlap, severity: .error,
                                      ios: [ExpectedIO(.write, tid: 1300, ino: 0x90, offset: 0, length: 0x200),
                                            ExpectedIO(.write, tid: 1300, ino: 0x90, offset: 0x200, length: 0x200)])]
        s.expectedVerdict = .findings
        return s
    }

    /// Seed 002: fallocate does not wait for an extending AIO write; its size update truncates the write's data.
    static func seed002FallocateExtending() -> Scenario {
        let s = Scenario("seed002-fallocate-extending",
                         title: "CONSTRUCTED: fallocate races an extending AIO write and cuts the file below its end",
                         models: "seed 002 (xfs_file_fallocate before the inode_dio_wait move)")
        let p = STask("extend_vs_fallo", 1600)
        let f = STask("extend_vs_fallo", 1601, tgid: 1600, cpu: 0)
        s.open(p, fd: 4, ino: 0x91)
        let k: UInt64 = 0xffff_8880_1600_0000, u: UInt64 = 0x5555_5555_e000
        submit(s, 0, p)
        s.dioBegin(5, p, ino: 0x91, isize: 0x1000, pos: 0x1000, count: 0x2000, write: true, api: .libaio, kiocb: k,
                   userRef: u)
        s.dstmap(8, p, ino: 0x91, addr: 0x5000000, offset: 0x1000, length: 0x2000, type: .unwritten, new: true)
        s.bioQueue(10, p, sector: 0x5000000 / 512, nr: 16, write: true, kiocb: k)
        s.rqIssue(11, p, sector: 0x5000000 / 512, nr: 16, write: true)
        s.dioQueued(12, p, ino: 0x91, isize: 0x1000, offset: 0x3000)
        s.sysExit(13, p, .ioSubmit, ret: 1)
        s.sysEnter(20, f, .fallocate, fd: 4, args: (0, 0, 0x2000), isize: 0x1000)
        s.xfsSpace(22, f, .xfsAllocFileSpace, ino: 0x91)
        s.rqComplete(60, irq, sector: 0x5000000 / 512, nr: 16, write: true)
        s.xfsEndIO(70, kworker, ino: 0x91, isize: 0x1000, pos: 0x1000, count: 0x2000)
        s.xfsConvert(71, kworker, ino: 0x91, isize: 0x1000, pos: 0x1000, count: 0x2000)
        s.xfsSetFileSize(72, kworker, ino: 0x91, isize: 0x3000, disize: 0x1000, pos: 0x1000, count: 0x2000)
        s.dioComplete(75, kworker, ino: 0x91, isize: 0x3000, pos: 0x3000, ret: 0x2000, write: true, api: .libaio,
                      kiocb: k, userRef: u)
        s.xfsSpace(80, f, .xfsSetattr, ino: 0x91)
        s.sysExit(82, f, .fallocate, fd: 4, ret: 0, isize: 0x2000)
        getevents(s, 90, p, reaped: [(u, 0x2000)])
        directRead(s, 100, p, fd: 4, ino: 0x91, isize: 0x2000, pos: 0x1000, count: 0x2000, addr: 0x5000000,
                   ret: 0x1000)
        s.expected = [ExpectedFinding(kind: .sizeExtensionRace, severity: .error,
                                      ios: [ExpectedIO(.write, tid: 1600, ino: 0x91, offset: 0x1000, length: 0x2000)])]
        s.expectedVerdict = .findings
        return s
    }

    /// Seed 003: ext4 AIO write into a preallocated (unwritten) range; completion posted from irq, reaped;
    /// fsync returns; the conversion runs from the workqueue afterwards.
    static func seed003FsyncBeforeConversion() -> Scenario {
        let dev = DeviceNumber(major: 7, minor: 2)
        let s = Scenario("seed003-fsync-before-conversion",
                         title: "CONSTRUCTED: ext4 fsync returns while the completed AIO write's conversion is queued",
                         models: "seed 003 (ext4 DIO end_io conversion deferred to a workqueue, pre-fix)",
                         fsDev: dev, ext4: true)
        let p = STask("aio_fsync", 1700)
        s.open(p, fd: 3, ino: 13)
        let k: UInt64 = 0xffff_8880_1700_0000, u: UInt64 = 0x5555_5555_f000
        submit(s, 0, p)
        s.dioBegin(5, p, ino: 13, isize: 0x10000, pos: 0, count: 0x1000, write: true, api: .libaio, kiocb: k, userRef: u)
        s.dstmap(8, p, ino: 13, addr: 34817 * 4096, offset: 0, length: 0x1000, type: .unwritten, new: false)
        s.bioQueue(10, p, sector: 34817 * 8, nr: 8, write: true, kiocb: k)
        s.rqIssue(11, p, sector: 34817 * 8, nr: 8, write: true)
        s.dioQueued(12, p, ino: 13, isize: 0x10000, offset: 0x1000)
        s.sysExit(13, p, .ioSubmit, ret: 1)
        s.rqComplete(60, irq, sector: 34817 * 8, nr: 8, write: true)
        s.dioComplete(62, irq, ino: 13, isize: 0x10000, pos: 0x1000, ret: 4096, write: true, api: .libaio, kiocb: k,
                      userRef: u)
        getevents(s, 70, p, reaped: [(u, 4096)])
        s.sysEnter(80, p, .fsync, fd: 3, isize: 0x10000)
        s.sysExit(95, p, .fsync, fd: 3, ret: 0, isize: 0x10000)
        s.ext4MapEnter(150, kworker, ino: 13, lblk: 0, len: 1, flags: [.create, .unwrit, .convert])
        s.ext4Unwritten(152, kworker, ino: 13, lblk: 0, pblk: 34817, len: 1, flags: [.create, .unwrit, .convert],
                        allocated: 1)
        let w = ExpectedIO(.write, tid: 1700, ino: 13, offset: 0, length: 0x1000)
        s.expected = [ExpectedFinding(kind: .completionBeforeConversion, severity: .warning, ios: [w]),
                      ExpectedFinding(kind: .fsyncBeforeConversion, severity: .error, ios: [w])]
        s.expectedVerdict = .findings
        return s
    }

    /// Seed 004: an async DIO write stops at a hole (no allocation under DIO), completes short and is posted;
    /// the application's buffered write of the rest comes after.
    static func seed004ShortAsyncWrite() -> Scenario {
        let s = Scenario("seed004-short-async-write",
                         title: "CONSTRUCTED: short async DIO write posted before the buffered fallback of the rest",
                         models: "seed 004 (iomap_dio_rw returning -EIOCBQUEUED for short writes, gfs2-style fallback)")
        let p = STask("short_aio", 1900)
        s.open(p, fd: 3, ino: 0x92)
        s.open(p, fd: 4, ino: 0x92)
        let k: UInt64 = 0xffff_8880_1900_0000, u: UInt64 = 0x5555_5555_9000
        submit(s, 0, p)
        s.dioBegin(5, p, ino: 0x92, isize: 0x10000, pos: 0, count: 0x10000, write: true, api: .libaio, kiocb: k,
                   userRef: u)
        s.dstmap(8, p, ino: 0x92, addr: 0x6000000, offset: 0, length: 0x8000, type: .mapped, new: false)
        s.bioQueue(10, p, sector: 0x6000000 / 512, nr: 64, write: true, kiocb: k)
        s.rqIssue(11, p, sector: 0x6000000 / 512, nr: 64, write: true)
        s.dstmap(12, p, ino: 0x92, addr: IomapMapping.nullAddress, offset: 0x8000, length: 0x8000, type: .hole, new: false)
        s.dioQueued(14, p, ino: 0x92, isize: 0x10000, offset: 0x8000)
        s.sysExit(15, p, .ioSubmit, ret: 1)
        s.rqComplete(50, irq, sector: 0x6000000 / 512, nr: 64, write: true)
        s.dioComplete(55, kworker, ino: 0x92, isize: 0x10000, pos: 0x8000, ret: 0x8000, write: true, api: .libaio,
                      kiocb: k, userRef: u)
        getevents(s, 60, p, reaped: [(u, 0x8000)])
        s.sysEnter(70, p, .pwrite64, fd: 4, args: (0x7f00_0000_c000, 0x8000, 0x8000), isize: 0x10000)
        s.sysExit(72, p, .pwrite64, fd: 4, ret: 0x8000, isize: 0x10000)
        s.expected = [ExpectedFinding(kind: .shortDIOWrite, severity: .error,
                                      ios: [ExpectedIO(.write, tid: 1900, ino: 0x92, offset: 0, length: 0x10000)])]
        s.expectedVerdict = .findings
        return s
    }
}
