/// Human-readable rendering of an ``AnalysisResult``: I/O counts, phase
/// tables, findings each with a small ASCII timeline of its evidence, and
/// the verdict.
public enum AnalysisReport {
    /// The full text report. `timelines`: also draw every I/O timeline. `whole`: the unfiltered
    /// result when `r` is a filtered view (the verdict is always the whole trace's).
    /// `damagedProblems`: the input was damaged, with this many problems reported beside the
    /// report; the verdict then names the damage (its exit status 3 outranks the analysis').
    public static func text(_ r: AnalysisResult, timelines showTimelines: Bool = false,
                            whole: AnalysisResult? = nil, damagedProblems: Int? = nil) -> String {
        var text = ""
        do {
            try write(r, timelines: showTimelines, whole: whole, damagedProblems: damagedProblems) { text += $0 }
        } catch {
            // only a spill's reads can throw, and these timelines are in memory
            preconditionFailure("the report of timelines in memory failed: \(error)")
        }
        return text
    }

    /// ``text(_:timelines:whole:damagedProblems:)`` handed to `sink` in pieces: with `timelines`,
    /// a large recording's report (330 MB for 245 k I/Os) is never held whole. `source`: where
    /// the inconclusive I/Os listed and the timelines drawn come from (`r`'s own without it;
    /// a ``TimelineSpill`` for a large recording).
    public static func write(_ r: AnalysisResult, timelines showTimelines: Bool = false,
                             whole: AnalysisResult? = nil, damagedProblems: Int? = nil,
                             source: ExportTimelines? = nil, to sink: (String) throws -> Void) throws {
        let source = source ?? ExportTimelines(r.timelines)
        var out = ""
        out += "dioscope analysis: \(r.sourceFormat), \(r.eventsRead) events read, \(r.eventsAnalyzed) analyzed\n"
        if !r.sourceComplete {
            var why: [String] = []
            if r.eventsDropped > 0 { why.append("\(r.eventsDropped) events dropped") }
            if !r.lostWindows.isEmpty {
                var lost = r.lostWindows.prefix(10).map { w in
                    "lost \(formatSeconds(w.since))..\(formatSeconds(w.until))" + (w.missesOf.map { " (misses of \($0))" } ?? "")
                }
                if r.lostWindows.count > 10 { lost.append("\(r.lostWindows.count - 10) more lost windows") }
                why.append(lost.joined(separator: ", "))
            }
            if why.isEmpty { why.append("damaged or truncated input") }
            out += "source INCOMPLETE: " + why.joined(separator: "; ") + "\n"
        }
        for p in r.sourceProblems.prefix(20) { out += "  problem: \(p)\n" }
        if r.sourceProblems.count > 20 { out += "  ... \(r.sourceProblems.count - 20) more problems\n" }

        // I/Os by kind and API
        let c = r.counts
        out += "\nI/Os: \(c.total) (\(c.reads) reads, \(c.writes) writes)"
        if c.retried > 0 { out += ", \(c.retried) retried by the kernel" }
        if c.errors > 0 { out += ", \(c.errors) failed" }
        if c.inconclusive > 0 { out += ", \(c.inconclusive) INCONCLUSIVE" }
        if let n = r.unmatched[AnalysisResult.unreapedAtExit], n > 0 {
            out += ", \(n) completed but never reaped (their process exited)"
        }
        if let n = r.unmatched[AnalysisResult.resultWithoutCompletion], n > 0 {
            // (a lost window's, or the kernel skipped the program without counting it: README)
            out += ", \(n) with a result but no iomap_dio_complete record"
        }
        if let n = r.unmatched[AnalysisResult.noDeviceCompletion], n > 0 {
            // (block_rq_complete not recorded: no device phase; README, "Robustness")
            out += ", \(n) without a recorded request completion"
        }
        out += "\n"
        for (k, v) in c.byAPI.sorted(by: { $0.key < $1.key }) {
            out += "  " + pad(k, 16) + " \(v)\n"
        }

        // phase tables
        if r.phaseTables.overall.ios > 0 {
            out += "\nPhase latencies (complete I/Os):\n"
            out += phaseTable(r.phaseTables.overall)
            // per process / per file: the busiest ten of each (all of them are in the JSON output)
            for (groups, what) in [(r.phaseTables.byProcess, "processes"), (r.phaseTables.byInode, "files")]
            where groups.count > 1 {
                let top = groups.sorted { $0.ios > $1.ios }.prefix(10)
                for t in top { out += phaseTable(t) }
                if groups.count > top.count { out += "  ... \(groups.count - top.count) more \(what) (see --format json)\n" }
            }
        }

        // inconclusive I/Os
        let inconclusive = try source.inconclusive(limit: 50)
        if !inconclusive.first.isEmpty {
            out += "\nInconclusive I/Os:\n"
            for t in inconclusive.first {
                out += "  io#\(t.id) \(IOSubject(t)): \(t.inconclusiveReason ?? "incomplete")\n"
            }
            // The result may keep only some of them (AnalysisOptions.maxInconclusiveTimelines); all are
            // counted, and a filtered view's are among those counted.
            let total = max(inconclusive.total, Int(clamping: r.counts.inconclusive))
            if total > 50 { out += "  ... \(total - 50) more\n" }
        }

        // findings
        if r.findings.isEmpty {
            out += "\nNo findings.\n"
        } else {
            out += "\nFindings: \(r.findings.count)\n"
            for (i, f) in r.findings.enumerated() { out += finding(f, number: i + 1) }
        }

        if showTimelines {
            out += "\nTimelines:\n"
            try source.forEach { t in
                out += timeline(t)
                if out.utf8.count >= PrivateFile.pieceBytes {
                    try sink(out)
                    out = ""
                }
            }
        }

        let all = whole ?? r
        if all.findings.count != r.findings.count {
            out += "\n(the filter shows \(r.findings.count) of \(all.findings.count) findings)\n"
        }
        if let n = damagedProblems {
            out += "\nVerdict: DAMAGED TRACE — \(n) problem(s) listed above; every intact part was analyzed "
                + "(\(verdictText(all)))\n"
        } else {
            out += "\nVerdict: \(verdictText(all))\n"
        }
        try sink(out)
    }

    /// One finding: headline, message, the I/Os involved and the evidence as an ASCII timeline.
    public static func finding(_ f: Finding, number: Int) -> String {
        var out = "\n[\(number)] \(f.severity.rawValue.uppercased()) \(f.kind)  (dev \(f.dev) ino \(f.ino))\n"
        out += wrap(f.message, indent: "    ") + "\n"
        for s in f.subjects { out += "    io: \(s)\n" }
        out += asciiTimeline(f.evidence, indent: "    ")
        return out
    }

    public static func verdictText(_ r: AnalysisResult) -> String {
        switch r.verdict {
        case .clean: return "CLEAN — every I/O seen whole, no race found"
        case .findings:
            let e = r.findings.filter { $0.severity == .error }.count
            return "FINDINGS — \(e) error(s), \(r.findings.count - e) warning(s)"
        case .inconclusive:
            return "INCONCLUSIVE — no race found, but events were lost or I/Os cut off; cannot call it clean"
        }
    }

    /// One I/O timeline as text.
    public static func timeline(_ t: IOTimeline) -> String {
        var out = "io#\(t.id) \(t.api) \(t.op) pid \(t.tgid)/\(t.tid)"
        if !t.comm.isEmpty { out += " (\(t.comm))" }
        out += " dev \(t.dev) ino \(t.ino) 0x\(String(t.offset, radix: 16))+0x\(String(t.length, radix: 16))"
        if let req = t.requested, req != t.length { out += " (asked 0x\(String(req, radix: 16)))" }
        out += " result \(t.result.map(String.init) ?? "?")"
        if t.attempts.count > 1 { out += " attempts \(t.attempts.count)" }
        out += t.status == .inconclusive ? " INCONCLUSIVE: \(t.inconclusiveReason ?? "")" : ""
        out += "\n"
        let ev = t.entries.map { Evidence(timestamp: $0.timestamp, io: nil, tid: $0.tid, what: $0.description) }
        out += asciiTimeline(ev, indent: "    ")
        return out
    }

    /// Evidence as rows: relative time, a 32-column bar placing the event in the span, and what happened.
    public static func asciiTimeline(_ ev: [Evidence], indent: String) -> String {
        guard let first = ev.first?.timestamp, let last = ev.map(\.timestamp).max() else { return "" }
        let span = max(last - min(first, last), 1)
        let width = 32
        // Built as bytes: with --timelines this runs for every I/O, and a bar of Characters and
        // padded String pieces took three quarters of the report's time.
        var out: [UInt8] = []
        out.reserveCapacity(ev.count * 120)
        for e in ev {
            let rel = e.timestamp >= first ? e.timestamp - first : 0
            let col = Int((Double(rel) / Double(span)) * Double(width - 1))
            out.append(contentsOf: indent.utf8)
            appendPadded("+" + formatDuration(rel), 10, to: &out)
            out.append(contentsOf: " |".utf8)
            let star = max(0, min(width - 1, col))
            for i in 0..<width { out.append(i == star ? 0x2A : 0x2D) }  // * and -
            out.append(contentsOf: "| ".utf8)
            var who = e.io.map { "io#\($0) " } ?? ""
            who += e.tid == 0 ? "[irq/kernel]" : "[\(e.tid)]"
            appendPadded(who, 20, to: &out)
            out.append(0x20)
            out.append(contentsOf: e.what.utf8)
            out.append(0x0A)
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// ``pad(_:_:)`` into bytes.
    private static func appendPadded(_ s: String, _ n: Int, to out: inout [UInt8]) {
        out.append(contentsOf: s.utf8)
        // characters, not bytes, as pad counts them (the same for ASCII)
        let count = s.utf8.allSatisfy { $0 < 0x80 } ? s.utf8.count : s.count
        if count >= n {
            out.append(0x20)
        } else {
            for _ in count..<n { out.append(0x20) }
        }
    }

    static func phaseTable(_ t: PhaseTable) -> String {
        var out = "  \(t.group): \(t.ios) I/Os\n"
        out += "    " + pad("phase", 16) + pad("n", 8) + pad("min", 11) + pad("avg", 11) + pad("p50", 11) + pad("p99", 11)
            + pad("max", 11) + "\n"
        for p in Phase.allCases {
            guard let s = t.summary(p) else { continue }
            out += "    " + pad(p.rawValue, 16) + pad(String(s.count), 8) + pad(formatDuration(s.min), 11)
                + pad(formatDuration(s.avg), 11) + pad(formatDuration(s.p50), 11) + pad(formatDuration(s.p99), 11)
                + pad(formatDuration(s.max), 11) + "\n"
        }
        return out
    }

    static func pad(_ s: String, _ n: Int) -> String {
        s.count >= n ? s + " " : s + String(repeating: " ", count: n - s.count)
    }

    static func wrap(_ s: String, indent: String, width: Int = 100) -> String {
        var lines: [String] = []
        var cur = ""
        for word in s.split(separator: " ") {
            if cur.count + word.count + 1 > width - indent.count, !cur.isEmpty {
                lines.append(indent + cur)
                cur = ""
            }
            cur += (cur.isEmpty ? "" : " ") + word
        }
        if !cur.isEmpty { lines.append(indent + cur) }
        return lines.joined(separator: "\n")
    }
}
