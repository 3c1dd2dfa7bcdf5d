import Foundation
import Testing
@testable import DioscopeCore

/// In-kernel assembly (`DSC_EV_DIO_STEPS`): the analysis of an assembled stream equals the
/// analysis of the same I/Os traced step by step.
///
/// `StepAssembler` applies the BPF side's rules (bpf/assemble.bpf.h) to a step-by-step stream:
/// from its first mapping, a plain I/O (one MAPPED, not NEW mapping covering it, one bio of its
/// size, that bio alone in its request) has its mapping, bio, issue and completion held, and one
/// steps event is put just before its `iomap_dio_complete`; an I/O that stops being plain gets a
/// partial steps event at that moment and streams on. Requests are matched to a held bio by sector
/// range (the BPF side compares bio pointers, which a trace does not link to requests).
struct StepAssembler {
    private enum State { case candidate, held, streaming, done }
    private struct Cur {
        var kiocb: UInt64
        var dev: DeviceNumber
        var ino: UInt64
        var pos: Int64
        var count: UInt64
        var state: State
    }
    private struct Held {
        var dev: DeviceNumber
        var ino: UInt64
        var count: UInt64
        var map: IomapMapping
        var ts: [UInt64?] = [nil, nil, nil, nil]
        var bio: BlockIO?
        var rqError: UInt8 = 0
    }

    private var cur: [UInt32: Cur] = [:]
    private var held: [UInt64: Held] = [:]
    private(set) var out: [Event] = []
    private(set) var stepsEvents = 0
    private(set) var partialEvents = 0
    private(set) var heldEvents = 0

    static func assemble(_ events: [Event]) -> StepAssembler {
        var a = StepAssembler()
        for e in events.enumerated().sorted(by: { ($0.element.timestamp, $0.offset) < ($1.element.timestamp, $1.offset) }) {
            a.add(e.element)
        }
        return a
    }

    private mutating func emit(_ kiocb: UInt64, before trigger: Event, partial: Bool) {
        guard let h = held.removeValue(forKey: kiocb) else { return }
        var mask: UInt8 = partial ? DIOSteps.partialBit : 0
        var ago: [UInt32] = [0, 0, 0, 0]
        for i in 0..<4 { if let t = h.ts[i] { mask |= 1 << UInt8(i); ago[i] = UInt32(trigger.timestamp - t) } }
        let p = DIOSteps(kiocb: kiocb, mapAddr: h.map.addr, mapOffset: h.map.offset, bioSector: h.bio?.sector ?? 0,
                         mapLength: UInt32(h.map.length), bdev: h.map.bdev, mapFlags: h.map.flags,
                         bioFlags: h.bio.map { $0.flags.subtracting(.iomapDIO) } ?? [], stepMask: mask,
                         blkbits: h.map.blkbits, requestError: h.rqError, bioOp: h.bio?.op ?? .write,
                         ago: (ago[0], ago[1], ago[2], ago[3]))
        out.append(Event(timestamp: trigger.timestamp, tgid: trigger.tgid, tid: trigger.tid, cpu: trigger.cpu,
                         dev: h.dev, ino: h.ino, payload: .dioSteps(p)))
        stepsEvents += 1
        if partial { partialEvents += 1 }
    }

    private mutating func add(_ e: Event) {
        switch e.payload {
        case .dioBegin(let p) where p.kiocb != 0:
            cur[e.tid] = Cur(kiocb: p.kiocb, dev: e.dev, ino: e.ino, pos: p.pos, count: p.count, state: .candidate)
        case .iomapDstmap(let p):
            guard var c = cur[e.tid], c.dev == e.dev, c.ino == e.ino else { break }
            defer { cur[e.tid] = c }
            if c.state == .held {
                c.state = .streaming
                emit(c.kiocb, before: e, partial: true)
            } else if c.state == .candidate {
                c.state = .streaming
                if p.type == .mapped, !p.flags.contains(.new), c.count > 0, p.offset <= c.pos,
                   p.offset + Int64(p.length) >= c.pos + Int64(c.count), p.length >> 32 == 0 {
                    var h = Held(dev: e.dev, ino: e.ino, count: c.count, map: p)
                    h.ts[0] = e.timestamp
                    held[c.kiocb] = h
                    c.state = .held
                    heldEvents += 1
                    return
                }
            }
        case .dioQueued:
            if cur[e.tid] != nil { cur[e.tid]!.state = .done }
        case .block(.bioQueue, let p) where p.kiocb != 0 && p.flags.contains(.iomapDIO):
            guard var h = held[p.kiocb] else { break }
            if h.bio != nil || UInt64(p.bytes) != h.count {
                emit(p.kiocb, before: e, partial: true)
                break
            }
            h.bio = p
            h.ts[1] = e.timestamp
            held[p.kiocb] = h
            heldEvents += 1
            return
        case .block(let kind, let p) where kind == .rqIssue || kind == .rqComplete:
            let rs = p.sector, re = p.sector + UInt64(p.nrSector)
            let inside = held.filter { _, h in
                guard let b = h.bio else { return false }
                return h.map.bdev == e.dev && b.sector >= rs && b.sector + UInt64(b.nrSector) <= re
            }
            if inside.count == 1, let (k, h) = inside.first, h.bio!.sector == rs, h.bio!.nrSector == p.nrSector {
                held[k]!.ts[kind == .rqIssue ? 2 : 3] = e.timestamp
                if kind == .rqComplete, p.error != 0 { held[k]!.rqError = UInt8(truncatingIfNeeded: p.error) }
                heldEvents += 1
                return
            }
            for k in inside.keys.sorted() { emit(k, before: e, partial: true) }
        case .dioComplete(let p):
            if held[p.kiocb] != nil { emit(p.kiocb, before: e, partial: false) }
            if cur[e.tid]?.kiocb == p.kiocb { cur[e.tid]!.state = .done }
        default:
            break
        }
        out.append(e)
    }
}

@Suite struct AssembledStepsTests {
    /// Timelines with what a steps record cannot state cleared: the task of the request steps
    /// and the CPU of every step it carries.
    static func normalized(_ r: AnalysisResult) -> [IOTimeline] {
        r.timelines.map { t in
            var t = t
            for i in t.entries.indices {
                switch t.entries[i].step {
                case .mapping, .bioQueued:
                    t.entries[i].cpu = 0
                case .rqIssued, .rqCompleted:
                    t.entries[i].cpu = 0
                    t.entries[i].tid = 0
                default:
                    break
                }
            }
            return t
        }
    }

    static func expectSameAnalysis(_ stream: [Event], _ assembled: [Event], _ label: String) {
        expectSameAnalysis(Analyzer.analyze(events: stream), Analyzer.analyze(events: assembled), label,
                           timelines: normalized)
    }

    /// `a` and `b` agree in counts, verdict, findings, unmatched events, phase tables and the
    /// timelines `timelines` gives of each (all of them as they are, or with what a form of
    /// record cannot state cleared).
    static func expectSameAnalysis(_ a: AnalysisResult, _ b: AnalysisResult, _ label: String,
                                   timelines: (AnalysisResult) -> [IOTimeline] = \.timelines) {
        #expect(a.counts == b.counts, "\(label)")
        #expect(a.verdict == b.verdict, "\(label)")
        #expect(a.findings.map(\.kind) == b.findings.map(\.kind), "\(label)")
        #expect(a.findings.map(\.ios) == b.findings.map(\.ios), "\(label)")
        #expect(a.unmatched == b.unmatched, "\(label)")
        let (ta, tb) = (timelines(a), timelines(b))
        #expect(ta.count == tb.count, "\(label)")
        for (x, y) in zip(ta, tb) where x != y {
            Issue.record("\(label): io#\(x.id) differs:\n\(x.entries)\n\(y.entries)")
            break
        }
        #expect(a.phaseTables == b.phaseTables, "\(label)")
        #expect(a.findings.map(\.message) == b.findings.map(\.message), "\(label)")
    }

    static let recordings = ["rec-xfs-libaio-aio-hole-read", "rec-xfs-uring-unaligned-overlap",
                             "rec-ext4-libaio-write-fsync", "rec-xfs-pwrite-short-rlimit",
                             "rec-xfs-libaio-extend-vs-truncate", "rec-xfs-libaio-extend-vs-fallocate"]

    /// The recordings in traces/real were made step by step; assembled, they analyze the same.
    @Test(arguments: recordings)
    func recordedTraceAnalyzesTheSameAssembled(_ name: String) throws {
        let events = try AnalysisRealTraceTests.recordedEvents(name)
        let asm = StepAssembler.assemble(events)
        Self.expectSameAnalysis(events, asm.out, name)
    }

    /// Across the recordings some I/Os are plain and get assembled (the comparison above is not
    /// vacuous), and no mapping that can race (UNWRITTEN, HOLE, NEW) is ever held.
    @Test func theRecordingsHoldPlainAndRacyIOs() throws {
        var steps = 0, racyMappings = 0
        func racy(_ events: [Event]) -> Int {
            events.filter {
                if case .iomapDstmap(let m) = $0.payload { return m.type != .mapped || m.flags.contains(.new) }
                return false
            }.count
        }
        for name in Self.recordings {
            let events = try AnalysisRealTraceTests.recordedEvents(name)
            let asm = StepAssembler.assemble(events)
            steps += asm.stepsEvents
            racyMappings += racy(events)
            #expect(racy(asm.out) == racy(events), "\(name)")
        }
        #expect(steps > 0)
        #expect(racyMappings > 0)
    }

    /// A synthetic run of plain libaio overwrites, a merged request among them (partial steps).
    static func plainOverwrites(mergeAt: Int? = nil, n: Int = 40) -> [Event] {
        let fs = DeviceNumber(major: 7, minor: 0)
        var out: [Event] = []
        var ts: UInt64 = 1_000_000
        func add(_ tid: UInt32, _ p: Event.Payload, dev: DeviceNumber = fs, ino: UInt64 = 0x83) {
            ts += 1000
            out.append(Event(timestamp: ts, tgid: 500, tid: tid, cpu: UInt16(tid & 1), dev: dev, ino: ino, payload: p))
        }
        var i = 0
        while i < n {
            let merged = mergeAt == i
            let batch = merged ? 2 : 1
            var ios: [(kiocb: UInt64, pos: Int64, sector: UInt64, ref: UInt64)] = []
            for j in 0..<batch {
                let pos = Int64((i + j) * 7 % 64) * 4096
                // a merged pair: the second bio follows the first on disk
                let sector = j == 0 ? 8192 + UInt64(pos) / 512 : ios[0].sector + 8
                ios.append((0xffff_8880_0000_0000 + UInt64(i + j) * 0x100, pos, sector, 0x7000 + UInt64(i + j)))
            }
            add(500, .sysEnter(SysEnter(sysno: .ioSubmit, fd: -1, args: (0x1000, Int64(batch), 0x2000), isize: -1,
                                       comm: Comm("fio"))), ino: 0)
            for io in ios {
                add(500, .dioBegin(DIOBegin(kiocb: io.kiocb, pos: io.pos, count: 4096, isize: 1 << 28,
                                            userRef: io.ref, kiFlags: [.direct, .write], api: .libaio, blkbits: 12)))
                add(500, .iomapDstmap(IomapMapping(addr: io.sector * 512, offset: io.pos, length: 4096, type: .mapped,
                                                   flags: [], bdev: fs, blkbits: 12)))
                add(500, .block(.bioQueue, BlockIO(sector: io.sector, nrSector: 8, bytes: 4096, ptr: io.kiocb + 1,
                                                   kiocb: io.kiocb, flags: [.sync, .iomapDIO], op: .write)), dev: fs, ino: 0)
                if !merged {
                    add(500, .block(.rqIssue, BlockIO(sector: io.sector, nrSector: 8, bytes: 4096, ptr: 1, op: .write)),
                        ino: 0)
                }
                add(500, .dioQueued(DIOQueued(offset: io.pos + 4096, length: 0, isize: 1 << 28)))
            }
            if merged {
                // one request holding both bios (their sectors made adjacent below)
                add(500, .block(.rqIssue, BlockIO(sector: ios[0].sector, nrSector: 16, bytes: 8192, ptr: 2, op: .write)),
                    ino: 0)
            }
            add(500, .sysExit(SysExit(sysno: .ioSubmit, fd: -1, ret: Int64(batch), isize: -1, enterTimestamp: 0)), ino: 0)
            if merged {
                add(0, .block(.rqComplete, BlockIO(sector: ios[0].sector, nrSector: 16, bytes: 8192, ptr: 2, op: .write)),
                    ino: 0)
            }
            for io in ios {
                if !merged {
                    add(0, .block(.rqComplete, BlockIO(sector: io.sector, nrSector: 8, bytes: 4096, ptr: 1, op: .write)),
                        ino: 0)
                }
                add(77, .xfs(.endIoDirectWrite, XFSIO(isize: 1 << 28, disize: 1 << 28, offset: io.pos, count: 4096)))
                add(77, .dioComplete(DIOComplete(kiocb: io.kiocb, pos: io.pos + 4096, isize: 1 << 28, ret: 4096,
                                                 userRef: io.ref, error: 0, kiFlags: [.direct, .write], api: .libaio)))
            }
            add(500, .sysEnter(SysEnter(sysno: .ioGetevents, fd: -1, args: (0x1000, 1, 16), isize: -1, comm: Comm("fio"))),
                ino: 0)
            for (k, io) in ios.enumerated() {
                add(500, .aioReap(AIOReap(ctx: 0x1000, data: 0, obj: io.ref, res: 4096, res2: 0, index: UInt32(k),
                                          total: UInt32(batch))), ino: 0)
            }
            add(500, .sysExit(SysExit(sysno: .ioGetevents, fd: -1, ret: Int64(batch), isize: -1, enterTimestamp: 0)), ino: 0)
            i += batch
        }
        return out
    }

    @Test func plainOverwritesAssembleIntoOneRecordEachAndAnalyzeTheSame() {
        let stream = Self.plainOverwrites()
        let asm = StepAssembler.assemble(stream)
        #expect(asm.stepsEvents == 40 && asm.partialEvents == 0)
        // mapping, bio, issue and completion of each: 4 events fewer per I/O, one more
        #expect(asm.out.count == stream.count - 40 * 3)
        Self.expectSameAnalysis(stream, asm.out, "plain")
        // and the assembled timelines hold every step, in time order
        let r = Analyzer.analyze(events: asm.out)
        #expect(r.timelines.count == 40)
        for t in r.timelines {
            let steps = t.entries.map(\.step)
            #expect([.mapping, .bioQueued, .rqIssued, .rqCompleted].allSatisfy(steps.contains), "\(steps)")
            #expect(t.entries.map(\.timestamp) == t.entries.map(\.timestamp).sorted())
            #expect(t.phases.device != nil && t.status == .complete)
        }
    }

    /// Two held I/Os merged into one request: both are released as partial steps when the request
    /// is issued, and the request's own events join their bios.
    @Test func aMergedRequestReleasesPartialStepsAndJoinsTheSame() {
        let stream = Self.plainOverwrites(mergeAt: 10)
        let asm = StepAssembler.assemble(stream)
        #expect(asm.partialEvents == 2)
        #expect(asm.stepsEvents == 40)  // 38 plain I/Os once each, the merged pair once each (partial)
        Self.expectSameAnalysis(stream, asm.out, "merged")
        let r = Analyzer.analyze(events: asm.out)
        #expect(r.timelines.allSatisfy { $0.phases.device != nil })
    }

    /// A steps record naming no known I/O (its begin was lost) is counted, not applied.
    @Test func stepsOfAnUnknownIOAreCounted() {
        let p = DIOSteps(kiocb: 0xdead, mapAddr: 0, mapOffset: 0, bioSector: 0, mapLength: 4096,
                         bdev: DeviceNumber(major: 7, minor: 0), stepMask: 0x0f, bioOp: .write, ago: (4, 3, 2, 1))
        let r = Analyzer.analyze(events: [Event(timestamp: 100, tid: 1, ino: 5, payload: .dioSteps(p))])
        #expect(r.unmatched["dio_steps"] == 1)
        #expect(r.counts.total == 0)
    }
}
