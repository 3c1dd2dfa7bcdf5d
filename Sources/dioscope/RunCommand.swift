import ArgumentParser
import DioscopeCore
import DioscopeLoader
import Foundation
import Glibc

/// `dioscope run -- CMD`: trace one command's process tree, analyze it, and
/// exit with a status that can gate a test suite.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a command, trace its direct and asynchronous I/O, and report races when it exits.",
        discussion: """
            CMD starts only once tracing is attached. Its process tree is traced, together with the kernel \
            work done on its behalf (unwritten-extent conversion in kworkers, completions in interrupts) on \
            the files and devices it uses. Findings are printed as they are made and again in the summary \
            when CMD exits. --json and --perfetto write the exports of the run.

            Run through sudo, CMD runs as the user who invoked sudo (SUDO_UID, SUDO_GID and that user's \
            groups), not as root; --keep-root keeps it root.

            Exit status: 0 clean, 1 findings, 2 inconclusive (events were dropped or I/Os cut off), \
            3 --record/--json/--perfetto could not be written, 4 tracing unavailable, \
            5 CMD failed (and no finding was made), 64 usage.
            """)

    @OptionGroup var target: TraceTargetOptions

    @Option(help: "Output format for findings as they are made: text or ndjson.")
    var format: StreamFormat = .text

    @Option(name: .customLong("json"), help: "Write all timelines and findings as JSON to OUT.")
    var jsonOut: String?

    @Option(name: .customLong("perfetto"), help: "Write a Perfetto/Chrome trace-event JSON file to OUT.")
    var perfettoOut: String?

    @Option(help: "Also write the trace to this file.")
    var record: String?

    @Option(help: "Stop (and terminate CMD) after this many seconds.")
    var duration: Double?

    @Flag(help: "Under sudo, run CMD as root instead of as the invoking user.")
    var keepRoot = false

    @OptionGroup var reorder: ReorderOptions

    @Argument(parsing: .postTerminator, help: "The command to run and trace.")
    var command: [String] = []

    func validate() throws {
        if command.isEmpty { throw ValidationError("give the command to run after --") }
        if let d = duration, !(d > 0) { throw ValidationError("--duration must be positive") }
    }

    func run() throws {
        let runAs = keepRoot ? nil : GatedProcess.Identity.sudoInvoker(environment: ProcessInfo.processInfo.environment)
        let session = try withLoaderErrors { try TraceSession(target: target, command: command, runAs: runAs) }
        defer { session.close() }
        let keep = jsonOut != nil || perfettoOut != nil
        let pipeline = try LivePipeline(session: session, format: format, keepTimelines: keep,
                                        recordPath: record, duration: duration, reorder: reorder)
        let outcome = try pipeline.run()
        do {
            if format == .text {
                let out = FileHandle.standardOutput
                out.write(Data("\n".utf8))
                try AnalysisReport.write(outcome.result, source: outcome.timelines) { out.write(Data($0.utf8)) }
            }
            if let jsonOut {
                try JSONExporter.write(outcome.result, source: outcome.summary, to: jsonOut, timelines: outcome.timelines)
            }
            if let perfettoOut { try PerfettoExporter.write(outcome.result, timelines: outcome.timelines, to: perfettoOut) }
        } catch {
            complain("writing the export failed: \(error)")
            throw ExitCode(DioscopeExitStatus.badInput.rawValue)
        }
        try outcome.exit()
    }
}
