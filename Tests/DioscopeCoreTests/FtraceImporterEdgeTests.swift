import Foundation
import Testing
@testable import DioscopeCore

/// Bad, odd and lossy ftrace text.
@Suite struct FtraceImporterEdgeTests {
    static let begin = "iomap_dio_rw_begin: dev 7:0 ino 0x83 size 0xc000 offset 0x0 length 0x1000 done_before 0x0 flags DIRECT|WRITE|AIO_RW dio_flags  aio 1"

    @Test func malformedLinesAreReportedWithLineNumbersAndSkipped() throws {
        let text = """
            # tracer: nop
               aio_hole_read-6297    [000] .....   509.554555: \(Self.begin)
               this is not a trace line
               aio_hole_read-6297    [000] .....   509.554556: iomap_dio_rw_queued: dev 7:0 ino zz size 0xc000
               aio_hole_read-6297    [000] .....   notatime: iomap_dio_rw_queued: dev 7:0 ino 0x83 size 0 offset 0 length 0
               aio_hole_read-6297    [000] .....   509.554557: iomap_dio_rw_queued: dev 7:0 ino 0x83 size 0xc000 offset 0x1000 length 0x0

            """
        let (events, summary) = try FtraceFixtures.importText(text)
        #expect(events.map(\.type) == [.dioBegin, .dioQueued])
        #expect(summary.damaged)
        #expect(!summary.isComplete)
        #expect(summary.problems.map(\.position) == ["line 3", "line 4", "line 5"])
        #expect(summary.problems[1].message.contains("ino"))
        #expect(summary.problems.allSatisfy { $0.severity == .error })
    }

    /// `sched_process_exit` (captured on this kernel, 6.18): the last thread of a process, with
    /// group_dead; an older kernel's line without it is a thread's exit. The exit code is not printed.
    @Test func processExitLinesAreTaskExits() throws {
        let text = """
                       sleep-3031    [001] ..... 38411.612193: sched_process_exit: comm=sleep pid=3031 prio=120 group_dead=true
                 aio_abandon-3040    [000] ..... 38411.700000: sched_process_exit: comm=aio_abandon pid=3040 prio=120 group_dead=false
                 aio_abandon-3041    [000] ..... 38411.800000: sched_process_exit: comm=aio_abandon pid=3041 prio=120

            """
        let (events, summary) = try FtraceFixtures.importText(text)
        #expect(summary.problems.isEmpty)
        #expect(events.map(\.tid) == [3031, 3040, 3041])
        #expect(events.map(\.payload) == [.taskExit(TaskExit(exitCode: nil, groupDead: true)),
                                          .taskExit(TaskExit(exitCode: nil, groupDead: false)),
                                          .taskExit(TaskExit(exitCode: nil, groupDead: false))])
    }

    @Test func xfsZeroEofCarriesTheZeroedRangeAndTheSizeItSaw() throws {
        // from traces/real/xfs-extend-vs-truncate.ftrace.txt
        let text = """
            extend_vs_fallo-16204   [001] .....   805.502439: xfs_zero_eof: dev 7:0 ino 0x83 isize 0x10000 disize 0x10000 pos 0x0 bytecount 0x18000

            """
        let (events, summary) = try FtraceFixtures.importText(text)
        #expect(summary.problems.isEmpty)
        let e = try #require(events.first)
        #expect(e.dev == DeviceNumber(major: 7, minor: 0) && e.ino == 0x83 && e.tid == 16204)
        guard case .fsSpaceOp(let op) = e.payload else { Issue.record("not a space op: \(e.payload)"); return }
        #expect(op.kind == .xfsZeroEof)
        #expect(op.offset == 0 && op.len == 0x18000 && op.isize == 0x10000)
    }

    @Test func unknownEventsAreSkippedAndCountedByName() throws {
        let text = """
                    sync-6299    [000] .....   509.588836: ext4_es_lookup_extent_enter: dev 254,0 ino 2 lblk 0
                    sync-6299    [000] .....   509.588837: ext4_es_lookup_extent_enter: dev 254,0 ino 2 lblk 1
                    sync-6299    [000] .....   509.588838: sys_openat(dfd: 0xffffff9c, filename: 0x7f, flags: 0, mode: 0)
                    sync-6299    [000] .....   509.588839: sys_openat -> 0x3
                    sync-6299    [000] .....   509.588840: sys_fsync(fd: 3)

            """
        let (events, summary) = try FtraceFixtures.importText(text)
        #expect(events.count == 1)
        #expect(summary.skipped == ["ext4_es_lookup_extent_enter": 2, "sys_openat": 2])
        #expect(summary.problems.isEmpty && summary.isComplete)
    }

    @Test func truncatedLastLineIsNotParsedAndMarksTheInputTruncated() throws {
        let text = """
               aio_hole_read-6297    [000] .....   509.554555: \(Self.begin)
               aio_hole_read-6297    [000] .....   509.554998: iomap_dio_complete: dev 7:0 ino 0x83 size 0xc000 offset 0x1000 flags DIRECT aio 0 error 0 ret 40
            """
        let (events, summary) = try FtraceFixtures.importText(text)
        #expect(events.map(\.type) == [.dioBegin])
        #expect(summary.truncated)
        #expect(!summary.damaged)
        #expect(!summary.isComplete)
        #expect(summary.problems.count == 1 && summary.problems[0].position == "line 2")
        #expect(summary.problems[0].severity == .warning)
    }

    @Test func lostEventMarkersBecomeLostEvents() throws {
        let text = """
               aio_hole_read-6297    [000] .....   509.554555: \(Self.begin)
            CPU:1 [LOST 123 EVENTS]
                 kworker/1:2-467     [001] .....   509.554945: xfs_end_io_direct_write: dev 7:0 ino 0x83 isize 0xc000 disize 0xc000 pos 0x0 bytecount 0x1000
            CPU:0 [7 EVENTS DROPPED]

            """
        let (events, summary) = try FtraceFixtures.importText(text)
        try #require(events.map(\.type) == [.dioBegin, .lost, .xfsEndIoDirectWrite, .lost])
        #expect(events[1] == Event(timestamp: 509_554_945_000, cpu: 1,
                                   payload: .lost(Lost(dropped: 123, sinceNs: 509_554_555_000))))
        #expect(events[3] == Event(timestamp: 509_554_945_000, cpu: 0,
                                   payload: .lost(Lost(dropped: 7, sinceNs: 509_554_945_000))))
        #expect(summary.dropped == 130)
        #expect(!summary.isComplete)
        #expect(summary.problems.isEmpty)
    }

    @Test func traceCmdDropWithoutCountIsCountedAsOneWithAWarning() throws {
        let text = """
            cpus=2
               aio_hole_read-6297  [000]   509.554555: \(Self.begin)
            CPU:1 [EVENTS DROPPED]
               aio_hole_read-6297  [000]   509.554556: iomap_dio_rw_queued: dev 7:0 ino 0x83 size 0xc000 offset 0x1000 length 0x0

            """
        let (events, summary) = try FtraceFixtures.importText(text)
        try #require(events.map(\.type) == [.dioBegin, .lost, .dioQueued])
        #expect(events[1].payload == .lost(Lost(dropped: 1, sinceNs: 509_554_555_000)))
        #expect(summary.dropped == 1 && summary.format == "trace-cmd-report")
        #expect(summary.problems.count == 1 && summary.problems[0].severity == .warning)
        #expect(!summary.damaged)
    }

    @Test func overwrittenTraceBufferCountsAsDropped() throws {
        let text = """
            # tracer: nop
            #
            # entries-in-buffer/entries-written: 2/50   #P:2
            #
               aio_hole_read-6297    [000] .....   509.554555: \(Self.begin)

            """
        let (events, summary) = try FtraceFixtures.importText(text)
        try #require(events.map(\.type) == [.lost, .dioBegin])
        #expect(events[0].payload == .lost(Lost(dropped: 48, sinceNs: 0)))
        #expect(summary.dropped == 48 && summary.format == "ftrace-trace")
    }

    @Test func lineVariants() throws {
        // comm with spaces and dashes, nanosecond timestamps, no irq-info column,
        // "-----" tgid, FWFS rwbs, negative syscall return, negative DIO error.
        let text = """
              my-prog x-9-12    [001] d..1. 100.000000001: block_bio_queue: 8,16 FWFS 2048 + 16 [my-prog x-9]
              my-prog x-9-12 (-------) [001] 100.000000002: sys_pwrite64(fd: 0x17, buf: 0x7f00, count: 0x200000, pos: 0x10)
              my-prog x-9-12    [001] 100.000000003: sys_pwrite64 -> 0xfffffffffffffff2
                    <idle>-0       [000] ..s1.   100.5: block_rq_complete: 8,16 RA () 18446744073709551615 + 0 be,0,4 [-5]
              my-prog x-9-12    [001] 100.000000004: iomap_dio_complete: dev 8:17 ino 0x10 size 0x0 offset 0x0 flags DIRECT|WRITE|AIO_RW aio 1 error -11 ret -11

            """
        let (events, summary) = try FtraceFixtures.importText(text)
        #expect(summary.problems.isEmpty)
        try #require(events.count == 5)
        #expect(events[0] == Event(timestamp: 100_000_000_001, tgid: 12, tid: 12, cpu: 1, dev: DeviceNumber(major: 8, minor: 16),
                                   payload: .block(.bioQueue, BlockIO(sector: 2048, nrSector: 16,
                                                                      flags: [.preflush, .fua, .sync], op: .write))))
        #expect(events[1] == Event(timestamp: 100_000_000_002, tgid: 12, tid: 12, cpu: 1,
                                   payload: .sysEnter(SysEnter(sysno: .pwrite64, fd: 0x17, args: (0x7f00, 0x200000, 0x10),
                                                               comm: Comm("my-prog x-9")))))
        #expect(events[2].payload == .sysExit(SysExit(sysno: .pwrite64, fd: 0x17, ret: -14, enterTimestamp: 100_000_000_002)))
        #expect(events[3] == Event(timestamp: 100_500_000_000, tgid: 0, tid: 0, cpu: 0, dev: DeviceNumber(major: 8, minor: 16),
                                   payload: .block(.rqComplete, BlockIO(sector: UInt64.max, nrSector: 0, error: -5,
                                                                        flags: [.ahead], op: .read))))
        guard case .dioComplete(let c) = events[4].payload else { Issue.record("not complete"); return }
        #expect(c.error == -11 && c.ret == -11 && c.api == .libaio)
        #expect(events[4].dev == DeviceNumber(major: 8, minor: 17))
    }

    @Test func exitWithoutEnterHasNoEnterTimestamp() throws {
        let text = """
                 fio-1    [000] .....   1.000001: sys_fdatasync -> 0x0
                 fio-1    [000] .....   1.000002: sys_fsync(fd: 4)
                 fio-2    [001] .....   1.000003: sys_fsync -> 0x0
                 fio-1    [000] .....   1.000004: sys_fsync -> 0x0

            """
        let (events, _) = try FtraceFixtures.importText(text)
        try #require(events.count == 4)
        #expect(events[0].payload == .sysExit(SysExit(sysno: .fdatasync, ret: 0)))
        #expect(events[2].payload == .sysExit(SysExit(sysno: .fsync, ret: 0)))
        #expect(events[3].payload == .sysExit(SysExit(sysno: .fsync, fd: 4, ret: 0, enterTimestamp: 1_000_002_000)))
    }

    @Test func detectsFtraceTextAndRejectsOtherInput() throws {
        for name in ["xfs-aio-hole.trace", "xfs-aio-hole.pipe", "xfs-aio-hole.trace-cmd", "xfs-uring-tgid.trace"] {
            let bytes = try Array(Data(contentsOf: URL(fileURLWithPath: try FtraceFixtures.path(name))))
            #expect(FtraceImporter.looksLikeFtraceText(Array(bytes.prefix(65536))), "\(name)")
        }
        #expect(!FtraceImporter.looksLikeFtraceText(Array("hello world\nthis is prose\nnot a trace\n".utf8)))
        #expect(!FtraceImporter.looksLikeFtraceText([0x44, 0x53, 0x43, 0x00, 0x01, 0x0A, 0x00, 0x0A]))
        #expect(!FtraceImporter.looksLikeFtraceText([]))
    }

    @Test func overlongLinesAreSkippedWithBoundedMemory() throws {
        let good = "   aio_hole_read-6297    [000] .....   509.554555: \(Self.begin)\n"
        var bytes = Array(good.utf8)
        bytes += [UInt8](repeating: 0x41, count: 5000) + [0x0A]
        bytes += Array(good.replacingOccurrences(of: "509.554555", with: "509.554556").utf8)
        bytes += [UInt8](repeating: 0x42, count: 3000)  // over-long and cut off at the end
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("dioscope-ftrace-long-\(getpid()).txt")
        try Data(bytes).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        var source = FtraceImporter(path: url.path, blockSize: 256, maxLineLength: 1024)
        var events: [Event] = []
        let summary = try source.forEachEvent { events.append($0) }
        #expect(events.map(\.timestamp) == [509_554_555_000, 509_554_556_000])
        #expect(summary.problems.map(\.position) == ["line 2", "line 4"])
        #expect(summary.damaged)
    }

    @Test func missingFileThrows() {
        var source = FtraceImporter(path: "/nonexistent/dioscope-ftrace")
        #expect(throws: FtraceImportError.self) { _ = try source.forEachEvent { _ in } }
    }

    /// Prints the parsing rate (target ≥ 2 M lines/s in release builds); asserts only correctness.
    @Test func throughput() throws {
        let sample = try String(contentsOfFile: try FtraceFixtures.path("xfs-aio-hole.trace"), encoding: .utf8)
            .split(separator: "\n").filter { !$0.hasPrefix("#") }
        var bytes: [UInt8] = []
        let copies = 2000
        for _ in 0..<copies {
            for line in sample { bytes.append(contentsOf: line.utf8); bytes.append(0x0A) }
        }
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("dioscope-ftrace-perf-\(getpid()).txt")
        try Data(bytes).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        var source = FtraceImporter(path: url.path)
        var n = 0
        let clock = ContinuousClock()
        var summary: SourceSummary?
        let elapsed = try clock.measure { summary = try source.forEachEvent { _ in n += 1 } }
        let lines = sample.count * copies
        let secs = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print("ftrace import: \(lines) lines, \(bytes.count) bytes in \(secs) s = \(Int(Double(lines) / secs)) lines/s")
        #expect(n == lines)
        #expect(summary?.problems.isEmpty == true)
    }
}
