// dioscope-bench: the offline measurements `make bench` needs that the CLI
// does not print itself. Each prints one JSON object on stdout.
//
//   dioscope-bench scan FILE           plain scans of a dioscope trace: raw records
//                                      (the floor analyze is compared with), decoded events,
//                                      and decoded events in time order, on this thread and on
//                                      the decoding thread (analyze's ceiling)
//   dioscope-bench ftrace FILE         ftrace text import: lines and events per second (wall
//                                      clock), and the CPU time of the import
//   dioscope-bench ftrace-events FILE  every event the ftrace importer yields (NDJSON), then its
//                                      summary: to check that importer changes keep the events
//   dioscope-bench inflight [N] [--no-window] [--unwritten]
//                                      analyzer bytes held per I/O in flight (malloc'd bytes
//                                      with N libaio writes begun and none completed); the
//                                      engine alone (no reorder window); writes into unwritten
//                                      extents (each with a range needing conversion)
//   dioscope-bench groups FILES K      memory the phase tables hold when one process writes FILES
//                                      files, K complete I/Os each (resident growth per file)
//   dioscope-bench processes N [--no-exits]
//                                      memory the analyzer keeps per process when N short-lived
//                                      processes each make one direct write and exit (resident
//                                      growth per process); --no-exits leaves out their exit
//                                      records, as a trace from before record ABI 5 has them
//   dioscope-bench engine FILE [N]     the analysis alone, on FILE's events decoded into memory
//                                      first, N times (default 7): seconds of each run and the
//                                      fastest; noise on a shared VM only ever adds time, so the
//                                      fastest run compares engine changes better than one timing
import DioscopeCore
import Foundation
import Glibc

func now() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

func emit(_ fields: [(String, Any)]) {
    let body = fields.map { key, value -> String in
        switch value {
        case let d as Double: "\"\(key)\":\(String(format: "%.4g", d))"
        case let s as String: "\"\(key)\":\"\(s)\""
        default: "\"\(key)\":\(value)"
        }
    }
    print("{" + body.joined(separator: ",") + "}")
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("dioscope-bench: \(message)\n".utf8))
    exit(2)
}

func fileSize(_ path: String) -> Int {
    var st = stat()
    guard stat(path, &st) == 0 else { fail("\(path): \(String(cString: strerror(errno)))") }
    return Int(st.st_size)
}

/// Raw record scan (checksums verified, one field read per record) and a decoding scan.
func scan(_ path: String) throws {
    let bytes = fileSize(path)
    var reader = try TraceReader(path: path)
    var sum: UInt64 = 0
    var t0 = now()
    let raw = try reader.forEachRecord { p in sum &+= p.loadUnaligned(as: UInt64.self) }
    let rawNs = now() - t0
    reader = try TraceReader(path: path)
    var events: UInt64 = 0
    t0 = now()
    _ = try reader.forEachEvent { e in events &+= 1; sum &+= e.timestamp }
    let decodeNs = now() - t0
    // What `analyze`'s decoding thread does, with nothing after it: decoding and restoring time
    // order on this thread, then the same on the decoding thread with a consumer that only counts
    // (its ceiling: `analyze` cannot go faster than this however fast the analysis is).
    let options = AnalysisOptions()
    reader = try TraceReader(path: path)
    var ordered: UInt64 = 0
    t0 = now()
    _ = try reader.forEachEventInTimeOrder(windowNs: options.reorderWindowNs, maxEvents: options.reorderMaxEvents) { e in
        ordered &+= 1; sum &+= e.timestamp
    }
    let orderedNs = now() - t0
    var input = try TraceInput(path: path)
    input.pipelinedDecode = true
    var piped: UInt64 = 0
    t0 = now()
    _ = try input.forEachEventInTimeOrder(windowNs: options.reorderWindowNs, maxEvents: options.reorderMaxEvents) { e in
        piped &+= 1; sum &+= e.timestamp
    }
    let pipedNs = now() - t0
    guard ordered == events, piped == events else { fail("scan: \(events) events decoded, \(ordered) ordered, \(piped) piped") }
    let n = Double(raw.eventsRead)
    // records and events differ when records carry several events (record ABI 3 and 4: forEachRecord counts
    // records, forEachEvent events)
    emit([("file", path), ("bytes", bytes), ("records", raw.eventsRead), ("events", events), ("checksum", sum & 1),
          ("raw_seconds", Double(rawNs) / 1e9), ("raw_records_per_s", n / (Double(rawNs) / 1e9)),
          ("raw_mb_per_s", Double(bytes) / 1e6 / (Double(rawNs) / 1e9)),
          ("decode_seconds", Double(decodeNs) / 1e9), ("decode_events_per_s", Double(events) / (Double(decodeNs) / 1e9)),
          ("ordered_seconds", Double(orderedNs) / 1e9), ("ordered_events_per_s", Double(events) / (Double(orderedNs) / 1e9)),
          ("pipelined_seconds", Double(pipedNs) / 1e9), ("pipelined_events_per_s", Double(events) / (Double(pipedNs) / 1e9))])
}

/// Newlines in the file (read in 1 MiB blocks; this also brings the file into the page cache
/// before the timed import).
func countLines(_ path: String) -> Int {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { fail("\(path): \(String(cString: strerror(errno)))") }
    defer { close(fd) }
    let buf = UnsafeMutableRawPointer.allocate(byteCount: 1 << 20, alignment: 64)
    defer { buf.deallocate() }
    var lines = 0
    while true {
        let n = read(fd, buf, 1 << 20)
        if n < 0 && errno == EINTR { continue }
        if n < 0 { fail("\(path): \(String(cString: strerror(errno)))") }
        if n == 0 { break }
        var p = buf
        let end = buf + n
        while let nl = memchr(p, 0x0A, end - p) {
            lines += 1
            p = UnsafeMutableRawPointer(nl) + 1
        }
    }
    return lines
}

/// CPU time (user + system) of this process so far.
func cpuNs() -> UInt64 {
    var ru = rusage()
    getrusage(RUSAGE_SELF.rawValue, &ru)
    func ns(_ t: timeval) -> UInt64 { UInt64(t.tv_sec) * 1_000_000_000 + UInt64(t.tv_usec) * 1000 }
    return ns(ru.ru_utime) + ns(ru.ru_stime)
}

func ftrace(_ path: String) throws {
    let bytes = fileSize(path)
    let lines = countLines(path)
    var importer = FtraceImporter(path: path)
    var events: UInt64 = 0
    let c0 = cpuNs()
    let t0 = now()
    let summary = try importer.forEachEvent { _ in events += 1 }
    let s = Double(now() - t0) / 1e9
    let cpu = Double(cpuNs() - c0) / 1e9
    emit([("file", path), ("bytes", bytes), ("lines", lines), ("events", events),
          ("problems", summary.problems.count), ("seconds", s),
          ("lines_per_s", Double(lines) / s), ("mb_per_s", Double(bytes) / 1e6 / s),
          ("cpu_seconds", cpu), ("lines_per_cpu_s", Double(lines) / cpu)])
}

/// Every event of the ftrace importer as NDJSON, then the summary (problems, skipped, flags).
func ftraceEvents(_ path: String) throws {
    var importer = FtraceImporter(path: path)
    var f = EventFormatter(capacity: 1 << 20)
    let summary = try importer.forEachEvent { e in
        f.appendJSON(e)
        f.bytes.append(0x0A)
        if f.bytes.count >= 1 << 20 {
            FileHandle.standardOutput.write(Data(f.bytes))
            f.reset()
        }
    }
    FileHandle.standardOutput.write(Data(f.bytes))
    print("summary format=\(summary.format) events=\(summary.eventsRead) dropped=\(summary.dropped)"
          + " damaged=\(summary.damaged) truncated=\(summary.truncated)"
          + " first=\(summary.firstTimestamp.map(String.init) ?? "nil") last=\(summary.lastTimestamp.map(String.init) ?? "nil")")
    for (k, v) in summary.skipped.sorted(by: { $0.key < $1.key }) { print("skipped \(k) \(v)") }
    for p in summary.problems { print("problem \(p)") }
}

/// Resident set size from /proc/self/statm.
func residentBytes() -> Int {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
    let fields = text.split(separator: " ")
    return fields.count > 1 ? (Int(fields[1]) ?? 0) * Int(sysconf(Int32(_SC_PAGESIZE))) : 0
}

/// What the analyzer holds for an I/O in flight at the device: submitted by io_submit,
/// mapped, bio queued, -EIOCBQUEUED returned; completion not yet seen. Measured as the
/// growth of resident memory over N such I/Os (distinct ranges of one file): freshly
/// allocated heap is touched at once, so the growth is what the analyzer keeps.
/// The events of libaio write `i` of `inflight`: submitted, mapped, bio queued and -EIOCBQUEUED
/// returned, never completed. `unwritten`: the mapping is a new UNWRITTEN extent (a write into
/// fallocated or new blocks, which needs conversion), not a written one.
func inflightEvents(_ i: Int, unwritten: Bool = false) -> [Event] {
    let dev = DeviceNumber(major: 7, minor: 0)
    let tgid: UInt32 = 4242
    let t0 = 1_000_000_000 + UInt64(i) * 10_000
    let kiocb = 0xffff_8880_0000_0000 + UInt64(i) * 0x100
    let off = Int64(i) * 4096
    let sector = UInt64(0x10000) + UInt64(i) * 8
    func ev(_ dt: UInt64, _ p: Event.Payload, ino: UInt64 = 0x83) -> Event {
        Event(timestamp: t0 + dt, tgid: tgid, tid: tgid, cpu: 0, dev: dev, ino: ino, payload: p)
    }
    return [
        ev(0, .sysEnter(SysEnter(sysno: .ioSubmit, args: (1, 1, 0)))),
        ev(1000, .dioBegin(DIOBegin(kiocb: kiocb, pos: off, count: 4096, isize: 1 << 40, userRef: UInt64(i) + 1,
                                    kiFlags: [.direct, .write], api: .libaio, blkbits: 12))),
        ev(2000, .iomapDstmap(IomapMapping(addr: sector << 9, offset: off, length: 4096,
                                           type: unwritten ? .unwritten : .mapped, flags: unwritten ? [.new] : [],
                                           bdev: dev, blkbits: 12))),
        ev(3000, .block(.bioQueue, BlockIO(sector: sector, nrSector: 8, ptr: kiocb, kiocb: kiocb,
                                           flags: [.sync, .iomapDIO], op: .write)), ino: 0),
        ev(4000, .dioQueued(DIOQueued(offset: off + 4096, length: 0, isize: 1 << 40))),
        ev(5000, .sysExit(SysExit(sysno: .ioSubmit, ret: 1)), ino: 0),
    ]
}

///
/// `noWindow`: the events go to the engine as they come (a reorder window of 0), so the figure is
/// the engine's state alone, as the floor's (`bound-inflight`) is. With the default 20 ms window
/// the reorder buffer holds every event of the last 20 ms of trace time, 104 bytes each in a ring
/// of a power of two: here 6 events every 10 µs, 12 000 events, a 1.7 MB ring. That is the
/// event rate times the window, not a cost per I/O in flight, but at 10 000 I/Os it is part of
/// the default figure's growth.
func inflight(_ n: Int, noWindow: Bool = false, unwritten: Bool = false) {
    var options = AnalysisOptions()
    options.keepAllTimelines = false
    if noWindow { options.reorderWindowNs = 0 }
    let analyzer = Analyzer(options: options)
    func feed(_ i: Int) { for e in inflightEvents(i, unwritten: unwritten) { analyzer.consume(e) } }
    // warm up the collections' first growth, then measure
    for i in 0..<1000 { feed(i) }
    analyzer.advance(to: .max)
    let before = residentBytes(), heldBefore = analyzer.iosInFlight
    for i in 1000..<(1000 + n) { feed(i) }
    analyzer.advance(to: .max)  // through the reorder buffer into the engine
    let grown = residentBytes() - before
    let held = analyzer.iosInFlight - heldBefore
    let reorderSlots = analyzer.collectionSizes.first { $0.0 == "reorderStorage" }?.1 ?? 0
    emit([("ios_begun", n), ("ios_in_flight", held), ("resident_growth_bytes", grown),
          ("bytes_per_io_in_flight", Double(grown) / Double(max(1, held))),
          ("reorder_window_ns", Int(options.reorderWindowNs)), ("unwritten", unwritten ? 1 : 0),
          ("reorder_ring_bytes", reorderSlots * MemoryLayout<Event>.stride)]
        + Analyzer.perIOLayout.map { ("\($0.0)_bytes", $0.1) })
}

/// What the analyzer holds for the per-process and per-file phase tables when one process
/// writes `files` files, `perFile` complete libaio writes each (io_submit, begin, completion,
/// io_getevents reaping it), one file after the other: the growth of resident memory once every
/// I/O is complete and emitted (nothing is in flight). A database with a file per table, traced
/// live for long, looks like this.
func groups(files: Int, perFile: Int) {
    var options = AnalysisOptions()
    options.keepAllTimelines = false
    let analyzer = Analyzer(options: options)
    let dev = DeviceNumber(major: 7, minor: 0)
    let tgid: UInt32 = 4242
    var t: UInt64 = 1_000_000_000
    var n: UInt64 = 0
    func feed(file: Int) {
        let ino = UInt64(0x1000 + file)
        for i in 0..<perFile {
            n += 1
            let kiocb = 0xffff_8880_0000_0000 + n * 0x100, user = n
            func ev(_ p: Event.Payload, ino: UInt64 = ino) -> Event {
                t += 1_000
                return Event(timestamp: t, tgid: tgid, tid: tgid, cpu: 0, dev: dev, ino: ino, payload: p)
            }
            for e in [
                ev(.sysEnter(SysEnter(sysno: .ioSubmit, args: (1, 1, 0)))),
                ev(.dioBegin(DIOBegin(kiocb: kiocb, pos: Int64(i) * 4096, count: 4096, isize: 1 << 40, userRef: user,
                                      kiFlags: [.direct, .write], api: .libaio, blkbits: 12))),
                ev(.sysExit(SysExit(sysno: .ioSubmit, ret: 1)), ino: 0),
                ev(.dioComplete(DIOComplete(kiocb: kiocb, pos: Int64(i) * 4096, isize: 1 << 40, ret: 4096, userRef: user,
                                            error: 0, kiFlags: [.direct, .write], api: .libaio))),
                ev(.sysEnter(SysEnter(sysno: .ioGetevents, args: (1, 1, 0))), ino: 0),
                ev(.aioReap(AIOReap(obj: user, res: 4096)), ino: 0),
                ev(.sysExit(SysExit(sysno: .ioGetevents, ret: 1)), ino: 0),
            ] { analyzer.consume(e) }
        }
    }
    for f in 0..<8 { feed(file: f) }  // warm up the collections' first growth
    analyzer.advance(to: .max)
    let before = residentBytes()
    for f in 8..<(8 + files) { feed(file: f) }
    analyzer.advance(to: .max)
    let grown = residentBytes() - before
    let result = analyzer.finish()
    emit([("files", files), ("ios_per_file", perFile), ("ios", result.counts.total),
          ("resident_growth_bytes", grown), ("bytes_per_file", Double(grown) / Double(max(1, files))),
          ("file_tables", result.phaseTables.byInode.count), ("process_tables", result.phaseTables.byProcess.count)])
}

/// What the analyzer keeps per process when `n` processes come and go, each making one
/// synchronous direct write (pwrite64 enter with its name and descriptor, begin, completion,
/// exit) and then exiting (a build, a test suite, a cron job): the growth of resident memory
/// once all have exited. Without `exits`, their exit records are left out, as in a trace from
/// before record ABI 5: the per-thread and per-process tables then keep every one.
func processes(_ n: Int, exits: Bool) {
    var options = AnalysisOptions()
    options.keepAllTimelines = false
    let analyzer = Analyzer(options: options)
    let dev = DeviceNumber(major: 7, minor: 0)
    var t: UInt64 = 1_000_000_000
    func feed(_ i: Int) {
        let pid = UInt32(100_000 + i)
        // 100 us apart: a process every half millisecond (a busy build), so that the span list,
        // which holds the last 5 s of emitted I/Os, is at its steady size
        func ev(_ p: Event.Payload, ino: UInt64 = 0x83) -> Event {
            t += 100_000
            return Event(timestamp: t, tgid: pid, tid: pid, cpu: 0, dev: dev, ino: ino, payload: p)
        }
        let kiocb = 0xffff_8880_0000_0000 + UInt64(i) * 0x100, off = Int64(i % 1024) * 4096
        var events = [
            ev(.sysEnter(SysEnter(sysno: .pwrite64, fd: 3, args: (0x7000, 4096, off), comm: Comm("job-\(i % 1000)")))),
            ev(.dioBegin(DIOBegin(kiocb: kiocb, pos: off, count: 4096, isize: 1 << 30, kiFlags: [.direct, .write],
                                  api: .sync, blkbits: 12))),
            ev(.dioComplete(DIOComplete(kiocb: kiocb, pos: off + 4096, isize: 1 << 30, ret: 4096, error: 0,
                                        kiFlags: [.direct, .write], api: .sync))),
            ev(.sysExit(SysExit(sysno: .pwrite64, fd: 3, ret: 4096)), ino: 0),
        ]
        if exits { events.append(ev(.taskExit(TaskExit(exitCode: 0, groupDead: true)), ino: 0)) }
        for e in events { analyzer.consume(e) }
    }
    for i in 0..<20_000 { feed(i) }  // warm up: the collections' first growth, 10 s of spans
    analyzer.advance(to: .max)
    let before = residentBytes()
    for i in 20_000..<(20_000 + n) { feed(i) }
    analyzer.advance(to: .max)
    let grown = residentBytes() - before
    let sizes = Dictionary(analyzer.collectionSizes, uniquingKeysWith: { a, _ in a })
    let result = analyzer.finish()
    emit([("processes", n), ("exit_records", exits), ("ios", result.counts.total),
          ("resident_growth_bytes", grown), ("bytes_per_process", Double(grown) / Double(max(1, n)))]
        + ["tidComm", "tgidComm", "tgidInode", "fdMap", "tasks"].map { ("\($0)_entries", sizes[$0] ?? -1) })
}

/// Events already in time order, handed to the analysis as they are: what the analyzing thread of
/// `analyze` receives from the decoding thread.
struct OrderedEvents: EventSource {
    let events: [Event]
    let summary: SourceSummary
    mutating func forEachEvent(_ body: (Event) throws -> Void) throws -> SourceSummary {
        for e in events { try body(e) }
        return summary
    }
    mutating func forEachEventInTimeOrder(windowNs: UInt64, maxEvents: Int, _ body: (Event) throws -> Void) throws
        -> (summary: SourceSummary, lateEvents: UInt64)
    {
        (try forEachEvent(body), 0)
    }
}

/// FILE's events decoded and put in time order in memory (as `analyze`'s decoding thread hands
/// them over), with the options `analyze` runs with (no timeline kept unless a finding names it).
func orderedEvents(_ path: String) throws -> (events: [Event], summary: SourceSummary, options: AnalysisOptions) {
    var reader = try TraceReader(path: path)
    var events: [Event] = []
    events.reserveCapacity(fileSize(path) / 96)
    var options = AnalysisOptions()
    options.keepAllTimelines = false
    let (summary, _) = try reader.forEachEventInTimeOrder(windowNs: options.reorderWindowNs,
                                                          maxEvents: options.reorderMaxEvents) { events.append($0) }
    return (events, summary, options)
}

/// The engine without the decoding: FILE's events decoded and put in time order in memory first
/// (``orderedEvents(_:)``), then analyzed `runs` times.
func engine(_ path: String, runs: Int) throws {
    let (events, summary, options) = try orderedEvents(path)
    var times: [Double] = []
    var ios: UInt64 = 0
    for _ in 0..<max(1, runs) {
        var source = OrderedEvents(events: events, summary: summary)
        let t0 = now()
        let (result, _) = try Analyzer.analyze(&source, options: options)
        times.append(Double(now() - t0) / 1e9)
        ios = result.counts.total
    }
    let best = times.min()!
    emit([("file", path), ("events", events.count), ("ios", ios), ("runs", times.count),
          ("seconds", "[" + times.map { String(format: "%.3f", $0) }.joined(separator: ",") + "]"),
          ("best_seconds", best), ("best_events_per_s", Double(events.count) / best),
          ("best_ns_per_io", best * 1e9 / Double(max(1, ios)))])
}

let args = CommandLine.arguments
let usage = "usage: dioscope-bench scan FILE | ftrace FILE | ftrace-events FILE | inflight [N [--no-window] [--unwritten]] | groups FILES PER-FILE | processes N [--no-exits] | engine FILE [N] | bound FILE [N] | bound-inflight [N]"
guard args.count >= 2 else { fail(usage) }
do {
    switch args[1] {
    case "scan" where args.count == 3: try scan(args[2])
    case "ftrace" where args.count == 3: try ftrace(args[2])
    case "ftrace-events" where args.count == 3: try ftraceEvents(args[2])
    case "inflight" where args.count <= 5 && Set(args.dropFirst(3)).isSubset(of: ["--no-window", "--unwritten"]):
        inflight(args.count >= 3 ? Int(args[2]) ?? 100_000 : 100_000, noWindow: args.dropFirst(3).contains("--no-window"),
                 unwritten: args.dropFirst(3).contains("--unwritten"))
    case "groups" where args.count == 4:
        groups(files: Int(args[2]) ?? 10_000, perFile: Int(args[3]) ?? 100)
    case "processes" where args.count == 3 || (args.count == 4 && args[3] == "--no-exits"):
        guard let n = Int(args[2]), n > 0 else { fail(usage) }
        processes(n, exits: args.count == 3)
    case "engine" where args.count == 3 || args.count == 4:
        try engine(args[2], runs: args.count == 4 ? Int(args[3]) ?? 7 : 7)
    case "bound-inflight": boundInflight(args.count >= 3 ? Int(args[2]) ?? 100_000 : 100_000)
    case "bound" where args.count == 3 || args.count == 4:
        try bound(args[2], runs: args.count == 4 ? Int(args[3]) ?? 7 : 7)
    default: fail(usage)
    }
} catch {
    fail("\(error)")
}
