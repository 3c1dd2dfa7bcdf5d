// `dioscope-bench bound FILE [N]`: how fast the analysis could go at best on this machine.
//
// Issue #5 asks for 30 M events/s from `analyze` and at most 256 bytes per I/O in flight. The
// engine's profile is flat, and the route BENCHMARKS.md names is a different data layout:
// fixed-size per-I/O structs in a slab, indexes holding slot numbers, per-step times instead of
// encoded entries. This mode measures that layout's floor: the joins and the per-I/O state a
// libaio DIO trace needs to give `analyze`'s summary (its I/O count and its phase table), with
// nothing else.
// - Each I/O is a 120-byte struct in a `SlotSlab` (DioscopeCore): chunks of 4 096 that never
//   move.
// - The kiocb, user-iocb, request-sector and file-offset indexes are `SlotIndex` tables of
//   4-byte slot numbers that compare the key the slot holds (no key stored twice).
// - No object, no reference counting, no allocation per event.
// It leaves out everything else the engine does per I/O: timelines (their entries), the
// detectors' inputs and checks, retries, lost windows, per-process and per-file tables, and the
// other join paths (ftrace, io_uring, sync calls, split bios, orphans). So it is an upper bound
// for any analyzer of these events, not an analyzer. It joins libaio DIO only, and counts what
// it does not join (`unsupported`, by event type).
//
// Its result is checked against the analyzer's: the same events must give the same number of
// complete I/Os and the same count, min, avg and max of every phase (`matches_analyzer`).
// Otherwise the bound measures less work than the analysis does: it prints both tables and
// exits 1.

import DioscopeCore
import Foundation

/// One I/O in flight: every time its phases need (0: not seen), and the keys its index entries
/// are found by (an index holds only slot numbers and compares the key a slot gives). The kernel
/// completion time, the bio counts and `needsConversion` are kept although the phase table does
/// not read them: an analyzer needs them (the detectors' ordering, I/Os of several bios), so the
/// floor pays for storing them.
struct BoundIO {
    var kiocb: UInt64 = 0
    var userRef: UInt64 = 0
    var ino: UInt64 = 0
    var offset: Int64 = 0
    /// The key of its bio in `bySector` while the bio awaits its request's completion (0: none).
    var pendingSector: UInt64 = 0
    var submitted: UInt64 = 0
    var firstBio: UInt64 = 0
    var lastBioDone: UInt64 = 0
    var converted: UInt64 = 0
    var completed: UInt64 = 0
    var posted: UInt64 = 0
    var reaped: UInt64 = 0
    var tgid: UInt32 = 0
    var tid: UInt32 = 0
    var bios: UInt32 = 0
    var biosDone: UInt32 = 0
    var needsConversion = false
}

struct KiocbKey: SlotKey {
    let slab: SlotSlab<BoundIO>
    @inline(__always) func of(_ s: UInt32) -> UInt64 { slab[s].pointee.kiocb }
}

struct UserRefKey: SlotKey {
    let slab: SlotSlab<BoundIO>
    @inline(__always) func of(_ s: UInt32) -> UInt64 {
        let io = slab[s]
        return io.pointee.userRef == 0 ? 0 : BoundAnalysis.refKey(io.pointee.tgid, io.pointee.userRef)
    }
}

struct SectorKey: SlotKey {
    let slab: SlotSlab<BoundIO>
    @inline(__always) func of(_ s: UInt32) -> UInt64 { slab[s].pointee.pendingSector }
}

struct OffsetKey: SlotKey {
    let slab: SlotSlab<BoundIO>
    @inline(__always) func of(_ s: UInt32) -> UInt64 {
        let io = slab[s]
        return BoundAnalysis.offsetKey(io.pointee.ino, io.pointee.offset)
    }
}

/// A thread's open io_submit and the I/O it is submitting.
struct BoundTask {
    var tid: UInt32 = 0
    var submitEnter: UInt64 = 0
    var current: UInt32 = .max
}

struct BoundAnalysis {
    let slab = SlotSlab<BoundIO>()
    var byKiocb = SlotIndex()
    var byUserRef = SlotIndex()
    /// Queued bios not yet completed, by device and first sector (the request's).
    var bySector = SlotIndex()
    /// For xfs_end_io_direct_write, which names the file and offset only.
    var byOffset = SlotIndex()
    /// Task number + 1 by thread id (0: none yet): thread ids are below pid_max (at most 2^22),
    /// so a plain array indexed by them.
    var taskIndex: [UInt32] = []
    var tasks: [BoundTask] = []
    var overall = PhaseAccumulator(group: "all")
    var total: UInt64 = 0
    var unsupported: UInt64 = 0
    /// Events the bound did not join, by type (what the analyzer counts as unmatched or ignores).
    var unsupportedTypes: [EventType: UInt64] = [:]

    mutating func skip(_ e: Event) {
        unsupported += 1
        unsupportedTypes[e.type, default: 0] += 1
    }

    @inline(__always)
    mutating func task(_ tid: UInt32) -> Int {
        let t = Int(tid)
        if t < taskIndex.count, taskIndex[t] != 0 { return Int(taskIndex[t]) - 1 }
        if t >= taskIndex.count { taskIndex += [UInt32](repeating: 0, count: max(t + 1 - taskIndex.count, taskIndex.count)) }
        tasks.append(BoundTask(tid: tid))
        taskIndex[t] = UInt32(tasks.count)
        return tasks.count - 1
    }

    @inline(__always)
    static func sectorKey(_ dev: DeviceNumber, _ sector: UInt64) -> UInt64 { (UInt64(dev.raw) << 40) ^ sector ^ 1 << 63 }
    @inline(__always)
    static func offsetKey(_ ino: UInt64, _ offset: Int64) -> UInt64 {
        (ino &* 0xFF51_AFD7_ED55_8CCD) ^ UInt64(bitPattern: offset) ^ 1 << 63
    }
    @inline(__always)
    static func refKey(_ tgid: UInt32, _ ref: UInt64) -> UInt64 { ref ^ (UInt64(tgid) << 48) ^ 1 << 63 }

    var kiocbOf: KiocbKey { KiocbKey(slab: slab) }
    var refOf: UserRefKey { UserRefKey(slab: slab) }
    var sectorOf: SectorKey { SectorKey(slab: slab) }
    var offsetOf: OffsetKey { OffsetKey(slab: slab) }

    mutating func handle(_ e: Event) {
        let slab = slab
        switch e.payload {
        case .sysEnter(let p):
            if p.sysno == .ioSubmit { tasks[task(e.tid)].submitEnter = e.timestamp }
        case .sysExit(let p):
            if p.sysno == .ioSubmit { tasks[task(e.tid)].submitEnter = 0 }
        case .dioBegin(let p):
            let t = task(e.tid)
            let sub = tasks[t].submitEnter
            let s = slab.insert(BoundIO(kiocb: p.kiocb, userRef: p.userRef, ino: e.ino, offset: p.pos,
                                      submitted: sub != 0 ? sub : e.timestamp, tgid: e.tgid, tid: e.tid))
            if p.kiocb != 0 { byKiocb.set(p.kiocb, s, kiocbOf) }
            if p.userRef != 0 { byUserRef.set(Self.refKey(e.tgid, p.userRef), s, refOf) }
            byOffset.set(Self.offsetKey(e.ino, p.pos), s, offsetOf)
            tasks[t].current = s
        case .iomapDstmap(let p):
            let s = tasks[task(e.tid)].current
            guard s != .max else { skip(e); return }
            if p.type == .unwritten { slab[s].pointee.needsConversion = true }
        case .dioSteps(let p):
            guard let s = byKiocb.find(p.kiocb, kiocbOf) else { skip(e); return }
            let io = slab[s]
            if let q = p.time(.bio, eventTime: e.timestamp), io.pointee.firstBio == 0 { io.pointee.firstBio = q }
            io.pointee.bios += 1
            if let d = p.time(.requestDone, eventTime: e.timestamp) {
                io.pointee.lastBioDone = max(io.pointee.lastBioDone, d)
                io.pointee.biosDone += 1
            }
        case .block(let kind, let p):
            switch kind {
            case .bioQueue:
                guard let s = byKiocb.find(p.kiocb, kiocbOf) else { skip(e); return }
                let io = slab[s]
                if io.pointee.firstBio == 0 { io.pointee.firstBio = e.timestamp }
                io.pointee.bios += 1
                // (an I/O of several bios keeps the last one's: these traces have one per I/O)
                if io.pointee.pendingSector != 0 { bySector.remove(io.pointee.pendingSector, sectorOf) }
                io.pointee.pendingSector = Self.sectorKey(e.dev, p.sector)
                bySector.set(io.pointee.pendingSector, s, sectorOf)
            case .rqIssue:
                _ = bySector.find(Self.sectorKey(e.dev, p.sector), sectorOf)
            case .rqComplete:
                guard let s = bySector.remove(Self.sectorKey(e.dev, p.sector), sectorOf) else { return }
                let io = slab[s]
                io.pointee.pendingSector = 0
                io.pointee.lastBioDone = max(io.pointee.lastBioDone, e.timestamp)
                io.pointee.biosDone += 1
            default:
                skip(e)
            }
        case .dioQueued:
            tasks[task(e.tid)].current = .max
        case .xfs(let kind, let p):
            guard kind == .endIoDirectWrite || kind == .unwrittenConvert else { return }
            guard let s = byOffset.find(Self.offsetKey(e.ino, p.offset), offsetOf), slab[s].pointee.ino == e.ino,
                  slab[s].pointee.offset == p.offset else { skip(e); return }
            if kind == .unwrittenConvert { slab[s].pointee.converted = e.timestamp }
        case .dioComplete(let p):
            guard let s = byKiocb.remove(p.kiocb, kiocbOf) else { skip(e); return }
            slab[s].pointee.completed = e.timestamp
            slab[s].pointee.posted = e.timestamp
        case .aioReap(let p):
            guard let s = byUserRef.remove(Self.refKey(e.tgid, p.obj), refOf) else { skip(e); return }
            slab[s].pointee.reaped = e.timestamp
            settle(s)
        default:
            skip(e)
        }
    }

    /// The I/O's phases, as ``AnalysisEngine``'s `computePhases` takes them, into the table; its
    /// index entries removed (an index finds entries by the key their slot gives), its slot freed.
    mutating func settle(_ s: UInt32) {
        let io = slab[s].pointee
        if byKiocb.find(io.kiocb, kiocbOf) == s { byKiocb.remove(io.kiocb, kiocbOf) }
        if io.pendingSector != 0, bySector.find(io.pendingSector, sectorOf) == s { bySector.remove(io.pendingSector, sectorOf) }
        if byOffset.find(offsetOf.of(s), offsetOf) == s { byOffset.remove(offsetOf.of(s), offsetOf) }
        func d(_ a: UInt64, _ b: UInt64) -> UInt64? { a != 0 && b != 0 && b >= a ? b - a : nil }
        var p = PhaseLatencies()
        p.submitToFirstBio = d(io.submitted, io.firstBio)
        p.device = d(io.firstBio, io.lastBioDone)
        p.deviceToConversion = d(io.lastBioDone, io.converted)
        p.conversionToPosted = d(io.converted != 0 ? io.converted : io.lastBioDone, io.posted)
        p.postedToReaped = d(io.posted, io.reaped)
        p.total = d(io.submitted, io.reaped)
        overall.add(p)
        total += 1
        slab.remove(s)
    }
}

/// FILE's events decoded and put in time order in memory first (``orderedEvents(_:)``, as for
/// `engine`), then the bound run `runs` times, and the analyzer once to compare the results.
func bound(_ path: String, runs: Int) throws {
    let (events, summary, options) = try orderedEvents(path)
    var times: [Double] = []
    var last = BoundAnalysis()
    for _ in 0..<max(1, runs) {
        var b = BoundAnalysis()
        let t0 = now()
        for e in events { b.handle(e) }
        times.append(Double(now() - t0) / 1e9)
        last = b
    }
    var source = OrderedEvents(events: events, summary: summary)
    let (result, _) = try Analyzer.analyze(&source, options: options)
    let mine = last.overall.table(), theirs = result.phaseTables.overall
    // min, avg and max of each phase: the same samples give the same values (p50/p99 too, but
    // three are enough to tell a missing or extra sample).
    let matches = mine.ios == theirs.ios && Phase.allCases.allSatisfy { ph in
        let a = mine.summary(ph), b = theirs.summary(ph)
        return a?.count == b?.count && a?.min == b?.min && a?.avg == b?.avg && a?.max == b?.max
    }
    let best = times.min()!
    let skipped = last.unsupportedTypes.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: " ")
    emit([("file", path), ("events", events.count), ("ios", last.total), ("analyzer_ios", result.counts.total),
          ("unsupported_events", last.unsupported), ("unsupported", "[\(skipped)]"), ("matches_analyzer", matches),
          ("runs", times.count), ("seconds", "[" + times.map { String(format: "%.3f", $0) }.joined(separator: ",") + "]"),
          ("best_events_per_s", Double(events.count) / best),
          ("best_ns_per_io", best * 1e9 / Double(max(1, last.total))), ("slot_bytes", MemoryLayout<BoundIO>.stride)])
    if !matches {
        for ph in Phase.allCases {
            let line = "\(ph.rawValue): bound \(mine.summary(ph).map { "\($0)" } ?? "none"), "
                + "analyzer \(theirs.summary(ph).map { "\($0)" } ?? "none")\n"
            FileHandle.standardError.write(Data(line.utf8))
        }
        exit(1)
    }
}

/// `inflight`'s measurement for the bound's layout: the same `n` libaio writes, each submitted,
/// mapped, bio queued and -EIOCBQUEUED returned, none completed; growth of resident memory.
func boundInflight(_ n: Int) {
    var b = BoundAnalysis()
    for i in 0..<1000 { for e in inflightEvents(i) { b.handle(e) } }
    let before = residentBytes(), heldBefore = b.slab.count
    for i in 1000..<(1000 + n) { for e in inflightEvents(i) { b.handle(e) } }
    let grown = residentBytes() - before
    let held = b.slab.count - heldBefore
    emit([("ios_begun", n), ("ios_in_flight", held), ("resident_growth_bytes", grown),
          ("bytes_per_io_in_flight", Double(grown) / Double(max(1, held))), ("slot_bytes", MemoryLayout<BoundIO>.stride),
          ("unsupported_events", b.unsupported)])
}
