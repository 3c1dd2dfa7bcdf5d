import ArgumentParser
import DioscopeCore
import Foundation

/// `dioscope analyze`: build per-I/O timelines from a trace, run the race
/// detectors and print what was found.
struct AnalyzeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze",
        abstract: "Build per-I/O timelines from a trace and report data-integrity races.",
        discussion: """
            TRACE is a dioscope trace file (`dioscope record`) or ftrace text (the `trace` file of a tracefs \
            instance, saved `trace_pipe` output, or `trace-cmd report` output); the kind is detected from the \
            content.

            Every direct I/O (sync, libaio, io_uring) gets one timeline: submission, mappings, bios, device \
            completion, unwritten-extent conversion, size update, completion posted, reaped. Five races are \
            detected: completion-before-conversion, subblock-zeroing-overlap, size-extension-race, \
            fsync-before-conversion, short-dio-write. I/Os whose events were lost or cut off by the trace are \
            INCONCLUSIVE, never clean.

            --pid/--inode/--dev/--kind/--since/--until restrict what is printed; the analysis always uses \
            every event. --since/--until are trace timestamps in seconds (as ftrace prints them).

            Output: text (summary, phase table, findings with ASCII timelines, verdict), json (the full \
            analysis result), or ndjson (one object per line: {"timeline":…}, {"finding":…}, then \
            {"summary":…}).

            Exit status: 0 clean, 1 findings, 2 inconclusive (events lost or I/Os cut off), 3 bad input \
            (unreadable, unrecognized or damaged; the intact parts are still analyzed and printed), 64 usage.
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json, ndjson }

    @Argument(help: "A dioscope trace file or ftrace text.")
    var trace: String

    @Option(help: "Output format: text, json or ndjson.")
    var format: Format = .text

    @Flag(help: "Also print every I/O timeline (text).")
    var timelines = false

    @Option(help: "Only I/Os and findings of this process or thread id.")
    var pid: UInt32?

    @Option(help: "Only this inode number (decimal or 0x-hex).")
    var inode: String?

    @Option(help: "Only this filesystem device, as major:minor.")
    var dev: String?

    @Option(help: "Only findings of this kind: \(FindingKind.allCases.map(\.rawValue).joined(separator: ", ")).")
    var kind: String?

    @Option(help: "Only I/Os and findings at or after this trace time (seconds).")
    var since: Double?

    @Option(help: "Only I/Os and findings at or before this trace time (seconds).")
    var until: Double?

    @OptionGroup var reorder: ReorderOptions

    func validate() throws { _ = try filter() }

    private func filter() throws -> AnalysisFilter {
        var f = AnalysisFilter()
        f.pid = pid
        if let inode {
            let v = inode.hasPrefix("0x") ? UInt64(inode.dropFirst(2), radix: 16) : UInt64(inode)
            guard let v else { throw ValidationError("--inode: '\(inode)' is not a number") }
            f.ino = v
        }
        if let dev {
            let parts = dev.split(whereSeparator: { $0 == ":" || $0 == "," })
            guard parts.count == 2, let ma = UInt32(parts[0]), let mi = UInt32(parts[1]) else {
                throw ValidationError("--dev: '\(dev)' is not major:minor")
            }
            f.dev = DeviceNumber(major: ma, minor: mi)
        }
        if let kind {
            guard let k = FindingKind(rawValue: kind) else {
                throw ValidationError("--kind: unknown kind '\(kind)'; known: "
                    + FindingKind.allCases.map(\.rawValue).joined(separator: ", "))
            }
            f.kind = k
        }
        func ns(_ s: Double, _ name: String) throws -> UInt64 {
            guard s >= 0, s.isFinite else { throw ValidationError("\(name) must be a time in seconds, 0 or more") }
            return UInt64((s * 1e9).rounded())
        }
        if let since { f.since = try ns(since, "--since") }
        if let until { f.until = try ns(until, "--until") }
        return f
    }

    func run() throws {
        let filter = try filter()
        // Every timeline is printed with json, ndjson and --timelines: they are spilled to a
        // temporary file as the analysis emits them and read back to be printed (a large
        // recording's do not fit in memory). The text summary shows only findings' and
        // inconclusive timelines, which the analysis keeps.
        let spill = format != .text || timelines ? try openSpill(command: "analyze") : nil
        let (result, summary) = try analyzeTraceFile(trace, command: "analyze", spill: spill, reorder: reorder)

        let shown = filter.apply(to: result)
        let printed = spill.map { ExportTimelines(spill: $0, where: filter.timelineFilter(shownFindings: shown.findings)) }
        let out = FileHandle.standardOutput
        do {
            try printResult(shown, whole: result, summary: summary, timelines: printed, to: out)
        } catch {
            FileHandle.standardError.write(Data("dioscope analyze: \(error)\n".utf8))
            throw ExitCode(DioscopeExitStatus.badInput.rawValue)
        }
        // The verdict (and exit status) is the whole trace's, not the filtered view's.
        let status = result.exitStatus(sourceDamaged: summary.damaged)
        if status != .clean { throw ExitCode(status.rawValue) }
    }

    /// Prints the filtered view `shown` in the chosen format; its timelines come from `printed`
    /// (the spill) when every timeline is printed.
    private func printResult(_ shown: AnalysisResult, whole result: AnalysisResult, summary: SourceSummary,
                             timelines printed: ExportTimelines?, to out: FileHandle) throws {
        switch format {
        case .text:
            // in pieces: with --timelines a large recording's report does not fit in memory whole
            try AnalysisReport.write(shown, timelines: timelines, whole: result,
                                     damagedProblems: summary.damaged ? summary.problems.count : nil, source: printed) {
                out.write(Data($0.utf8))
            }
        case .json:
            // written in pieces: a large recording's document does not fit in memory whole
            try JSONExporter.writeResult(shown, timelines: printed) { out.write($0) }
        case .ndjson:
            let enc = JSONEncoder()
            enc.outputFormatting = [.sortedKeys]
            func line<T: Encodable>(_ key: String, _ v: T) throws {
                var d = Data("{\"\(key)\":".utf8)
                d.append(try enc.encode(v))
                d.append(Data("}\n".utf8))
                out.write(d)
            }
            try JSONExporter.writeTimelineLines(printed ?? ExportTimelines(shown.timelines)) { out.write($0) }
            for f in shown.findings { try line("finding", f) }
            var s = shown
            s.timelines = []
            s.findings = []
            try line("summary", s)
        }
    }
}
