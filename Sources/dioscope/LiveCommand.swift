import ArgumentParser
import DioscopeCore
import DioscopeLoader
import Foundation
import Glibc

/// `dioscope live`: trace and analyze as the I/O happens; findings are
/// printed as soon as their evidence is complete.
struct LiveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "live",
        abstract: "Trace direct and asynchronous I/O and report races as they happen.",
        discussion: """
            Attaches the probes, analyzes the ring-buffer stream as it arrives and prints each finding as \
            soon as the I/Os involved have settled (text, or one JSON object per line with \
            --format ndjson). On a terminal a status line shows events/s, drops, I/Os in flight and \
            findings. Ctrl-C or SIGTERM (or --duration) ends the run with a summary and the phase table.
            Memory depends on the I/Os in flight, not on how long it runs: a timeline is dropped once it \
            is complete and reported.

            Exit status: 0 clean, 1 findings, 2 inconclusive (events were lost: the affected I/Os cannot \
            be called clean), 4 tracing unavailable, 64 usage.
            """)

    @OptionGroup var target: TraceTargetOptions

    @Option(help: "Output format: text or ndjson.")
    var format: StreamFormat = .text

    @Option(help: "Also write the trace to this file (as `dioscope record` would).")
    var record: String?

    @Option(help: "Stop after this many seconds.")
    var duration: Double?

    @OptionGroup var reorder: ReorderOptions

    func validate() throws {
        if let d = duration, !(d > 0) { throw ValidationError("--duration must be positive") }
    }

    func run() throws {
        let session = try withLoaderErrors { try TraceSession(target: target, command: []) }
        defer { session.close() }
        let pipeline = try LivePipeline(session: session, format: format, keepTimelines: false,
                                        recordPath: record, duration: duration, reorder: reorder)
        complain("tracing; findings are printed as they are made, Ctrl-C for the summary")
        let outcome = try pipeline.run()
        let r = outcome.recorder
        let rate = r.elapsedSeconds > 0 ? Double(r.records) / r.elapsedSeconds : 0
        complain("live: \(r.records) records in \(String(format: "%.2f", r.elapsedSeconds)) s "
            + "(\(Int(rate)) records/s), \(r.drops) dropped")
        FileHandle.standardOutput.write(Data(("\n" + AnalysisReport.text(outcome.result)).utf8))
        try outcome.exit()
    }
}
