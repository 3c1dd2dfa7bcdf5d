import ArgumentParser
import DioscopeCore
import Foundation

/// `dioscope export`: analyze a trace and write the result as versioned
/// JSON and/or a Perfetto-loadable trace.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Analyze a trace and export timelines and findings as JSON and/or for the Perfetto UI.",
        discussion: """
            TRACE is a dioscope trace file (`dioscope record`) or ftrace text: the `trace` file of a tracefs \
            instance, saved `trace_pipe` output, or `trace-cmd report` output; the kind is detected from the \
            content.

            --json writes every I/O timeline and finding, counts, phase statistics and what the input held, \
            following schema/dioscope-analysis.schema.json (JSON Schema 2020-12, schemaVersion 2). \
            --perfetto writes Chrome trace-event JSON for ui.perfetto.dev: each I/O is an async slice with \
            its phases nested (on its process and on its file's track); findings are instant events with \
            flow arrows to the I/Os involved. Use - as OUT to write to standard output (only one of them).

            Exit status as `analyze`: 0 clean, 1 findings, 2 inconclusive (events lost or cut off), \
            3 bad input (unreadable, unrecognized or damaged; intact parts are still exported) or an output \
            that cannot be written, 64 usage.
            """)

    @Argument(help: "A dioscope trace file or ftrace text.")
    var trace: String

    @Option(name: .customLong("json"), help: "Write the analysis as JSON to OUT.")
    var jsonOut: String?

    @Option(name: .customLong("perfetto"), help: "Write a Perfetto/Chrome trace-event JSON file to OUT.")
    var perfettoOut: String?

    @Flag(help: "Write compact JSON (one line) instead of indented.")
    var compact = false

    @OptionGroup var reorder: ReorderOptions

    func validate() throws {
        if jsonOut == nil && perfettoOut == nil {
            throw ValidationError("give --json OUT and/or --perfetto OUT")
        }
        if jsonOut == "-" && perfettoOut == "-" {
            throw ValidationError("only one of --json and --perfetto can write to standard output")
        }
    }

    func run() throws {
        func warn(_ s: String) { FileHandle.standardError.write(Data(("dioscope export: " + s + "\n").utf8)) }
        // Every timeline is spilled to a temporary file as the analysis emits it and read back by
        // the writers: a large recording's timelines do not fit in memory.
        let spill = try openSpill(command: "export")
        let (result, summary) = try analyzeTraceFile(trace, command: "export", spill: spill, reorder: reorder)
        let timelines = ExportTimelines(spill: spill)

        do {
            if let out = jsonOut {
                try emit(to: out) {
                    try JSONExporter.write(result, source: summary, pretty: !compact, timelines: timelines, to: $0)
                }
            }
            if let out = perfettoOut {
                try emit(to: out) { try PerfettoExporter.write(result, timelines: timelines, to: $0) }
            }
        } catch {
            warn("cannot write: \(error.localizedDescription)")
            throw ExitCode(DioscopeExitStatus.badInput.rawValue)
        }
        let status = result.exitStatus(sourceDamaged: summary.damaged)
        if status != .clean { throw ExitCode(status.rawValue) }
    }

    /// What `produce` hands its sink, piece by piece (a large recording's output does not fit in
    /// memory whole), to standard output for `-`, else as the private file `out`.
    private func emit(to out: String, _ produce: ((Data) throws -> Void) throws -> Void) throws {
        if out == "-" {
            try produce { FileHandle.standardOutput.write($0) }
        } else {
            try PrivateFile.write(to: out, produce)
        }
    }
}
