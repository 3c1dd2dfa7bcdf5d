import Foundation
import Testing
@testable import DioscopeCore

/// The records that carry more than one event: record ABI 3's `DSC_EV_SYS_CALL` (a system call's
/// enter and exit) and `DSC_EV_SYS_EXIT_REAP` (io_getevents' exit and the one io_event it
/// returned), and ABI 4's `DSC_EV_SYS_CALL_REAP` (io_getevents' enter, exit and one io_event).
///
/// `SyscallFolder` applies the BPF side's rules (bpf/syscalls.bpf.h) to a stream recorded with
/// ABI 2: an io_submit's enter is held and written with its exit, at the exit's place in the
/// file. An io_getevents' enter is held when the call found its events waiting; the BPF side
/// reads that from the aio ring at the enter, which a recording does not hold, so the folder
/// takes a call that returned within 50 µs as one that did not wait. A held io_getevents that
/// returned one event is written with its exit and reap as one record, otherwise as a
/// `DSC_EV_SYS_CALL` followed by its reaps; an io_getevents not held that returned one event has
/// its reap written with its exit. The folded file must analyze exactly like the ABI 2 stream,
/// except for what a single record cannot state: the reap's time is its exit's (the BPF side
/// wrote the reap record a few hundred nanoseconds after the exit), and the enter's CPU is the
/// exit's.
struct SyscallFolder {
    /// The folded file's records, in the original file order.
    private(set) var records: [[UInt8]] = []
    /// The original events as the folded file states them (reap time, enter CPU), in file order.
    private(set) var expected: [Event] = []
    /// `DSC_EV_SYS_CALL` records: io_submit's, and io_getevents' that were held.
    private(set) var sysCalls = 0
    private(set) var getEventsCalls = 0
    private(set) var exitReaps = 0
    private(set) var callReaps = 0

    /// What a record written for a call's exit states of the events it carries: the exit's header.
    private static func asOfExit(_ e: Event, _ exit: Event, timestamp: UInt64? = nil) -> Event {
        var e = e
        e.cpu = exit.cpu
        e.dev = exit.dev
        e.ino = exit.ino
        if let timestamp { e.timestamp = timestamp }
        return e
    }

    static func fold(_ events: [Event]) -> SyscallFolder {
        var f = SyscallFolder()
        var heldEnter: [UInt32: Event] = [:]   // tid -> enter not yet written
        var foldedReaps = Set<Int>()           // reaps written with their exit
        /// The one reap the exit at `i` returned: the task's next event (the BPF side wrote it
        /// right after the exit).
        func singleReap(after i: Int) -> Int? {
            guard let j = events[(i + 1)...].firstIndex(where: { $0.tid == events[i].tid }),
                  case .aioReap(let r) = events[j].payload, r.index == 0, r.total == 1 else { return nil }
            return j
        }
        /// Whether the io_getevents entered at `i` returned within 50 µs (see the type's comment).
        func quick(_ i: Int) -> Bool {
            guard let j = events[(i + 1)...].firstIndex(where: {
                if case .sysExit = $0.payload { return $0.tid == events[i].tid } else { return false }
            }) else { return false }
            return events[j].timestamp - events[i].timestamp < 50_000
        }
        for (i, e) in events.enumerated() where !foldedReaps.contains(i) {
            switch e.payload {
            case .sysEnter(let p) where p.sysno == .ioSubmit && p.fd == -1 && p.isize == -1:
                heldEnter[e.tid] = e
                continue
            case .sysEnter(let p) where (p.sysno == .ioGetevents || p.sysno == .ioPgetevents) && p.fd == -1
                && p.isize == -1 && Int32(exactly: p.args.1) != nil && Int32(exactly: p.args.2) != nil && quick(i):
                heldEnter[e.tid] = e
                continue
            case .sysExit(let p) where p.sysno == .ioSubmit
                || (p.sysno == .ioGetevents || p.sysno == .ioPgetevents) && heldEnter[e.tid] != nil:
                guard let held = heldEnter.removeValue(forKey: e.tid) else { break }
                let enter = asOfExit(held, e)
                if p.sysno != .ioSubmit, p.ret == 1, let j = singleReap(after: i) {
                    let reap = asOfExit(events[j], e, timestamp: e.timestamp)
                    if RecordCodec.canEncodeSysCallReap(enter: enter, exit: e, reap: reap) {
                        foldedReaps.insert(j)
                        f.records.append(TraceFileFixtures.record([enter, e, reap]))
                        f.expected += [enter, e, reap]
                        f.callReaps += 1
                        continue
                    }
                }
                f.records.append(TraceFileFixtures.record([enter, e]))
                f.expected += [enter, e]
                f.sysCalls += 1
                if p.sysno != .ioSubmit { f.getEventsCalls += 1 }
                continue
            case .sysExit(let p) where (p.sysno == .ioGetevents || p.sysno == .ioPgetevents) && p.ret == 1:
                guard let j = singleReap(after: i) else { break }
                let reap = asOfExit(events[j], e, timestamp: e.timestamp)
                foldedReaps.insert(j)
                f.records.append(TraceFileFixtures.record([e, reap]))
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
    static let groups = TraceFileFixtures.multiEventRecords()

    @Test func eachRecordDecodesIntoItsEvents() throws {
        #expect(Self.groups.map(\.count) == [2, 2, 3])
        for group in Self.groups {
            let r = TraceFileFixtures.record(group)
            let first = try r.withUnsafeBytes { b throws(RecordDecodeError) in try RecordCodec.decode(b.baseAddress!) }
            #expect(first == group[0])
            r.withUnsafeBytes { b in
                #expect(RecordCodec.laterEvents(b.baseAddress!) == group.count - 1)
                for i in 1..<group.count { #expect(RecordCodec.laterEvent(b.baseAddress!, i - 1) == group[i]) }
            }
        }
        // every other record carries one
        for e in TraceFileFixtures.everyEventType(abi: 3) {
            RecordCodec.encode(e).withUnsafeBytes { #expect(RecordCodec.laterEvents($0.baseAddress!) == 0) }
        }
    }

    /// The earliest time a record states (what a trace file's chunk index covers) is its first
    /// event's: the enter of a folded call, before the record's own time.
    @Test func earliestTimestampIsTheFirstEvents() {
        for group in Self.groups {
            TraceFileFixtures.record(group).withUnsafeBytes { b in
                #expect(RecordCodec.earliestTimestamp(b.baseAddress!) == group.map(\.timestamp).min())
            }
        }
        #expect(Self.groups.contains { $0[0].timestamp < $0[1].timestamp && $0.count == 3 })
        let one = TraceFileFixtures.everyEventType(abi: 3)[0]
        RecordCodec.encode(one).withUnsafeBytes { #expect(RecordCodec.earliestTimestamp($0.baseAddress!) == one.timestamp) }
    }

    /// The readers' path gives the same events as `decode` and `laterEvent`, and for a record
    /// one of whose later events is refused, none of them.
    @Test func forEachEventInRecordGivesEveryEventOrNone() throws {
        for group in Self.groups {
            var r = TraceFileFixtures.record(group)
            var seen: [Event] = []
            try r.withUnsafeBytes { b in try RecordCodec.forEachEvent(inRecord: b.baseAddress!) { seen.append($0) } }
            #expect(seen == group)
            // the last event made implausible (a res or ret no kernel returns)
            let field = group.count == 3 ? RecordLayout.crRes : group.count == 2 && group[1].type == .aioReap
                ? RecordLayout.srRes : RecordLayout.scRet
            r.withUnsafeMutableBytes { $0.storeBytes(of: Int64.min.littleEndian, toByteOffset: field, as: Int64.self) }
            seen = []
            #expect(throws: RecordDecodeError.self) {
                try r.withUnsafeBytes { b in try RecordCodec.forEachEvent(inRecord: b.baseAddress!) { seen.append($0) } }
            }
            #expect(seen.isEmpty, "\(seen)")
        }
        // a record of one event
        let one = TraceFileFixtures.everyEventType(abi: 3)[0]
        var seen: [Event] = []
        try RecordCodec.encode(one).withUnsafeBytes { b in try RecordCodec.forEachEvent(inRecord: b.baseAddress!) { seen.append($0) } }
        #expect(seen == [one])
    }

    /// What the decoder refuses in the new records: a call it does not know, an io_getevents
    /// record naming another call, an enter after its own exit, an implausible later event.
    @Test func badFieldsAreRefused() {
        func refused(_ group: [Event], _ patch: (inout [UInt8]) -> Void) -> RecordDecodeError? {
            var r = TraceFileFixtures.record(group)
            patch(&r)
            return r.withUnsafeBytes { b -> RecordDecodeError? in
                do throws(RecordDecodeError) { _ = try RecordCodec.decode(b.baseAddress!); return nil } catch { return error }
            }
        }
        func put<T: FixedWidthInteger>(_ r: inout [UInt8], _ o: Int, _ v: T) {
            r.withUnsafeMutableBytes { $0.storeBytes(of: v.littleEndian, toByteOffset: o, as: T.self) }
        }
        let (call, reap, callReap) = (Self.groups[0], Self.groups[1], Self.groups[2])
        #expect(refused(call) { _ in } == nil)
        #expect(refused(reap) { _ in } == nil)
        #expect(refused(callReap) { _ in } == nil)
        #expect(refused(call) { put(&$0, RecordLayout.scSysno, UInt16(99)) }?.reason == .badField("sys_call.sysno", 99))
        #expect(refused(reap) { put(&$0, RecordLayout.srSysno, Syscall.ioSubmit.rawValue) }?.reason
            == .badField("sys_exit_reap.sysno", UInt64(Syscall.ioSubmit.rawValue)))
        #expect(refused(callReap) { put(&$0, RecordLayout.crSysno, Syscall.ioSubmit.rawValue) }?.reason
            == .badField("sys_call_reap.sysno", UInt64(Syscall.ioSubmit.rawValue)))
        let exitTs = call[1].timestamp
        #expect(refused(call) { put(&$0, RecordLayout.scEnterTs, exitTs + 1) }?.reason
            == .badField("sys_call.enter_ts", exitTs + 1))
        // an enter further back than the record's own time
        let callReapTs = callReap[1].timestamp
        #expect(refused(callReap) { put(&$0, RecordLayout.crEnterAgo, UInt32(callReapTs + 1)) }?.reason
            == .badField("sys_call_reap.enter_ago", callReapTs + 1))
        #expect(refused(call) { put(&$0, RecordLayout.scRet, Int64.max) }?.reason == .implausible("sys_exit.ret"))
        #expect(refused(reap) { put(&$0, RecordLayout.srRes, Int64.min) }?.reason == .implausible("reap.res"))
        #expect(refused(callReap) { put(&$0, RecordLayout.crRes, Int64.min) }?.reason == .implausible("reap.res"))
    }

    /// What one `DSC_EV_SYS_CALL_REAP` cannot state, the encoder refuses (the BPF side then writes
    /// the call and its reap apart): another return than one event, a res2, an argument wider
    /// than 32 bits, an enter more than 4.29 s back, another call.
    @Test func whatTheThreeEventRecordCannotHoldIsNotFolded() {
        let g = Self.groups[2]
        #expect(RecordCodec.canEncodeSysCallReap(enter: g[0], exit: g[1], reap: g[2]))
        func with(_ i: Int, _ change: (inout Event.Payload) -> Void) -> [Event] {
            var c = g
            change(&c[i].payload)
            return c
        }
        var cases: [[Event]] = []
        cases.append(with(1) { if case .sysExit(var x) = $0 { x.ret = 2; $0 = .sysExit(x) } })
        cases.append(with(2) { if case .aioReap(var r) = $0 { r.res2 = 1; $0 = .aioReap(r) } })
        cases.append(with(0) { if case .sysEnter(var x) = $0 { x.args.2 = 1 << 31; $0 = .sysEnter(x) } })
        cases.append(with(0) { if case .sysEnter(var x) = $0 { x.sysno = .ioSubmit; $0 = .sysEnter(x) } })
        var far = g
        far[0].timestamp = 0
        if case .sysExit(var x) = far[1].payload { x.enterTimestamp = 0; far[1].payload = .sysExit(x) }
        far[1].timestamp = 5_000_000_000
        far[2].timestamp = 5_000_000_000
        cases.append(far)
        for c in cases { #expect(!RecordCodec.canEncodeSysCallReap(enter: c[0], exit: c[1], reap: c[2]), "\(c)") }
    }

    /// The live path (ring-buffer batches) gives every event of a record, in order, and counts
    /// them as events.
    @Test func streamingAnalysisTakesEveryEvent() {
        let analysis = StreamingAnalysis(options: AnalysisOptions())
        var batch: [UInt8] = []
        for group in Self.groups { batch += TraceFileFixtures.record(group) }
        batch.withUnsafeBytes { analysis.consume(records: $0) }
        #expect(analysis.eventsRead == 7)
        let (_, summary) = analysis.finish(dropsByProbe: [:])
        #expect(summary.firstTimestamp == Self.groups[0][0].timestamp)
        #expect(summary.lastTimestamp == Self.groups[2][2].timestamp)
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
        #expect(folded.records.count + folded.sysCalls + folded.exitReaps + 2 * folded.callReaps == events.count)
        #expect(folded.expected.count == events.count)

        let (read, summary) = try TraceFileFixtures.readBack(folded.records)
        #expect(summary.problems.isEmpty, "\(summary.problems)")
        #expect(read == folded.expected, "\(name): the folded file reads back other events")

        let a = Analyzer.analyze(events: folded.expected.sorted { $0.timestamp < $1.timestamp })
        let b = Analyzer.analyze(events: read)
        #expect(!b.sourceProblems.contains { $0.contains("later than") }, "\(name): \(b.sourceProblems)")
        #expect(a.sourceProblems == b.sourceProblems, "\(name)")
        // every timeline as it is: a folded record states its events whole
        AssembledStepsTests.expectSameAnalysis(a, b, name)
    }

    /// Across the recordings every kind of record occurs (the comparison above is not vacuous).
    @Test func theRecordingsFoldEveryKind() throws {
        var calls = 0, getCalls = 0, reaps = 0, callReaps = 0
        for name in Self.recordings {
            let f = SyscallFolder.fold(try AnalysisRealTraceTests.recordedEvents(name))
            calls += f.sysCalls
            getCalls += f.getEventsCalls
            reaps += f.exitReaps
            callReaps += f.callReaps
        }
        // (no quick io_getevents in them returned more than one event: see the next test)
        #expect(calls >= 10 && reaps >= 1 && callReaps >= 5,
                "\(calls) calls (\(getCalls) io_getevents), \(reaps) single reaps, \(callReaps) calls with their reap folded")
    }

    /// A held io_getevents that returned two events is a `DSC_EV_SYS_CALL`, then its two reaps as
    /// records of their own; one that returned an event with a res2 is a `DSC_EV_SYS_CALL` and
    /// its reap.
    @Test func aHeldGeteventsThatCannotFoldItsReapIsACallAndItsReaps() throws {
        func ev(_ ts: UInt64, cpu: UInt16, _ p: Event.Payload) -> Event {
            Event(timestamp: ts, tgid: 9, tid: 9, cpu: cpu, dev: DeviceNumber(raw: 0), ino: 0, payload: p)
        }
        let enter = ev(1_000, cpu: 0, .sysEnter(SysEnter(sysno: .ioGetevents, args: (0x1000, 1, 16), comm: Comm("fio"))))
        let twoBack = [
            enter,
            ev(3_000, cpu: 1, .sysExit(SysExit(sysno: .ioGetevents, ret: 2, enterTimestamp: 1_000))),
            ev(3_100, cpu: 1, .aioReap(AIOReap(ctx: 0x1000, data: 1, obj: 0x10, res: 4096, index: 0, total: 2))),
            ev(3_200, cpu: 1, .aioReap(AIOReap(ctx: 0x1000, data: 2, obj: 0x20, res: 4096, index: 1, total: 2))),
        ]
        let withRes2 = [
            enter,
            ev(3_000, cpu: 1, .sysExit(SysExit(sysno: .ioGetevents, ret: 1, enterTimestamp: 1_000))),
            ev(3_100, cpu: 1, .aioReap(AIOReap(ctx: 0x1000, data: 1, obj: 0x10, res: 4096, res2: 7, index: 0, total: 1))),
        ]
        for events in [twoBack, withRes2] {
            let f = SyscallFolder.fold(events)
            #expect(f.getEventsCalls == 1 && f.callReaps == 0 && f.exitReaps == 0)
            #expect(f.records.count == events.count - 1)
            let laterEvents = f.records.map { r in r.withUnsafeBytes { RecordCodec.laterEvents($0.baseAddress!) } }
            #expect(laterEvents == [1] + [Int](repeating: 0, count: events.count - 2))
            var expected = events
            expected[0].cpu = 1
            #expect(f.expected == expected)
            let (read, summary) = try TraceFileFixtures.readBack(f.records)
            #expect(summary.problems.isEmpty)
            #expect(read == expected)
        }
    }
}

/// The cases a folded call's late enter can make: an io_submit blocked longer than the
/// reordering window after its first I/O began (docs/trace-format.md, `sys_call`), and an
/// io_getevents that slept after its enter was held (`sys_call_reap`).
@Suite struct LateSysCallTests {
    static let fs = DeviceNumber(major: 7, minor: 0)

    /// How a scenario's io_getevents goes.
    enum Getevents {
        /// Entered after the I/O completed: its enter a record of its own, its exit and reap one
        /// `DSC_EV_SYS_EXIT_REAP`, 10 µs later.
        case afterCompletion
        /// Entered 2 µs after io_submit returned with its enter held, returning `sleeps` ns later
        /// as one `DSC_EV_SYS_CALL_REAP`; the I/O completes just before. Another task makes a call
        /// 1 ms into the sleep, acted on before the held enter arrives.
        case heldSleeping(UInt64)
    }

    /// The records of libaio write number `n` (at offset `n` × 4096), begun at `t0`, in the order
    /// a ring buffer gives them: its io_submit returns `submitReturns` after it began (a call
    /// blocked past the completion, which comes at most 25 ms in, has that completion read first).
    static func libaioWrite(at t0: UInt64, n: UInt64, submitReturns: UInt64 = 8_000, getevents: Getevents,
                            into out: inout [[UInt8]]) {
        func ev(_ ts: UInt64, _ tid: UInt32, _ p: Event.Payload, ino: UInt64 = 0x83) -> Event {
            Event(timestamp: ts, tgid: 500, tid: tid, cpu: UInt16(tid & 1), dev: fs, ino: ino, payload: p)
        }
        let kiocb = 0xffff_8880_0000_0000 + n * 0x100, ref = 0x7000 + n, pos = Int64(n) * 4096
        let sector = 8192 + UInt64(pos) / 512
        let enter = ev(t0, 500, .sysEnter(SysEnter(sysno: .ioSubmit, args: (0x1000, 1, 0x2000), comm: Comm("fio"))),
                       ino: 0)
        let exit = ev(t0 + submitReturns, 500, .sysExit(SysExit(sysno: .ioSubmit, ret: 1, enterTimestamp: t0)), ino: 0)
        let submission: [Event] = [
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
        /// The device completion, the XFS end_io and the completion posted, the last at `done`.
        func completion(_ done: UInt64) -> [[UInt8]] {
            [
                ev(done - 2_000, 0, .block(.rqComplete, BlockIO(sector: sector, nrSector: 8, bytes: 4096, ptr: 1,
                                                                 op: .write)), ino: 0),
                ev(done - 1_000, 77, .xfs(.endIoDirectWrite, XFSIO(isize: 1 << 28, disize: 1 << 28, offset: pos,
                                                                   count: 4096))),
                ev(done, 77, .dioComplete(DIOComplete(kiocb: kiocb, pos: pos + 4096, isize: 1 << 28, ret: 4096,
                                                      userRef: ref, error: 0, kiFlags: [.direct, .write], api: .libaio))),
            ].map { RecordCodec.encode($0) }
        }
        func getCall(at getAt: UInt64, returns: UInt64) -> (Event, Event, Event) {
            (ev(getAt, 500, .sysEnter(SysEnter(sysno: .ioGetevents, args: (0x1000, 1, 16), comm: Comm("fio"))), ino: 0),
             ev(returns, 500, .sysExit(SysExit(sysno: .ioGetevents, ret: 1, enterTimestamp: getAt)), ino: 0),
             ev(returns, 500, .aioReap(AIOReap(ctx: 0x1000, obj: ref, res: 4096)), ino: 0))
        }
        out += submission.map { RecordCodec.encode($0) }
        switch getevents {
        case .afterCompletion:
            let completes = min(submitReturns, 25_000_000)
            // a blocked call: its device completion is read before the call's one record
            if submitReturns > completes { out += completion(t0 + completes - 1_000) }
            out.append(TraceFileFixtures.record([enter, exit]))
            if submitReturns <= completes { out += completion(t0 + completes - 1_000) }
            let getAt = t0 + max(submitReturns, completes) + 1_000
            let (getEnter, getExit, reap) = getCall(at: getAt, returns: getAt + 10_000)
            out.append(RecordCodec.encode(getEnter))
            out.append(TraceFileFixtures.record([getExit, reap]))
        case .heldSleeping(let sleeps):
            out.append(TraceFileFixtures.record([enter, exit]))
            let getAt = t0 + submitReturns + 2_000
            // another task's call during the sleep
            let other = ev(getAt + 1_000_000, 600, .sysEnter(SysEnter(sysno: .fdatasync, fd: 9, comm: Comm("other"))),
                           ino: 0)
            let otherExit = ev(getAt + 1_100_000, 600, .sysExit(SysExit(sysno: .fdatasync, fd: 9, ret: 0,
                                                                         enterTimestamp: getAt + 1_000_000)), ino: 0)
            out += [RecordCodec.encode(other), RecordCodec.encode(otherExit)]
            out += completion(getAt + sleeps - 11_000)
            let (getEnter, getExit, reap) = getCall(at: getAt, returns: getAt + sleeps)
            out.append(TraceFileFixtures.record([getEnter, getExit, reap]))
        }
    }

    /// One libaio write whose io_submit returns 30 ms after it began (its device completion, 25 ms
    /// in, is read first), then an ordinary one.
    static func records() -> [[UInt8]] {
        var out: [[UInt8]] = []
        libaioWrite(at: 1_000_000_000, n: 1, submitReturns: 30_000_000, getevents: .afterCompletion, into: &out)
        libaioWrite(at: 1_100_000_000, n: 2, getevents: .afterCompletion, into: &out)
        return out
    }

    @Test func aLateEnterIsNotedAndItsIOJoinsWithoutItsCall() throws {
        let (read, summary) = try TraceFileFixtures.readBack(Self.records())
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

    /// An io_getevents whose enter was held (its event seemed to be waiting) but that slept 30 ms
    /// anyway (another thread took the event first): its `DSC_EV_SYS_CALL_REAP` arrives after the
    /// completion posted during the call, and after another task's events from early in the
    /// sleep were acted on, so its enter is late. Only the note says so: the I/O is whole and
    /// reaped, at the call's return, and no finding is made. (Without the other task's events
    /// nothing is late: the enter is older than every event released before it.)
    @Test func aHeldGeteventsThatSleptHasOnlyItsEnterNotedLate() throws {
        var out: [[UInt8]] = []
        Self.libaioWrite(at: 1_000_000_000, n: 1, getevents: .heldSleeping(30_000_000), into: &out)
        Self.libaioWrite(at: 1_100_000_000, n: 2, getevents: .heldSleeping(20_000), into: &out)
        let (read, summary) = try TraceFileFixtures.readBack(out)
        #expect(summary.problems.isEmpty, "\(summary.problems)")
        let r = Analyzer.analyze(events: read)
        // the scenario is the one described: one event, the sleeping call's enter, came back late
        #expect(r.sourceProblems.contains { $0.contains("note: 1 events arrived later than") }, "\(r.sourceProblems)")
        #expect(r.counts.total == 2 && r.findings.isEmpty, "\(r.findings.map(\.message))")
        let slept = try #require(r.timelines.first { $0.offset == 4096 })
        #expect(slept.status == .complete && slept.result == 4096)
        #expect(slept.reapedAt == 1_000_000_000 + 10_000 + 30_000_000)
        #expect(slept.entries.contains { $0.step == .syscallEnter })
        let quick = try #require(r.timelines.first { $0.offset == 8192 })
        #expect(quick.status == .complete && quick.reapedAt != nil)
    }

    /// A reordering window wider than the call's block (`--reorder-window`) puts the enter back
    /// in place: no late event, and the blocked call's I/O has its enter.
    @Test func aWiderWindowPutsTheLateEnterInPlace() throws {
        let dir = try TraceFileFixtures.scratchDirectory()
        defer { TraceFileFixtures.cleanup(dir) }
        let path = dir + "/late.dscope"
        try TraceFileFixtures.writeRecords(Self.records(), to: path)
        var input = try TraceInput(path: path)
        var options = AnalysisOptions()
        options.reorderWindowNs = 50_000_000
        let (r, _) = try Analyzer.analyze(&input, options: options)
        #expect(!r.sourceProblems.contains { $0.contains("later than") }, "\(r.sourceProblems)")
        #expect(r.counts.total == 2 && r.findings.isEmpty)
        let blocked = try #require(r.timelines.first { $0.offset == 4096 })
        #expect(blocked.status == .complete && blocked.entries.contains { $0.step == .syscallEnter })
        // and the note names the window it was given
        var narrow = try TraceInput(path: path)
        options.reorderWindowNs = 2_500_000
        let (n, _) = try Analyzer.analyze(&narrow, options: options)
        #expect(n.sourceProblems.contains { $0.contains("later than the 2.5 ms reorder window") }, "\(n.sourceProblems)")
    }
}
