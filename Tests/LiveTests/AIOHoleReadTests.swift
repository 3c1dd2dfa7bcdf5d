import DioscopeCore
import DioscopeLoader
import Foundation
import Testing

/// Seed 000's shape, recorded live: a 4 KiB libaio O_DIRECT write into a
/// hole, reaped, then read back with pread. Every link of the chain the
/// completion-before-conversion detector needs must be in the recording.
@Suite("Live: aio_hole_read", .serialized, .enabled(if: LiveEnvironment.shouldRun, "needs root and BPF tracing"))
struct AIOHoleReadTests {
    @Test("XFS: begin, unwritten dstmap, bio, request, conversion, completion, reap, pread")
    func xfs() throws {
        guard LiveEnvironment.require() else { return }
        try check(.xfs, forcedMethod: nil)
    }

    @Test("ext4: begin, unwritten dstmap, bio, request, conversion, completion, reap, pread")
    func ext4() throws {
        guard LiveEnvironment.require() else { return }
        try check(.ext4, forcedMethod: nil)
    }

    @Test("XFS through the raw_tp fallback records the same chain")
    func xfsRawTracepoints() throws {
        guard LiveEnvironment.require() else { return }
        try check(.xfs, forcedMethod: .rawTP)
    }

    /// Only the process filter: kworker conversion and interrupt
    /// completions must still pass (matched by the inode and device the
    /// traced process did direct I/O on).
    @Test("ext4 with only the process filter keeps kernel-context work")
    func ext4PidFilterOnly() throws {
        guard LiveEnvironment.require() else { return }
        try check(.ext4, forcedMethod: nil, filterDevice: false)
    }

    private func check(_ fs: LoopFixture.FSType, forcedMethod: AttachMethod?, filterDevice: Bool = true) throws {
        let fixture = try LoopFixture(fs)
        defer { fixture.tearDown() }
        let file = fixture.mountPoint + "/f"
        let rec = try LiveRecording.run(
            [try LiveEnvironment.workload("aio_hole_read"), file, "1", "4096"],
            devices: filterDevice ? [fixture.mountPoint] : [], forcedMethod: forcedMethod)
        // With the device filter, nothing from other devices passed (without
        // it, the process's other I/O, e.g. ld.so's preads, is traced too).
        if filterDevice {
            let traced = try TracedDevice.resolve(fixture.mountPoint).filterDevices
            let foreign = rec.events.filter { $0.dev.raw != 0 && !traced.contains($0.dev.raw) }
            #expect(foreign.isEmpty, "events from other devices: \(foreign.prefix(5))")
        }
        if forcedMethod == .rawTP {
            #expect(rec.statuses.filter { $0.probe.kind == .rawTracepoint }.allSatisfy { $0.method != .tpBTF })
            #expect(rec.statuses.first { $0.probe.name == "iomap_dio_rw_begin" }?.method == .rawTP)
        }
        #expect(rec.result.stopReason == .commandExited(.exited(0)), "workload failed: \(rec.result.stopReason)")
        #expect(rec.drops == 0)
        #expect(rec.lostRecords.isEmpty)
        #expect(rec.decodeErrors == 0)

        var st = stat()
        // The file still exists after the run: its inode identifies our events.
        try #require(stat(file, &st) == 0)
        let ino = UInt64(st.st_ino)
        let evs = rec.events.filter { $0.ino == ino || $0.ino == 0 }
        let listing = rec.dump(ino: ino)

        // DIO_BEGIN write from libaio with the user's iocb pointer.
        let begin = try #require(
            evs.lazy.compactMap { e -> (Event, DIOBegin)? in
                if case .dioBegin(let b) = e.payload, e.ino == ino, b.isWrite { return (e, b) }
                return nil
            }.first, "no DIO_BEGIN write\n\(listing)")
        #expect(begin.1.api == .libaio)
        // both direction signals agree: the kernel's IOCB_WRITE and dioscope's iov_iter bit
        #expect(begin.1.kiFlags.contains(.write) && begin.1.dioFlags.contains(.dioscopeWrite))
        #expect(begin.1.userRef != 0)
        #expect(begin.1.count == 4096)
        #expect(begin.1.pos == 0)

        // The destination mapping: a new unwritten extent.
        let map = try #require(
            evs.lazy.compactMap { e -> IomapMapping? in
                if case .iomapDstmap(let m) = e.payload, e.ino == ino, e.timestamp >= begin.0.timestamp { return m }
                return nil
            }.first, "no IOMAP_DSTMAP\n\(listing)")
        #expect(map.type == .unwritten)
        #expect(map.flags.contains(.new))

        // The bio of this kiocb, at the mapped disk address, and its request completing.
        let bio = try #require(
            evs.lazy.compactMap { e -> BlockIO? in
                if case .block(.bioQueue, let b) = e.payload, b.kiocb == begin.1.kiocb { return b }
                return nil
            }.first, "no BIO_QUEUE for the kiocb\n\(listing)")
        #expect(bio.flags.contains(.iomapDIO))
        #expect(bio.op == .write)
        #expect(bio.sector * 512 == map.addr)
        let rqDone = evs.contains { e in
            if case .block(.rqComplete, let r) = e.payload {
                return r.sector <= bio.sector && bio.sector < r.sector + UInt64(max(r.nrSector, 1))
            }
            return false
        }
        #expect(rqDone, "no RQ_COMPLETE covering sector \(bio.sector)\n\(listing)")

        // The unwritten extent is converted.
        let conversion = evs.first { e in
            guard e.ino == ino else { return false }
            switch (fs, e.payload) {
            case (.xfs, .xfs(.unwrittenConvert, _)): return true
            case (.ext4, .ext4HandleUnwritten(let m)): return m.flags.contains(.convert)
            default: return false
            }
        }
        let conv = try #require(conversion, "no unwritten-extent conversion\n\(listing)")

        // Completion of the same kiocb, 4096 bytes.
        let complete = try #require(
            evs.first { e in
                if case .dioComplete(let c) = e.payload { return c.kiocb == begin.1.kiocb && c.ret == 4096 }
                return false
            }, "no DIO_COMPLETE ret 4096 for the kiocb\n\(listing)")
        if case .dioComplete(let c) = complete.payload {
            #expect(c.api == .libaio)
            #expect(c.userRef == begin.1.userRef)
        }

        // The reap hands the user's iocb back.
        let reap = try #require(
            evs.first { e in
                if case .aioReap(let r) = e.payload { return r.obj == begin.1.userRef && r.res == 4096 }
                return false
            }, "no AIO_REAP for iocb \(begin.1.userRef)\n\(listing)")

        // Order: conversion, then completion posted, then reaped.
        #expect(conv.timestamp < complete.timestamp)
        #expect(complete.timestamp < reap.timestamp)

        // The pread: syscall enter/exit on the file and a read DIO_BEGIN between them.
        let preadEnter = try #require(
            evs.first { e in
                if case .sysEnter(let s) = e.payload { return s.sysno == .pread64 && e.ino == ino }
                return false
            }, "no pread64 enter on the file\n\(listing)")
        let preadExit = try #require(
            evs.first { e in
                if case .sysExit(let s) = e.payload {
                    return s.sysno == .pread64 && e.ino == ino && s.enterTimestamp == preadEnter.timestamp
                }
                return false
            }, "no pread64 exit\n\(listing)")
        if case .sysExit(let s) = preadExit.payload { #expect(s.ret == 4096) }
        let readBegin = evs.contains { e in
            if case .dioBegin(let b) = e.payload {
                return e.ino == ino && !b.isWrite && !b.dioFlags.contains(.dioscopeWrite) && b.api == .sync
                    && e.timestamp > preadEnter.timestamp
                    && e.timestamp < preadExit.timestamp
            }
            return false
        }
        #expect(readBegin, "no read DIO_BEGIN inside the pread\n\(listing)")
        #expect(reap.timestamp < preadEnter.timestamp)
    }
}
