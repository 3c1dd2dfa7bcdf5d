import Foundation

/// Writes an analysis as Chrome trace-event JSON, which the Perfetto UI
/// (ui.perfetto.dev) and chrome://tracing open.
///
/// Layout:
/// - one process per traced process (`pid` = tgid, named "comm (pid N)"),
///   one thread per submitting thread (`thread_name`); every I/O is an async
///   slice (`ph` "b"/"e", `cat` "io", `id` "io<N>") on its process with its
///   phases nested inside (submit, device, conversion, completion, reap),
///   and a 2 ns anchor slice "submit io#N" (`ph` "X") on its thread that
///   flow arrows attach to;
/// - one process per file ("inode 7:0/0x83", `pid` ≥ ``inodePidBase``)
///   showing every I/O on that file as an async slice (`cat` "inode"), so
///   overlapping I/Os on one file line up;
/// - a "dioscope findings" process (`pid` ``findingsPid``): each finding is
///   an instant event (`ph` "i", plus a 2 ns "X" anchor) with a flow arrow
///   (`ph` "s" inside the I/O's anchor → `ph` "f" inside the finding's
///   anchor, `bp` "e") from every I/O involved;
///   windows with lost events are "X" slices on its "events lost" thread.
///
/// Times are microseconds with nanosecond precision (`displayTimeUnit` "ns").
public enum PerfettoExporter {
    /// Length (ns) of the anchor slices flows bind to; flow events sit 1 ns
    /// inside them so that binding does not depend on tie order.
    static let anchorDuration: UInt64 = 2
    /// pid of the findings process.
    public static let findingsPid = 2_000_000_000
    /// pids of the per-inode processes start here (real pids are below 2^22).
    public static let inodePidBase = 1_000_000_000

    /// The encoded trace (built through ``write(_:to:)-(_,(Data)throws->Void)``, so it is the same bytes).
    public static func encode(_ result: AnalysisResult) -> Data {
        var data = Data()
        do {
            try write(result) { data.append($0) }
        } catch {
            // only a spill's reads can throw, and these timelines are in memory
            preconditionFailure("the Perfetto trace of timelines in memory failed: \(error)")
        }
        return data
    }

    /// Writes the trace to `path` (atomically, mode 0600), in pieces: a large analysis's trace
    /// (600 MB for 245 k I/Os) is never held whole.
    public static func write(_ result: AnalysisResult, timelines: ExportTimelines? = nil, to path: String) throws {
        try PrivateFile.write(to: path) { sink in try write(result, timelines: timelines, to: sink) }
    }

    /// Writes the trace to `sink` in pieces of about 1 MiB. `timelines`: where the I/Os come
    /// from (the result's own without it). They are read twice, in submission order: first only
    /// the fields that name the tracks, which come first, then whole for the I/Os' events.
    public static func write(_ result: AnalysisResult, timelines: ExportTimelines? = nil,
                             to sink: (Data) throws -> Void) throws {
        var w = TraceEventWriter()
        let timelines = timelines ?? ExportTimelines(result.timelines)

        // Tracks and their names.
        var processNames: [UInt32: String] = [:]
        var threadNames: [ThreadKey: String] = [:]
        var inodePids: [InodeKey: Int] = [:]
        try timelines.forEachTrack(order: .submission) { t in
            if processNames[t.tgid] == nil { processNames[t.tgid] = "\(t.comm.isEmpty ? "?" : t.comm) (pid \(t.tgid))" }
            let tk = ThreadKey(tgid: t.tgid, tid: t.tid)
            if threadNames[tk] == nil { threadNames[tk] = "\(t.comm.isEmpty ? "?" : t.comm) (tid \(t.tid))" }
            let ik = InodeKey(dev: t.dev, ino: t.ino)
            if inodePids[ik] == nil { inodePids[ik] = inodePidBase + inodePids.count }
        }
        for (tgid, name) in processNames.sorted(by: { $0.key < $1.key }) {
            w.metadata("process_name", pid: Int(tgid), tid: 0, args: [("name", .string(name))])
        }
        for (k, name) in threadNames.sorted(by: { ($0.key.tgid, $0.key.tid) < ($1.key.tgid, $1.key.tid) }) {
            w.metadata("thread_name", pid: Int(k.tgid), tid: Int(k.tid), args: [("name", .string(name))])
        }
        for (k, pid) in inodePids.sorted(by: { $0.value < $1.value }) {
            w.metadata("process_name", pid: pid, tid: 0,
                       args: [("name", .string("inode \(k.dev)/0x\(String(k.ino, radix: 16))"))])
            w.metadata("thread_name", pid: pid, tid: pid, args: [("name", .string("I/Os"))])
            w.metadata("process_sort_index", pid: pid, tid: 0, args: [("sort_index", .int(Int64(pid - inodePidBase) + 1))])
        }
        w.metadata("process_name", pid: findingsPid, tid: 0, args: [("name", .string("dioscope findings"))])
        w.metadata("process_sort_index", pid: findingsPid, tid: 0, args: [("sort_index", .int(-1))])
        w.metadata("thread_name", pid: findingsPid, tid: 1, args: [("name", .string("findings"))])
        w.metadata("thread_name", pid: findingsPid, tid: 2, args: [("name", .string("events lost"))])

        // I/Os. What the findings' flows need of their I/Os is kept on the way.
        let named = Set(result.findings.flatMap(\.ios))
        var involvedIOs: [UInt64: FlowEnd] = [:]
        try timelines.forEach(order: .submission) { t in
            if named.contains(t.id) { involvedIOs[t.id] = FlowEnd(id: t.id, submittedAt: t.submittedAt, tgid: t.tgid, tid: t.tid) }
            let start = t.submittedAt
            let end = max(t.endedAt, start)
            let name = "io#\(t.id) \(t.api) \(t.op) 0x\(String(t.offset, radix: 16))+0x\(String(t.length, radix: 16))"
            let pid = Int(t.tgid), tid = Int(t.tid)
            let id = "io\(t.id)"
            w.event(ph: "b", name: name, cat: "io", ts: start, pid: pid, tid: tid, id: id, args: ioArgs(t))
            for phase in phases(t, start: start, end: end) {
                w.event(ph: "b", name: phase.name, cat: "io", ts: phase.start, pid: pid, tid: tid, id: id)
                w.event(ph: "e", name: phase.name, cat: "io", ts: phase.end, pid: pid, tid: tid, id: id)
            }
            w.event(ph: "e", name: name, cat: "io", ts: end, pid: pid, tid: tid, id: id)
            w.event(ph: "X", name: "submit io#\(t.id)", cat: "submit", ts: start, dur: anchorDuration, pid: pid, tid: tid,
                    args: [("io", .uint(t.id))])

            let ipid = inodePids[InodeKey(dev: t.dev, ino: t.ino)]!
            let iname = "io#\(t.id) \(t.comm) \(t.tgid)/\(t.tid) \(t.api) \(t.op) 0x\(String(t.offset, radix: 16))+0x\(String(t.length, radix: 16))"
            w.event(ph: "b", name: iname, cat: "inode", ts: start, pid: ipid, tid: ipid, id: "ino-io\(t.id)",
                    args: [("io", .uint(t.id)), ("status", .string(t.status.rawValue))])
            w.event(ph: "e", name: iname, cat: "inode", ts: end, pid: ipid, tid: ipid, id: "ino-io\(t.id)")
            try w.handOver(to: sink)
        }

        // Findings with flows from the I/Os involved.
        for (k, f) in result.findings.enumerated() {
            let involved = f.ios.compactMap { involvedIOs[$0] }
            var ts = f.evidence.last?.timestamp ?? 0
            for t in involved where t.submittedAt > ts { ts = t.submittedAt }
            w.event(ph: "X", name: f.kind.rawValue, cat: "finding", ts: ts, dur: anchorDuration, pid: findingsPid, tid: 1,
                    args: [("finding", .uint(UInt64(k)))])
            w.event(ph: "i", name: f.kind.rawValue, cat: "finding", ts: ts, pid: findingsPid, tid: 1, scope: "t",
                    args: [("severity", .string(f.severity.rawValue)), ("message", .string(f.message)),
                           ("ios", .uints(f.ios)), ("dev", .string(f.dev.description)),
                           ("ino", .string("0x" + String(f.ino, radix: 16))),
                           ("evidence", .strings(f.evidence.map(\.description)))])
            for t in involved {
                let flow = "finding\(k)-io\(t.id)"
                w.event(ph: "s", name: f.kind.rawValue, cat: "finding", ts: t.submittedAt + 1, pid: Int(t.tgid),
                        tid: Int(t.tid), id: flow)
                w.event(ph: "f", name: f.kind.rawValue, cat: "finding", ts: ts + 1, pid: findingsPid, tid: 1, id: flow,
                        bindingPoint: "e")
            }
            try w.handOver(to: sink)
        }

        for lw in result.lostWindows {
            let s = min(lw.since, lw.until)
            w.event(ph: "X", name: "\(lw.dropped) events lost", cat: "lost", ts: s, dur: max(lw.until - s, 1),
                    pid: findingsPid, tid: 2, args: [("dropped", .uint(lw.dropped))])
        }

        try sink(Data(w.finish(metadata: [
            ("generator", .string("dioscope")), ("source-format", .string(result.sourceFormat)),
            ("verdict", .string(result.verdict.rawValue)), ("source-complete", .bool(result.sourceComplete)),
            ("events-dropped", .uint(result.eventsDropped)),
        ])))
    }

    /// What a finding's flow arrow needs of an I/O it involves.
    private struct FlowEnd {
        var id: UInt64
        var submittedAt: UInt64
        var tgid: UInt32
        var tid: UInt32
    }

    private struct ThreadKey: Hashable {
        var tgid: UInt32
        var tid: UInt32
    }

    private struct InodeKey: Hashable {
        var dev: DeviceNumber
        var ino: UInt64
    }

    struct PhaseSpan {
        var name: String
        var start: UInt64
        var end: UInt64
    }

    /// Consecutive, non-overlapping phases inside [start, end]: each phase
    /// begins where the previous ended (or later) and is dropped when one of
    /// its ends was not observed.
    static func phases(_ t: IOTimeline, start: UInt64, end: UInt64) -> [PhaseSpan] {
        let firstBio = t.bios.map(\.queuedAt).min()
        let deviceDone = t.bios.compactMap(\.completedAt).max()
        let posted = t.postedAt ?? t.returnedAt ?? t.completedAt
        var out: [PhaseSpan] = []
        var cursor = start
        func add(_ name: String, _ s: UInt64?, _ e: UInt64?) {
            guard let s, let e else { return }
            let a = max(s, cursor), b = min(e, end)
            guard a <= b else { return }
            out.append(PhaseSpan(name: name, start: a, end: b))
            cursor = b
        }
        add("submit", start, firstBio ?? t.queuedAt ?? t.completedAt)
        add("device", firstBio, deviceDone)
        if t.needsConversion { add("unwritten conversion", deviceDone ?? t.completedAt, t.convertedAt) }
        add("completion", cursor, posted)
        if let reaped = t.reapedAt { add("reap", posted, reaped) }
        return out
    }

    private static func ioArgs(_ t: IOTimeline) -> [(String, TraceArg)] {
        var a: [(String, TraceArg)] = [
            ("io", .uint(t.id)), ("api", .string(t.api.description)), ("op", .string(t.op.rawValue)),
            ("comm", .string(t.comm)), ("dev", .string(t.dev.description)),
            ("ino", .string("0x" + String(t.ino, radix: 16))), ("offset", .int(t.offset)), ("length", .uint(t.length)),
            ("status", .string(t.status.rawValue)), ("needsConversion", .bool(t.needsConversion)),
            ("attempts", .uint(UInt64(t.attempts.count))),
        ]
        if let r = t.result { a.append(("result", .int(r))) }
        if let s = t.syscall { a.append(("syscall", .string(s))) }
        if let r = t.requested { a.append(("requested", .uint(r))) }
        if let r = t.inconclusiveReason { a.append(("inconclusive", .string(r))) }
        let steps = t.entries.prefix(64).map { "\(formatSeconds($0.timestamp)) [\($0.tid)] \($0.description)" }
        a.append(("steps", .strings(Array(steps))))
        return a
    }
}
