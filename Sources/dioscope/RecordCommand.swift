import ArgumentParser
import DioscopeCore
import DioscopeLoader
import Foundation
import Glibc

/// `dioscope record`: trace direct/async I/O into a trace file.
struct RecordCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "record",
        abstract: "Record direct and asynchronous I/O events into a trace file.",
        discussion: """
            With a command after --, dioscope starts it only once tracing is attached, traces it and \
            its children, and stops when it exits; its failure becomes dioscope's exit status. Run \
            through sudo, the command runs as the user who invoked sudo, as under `run` (--keep-root keeps \
            it root). \
            Ctrl-C, SIGTERM or --duration stop the recording too; the file is always finished. \
            Exit status 2 means events were lost (the trace marks those windows inconclusive); 3 that the \
            file could not be written (disk full: it still holds every chunk written before); 4 that \
            tracing is unavailable.
            """)

    @Option(name: .shortAndLong, help: "Trace file to write.")
    var output: String

    @OptionGroup var target: TraceTargetOptions

    @Option(help: "Stop after this many seconds.")
    var duration: Double?

    @Flag(help: "Under sudo, run the command as root instead of as the invoking user.")
    var keepRoot = false

    @Argument(parsing: .postTerminator, help: "Command to run and trace.")
    var command: [String] = []

    func validate() throws {
        if let d = duration, !(d > 0) { throw ValidationError("--duration must be positive") }
    }

    func run() throws {
        let runAs = keepRoot ? nil : GatedProcess.Identity.sudoInvoker(environment: ProcessInfo.processInfo.environment)
        let session = try withLoaderErrors { try TraceSession(target: target, command: command, runAs: runAs) }
        defer { session.close() }

        let writer = try session.openWriter(path: output)

        let recorder = Recorder(tracer: session.tracer, process: session.process)
        recorder.duration = duration
        recorder.statusLine = isatty(2) != 0
        // a quiet period must not leave records buffered in memory only
        var writeError: Error?
        recorder.tick = {
            do { try writer.flush() } catch { writeError = error; throw error }
        }
        let result = recorder.run { buf in
            do { try writer.append(records: buf) } catch { writeError = error; throw error }
        }
        let termination = session.settle(result)

        if let writeError {
            // disk full, quota, I/O error: the file ends after its last complete chunk
            complain(TraceSession.writeFailureSentence(output, writeError))
            throw ExitCode(DioscopeExitStatus.badInput.rawValue)
        }
        do {
            _ = try writer.finish(footer: TraceSession.footer(result))
        } catch {
            complain(TraceSession.writeFailureSentence(output, error))
            throw ExitCode(DioscopeExitStatus.badInput.rawValue)
        }

        let rate = result.elapsedSeconds > 0 ? Double(result.records) / result.elapsedSeconds : 0
        complain(String(format: "recorded %llu records in %.1f s (%.0f records/s), %llu dropped, to %@",
                        result.records, result.elapsedSeconds, rate, result.drops, output))
        if case .error(let e) = result.stopReason {
            complain("recording stopped: \(e)")
            throw ExitCode(DioscopeExitStatus.tracingUnavailable.rawValue)
        }
        if let t = termination, let sentence = session.failureSentence(t) {
            complain(sentence)
            throw ExitCode(t.shellStatus)
        }
        if result.drops > 0 {
            complain(TraceSession.dropSentence(result.drops))
            throw ExitCode(DioscopeExitStatus.inconclusive.rawValue)
        }
    }
}
