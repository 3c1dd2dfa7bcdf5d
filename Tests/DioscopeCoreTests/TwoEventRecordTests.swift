import Foundation
import Testing
@testable import DioscopeCore

/// Record ABI 3's two records that carry two events each: `DSC_EV_SYS_CALL` (io_submit's enter
/// and exit) and `DSC_EV_SYS_EXIT_REAP` (io_getevents' exit and the one io_event it returned).
///
/// `SyscallFolder` applies the BPF side's rules (bpf/syscalls.bpf.h) to a stream recorded with
/// ABI 2: an io_submit's enter is held and written with its exit, at the exit's place in the
/// file; an io_getevents that returned one event has its reap written with its exit. The folded
/// file must analyze exactly like the ABI 2 stream, except for what the single record cannot
/// state: the reap's time is its exit's (the BPF side wrote the reap record a few hundred
/// nanoseconds after the exit), and the enter's CPU is the exit's.
struct SyscallFolder {
    /// The folded file's records, in the original file order.
    private(set) var records: [[UInt8]] = []
    /// The original events as the folded file states them (reap time, enter CPU), in file order.
    private(set) var expected: [Event] = []
    private(set) var sysCalls = 0
    private(set) var exitReaps = 0

    static func fold(_ events: [Event]) -> SyscallFolder {
        var f = SyscallFolder()
        var heldEnter: [UInt32: Event] = [:]   // tid -> io_submit enter not yet written
        var foldedReaps = Set<Int>()           // reaps written with their exit
        for (i, e) in events.enumerated() where !foldedReaps.contains(i) {
            switch e.payload {
            case .sysEnter(let p) where p.sysno == .ioSubmit && p.fd == -1 && p.isize == -1:
                heldEnter[e.tid] = e
                continue
            case .sysExit(let p) where p.sysno == .ioSubmit:
                guard var enter = heldEnter.removeValue(forKey: e.tid) else { break }
                enter.cpu = e.cpu
                enter.dev = e.dev
                enter.ino = e.ino
                f.records.append(TraceFileFixtures.record((enter, e)))
                f.expected += [enter, e]
                f.sysCalls += 1
                continue
            case .sysExit(let p) where (p.sysno == .ioGetevents || p.sysno == .ioPgetevents) && p.ret == 1:
                // its one reap: the task's next event (the BPF side wrote it right after the exit)
                guard let j = events[(i + 1)...].firstIndex(where: { $0.tid == e.tid }),
                      case .aioReap(let r) = events[j].payload, r.index == 0, r.total == 1 else { break }
                var reap = events[j]
                reap.timestamp = e.timestamp
                reap.cpu = e.cpu
                reap.dev = e.dev
                reap.ino = e.ino
                foldedReaps.insert(j)
                f.records.append(TraceFileFixtures.record((e, reap)))
                f.expected += [e, reap]
                f.exitReaps += 1
                continue
            default:
                break
            }
            f.records.append(RecordCodec.encode(e))
            f.expected.append(e)
        }
        // enters whose exit the recording does not hold stay records of their own
        for enter in heldEnter.values.sorted(by: { $0.timestamp < $1.timestamp }) {
            f.records.append(RecordCodec.encode(enter))
            f.expected.append(enter)
        }
        return f
    }
}

@Suite struct TwoEventRecordTests {
    static let pairs = TraceFileFixtures.twoEventRecords()

    @Test func eachRecordDecodesIntoItsTwoEvents() throws {
        for pair in Self.pairs {
            let r = TraceFileFixtures.record(pair)
            let first = try r.withUnsafeBytes { b throws(RecordDecodeError) in try RecordCodec.decode(b.baseAddress!) }
            #expect(first == pair.0)
            r.withUnsafeBytes { b in
                #expect(RecordCodec.carriesTwoEvents(b.baseAddress!))
                #expect(RecordCodec.secondEvent(b.baseAddress!) == pair.1)
            }
        }
        // every other record carries one
        for e in TraceFileFixtures.everyEventType(abi: 3) {
            RecordCodec.encode(e).withUnsafeBytes { #expect(!RecordCodec.carriesTwoEvents($0.baseAddress!)) }
        }
    }

    /// What the decoder refuses in the new records: a call it does not know, an io_getevents
    /// record naming another call, an enter after its own exit, an implausible second event.
    @Test func badFieldsAreRefused() {
        func refused(_ pair: (Event, Event), _ patch: (inout [UInt8]) -> Void) -> RecordDecodeError? {
            var r = TraceFileFixtures.record(pair)
            patch(&r)
            return r.withUnsafeBytes { b -> RecordDecodeError? in
                do throws(RecordDecodeError) { _ = try RecordCodec.decode(b.baseAddress!); return nil } catch { return error }
            }
        }
        func put<T: FixedWidthInteger>(_ r: inout [UInt8], _ o: Int, _ v: T) {
            r.withUnsafeMutableBytes { $0.storeBytes(of: v.littleEndian, toByteOffset: o, as: T.self) }
        }
        let (call, reap) = (Self.pairs[0], Self.pairs[1])
        #expect(refused(call) { _ in } == nil)
        #expect(refused(reap) { _ in } == nil)
        #expect(refused(call) { put(&$0, RecordLayout.scSysno, UInt16(99)) }?.reason == .badField("sys_call.sysno", 99))
        #expect(refused(reap) { put(&$0, RecordLayout.srSysno, Syscall.ioSubmit.rawValue) }?.reason
            == .badField("sys_exit_reap.sysno", UInt64(Syscall.ioSubmit.rawValue)))
        let exitTs = call.1.timestamp
        #expect(refused(call) { put(&$0, RecordLayout.scEnterTs, exitTs + 1) }?.reason
            == .badField("sys_call.enter_ts", exitTs + 1))
        #expect(refused(call) { put(&$0, RecordLayout.scRet, Int64.max) }?.reason == .implausible("sys_exit.ret"))
        #expect(refused(reap) { put(&$0, RecordLayout.srRes, Int64.min) }?.reason == .implausible("reap.res"))
    }

    /// The live path (ring-buffer batches) gives both events of a record, in order, and counts
    /// them as events.
    @Test func streamingAnalysisTakesBothEvents() {
        let analysis = StreamingAnalysis(options: AnalysisOptions())
        var batch: [UInt8] = []
        for pair in Self.pairs { batch += TraceFileFixtures.record(pair) }
        batch.withUnsafeBytes { analysis.consume(records: $0) }
        #expect(analysis.eventsRead == 4)
        let (_, summary) = analysis.finish(dropsByProbe: [:])
        #expect(summary.firstTimestamp == Self.pairs[0].0.timestamp)
        #expect(summary.lastTimestamp == Self.pairs[1].1.timestamp)
        #expect(summary.problems.isEmpty)
    }

    static let recordings = ["rec-xfs-libaio-aio-hole-read", "rec-xfs-libaio-aio-hole-read-assembled",
                             "rec-xfs-fio-overwrite-assembled", "rec-ext4-libaio-write-fsync",
                             "rec-xfs-libaio-extend-vs-truncate", "rec-xfs-libaio-extend-vs-fallocate"]

    /// The libaio recordings in traces/real were made with ABI 2; folded as the BPF side now
    /// writes them, read back from a file, they analyze the same.
    @Test(arguments: recordings)
    func recordedTraceAnalyzesTheSameFolded(_ name: String) throws {
        let events = try AnalysisRealTraceTests.recordedEvents(name)
        let folded = SyscallFolder.fold(events)
        #expect(folded.sysCalls > 0, "\(name): no io_submit folded")
        #expect(folded.records.count + folded.sysCalls + folded.exitReaps == events.count)
        #expect(folded.expected.count == events.count)

        let dir = try TraceFileFixtures.scratchDirectory()
        defer { TraceFileFixtures.cleanup(dir) }
        let path = dir + "/folded.dscope"
        let w = try TraceWriter(path: path, metadata: TraceFileFixtures.metadata(), recordsPerChunk: 64)
        for r in folded.records { try r.withUnsafeBytes { try w.append(records: $0) } }
        try w.finish(footer: TraceFileFixtures.footer())
        let (read, summary, _) = try TraceFileFixtures.readAll(path)
        #expect(summary.problems.isEmpty, "\(summary.problems)")
        #expect(read == folded.expected, "\(name): the folded file reads back other events")

        let a = Analyzer.analyze(events: folded.expected.sorted { $0.timestamp < $1.timestamp })
        let b = Analyzer.analyze(events: read)
        #expect(!b.sourceProblems.contains { $0.contains("later than") }, "\(name): \(b.sourceProblems)")
        #expect(a.sourceProblems == b.sourceProblems, "\(name)")
        // every timeline as it is: a folded record states both its events whole
        AssembledStepsTests.expectSameAnalysis(a, b, name)
    }

    /// Across the recordings both kinds of record occur (the comparison above is not vacuous).
    @Test func theRecordingsFoldBothKinds() throws {
        var calls = 0, reaps = 0
        for name in Self.recordings {
            let f = SyscallFolder.fold(try AnalysisRealTraceTests.recordedEvents(name))
            calls += f.sysCalls
            reaps += f.exitReaps
        }
        #expect(calls >= 10 && reaps >= 5, "\(calls) io_submit calls, \(reaps) single reaps folded")
    }
}

/// The one case the folded io_submit handles worse than two records: a call blocked longer than
/// the reordering window after its first I/O began (docs/trace-format.md, `sys_call`).
@Suite struct LateSysCallTests {
    static let fs = DeviceNumber(major: 7, minor: 0)

    /// One libaio write whose io_submit returns 30 ms after it began (its device completion, 25 ms
    /// in, is read first), then an ordinary one: the records in the order a ring buffer gives them.
    static func records() -> [[UInt8]] {
        var out: [[UInt8]] = []
        func ev(_ ts: UInt64, _ tid: UInt32, _ p: Event.Payload, ino: UInt64 = 0x83) -> Event {
            Event(timestamp: ts, tgid: 500, tid: tid, cpu: UInt16(tid & 1), dev: fs, ino: ino, payload: p)
        }
        func io(at t0: UInt64, submitReturns: UInt64, n: UInt64) {
            let kiocb = 0xffff_8880_0000_0000 + n * 0x100, ref = 0x7000 + n, pos = Int64(n) * 4096
            let sector = 8192 + UInt64(pos) / 512
            let enter = ev(t0, 500, .sysEnter(SysEnter(sysno: .ioSubmit, args: (0x1000, 1, 0x2000), comm: Comm("fio"))),
                           ino: 0)
            let events: [Event] = [
                ev(t0 + 1_000, 500, .dioBegin(DIOBegin(kiocb: kiocb, pos: pos, count: 4096, isize: 1 << 28, userRef: ref,
                                                       kiFlags: [.direct, .write], api: .libaio, blkbits: 12))),
                ev(t0 + 2_000, 500, .iomapDstmap(IomapMapping(addr: sector * 512, offset: pos, length: 4096, type: .mapped,
                                                               flags: [], bdev: fs, blkbits: 12))),
                ev(t0 + 3_000, 500, .block(.bioQueue, BlockIO(sector: sector, nrSector: 8, bytes: 4096, ptr: kiocb + 1,
                                                              kiocb: kiocb, flags: [.sync, .iomapDIO], op: .write)), ino: 0),
                ev(t0 + 4_000, 500, .block(.rqIssue, BlockIO(sector: sector, nrSector: 8, bytes: 4096, ptr: 1, op: .write)),
                   ino: 0),
                ev(t0 + 5_000, 500, .dioQueued(DIOQueued(offset: pos + 4096, length: 0, isize: 1 << 28))),
            ]
            let done = min(submitReturns, 25_000_000)
            let completion: [Event] = [
                ev(t0 + done - 3_000, 0, .block(.rqComplete, BlockIO(sector: sector, nrSector: 8, bytes: 4096, ptr: 1,
                                                                      op: .write)), ino: 0),
                ev(t0 + done - 2_000, 77, .xfs(.endIoDirectWrite, XFSIO(isize: 1 << 28, disize: 1 << 28, offset: pos,
                                                                        count: 4096))),
                ev(t0 + done - 1_000, 77, .dioComplete(DIOComplete(kiocb: kiocb, pos: pos + 4096, isize: 1 << 28, ret: 4096,
                                                                   userRef: ref, error: 0, kiFlags: [.direct, .write],
                                                                   api: .libaio))),
            ]
            let exit = ev(t0 + submitReturns, 500, .sysExit(SysExit(sysno: .ioSubmit, ret: 1, enterTimestamp: t0)), ino: 0)
            let after = t0 + max(submitReturns, done) + 1_000
            let getEnter = ev(after, 500, .sysEnter(SysEnter(sysno: .ioGetevents, args: (0x1000, 1, 16), comm: Comm("fio"))),
                              ino: 0)
            let getExit = ev(after + 10_000, 500, .sysExit(SysExit(sysno: .ioGetevents, ret: 1, enterTimestamp: after)),
                             ino: 0)
            let reap = ev(after + 10_000, 500, .aioReap(AIOReap(ctx: 0x1000, obj: ref, res: 4096)), ino: 0)
            for e in events { out.append(RecordCodec.encode(e)) }
            // a blocked call: its device completion is read before the call's one record
            if submitReturns > done { for e in completion { out.append(RecordCodec.encode(e)) } }
            out.append(TraceFileFixtures.record((enter, exit)))
            if submitReturns <= done { for e in completion { out.append(RecordCodec.encode(e)) } }
            out.append(RecordCodec.encode(getEnter))
            out.append(TraceFileFixtures.record((getExit, reap)))
        }
        io(at: 1_000_000_000, submitReturns: 30_000_000, n: 1)
        io(at: 1_100_000_000, submitReturns: 8_000, n: 2)
        return out
    }

    @Test func aLateEnterIsNotedAndItsIOJoinsWithoutItsCall() throws {
        let dir = try TraceFileFixtures.scratchDirectory()
        defer { TraceFileFixtures.cleanup(dir) }
        let path = dir + "/late.dscope"
        let w = try TraceWriter(path: path, metadata: TraceFileFixtures.metadata(), recordsPerChunk: 64)
        for r in Self.records() { try r.withUnsafeBytes { try w.append(records: $0) } }
        try w.finish(footer: TraceFileFixtures.footer())
        let (read, summary, _) = try TraceFileFixtures.readAll(path)
        #expect(summary.problems.isEmpty, "\(summary.problems)")
        let r = Analyzer.analyze(events: read)
        // the scenario is the one described: the enter came back after the window
        #expect(r.sourceProblems.contains { $0.contains("later than") }, "\(r.sourceProblems)")
        #expect(r.counts.total == 2 && r.counts.writes == 2)
        #expect(r.findings.isEmpty, "\(r.findings.map(\.message))")
        let (blocked, plain) = (r.timelines.first { $0.offset == 4096 }, r.timelines.first { $0.offset == 8192 })
        let b = try #require(blocked), p = try #require(plain)
        // the blocked call's I/O: whole, reaped, but without its call's enter
        #expect(b.status == .complete && b.result == 4096 && b.reapedAt != nil)
        #expect(!b.entries.contains { $0.step == .syscallEnter })
        // the next one, its call short: as with two records
        #expect(p.status == .complete && p.reapedAt != nil)
        #expect(p.entries.contains { $0.step == .syscallEnter })
    }
}
