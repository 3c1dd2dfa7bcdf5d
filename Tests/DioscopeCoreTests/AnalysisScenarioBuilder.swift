import Foundation
@testable import DioscopeCore

/// A task as ftrace prints it: comm-pid on a CPU.
struct STask {
    var comm: String
    var pid: UInt32
    var tgid: UInt32
    var cpu: UInt16

    init(_ comm: String, _ pid: UInt32, tgid: UInt32? = nil, cpu: UInt16 = 1) {
        self.comm = comm
        self.pid = pid
        self.tgid = tgid ?? pid
        self.cpu = cpu
    }
}

/// What a constructed scenario must produce.
struct ExpectedFinding: Equatable, CustomStringConvertible {
    var kind: FindingKind
    var severity: FindingSeverity
    /// (op, tid, ino, offset, length) of each I/O named, in finding order.
    var ios: [ExpectedIO]

    var description: String { "\(kind) \(severity) \(ios)" }
}

struct ExpectedIO: Equatable, CustomStringConvertible {
    var op: IOOperation
    var tid: UInt32
    var ino: UInt64
    var offset: Int64
    var length: UInt64

    init(_ op: IOOperation, tid: UInt32, ino: UInt64, offset: Int64, length: UInt64) {
        self.op = op
        self.tid = tid
        self.ino = ino
        self.offset = offset
        self.length = length
    }

    init(_ s: IOSubject) { self.init(s.op, tid: s.tid, ino: s.ino, offset: s.offset, length: s.length) }

    var description: String { "\(op) tid \(tid) ino \(ino) 0x\(String(offset, radix: 16))+0x\(String(length, radix: 16))" }
}

/// Builds one scenario twice at once: as `Event` values and as ftrace text
/// lines in the exact format of /sys/kernel/tracing/trace (print fmt of each
/// event on kernel 6.18). Two event flavours:
///  - `.identity`: what dioscope's BPF records carry (kiocb, user_ref, AIO_REAP,
///    dev/ino and i_size on syscall records);
///  - `.ftrace`: what an ftrace import can know (no kiocb/user_ref, no reap
///    records, api only sync/async).
final class Scenario {
    enum Flavour { case identity, ftrace }

    let name: String
    let title: String
    let models: String
    let fsDev: DeviceNumber
    let bdev: DeviceNumber
    /// ext4 prints dev as "7,2" and decimal inodes; iomap/xfs as "7:2" and hex.
    let ext4: Bool
    var expected: [ExpectedFinding] = []
    var expectedVerdict: Verdict = .clean
    var notes: [String] = []

    private(set) var identity: [Event] = []
    private(set) var ftraceEvents: [Event] = []
    private(set) var lines: [String] = []
    private let baseNs: UInt64 = 100_000_000_000
    /// Open fd → inode, per process (the scenario knows; the ftrace flavour must not tell).
    private var fds: [UInt64: UInt64] = [:]

    init(_ name: String, title: String, models: String, fsDev: DeviceNumber = DeviceNumber(major: 7, minor: 0),
         bdev: DeviceNumber? = nil, ext4: Bool = false) {
        self.name = name
        self.title = title
        self.models = models
        self.fsDev = fsDev
        self.bdev = bdev ?? fsDev
        self.ext4 = ext4
    }

    func events(_ f: Flavour) -> [Event] { f == .identity ? identity : ftraceEvents }

    /// The ftrace file: tracer header as in /sys/kernel/tracing/trace, then the lines.
    var ftraceText: String {
        var s = "# tracer: nop\n#\n# dioscope constructed trace \(name) (built by the analyzer tests, not recorded)\n"
        s += "# \(title)\n# models: \(models)\n#\n# entries-in-buffer/entries-written: \(lines.count)/\(lines.count)   #P:2\n#\n"
        s += "#                                _-----=> irqs-off/BH-disabled\n"
        s += "#                               / _----=> need-resched\n"
        s += "#                              | / _---=> hardirq/softirq\n"
        s += "#                              || / _--=> preempt-depth\n"
        s += "#                              ||| / _-=> migrate-disable\n"
        s += "#                              |||| /     delay\n"
        s += "#           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION\n"
        s += "#              | |         |   |||||     |         |\n"
        for l in lines { s += l + "\n" }
        return s
    }

    // MARK: low level

    private func ts(_ us: UInt64) -> UInt64 { baseNs + us * 1000 }

    private func line(_ us: UInt64, _ t: STask, _ name: String, _ body: String) {
        let ns = ts(us)
        let comm = String(t.comm.prefix(15))
        let pad = String(repeating: " ", count: max(0, 16 - comm.count))
        let pid = String(t.pid)
        let pidPad = String(repeating: " ", count: max(0, 7 - pid.count))
        let cpu = String(t.cpu)
        let cpuS = String(repeating: "0", count: max(0, 3 - cpu.count)) + cpu
        let secs = "\(ns / 1_000_000_000).\(String(format: "%06d", (ns % 1_000_000_000) / 1000))"
        let tsPad = String(repeating: " ", count: max(0, 12 - secs.count))
        lines.append("\(pad)\(comm)-\(pid)\(pidPad) [\(cpuS)] ..... \(tsPad)\(secs): \(name): \(body)")
    }

    private func sysLine(_ us: UInt64, _ t: STask, _ text: String) {
        // syscall events print "sys_name(args)" / "sys_name -> 0xret" without the "name: " prefix
        let ns = ts(us)
        let comm = String(t.comm.prefix(15))
        let pad = String(repeating: " ", count: max(0, 16 - comm.count))
        let pid = String(t.pid)
        let pidPad = String(repeating: " ", count: max(0, 7 - pid.count))
        let cpu = String(t.cpu)
        let cpuS = String(repeating: "0", count: max(0, 3 - cpu.count)) + cpu
        let secs = "\(ns / 1_000_000_000).\(String(format: "%06d", (ns % 1_000_000_000) / 1000))"
        let tsPad = String(repeating: " ", count: max(0, 12 - secs.count))
        lines.append("\(pad)\(comm)-\(pid)\(pidPad) [\(cpuS)] ..... \(tsPad)\(secs): \(text)")
    }

    private func add(_ us: UInt64, _ t: STask, dev: DeviceNumber = DeviceNumber(raw: 0), ino: UInt64 = 0,
                     identity: Event.Payload?, ftrace: Event.Payload?, ftraceDev: DeviceNumber? = nil,
                     ftraceIno: UInt64? = nil) {
        if let identity {
            self.identity.append(Event(timestamp: ts(us), tgid: t.tgid, tid: t.pid, cpu: t.cpu, dev: dev, ino: ino,
                                       payload: identity))
        }
        if let ftrace {
            // ftrace lines show only the task's pid: an importer knows tgid == pid unless told otherwise.
            ftraceEvents.append(Event(timestamp: ts(us), tgid: t.pid, tid: t.pid, cpu: t.cpu, dev: ftraceDev ?? dev,
                                      ino: ftraceIno ?? ino, payload: ftrace))
        }
    }

    private static func hx(_ v: Int64) -> String { "0x" + String(UInt64(bitPattern: v), radix: 16) }
    private static func hx(_ v: UInt64) -> String { "0x" + String(v, radix: 16) }
    /// syscall argument as ftrace prints it: values below 10 in decimal, others in hex.
    private static func arg(_ v: Int64) -> String { (0..<10).contains(v) ? String(v) : hx(v) }

    private func iomapDev(_ d: DeviceNumber) -> String { "\(d.major):\(d.minor)" }
    private func blkDev(_ d: DeviceNumber) -> String { "\(d.major),\(d.minor)" }

    /// ki_flags as __print_flags prints them; AIO_RW is set only by fs/aio.c (libaio).
    private static func kiFlagText(_ f: KiFlags, aio: Bool) -> String {
        var parts: [String] = []
        if f.contains(.dsync) { parts.append("DSYNC") }
        if f.contains(.sync) { parts.append("SYNC") }
        if f.contains(.nowait) { parts.append("NOWAIT") }
        if f.contains(.append) { parts.append("APPEND") }
        if f.contains(.direct) { parts.append("DIRECT") }
        if f.contains(.write) { parts.append("WRITE") }
        if aio { parts.append("AIO_RW") }
        return parts.joined(separator: "|")
    }

    // MARK: system calls

    func open(_ t: STask, fd: Int32, ino: UInt64) { fds[UInt64(t.tgid) << 32 | UInt64(UInt32(fd))] = ino }

    private func fdIno(_ t: STask, _ fd: Int32) -> UInt64 { fds[UInt64(t.tgid) << 32 | UInt64(UInt32(fd))] ?? 0 }

    func sysEnter(_ us: UInt64, _ t: STask, _ sc: Syscall, fd: Int32 = -1, args: (Int64, Int64, Int64) = (0, 0, 0),
                  isize: Int64 = -1, buf: Int64 = 0x7f00_0000_1000, extra: [Int64] = []) {
        let ino = fd >= 0 ? fdIno(t, fd) : 0
        let p = SysEnter(sysno: sc, fd: fd, args: args, isize: ino != 0 ? isize : -1, comm: Comm(t.comm))
        add(us, t, dev: ino != 0 ? fsDev : DeviceNumber(raw: 0), ino: ino, identity: .sysEnter(p),
            ftrace: .sysEnter(SysEnter(sysno: sc, fd: fd, args: args, isize: -1, comm: Comm(t.comm))),
            ftraceDev: DeviceNumber(raw: 0), ftraceIno: 0)
        let a = Self.arg
        let text: String
        switch sc {
        case .pread64, .pwrite64:
            text = "fd: \(a(Int64(fd))), buf: \(Self.hx(args.0 == 0 ? buf : args.0)), count: \(a(args.1)), pos: \(a(args.2))"
        case .ioSubmit:
            text = "ctx_id: \(a(args.0)), nr: \(a(args.1)), iocbpp: \(a(args.2))"
        case .ioGetevents:
            text = "ctx_id: \(a(args.0)), min_nr: \(a(args.1)), nr: \(a(args.2)), events: \(a(extra.first ?? 0x7ffd_0000_2000)), timeout: 0"
        case .fallocate:
            text = "fd: \(a(Int64(fd))), mode: \(a(args.0)), offset: \(a(args.1)), len: \(a(args.2))"
        case .ftruncate:
            text = "fd: \(a(Int64(fd))), length: \(a(args.0))"
        case .fsync, .fdatasync:
            text = "fd: \(a(Int64(fd)))"
        case .ioUringEnter:
            text = "fd: \(a(Int64(fd))), to_submit: \(a(args.0)), min_complete: \(a(args.1)), flags: \(a(args.2)), argp: 0, argsz: 0"
        default:
            text = "fd: \(a(Int64(fd)))"
        }
        sysLine(us, t, "sys_\(sc)(\(text))")
    }

    func sysExit(_ us: UInt64, _ t: STask, _ sc: Syscall, fd: Int32 = -1, ret: Int64, isize: Int64 = -1) {
        let ino = fd >= 0 ? fdIno(t, fd) : 0
        add(us, t, dev: ino != 0 ? fsDev : DeviceNumber(raw: 0), ino: ino,
            identity: .sysExit(SysExit(sysno: sc, fd: fd, ret: ret, isize: ino != 0 ? isize : -1)),
            ftrace: .sysExit(SysExit(sysno: sc, fd: -1, ret: ret, isize: -1)),
            ftraceDev: DeviceNumber(raw: 0), ftraceIno: 0)
        sysLine(us, t, "sys_\(sc) -> \(Self.hx(ret))")
    }

    /// One io_event returned by io_getevents (BPF records only; ftrace shows just the count).
    func reap(_ us: UInt64, _ t: STask, obj: UInt64, res: Int64, index: UInt32 = 0, total: UInt32 = 1) {
        add(us, t, identity: .aioReap(AIOReap(ctx: 0x7f00_0000_0000, obj: obj, res: res, index: index, total: total)),
            ftrace: nil)
    }

    // MARK: iomap

    func dioBegin(_ us: UInt64, _ t: STask, ino: UInt64, isize: Int64, pos: Int64, count: UInt64, write: Bool,
                  api: IOAPI, dioFlags: DIOFlags = [], nowait: Bool = false, kiocb: UInt64 = 0, userRef: UInt64 = 0,
                  blkbits: UInt8 = 12) {
        var ki: KiFlags = [.direct]
        // as on 6.18: sync pwrite64 kiocbs carry no IOCB_WRITE (ftrace prints `flags DIRECT`)
        if write && api != .sync { ki.insert(.write) }
        if nowait { ki.insert(.nowait) }
        let aio = api != .sync
        let aioRW = api == .libaio
        let p = DIOBegin(kiocb: kiocb, pos: pos, count: count, isize: isize, userRef: userRef, kiFlags: ki,
                         dioFlags: dioFlags, api: api, blkbits: blkbits)
        var f = p
        f.kiocb = 0
        f.userRef = 0
        f.api = aio ? .asyncOther : .sync
        f.blkbits = 0
        add(us, t, dev: fsDev, ino: ino, identity: .dioBegin(p), ftrace: .dioBegin(f))
        line(us, t, "iomap_dio_rw_begin",
             "dev \(iomapDev(fsDev)) ino \(Self.hx(ino)) size \(Self.hx(isize)) offset \(Self.hx(pos)) length \(Self.hx(count)) done_before 0x0 flags \(Self.kiFlagText(ki, aio: aioRW)) dio_flags \(AnalysisEngine.flagNames(dioFlags).joined(separator: "|")) aio \(aio ? 1 : 0)")
    }

    func dstmap(_ us: UInt64, _ t: STask, ino: UInt64, addr: UInt64, offset: Int64, length: UInt64, type: ExtentType,
                new: Bool) {
        let flags: IomapFlags = new ? [.new, .dirty] : [.dirty]
        let p = IomapMapping(addr: addr, offset: offset, length: length, type: type, flags: flags, bdev: bdev)
        add(us, t, dev: fsDev, ino: ino, identity: .iomapDstmap(p), ftrace: .iomapDstmap(p))
        line(us, t, "iomap_iter_dstmap",
             "dev \(iomapDev(fsDev)) ino \(Self.hx(ino)) bdev \(iomapDev(bdev)) addr \(Self.hx(addr)) offset \(Self.hx(offset)) length \(Self.hx(length)) type \(type) (0x\(String(type.rawValue, radix: 16))) flags \(new ? "NEW|DIRTY" : "DIRTY") (0x\(new ? 3 : 2))")
    }

    func dioQueued(_ us: UInt64, _ t: STask, ino: UInt64, isize: Int64, offset: Int64) {
        let p = DIOQueued(offset: offset, length: 0, isize: isize)
        add(us, t, dev: fsDev, ino: ino, identity: .dioQueued(p), ftrace: .dioQueued(p))
        line(us, t, "iomap_dio_rw_queued",
             "dev \(iomapDev(fsDev)) ino \(Self.hx(ino)) size \(Self.hx(isize)) offset \(Self.hx(offset)) length 0x0")
    }

    /// `pos` is ki_pos at completion: start + ret when ret > 0.
    func dioComplete(_ us: UInt64, _ t: STask, ino: UInt64, isize: Int64, pos: Int64, ret: Int64, error: Int32 = 0,
                     write: Bool, api: IOAPI, nowait: Bool = false, kiocb: UInt64 = 0, userRef: UInt64 = 0) {
        var ki: KiFlags = [.direct]
        if write && api != .sync { ki.insert(.write) }
        if nowait { ki.insert(.nowait) }
        let aio = api != .sync
        let aioRW = api == .libaio
        let p = DIOComplete(kiocb: kiocb, pos: pos, isize: isize, ret: ret, userRef: userRef, error: error,
                            kiFlags: ki, api: api)
        var f = p
        f.kiocb = 0
        f.userRef = 0
        f.api = aio ? .asyncOther : .sync
        add(us, t, dev: fsDev, ino: ino, identity: .dioComplete(p), ftrace: .dioComplete(f))
        line(us, t, "iomap_dio_complete",
             "dev \(iomapDev(fsDev)) ino \(Self.hx(ino)) size \(Self.hx(isize)) offset \(Self.hx(pos)) flags \(Self.kiFlagText(ki, aio: aioRW)) aio \(aio ? 1 : 0) error \(error) ret \(ret)")
    }

    // MARK: block

    private func rwbs(_ write: Bool) -> String { write ? "WS" : "RS" }

    func bioQueue(_ us: UInt64, _ t: STask, sector: UInt64, nr: UInt32, write: Bool, kiocb: UInt64 = 0) {
        let p = BlockIO(sector: sector, nrSector: nr, ptr: 0xffff_8880_0100_0000 &+ sector, kiocb: kiocb,
                        flags: kiocb != 0 ? [.sync, .iomapDIO] : [.sync], op: write ? .write : .read)
        var f = p
        f.kiocb = 0
        f.ptr = 0
        f.flags = [.sync]
        add(us, t, dev: bdev, identity: .block(.bioQueue, p), ftrace: .block(.bioQueue, f))
        line(us, t, "block_bio_queue", "\(blkDev(bdev)) \(rwbs(write)) \(sector) + \(nr) [\(t.comm)]")
    }

    func rqIssue(_ us: UInt64, _ t: STask, sector: UInt64, nr: UInt32, write: Bool) {
        let p = BlockIO(sector: sector, nrSector: nr, bytes: nr * 512, flags: [.sync], op: write ? .write : .read)
        add(us, t, dev: bdev, identity: .block(.rqIssue, p), ftrace: .block(.rqIssue, p))
        line(us, t, "block_rq_issue",
             "\(blkDev(bdev)) \(rwbs(write)) \(nr * 512) () \(sector) + \(nr) none,0,0 [\(t.comm)]")
    }

    func rqComplete(_ us: UInt64, _ t: STask, sector: UInt64, nr: UInt32, write: Bool, error: Int32 = 0) {
        let p = BlockIO(sector: sector, nrSector: nr, error: error, flags: [.sync], op: write ? .write : .read)
        add(us, t, dev: bdev, identity: .block(.rqComplete, p), ftrace: .block(.rqComplete, p))
        line(us, t, "block_rq_complete", "\(blkDev(bdev)) \(rwbs(write)) () \(sector) + \(nr) none,0,0 [\(error)]")
    }

    // MARK: xfs

    private func xfsIO(_ us: UInt64, _ t: STask, _ kind: XFSEventKind, _ name: String, ino: UInt64, isize: Int64,
                       disize: Int64, pos: Int64, count: UInt64) {
        let p = XFSIO(isize: isize, disize: disize, offset: pos, count: count)
        add(us, t, dev: fsDev, ino: ino, identity: .xfs(kind, p), ftrace: .xfs(kind, p))
        line(us, t, name,
             "dev \(iomapDev(fsDev)) ino \(Self.hx(ino)) isize \(Self.hx(isize)) disize \(Self.hx(disize)) pos \(Self.hx(pos)) bytecount \(Self.hx(count))")
    }

    func xfsEndIO(_ us: UInt64, _ t: STask, ino: UInt64, isize: Int64, disize: Int64? = nil, pos: Int64, count: UInt64) {
        xfsIO(us, t, .endIoDirectWrite, "xfs_end_io_direct_write", ino: ino, isize: isize, disize: disize ?? isize,
              pos: pos, count: count)
    }

    func xfsConvert(_ us: UInt64, _ t: STask, ino: UInt64, isize: Int64, disize: Int64? = nil, pos: Int64, count: UInt64) {
        xfsIO(us, t, .unwrittenConvert, "xfs_unwritten_convert", ino: ino, isize: isize, disize: disize ?? isize,
              pos: pos, count: count)
    }

    func xfsSetFileSize(_ us: UInt64, _ t: STask, ino: UInt64, isize: Int64, disize: Int64, pos: Int64, count: UInt64) {
        xfsIO(us, t, .setFileSize, "xfs_setfilesize", ino: ino, isize: isize, disize: disize, pos: pos, count: count)
    }

    func xfsSpace(_ us: UInt64, _ t: STask, _ kind: SpaceOpKind, ino: UInt64) {
        let p = SpaceOp(kind: kind)
        add(us, t, dev: fsDev, ino: ino, identity: .fsSpaceOp(p), ftrace: .fsSpaceOp(p))
        line(us, t, kind.description, "dev \(iomapDev(fsDev)) ino \(Self.hx(ino)) iflags 0x0")
    }

    // MARK: ext4

    private static func ext4Flags(_ f: Ext4MapFlags) -> String {
        var parts: [String] = []
        let names: [(Ext4MapFlags, String)] = [(.create, "CREATE"), (.unwrit, "UNWRIT"), (.delalloc, "DELALLOC"),
                                               (.preIO, "PRE_IO"), (.convert, "CONVERT"),
                                               (.convertUnwritten, "CONVERT_UNWRITTEN"), (.zero, "ZERO"),
                                               (.ioSubmit, "IO_SUBMIT")]
        for (flag, n) in names where f.contains(flag) { parts.append(n) }
        return parts.joined(separator: "|")
    }

    func ext4MapEnter(_ us: UInt64, _ t: STask, ino: UInt64, lblk: UInt32, len: UInt32, flags: Ext4MapFlags) {
        let p = Ext4Map(lblk: lblk, len: len, flags: flags)
        add(us, t, dev: fsDev, ino: ino, identity: .ext4MapBlocksEnter(p), ftrace: .ext4MapBlocksEnter(p))
        line(us, t, "ext4_ext_map_blocks_enter",
             "dev \(blkDev(fsDev)) ino \(ino) lblk \(lblk) len \(len) flags \(Self.ext4Flags(flags))")
    }

    func ext4Unwritten(_ us: UInt64, _ t: STask, ino: UInt64, lblk: UInt32, pblk: UInt64, len: UInt32,
                       flags: Ext4MapFlags, allocated: UInt32) {
        let p = Ext4Map(lblk: lblk, len: len, flags: flags, allocated: allocated, pblk: pblk)
        add(us, t, dev: fsDev, ino: ino, identity: .ext4HandleUnwritten(p), ftrace: .ext4HandleUnwritten(p))
        line(us, t, "ext4_ext_handle_unwritten_extents",
             "dev \(blkDev(fsDev)) ino \(ino) m_lblk \(lblk) m_pblk \(pblk) m_len \(len) flags \(Self.ext4Flags(flags)) allocated \(allocated) newblock 0")
    }

    // MARK: io_uring

    func uringComplete(_ us: UInt64, _ t: STask, req: UInt64, userData: UInt64, res: Int32) {
        let p = URingComplete(ctx: 0xffff_8880_0200_0000, req: req, userData: userData, res: res)
        var f = p
        f.req = 0
        f.ctx = 0
        add(us, t, identity: .ioUringComplete(p), ftrace: .ioUringComplete(f))
        // %p prints hashed pointers; they carry no identity an importer could use.
        line(us, t, "io_uring_complete",
             "ring 000000003c7b5b67, req 00000000\(String(format: "%08x", UInt32(truncatingIfNeeded: req &* 2654435761))), user_data \(Self.hx(userData)), result \(res), cflags 0x0 extra1 0 extra2 0 ")
    }

    // MARK: synthetic

    func lost(_ us: UInt64, sinceUs: UInt64, dropped: UInt64) {
        let e = Event(timestamp: ts(us), payload: .lost(Lost(dropped: dropped, sinceNs: ts(sinceUs))))
        identity.append(e)
        ftraceEvents.append(e)
        lines.append("CPU:1 [LOST \(dropped) EVENTS]")
    }
}
