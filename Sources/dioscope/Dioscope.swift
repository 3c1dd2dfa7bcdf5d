import ArgumentParser
import DioscopeCore

@main
struct Dioscope: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dioscope",
        abstract: "Trace direct and asynchronous I/O on XFS and ext4 and flag data-integrity races.",
        discussion: """
            Exit codes: 0 clean, 1 findings, 2 inconclusive (events lost or cut off), \
            3 bad input (unreadable or damaged trace), 4 tracing unavailable \
            (privileges, BTF, tracefs, missing tracepoint), 5 the command given to `run` failed \
            (and no finding was made), 64 usage error.
            """,
        subcommands: [
            ProbesCommand.self, RecordCommand.self, DumpCommand.self, AnalyzeCommand.self,
            ExportCommand.self, LiveCommand.self, RunCommand.self,
        ])
}
