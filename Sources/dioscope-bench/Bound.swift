// `dioscope-bench bound FILE [N]`: how fast the analysis could go at best on this machine.
//
// Issue #5 asks for 30 M events/s from `analyze`. The engine's profile is flat, and the
// remaining route named in BENCHMARKS.md is a different data layout: fixed-size per-I/O structs
// in a slab, indexes holding slot numbers, per-step times instead of encoded entries. This mode
// measures that layout's floor: the joins and the per-I/O state a libaio DIO trace needs to
// give `analyze`'s summary (its I/O count and its phase table), with nothing else. Each I/O is
// a 128-byte struct in an array; the kiocb, user-iocb, request and file-offset indexes are
// open-addressing tables of 4-byte slot numbers; no object, no reference counting, no
// allocation per event. What it leaves out is everything else the engine does per I/O:
// timelines (their entries), the detectors' inputs and checks, retries, lost windows,
// per-process and per-file tables, the many other join paths (ftrace, io_uring, sync calls,
// split bios, orphans). So it is an upper bound for any analyzer of these events, not an
// analyzer: it handles libaio DIO and prints `unsupported` for a trace with anything else.
//
// Its result is checked against the analyzer's: the same events give the same number of
// complete I/Os and the same min/avg/max of every phase (`matches_analyzer`), or the bound is
// measuring less work than the analysis does and is not reported as one.

import DioscopeCore
import Foundation

/// One I/O in flight: every time its phases need (0: not seen).
struct BoundIO {
    var kiocb: UInt64 = 0
    var userRef: UInt64 = 0
    var ino: UInt64 = 0
    var offset: Int64 = 0
    var submitted: UInt64 = 0
    var firstBio: UInt64 = 0
    var lastBioDone: UInt64 = 0
    var converted: UInt64 = 0
    var completed: UInt64 = 0
    var posted: UInt64 = 0
    var reaped: UInt64 = 0
    var returned: UInt64 = 0
    var result: Int64 = 0
    var tgid: UInt32 = 0
    var tid: UInt32 = 0
    var bios: UInt32 = 0
    var biosDone: UInt32 = 0
    var needsConversion = false
    var inUse = false
}

/// Open addressing, linear probing, keys nonzero (0 marks an empty slot), values slot numbers;
/// deletion shifts the following run back (no tombstones). Capacity a power of two, at most half
/// full.
struct SlotTable {
    private var keys: [UInt64]
    private var values: [UInt32]
    private var mask: Int
    private(set) var count = 0

    init(capacity: Int = 1024) {
        var c = 16
        while c < capacity * 2 { c <<= 1 }
        keys = [UInt64](repeating: 0, count: c)
        values = [UInt32](repeating: 0, count: c)
        mask = c - 1
    }

    @inline(__always)
    private func home(_ k: UInt64) -> Int { Int(truncatingIfNeeded: (k &* 0x9E37_79B9_7F4A_7C15) >> 32) & mask }

    @inline(__always)
    func find(_ k: UInt64) -> UInt32? {
        if k == 0 { return nil }
        var i = home(k)
        while true {
            let s = keys[i]
            if s == k { return values[i] }
            if s == 0 { return nil }
            i = (i + 1) & mask
        }
    }

    mutating func set(_ k: UInt64, _ v: UInt32) {
        if (count + 1) * 2 > keys.count { grow() }
        var i = home(k)
        while keys[i] != 0 && keys[i] != k { i = (i + 1) & mask }
        if keys[i] == 0 { count += 1 }
        keys[i] = k
        values[i] = v
    }

    @discardableResult
    mutating func remove(_ k: UInt64) -> UInt32? {
        if k == 0 { return nil }
        var i = home(k)
        while keys[i] != k {
            if keys[i] == 0 { return nil }
            i = (i + 1) & mask
        }
        let v = values[i]
        // Backward shift: move later entries of the run into the hole when their home allows.
        var hole = i
        var j = (i + 1) & mask
        while keys[j] != 0 {
            let h = home(keys[j])
            let between = hole <= j ? (hole < h && h <= j) : (hole < h || h <= j)
            if !between {
                keys[hole] = keys[j]
                values[hole] = values[j]
                hole = j
            }
            j = (j + 1) & mask
        }
        keys[hole] = 0
        count -= 1
        return v
    }

    private mutating func grow() {
        let oldKeys = keys, oldValues = values
        keys = [UInt64](repeating: 0, count: oldKeys.count * 2)
        values = [UInt32](repeating: 0, count: oldKeys.count * 2)
        mask = keys.count - 1
        count = 0
        for (i, k) in oldKeys.enumerated() where k != 0 { set(k, oldValues[i]) }
    }
}

/// A thread's open io_submit and the I/O it is submitting.
struct BoundTask {
    var submitEnter: UInt64 = 0
    var current: UInt32 = .max
}

struct BoundAnalysis {
    var ios: [BoundIO] = []
    var free: [UInt32] = []
    var byKiocb = SlotTable()
    var byUserRef = SlotTable()
    /// Queued bios not yet completed, by device and first sector (the request's).
    var bySector = SlotTable()
    /// For xfs_end_io_direct_write, which names the file and offset only.
    var byOffset = SlotTable()
    var taskIndex = SlotTable()
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
        if let i = taskIndex.find(UInt64(tid) + 1) { return Int(i) }
        tasks.append(BoundTask())
        taskIndex.set(UInt64(tid) + 1, UInt32(tasks.count - 1))
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

    mutating func handle(_ e: Event) {
        switch e.payload {
        case .sysEnter(let p):
            if p.sysno == .ioSubmit { tasks[task(e.tid)].submitEnter = e.timestamp }
        case .sysExit(let p):
            if p.sysno == .ioSubmit { tasks[task(e.tid)].submitEnter = 0 }
        case .dioBegin(let p):
            let t = task(e.tid)
            let slot: UInt32
            if let f = free.popLast() { slot = f } else { ios.append(BoundIO()); slot = UInt32(ios.count - 1) }
            let sub = tasks[t].submitEnter
            ios.withUnsafeMutableBufferPointer { b in
                b[Int(slot)] = BoundIO(kiocb: p.kiocb, userRef: p.userRef, ino: e.ino, offset: p.pos,
                                       submitted: sub != 0 ? sub : e.timestamp, tgid: e.tgid, tid: e.tid, inUse: true)
            }
            if p.kiocb != 0 { byKiocb.set(p.kiocb, slot) }
            if p.userRef != 0 { byUserRef.set(Self.refKey(e.tgid, p.userRef), slot) }
            byOffset.set(Self.offsetKey(e.ino, p.pos), slot)
            tasks[t].current = slot
        case .iomapDstmap(let p):
            let t = task(e.tid)
            let s = tasks[t].current
            guard s != .max else { skip(e); return }
            if p.type == .unwritten { ios[Int(s)].needsConversion = true }
        case .dioSteps(let p):
            guard let s = byKiocb.find(p.kiocb) else { skip(e); return }
            ios.withUnsafeMutableBufferPointer { b in
                if let q = p.time(.bio, eventTime: e.timestamp), b[Int(s)].firstBio == 0 { b[Int(s)].firstBio = q }
                b[Int(s)].bios += 1
                if let d = p.time(.requestDone, eventTime: e.timestamp) {
                    b[Int(s)].lastBioDone = max(b[Int(s)].lastBioDone, d)
                    b[Int(s)].biosDone += 1
                }
            }
        case .block(let kind, let p):
            switch kind {
            case .bioQueue:
                guard let s = byKiocb.find(p.kiocb) else { skip(e); return }
                if ios[Int(s)].firstBio == 0 { ios[Int(s)].firstBio = e.timestamp }
                ios[Int(s)].bios += 1
                bySector.set(Self.sectorKey(e.dev, p.sector), s)
            case .rqIssue:
                _ = bySector.find(Self.sectorKey(e.dev, p.sector))
            case .rqComplete:
                guard let s = bySector.remove(Self.sectorKey(e.dev, p.sector)) else { return }
                ios[Int(s)].lastBioDone = max(ios[Int(s)].lastBioDone, e.timestamp)
                ios[Int(s)].biosDone += 1
            default:
                skip(e)
            }
        case .dioQueued:
            tasks[task(e.tid)].current = .max
        case .xfs(let kind, let p):
            guard kind == .endIoDirectWrite || kind == .unwrittenConvert else { return }
            guard let s = byOffset.find(Self.offsetKey(e.ino, p.offset)), ios[Int(s)].ino == e.ino,
                  ios[Int(s)].offset == p.offset else { skip(e); return }
            if kind == .unwrittenConvert { ios[Int(s)].converted = e.timestamp }
        case .dioComplete(let p):
            guard let s = byKiocb.remove(p.kiocb) else { skip(e); return }
            ios[Int(s)].completed = e.timestamp
            ios[Int(s)].posted = e.timestamp
            ios[Int(s)].result = p.ret
        case .aioReap(let p):
            guard let s = byUserRef.remove(Self.refKey(e.tgid, p.obj)) else { skip(e); return }
            ios[Int(s)].reaped = e.timestamp
            settle(s)
        default:
            skip(e)
        }
    }

    /// The I/O's phases, as ``AnalysisEngine``'s `computePhases` takes them, into the table.
    mutating func settle(_ s: UInt32) {
        let io = ios[Int(s)]
        byOffset.remove(Self.offsetKey(io.ino, io.offset))
        func d(_ a: UInt64, _ b: UInt64) -> UInt64? { a != 0 && b != 0 && b >= a ? b - a : nil }
        var p = PhaseLatencies()
        p.submitToFirstBio = d(io.submitted, io.firstBio)
        p.device = d(io.firstBio, io.lastBioDone)
        p.deviceToConversion = d(io.lastBioDone, io.converted)
        let user = io.posted != 0 ? io.posted : io.returned
        p.conversionToPosted = d(io.converted != 0 ? io.converted : io.lastBioDone, user)
        p.postedToReaped = d(io.posted, io.reaped)
        p.total = d(io.submitted, io.reaped)
        overall.add(p)
        total += 1
        ios[Int(s)].inUse = false
        free.append(s)
    }
}

/// FILE's events decoded and put in time order in memory first (as `engine` does), then the
/// bound run `runs` times, and the analyzer once to compare the results.
func bound(_ path: String, runs: Int) throws {
    var reader = try TraceReader(path: path)
    var events: [Event] = []
    events.reserveCapacity(fileSize(path) / 96)
    let options: AnalysisOptions = {
        var o = AnalysisOptions()
        o.keepAllTimelines = false
        return o
    }()
    let (summary, _) = try reader.forEachEventInTimeOrder(windowNs: options.reorderWindowNs,
                                                          maxEvents: options.reorderMaxEvents) { events.append($0) }
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
    emit([("file", path), ("events", events.count), ("ios", last.total), ("analyzer_ios", result.counts.total),
          ("unsupported_events", last.unsupported),
          ("unsupported", "[" + last.unsupportedTypes.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: " ") + "]"), ("matches_analyzer", matches), ("runs", times.count),
          ("seconds", "[" + times.map { String(format: "%.3f", $0) }.joined(separator: ",") + "]"),
          ("best_events_per_s", Double(events.count) / best), ("best_ns_per_io", best * 1e9 / Double(max(1, last.total))),
          ("slot_bytes", MemoryLayout<BoundIO>.stride)])
    if !matches {
        for ph in Phase.allCases {
            FileHandle.standardError.write(Data("\(ph.rawValue): bound \(String(describing: mine.summary(ph))) analyzer \(String(describing: theirs.summary(ph)))\n".utf8))
        }
        exit(1)
    }
}

/// `inflight`'s measurement for the bound's layout: the same `n` libaio writes, each submitted,
/// mapped, bio queued and -EIOCBQUEUED returned, none completed; growth of resident memory.
func boundInflight(_ n: Int) {
    var b = BoundAnalysis()
    for i in 0..<1000 { for e in inflightEvents(i) { b.handle(e) } }
    let before = residentBytes(), heldBefore = b.ios.count - b.free.count
    for i in 1000..<(1000 + n) { for e in inflightEvents(i) { b.handle(e) } }
    let grown = residentBytes() - before
    let held = b.ios.count - b.free.count - heldBefore
    emit([("ios_begun", n), ("ios_in_flight", held), ("resident_growth_bytes", grown),
          ("bytes_per_io_in_flight", Double(grown) / Double(max(1, held))), ("slot_bytes", MemoryLayout<BoundIO>.stride),
          ("unsupported_events", b.unsupported)])
}
