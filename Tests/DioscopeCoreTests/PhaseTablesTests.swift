import Testing
@testable import DioscopeCore

/// The phase tables the engine reports (overall, per process, per file) against a model: a
/// ``PhaseAccumulator`` per group fed with the phases of that group's complete timelines as the
/// engine hands them out. The engine feeds only the overall accumulator while every I/O so far
/// came from one process and one file, and copies it when another process or file first
/// appears; the streams below cross the exact-sample limit (the switch to histograms) before
/// that happens, and after. Events are generated and fed one by one, and no timeline is kept, so
/// the test stays small beside the tests that measure the process's memory.
@Suite struct PhaseTablesTests {
    static let dev = DeviceNumber(major: 7, minor: 0)

    /// Sync pwrite64 overwrite number `i` by process `tgid` on file `ino`, each with its own latencies.
    static func io(_ i: Int, tgid: UInt32, ino: UInt64, fd: Int32) -> [Event] {
        let t0 = 100_000_000_000 + UInt64(i) * 100_000
        let d = UInt64(i % 37) * 1000
        let pos = Int64(i % 64) * 4096
        let sector = (0x100000 + UInt64(pos)) / 512
        let kiocb = 0xffff_c900_0200_0000 + UInt64(i % 8) * 0x100
        func ev(_ dt: UInt64, _ p: Event.Payload, tid: UInt32? = nil, ino: UInt64 = 0) -> Event {
            Event(timestamp: t0 + dt, tgid: tid == 0 ? 0 : tgid, tid: tid ?? tgid, cpu: 0, dev: dev, ino: ino, payload: p)
        }
        return [
            ev(0, .sysEnter(SysEnter(sysno: .pwrite64, fd: fd, args: (0x7f00_0000_4000, 4096, pos), isize: 0x40000,
                                     comm: Comm("w\(tgid)"))), ino: ino),
            ev(2000 + d % 3000, .dioBegin(DIOBegin(kiocb: kiocb, pos: pos, count: 4096, isize: 0x40000, userRef: 0,
                                                   kiFlags: [.direct], api: .sync, blkbits: 12)), ino: ino),
            ev(5000 + d % 3000, .iomapDstmap(IomapMapping(addr: 0x100000 + UInt64(pos), offset: pos, length: 4096,
                                                          type: .mapped, flags: [.dirty], bdev: dev, blkbits: 12)),
               ino: ino),
            ev(8000 + d % 5000, .block(.bioQueue, BlockIO(sector: sector, nrSector: 8, ptr: 0xffff_8880_0100_0000 + sector,
                                                          kiocb: kiocb, flags: [.sync, .iomapDIO], op: .write))),
            ev(9000 + d % 5000, .block(.rqIssue, BlockIO(sector: sector, nrSector: 8, bytes: 4096, flags: [.sync],
                                                         op: .write))),
            ev(20000 + d, .block(.rqComplete, BlockIO(sector: sector, nrSector: 8, bytes: 4096, flags: [.sync],
                                                      op: .write)), tid: 0),
            ev(22000 + d + d % 2000, .dioComplete(DIOComplete(kiocb: kiocb, pos: pos + 4096, isize: 0x40000, ret: 4096,
                                                              userRef: 0, error: 0, kiFlags: [.direct], api: .sync)),
               ino: ino),
            ev(24000 + d + d % 4000, .sysExit(SysExit(sysno: .pwrite64, fd: fd, ret: 4096, isize: 0x40000)), ino: ino),
        ]
    }

    /// `first` I/Os of process 100 on file 0xA1, then `mixed` spread over two processes and two files.
    static func check(first: Int, mixed: Int) {
        var options = AnalysisOptions()
        options.keepAllTimelines = false
        let analyzer = Analyzer(options: options)
        var overall = PhaseAccumulator(group: "all")
        var byProcess: [UInt32: PhaseAccumulator] = [:]
        var byFile: [UInt64: PhaseAccumulator] = [:]
        var seen = 0
        analyzer.onTimeline = { t in
            seen += 1
            guard t.status == .complete else { return }
            overall.add(t.phases)
            byProcess[t.tgid, default: PhaseAccumulator(group: "")].add(t.phases)
            byFile[t.ino, default: PhaseAccumulator(group: "")].add(t.phases)
        }
        for i in 0..<(first + mixed) {
            let (tgid, ino, fd): (UInt32, UInt64, Int32) = i < first ? (100, 0xA1, 3)
                : [(200, 0xA1, 3), (100, 0xB2, 4), (200, 0xB2, 4), (100, 0xA1, 3)][i % 4]
            for e in io(i, tgid: tgid, ino: ino, fd: fd) { analyzer.consume(e) }
        }
        let r = analyzer.finish()
        #expect(r.counts.total == UInt64(first + mixed) && seen == first + mixed)
        #expect(r.counts.inconclusive == 0 && overall.ios == UInt64(first + mixed))
        let o = overall.table()
        #expect(r.phaseTables.overall.ios == o.ios && r.phaseTables.overall.phases == o.phases)
        #expect(r.phaseTables.byProcess.count == byProcess.count)
        for (table, tgid) in zip(r.phaseTables.byProcess, byProcess.keys.sorted()) {
            let m = byProcess[tgid]!.table()
            #expect(table.group.hasPrefix("pid \(tgid)"))
            #expect(table.ios == m.ios && table.phases == m.phases, "pid \(tgid)")
        }
        #expect(r.phaseTables.byInode.count == byFile.count)
        for (table, ino) in zip(r.phaseTables.byInode, byFile.keys.sorted()) {
            let m = byFile[ino]!.table()
            #expect(table.group == "ino \(dev)/\(ino)")
            #expect(table.ios == m.ios && table.phases == m.phases, "ino \(ino)")
        }
    }

    /// Beyond ``AnalysisOptions/maxPhaseGroups`` processes or files, the I/Os of the further ones
    /// share one table each ("other processes", "other files"): the tables of the first ones
    /// seen are unchanged, the other table holds exactly the rest, and the overall one all.
    @Test func groupsBeyondTheBoundShareOneTable() {
        for bound in [0, 1, 3] {
            var options = AnalysisOptions()
            options.keepAllTimelines = false
            options.maxPhaseGroups = bound
            let analyzer = Analyzer(options: options)
            var overall = PhaseAccumulator(group: "all")
            var byProcess: [UInt32: PhaseAccumulator] = [:], byFile: [UInt64: PhaseAccumulator] = [:]
            var processOrder: [UInt32] = [], fileOrder: [UInt64] = []
            var otherProcesses = PhaseAccumulator(group: ""), otherFiles = PhaseAccumulator(group: "")
            analyzer.onTimeline = { t in
                guard t.status == .complete else { return }
                overall.add(t.phases)
                if !processOrder.contains(t.tgid) { processOrder.append(t.tgid) }
                if !fileOrder.contains(t.ino) { fileOrder.append(t.ino) }
                if processOrder.firstIndex(of: t.tgid)! < bound {
                    byProcess[t.tgid, default: PhaseAccumulator(group: "")].add(t.phases)
                } else {
                    otherProcesses.add(t.phases)
                }
                if fileOrder.firstIndex(of: t.ino)! < bound {
                    byFile[t.ino, default: PhaseAccumulator(group: "")].add(t.phases)
                } else {
                    otherFiles.add(t.phases)
                }
            }
            // 300 I/Os of one process and file first (the mirrored accumulator), then five
            // processes over seven files.
            let n = 300 + 700
            for i in 0..<n {
                let tgid: UInt32 = i < 300 ? 100 : 100 + UInt32(i % 5)
                let ino: UInt64 = i < 300 ? 0xA1 : 0xA1 + UInt64(i % 7)
                for e in Self.io(i, tgid: tgid, ino: ino, fd: 3 + Int32(ino - 0xA1)) { analyzer.consume(e) }
            }
            let r = analyzer.finish()
            #expect(r.counts.total == UInt64(n) && overall.ios == UInt64(n), "bound \(bound)")
            #expect(r.phaseTables.overall.phases == overall.table().phases)
            func check(_ tables: [PhaseTable], _ own: [(String, PhaseAccumulator)], _ other: PhaseAccumulator,
                       _ otherName: String) {
                #expect(tables.count == own.count + 1, "bound \(bound): \(tables.map(\.group))")
                for (table, (prefix, m)) in zip(tables, own) {
                    #expect(table.group.hasPrefix(prefix) && table.ios == m.ios && table.phases == m.table().phases,
                            "bound \(bound), \(prefix)")
                }
                #expect(tables.last?.group == otherName && tables.last?.ios == other.ios
                        && tables.last?.phases == other.table().phases, "bound \(bound), \(otherName)")
                #expect(own.reduce(0) { $0 + $1.1.ios } + other.ios == UInt64(n))
            }
            check(r.phaseTables.byProcess, byProcess.keys.sorted().map { ("pid \($0)", byProcess[$0]!) },
                  otherProcesses, "other processes")
            check(r.phaseTables.byInode, byFile.keys.sorted().map { ("ino \(Self.dev)/\($0)", byFile[$0]!) },
                  otherFiles, "other files")
        }
    }

    /// The engine drops the state of idle tasks once their table has grown (thread churn); a task
    /// in the middle of a call keeps its state. Process 1 enters pwrite64 and submits, then 3 000
    /// one-thread processes each write once, then process 1's write completes and returns: it
    /// must be one complete I/O, its return joined to its call.
    @Test func idleTasksDroppedBusyOnesKept() {
        var events = Self.io(0, tgid: 1, ino: 0xB0, fd: 5)
        for k in 5..<events.count { events[k].timestamp += 1_000_000_000 }  // completes a second later
        // (none with the long one's kiocb or sector)
        let others = (1...3_200).filter { $0 % 8 != 0 }
        for i in others { events += Self.io(i, tgid: 1000 + UInt32(i), ino: 0xA1, fd: 3) }
        events.sort { $0.timestamp < $1.timestamp }
        let analyzer = Analyzer()
        for e in events { analyzer.consume(e) }
        let tasksHeld = analyzer.collectionSizes.first { $0.0 == "tasks" }?.1 ?? -1
        let r = analyzer.finish()
        #expect(tasksHeld >= 1 && tasksHeld <= AnalysisEngine.taskSweepMinimum + 1, "tasks held: \(tasksHeld)")
        #expect(r.counts.total == UInt64(1 + others.count) && r.counts.inconclusive == 0)
        #expect(r.unmatched["sys_exit without enter"] == nil, "\(r.unmatched)")
        let long = r.timelines.first { $0.tgid == 1 }
        #expect(long?.status == .complete && long?.returnedAt != nil && long?.syscall == "pwrite64")
        #expect(long.map { $0.returnedAt! - $0.submittedAt > 1_000_000_000 } == true)
    }

    @Test func oneProcessAndFileOnly() {
        Self.check(first: 300, mixed: 0)
    }

    @Test func othersAppearAfterTheHistogramSwitch() {
        Self.check(first: PhaseAccumulator.exactLimit + 200, mixed: 400)
    }

    @Test func othersAppearBeforeTheSwitchAndCrossIt() {
        Self.check(first: 50, mixed: 2 * PhaseAccumulator.exactLimit)
    }
}
