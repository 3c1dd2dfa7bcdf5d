import Foundation
@testable import DioscopeCore

/// Shared helpers for the trace file tests.
enum TraceFileFixtures {
    /// A fresh scratch directory, removed by `cleanup`.
    /// On tmpfs (/dev/shm) when there is one: these tests write many small files.
    static func scratchDirectory() throws -> String {
        let base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : FileManager.default.temporaryDirectory.path
        let dir = base + "/dioscope-tracefile-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    static func cleanup(_ dir: String) {
        try? FileManager.default.removeItem(atPath: dir)
    }

    static func metadata() -> TraceMetadata {
        TraceMetadata(
            toolVersion: "0.1.0-test", kernelRelease: "6.18.0-test", machine: "x86_64", hostname: "testhost",
            monotonicToRealtimeNs: 1_763_700_000_000_000_000, monotonicToBoottimeNs: 12_345, startTimestamp: 1_000,
            cpuCount: 2, commandLine: ["dioscope", "record", "-o", "t.dsc", "--", "./aio_hole_read"],
            tracedCommand: ["./aio_hole_read", "/mnt/f"], tracedPid: 4242,
            filters: TraceMetadata.Filters(pids: [4242], followChildren: true, devices: [DeviceNumber(major: 7, minor: 0).raw]),
            probes: [
                TraceMetadata.ProbeInfo(name: "iomap_dio_rw_begin", id: 0, method: .tpBTF),
                TraceMetadata.ProbeInfo(name: "block_bio_queue", id: 4, method: .rawTP),
                TraceMetadata.ProbeInfo(name: "sys_pwrite64", id: 22, method: .tracepoint),
                TraceMetadata.ProbeInfo(name: "xfs_setfilesize", id: 12, method: .unavailable,
                                        reason: "tracepoint xfs:xfs_setfilesize not found"),
            ],
            devices: [
                TraceMetadata.DeviceInfo(dev: DeviceNumber(major: 7, minor: 0), name: "loop0", logicalSectorSize: 512,
                                         filesystemType: "xfs", fsBlockSize: 4096, mountPoint: "/mnt/x"),
            ],
            extra: ["ring_buffer_bytes": "16777216"])
    }

    /// One event of every type, with distinctive field values.
    /// One event of every type; `abi: 1` leaves out the types record ABI 2 added (the committed
    /// ABI-1 fixture holds that list).
    static func everyEventType(base ts: UInt64 = 1_000_000, abi: Int = 2) -> [Event] {
        let dev = DeviceNumber(major: 7, minor: 0)
        var e: [Event.Payload] = [
            .dioBegin(DIOBegin(kiocb: 0xffff_8880_1234_5600, pos: 4096, count: 8192, isize: 0, doneBefore: 0,
                               userRef: 0x5555_0000_1000, kiFlags: [.direct, .write], dioFlags: [.partial],
                               api: .libaio, blkbits: 12)),
            .dioQueued(DIOQueued(offset: 4096, length: 8192, isize: 0)),
            .dioComplete(DIOComplete(kiocb: 0xffff_8880_1234_5600, pos: 12288, isize: 12288, ret: 8192,
                                     userRef: 0x5555_0000_1000, error: 0, kiFlags: [.direct, .write], api: .libaio)),
            .iomapDstmap(IomapMapping(addr: 0x10_0000, offset: 4096, length: 8192, type: .unwritten, flags: [.new],
                                      bdev: dev, blkbits: 12)),
            .block(.bioQueue, BlockIO(sector: 2048, nrSector: 16, bytes: 8192, ptr: 0xffff_8880_aaaa_0000,
                                      kiocb: 0xffff_8880_1234_5600, error: 0, flags: [.sync, .iomapDIO], op: .write)),
            .block(.rqIssue, BlockIO(sector: 2048, nrSector: 16, bytes: 8192, ptr: 0xffff_8880_bbbb_0000, op: .write)),
            .block(.rqComplete, BlockIO(sector: 2048, nrSector: 16, bytes: 8192, ptr: 0xffff_8880_bbbb_0000,
                                        error: -5, flags: [.fua], op: .write)),
            .block(.ioStart, BlockIO(sector: 0, nrSector: 8, op: .read)),
            .block(.ioDone, BlockIO(sector: 0, nrSector: 8, flags: [.meta, .ahead, .preflush], op: .flush)),
            .xfs(.directWrite, XFSIO(isize: 0, disize: 0, offset: 4096, count: 8192, kiocb: 0xffff_8880_1234_5600)),
            .xfs(.endIoDirectWrite, XFSIO(isize: 12288, disize: 0, offset: 4096, count: 8192)),
            .xfs(.unwrittenConvert, XFSIO(isize: 12288, disize: 0, offset: 4096, count: 8192)),
            .xfs(.setFileSize, XFSIO(isize: 12288, disize: 12288, offset: 4096, count: 8192)),
            .ext4MapBlocksEnter(Ext4Map(lblk: 1, len: 2, flags: [.create, .unwrit], blkbits: 12)),
            .ext4HandleUnwritten(Ext4Map(lblk: 1, len: 2, flags: [.convert], allocated: 2, pblk: 34000,
                                         newblk: 34000, blkbits: 12)),
            .ioUringComplete(URingComplete(ctx: 0xffff_8881_0000_0000, req: 0xffff_8881_0000_0100, userData: 77,
                                           res: 4096, cflags: 0)),
            .fsSpaceOp(SpaceOp(kind: .xfsAllocFileSpace, offset: 0, len: 1 << 20, isize: 4096, mode: 0)),
            .fsSpaceOp(SpaceOp(kind: .ext4TruncateEnter, offset: 0, len: 0, isize: 8192, mode: 0)),
            .sysEnter(SysEnter(sysno: .ioSubmit, fd: -1, args: (0x7f00_0000_1000, 2, 0x7ffd_0000_2000), isize: -1,
                               comm: Comm("aio_hole_read"))),
            .sysEnter(SysEnter(sysno: .pwrite64, fd: 3, args: (0x7ffd_0000_3000, 4096, 8192), isize: 4096,
                               comm: Comm("fio"))),
            .sysExit(SysExit(sysno: .pwrite64, fd: 3, ret: 4096, isize: 12288, enterTimestamp: ts + 19)),
            .sysExit(SysExit(sysno: .fallocate, fd: 4, ret: -28, isize: 0, enterTimestamp: 0)),
            .aioReap(AIOReap(ctx: 0x7f00_0000_1000, data: 9, obj: 0x5555_0000_1000, res: 8192, res2: 0, index: 0,
                             total: 1)),
            .lost(Lost(dropped: 3, sinceNs: ts, probe: 4)),
        ]
        if abi >= 2 {
            e.append(.dioSteps(DIOSteps(kiocb: 0xffff_8880_1234_5700, mapAddr: 0x20_0000, mapOffset: 8192,
                                        bioSector: 4096, mapLength: 4096, bdev: dev, mapFlags: [.dirty],
                                        bioFlags: [.sync], stepMask: 0x0f, blkbits: 12, requestError: 10,
                                        bioOp: .write, ago: (90_000, 80_000, 70_000, 1_000))))
        }
        if abi >= 5 { e.append(.taskExit(TaskExit(exitCode: 9, groupDead: true))) }
        return e.enumerated().map { i, p in
            Event(timestamp: ts + UInt64(i) * 10, tgid: 4242, tid: 4243 + UInt32(i % 2), cpu: UInt16(i % 2), dev: dev,
                  ino: 0x87, payload: p)
        }
    }

    /// The groups of events that ABI 3 and 4 write as one record each, after
    /// `everyEventType(base:)`'s events in time: ABI 3's pairs (a `DSC_EV_SYS_CALL`, a
    /// `DSC_EV_SYS_EXIT_REAP`), and from `abi: 4` on the triple of a `DSC_EV_SYS_CALL_REAP`.
    static func multiEventRecords(base ts: UInt64 = 1_000_000, abi: Int = 4) -> [[Event]] {
        let t = ts + 1_000
        func ev(_ at: UInt64, _ p: Event.Payload) -> Event {
            Event(timestamp: at, tgid: 4242, tid: 4243, cpu: 1, dev: DeviceNumber(raw: 0), ino: 0, payload: p)
        }
        var groups = [
            [ev(t, .sysEnter(SysEnter(sysno: .ioSubmit, args: (0x7f00_0000_1000, 1, 0x7ffd_0000_2000),
                                      comm: Comm("fio")))),
             ev(t + 7, .sysExit(SysExit(sysno: .ioSubmit, ret: 1, enterTimestamp: t)))],
            [ev(t + 20, .sysExit(SysExit(sysno: .ioGetevents, ret: 1, enterTimestamp: t + 10))),
             ev(t + 20, .aioReap(AIOReap(ctx: 0x7f00_0000_1000, data: 5, obj: 0x5555_0000_1000, res: 4096,
                                         res2: 0, index: 0, total: 1)))],
        ]
        if abi >= 4 {
            groups.append([
                ev(t + 30, .sysEnter(SysEnter(sysno: .ioGetevents, args: (0x7f00_0000_1000, 1, 16), comm: Comm("fio")))),
                ev(t + 36, .sysExit(SysExit(sysno: .ioGetevents, ret: 1, enterTimestamp: t + 30))),
                ev(t + 36, .aioReap(AIOReap(ctx: 0x7f00_0000_1000, data: 6, obj: 0x5555_0000_1040, res: 4096,
                                            res2: 0, index: 0, total: 1))),
            ])
        }
        return groups
    }

    /// `group` (from ``multiEventRecords(base:abi:)``) as its one 96-byte record.
    static func record(_ group: [Event]) -> [UInt8] {
        var r = [UInt8](repeating: 0, count: RecordLayout.recordSize)
        r.withUnsafeMutableBytes { b in
            switch (group.count, group[0].payload) {
            case (3, _): RecordCodec.encodeSysCallReap(enter: group[0], exit: group[1], reap: group[2], into: b.baseAddress!)
            case (2, .sysEnter): RecordCodec.encodeSysCall(enter: group[0], exit: group[1], into: b.baseAddress!)
            case (2, _): RecordCodec.encodeSysExitReap(exit: group[0], reap: group[1], into: b.baseAddress!)
            default: preconditionFailure("a group of two or three events")
            }
        }
        return r
    }

    /// A simple, valid event numbered `i` (timestamps ascend with `i`).
    static func numbered(_ i: Int) -> Event {
        Event(timestamp: 10_000 + UInt64(i), tgid: 100, tid: 101, cpu: UInt16(i & 1),
              dev: DeviceNumber(major: 7, minor: 0), ino: UInt64(i),
              payload: .block(.bioQueue, BlockIO(sector: UInt64(i) * 8, nrSector: 8, op: .write)))
    }

    static func footer(endTimestamp: UInt64 = 99_999) -> TraceFooter {
        TraceFooter(endReason: .completed, endTimestamp: endTimestamp, probes: [
            TraceFooter.ProbeStats(name: "iomap_dio_rw_begin", id: 0, events: 10, drops: 0),
            TraceFooter.ProbeStats(name: "block_bio_queue", id: 4, events: 20, drops: 0),
        ])
    }

    /// Writes `count` numbered events in chunks of `perChunk` records.
    @discardableResult
    static func writeNumbered(_ path: String, count: Int, perChunk: Int, finish: Bool = true,
                              footer: TraceFooter? = nil) throws -> TraceFooter? {
        let w = try TraceWriter(path: path, metadata: metadata(), recordsPerChunk: perChunk)
        w.maxChunkAge = nil  // chunk layout must not depend on timing
        for i in 0..<count { try w.append(numbered(i)) }
        if finish { return try w.finish(footer: footer ?? TraceFileFixtures.footer()) }
        try w.flush()
        return nil
    }

    /// Writes `records` (96 bytes each, as a ring buffer hands them over) as a finished trace file,
    /// in chunks of 64.
    static func writeRecords(_ records: [[UInt8]], to path: String) throws {
        let w = try TraceWriter(path: path, metadata: metadata(), recordsPerChunk: 64)
        for r in records { try r.withUnsafeBytes { try w.append(records: $0) } }
        try w.finish(footer: footer())
    }

    /// `records` written to a scratch trace file (``writeRecords(_:to:)``), and read back.
    static func readBack(_ records: [[UInt8]]) throws -> ([Event], SourceSummary) {
        let dir = try scratchDirectory()
        defer { cleanup(dir) }
        try writeRecords(records, to: dir + "/records.dscope")
        let (events, summary, _) = try readAll(dir + "/records.dscope")
        return (events, summary)
    }

    /// Reads all events and the summary.
    static func readAll(_ path: String) throws -> ([Event], SourceSummary, TraceReader) {
        var r = try TraceReader(path: path)
        var events: [Event] = []
        let s = try r.forEachEvent { events.append($0) }
        return (events, s, r)
    }

    static func bytes(_ path: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    static func write(_ bytes: [UInt8], to path: String) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    /// File offsets of every chunk header in a well-formed file.
    static func chunkOffsets(_ path: String) throws -> [Int] {
        var r = try TraceReader(path: path)
        var offsets: [Int] = []
        _ = try r.forEachChunk { _, info in offsets.append(info.offset) }
        return offsets
    }
}
