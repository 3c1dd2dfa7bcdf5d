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
        var input = try TraceInput(path: AnalysisRealTraceTests.recordingsDir.appendingPathComponent(name + ".dscope").path)
        var events: [Event] = []
        _ = try input.forEachEvent { events.append($0) }
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
        #expect(a.counts == b.counts, "\(name)")
        #expect(a.verdict == b.verdict, "\(name)")
        #expect(a.findings.map(\.message) == b.findings.map(\.message), "\(name)")
        #expect(a.unmatched == b.unmatched, "\(name)")
        #expect(a.timelines.count == b.timelines.count, "\(name)")
        for (x, y) in zip(a.timelines, b.timelines) where x != y {
            Issue.record("\(name): io#\(x.id) differs:\n\(x.entries)\n\(y.entries)")
            break
        }
        #expect(a.phaseTables == b.phaseTables, "\(name)")
    }

    /// Across the recordings both kinds of record occur (the comparison above is not vacuous).
    @Test func theRecordingsFoldBothKinds() throws {
        var calls = 0, reaps = 0
        for name in Self.recordings {
            var input = try TraceInput(path: AnalysisRealTraceTests.recordingsDir.appendingPathComponent(name + ".dscope").path)
            var events: [Event] = []
            _ = try input.forEachEvent { events.append($0) }
            let f = SyscallFolder.fold(events)
            calls += f.sysCalls
            reaps += f.exitReaps
        }
        #expect(calls >= 10 && reaps >= 5, "\(calls) io_submit calls, \(reaps) single reaps folded")
    }
}
