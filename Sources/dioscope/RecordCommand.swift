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
            its children, and stops when it exits; its failure becomes dioscope's exit status. \
            Ctrl-C, SIGTERM or --duration stop the recording too; the file is always finished. \
            Exit status 2 means events were lost (the trace marks those windows inconclusive).
            """)

    @Option(name: .shortAndLong, help: "Trace file to write.")
    var output: String

    @Option(name: .customLong("dev"), help: "Block device, mount point or MAJOR:MINOR to trace (repeatable).")
    var devices: [String] = []

    @Option(name: .customLong("pid"), help: "Process to trace, with its future children (repeatable).")
    var pids: [Int32] = []

    @Option(help: "Only trace tasks in this cgroup v2 directory.")
    var cgroup: String?

    @Option(help: "Stop after this many seconds.")
    var duration: Double?

    @Option(name: .customLong("ringbuf-mb"), help: "Ring buffer size in MiB (rounded up to a power of two).")
    var ringbufMB: Int = 64

    @Argument(parsing: .postTerminator, help: "Command to run and trace.")
    var command: [String] = []

    func validate() throws {
        if let d = duration, !(d > 0) { throw ValidationError("--duration must be positive") }
        if ringbufMB < 1 || ringbufMB > 4096 { throw ValidationError("--ringbuf-mb must be 1...4096") }
        if pids.contains(where: { $0 <= 0 }) { throw ValidationError("--pid must be positive") }
    }

    func run() throws {
        do {
            try record()
        } catch let error as LoaderError {
            FileHandle.standardError.write(Data(("dioscope: " + error.description + "\n").utf8))
            throw ExitCode(error.exitStatus.rawValue)
        }
    }

    private func record() throws {
        let resolved = try devices.map { arg throws(LoaderError) in try TracedDevice.resolve(arg) }
        var config = TraceConfiguration()
        config.devices = resolved.flatMap(\.filterDevices)
        config.ringBufferBytes = TraceConfiguration.ringBufferBytes(megabytes: ringbufMB)
        config.wakeupBytes = max(4096, config.ringBufferBytes / 8)
        if let cgroup { config.cgroupID = try CgroupTarget.resolve(cgroup).id }
        config.pids = pids
        for pid in pids where kill(pid, 0) != 0 && errno == ESRCH {
            throw ValidationError("--pid \(pid): no such process")
        }

        try TracingEnvironment().verify()
        var process: GatedProcess?
        if !command.isEmpty {
            let p = try GatedProcess(arguments: command)
            process = p
            config.pids.append(p.pid)
        }
        let tracer: Tracer
        do {
            tracer = try Tracer(configuration: config)
        } catch {
            process?.abandon()
            _ = process?.wait()
            throw error
        }
        defer { tracer.close() }

        var metadata = TraceMetadata.forThisHost(toolVersion: "0.1")
        metadata.describe(tracer: tracer, devices: resolved)
        metadata.tracedCommand = command
        metadata.tracedPid = process?.pid
        let writer: TraceWriter
        do {
            writer = try TraceWriter(path: output, metadata: metadata)
        } catch {
            process?.abandon()
            _ = process?.wait()
            FileHandle.standardError.write(Data("dioscope: \(error)\n".utf8))
            throw ExitCode(DioscopeExitStatus.badInput.rawValue)
        }

        let recorder = Recorder(tracer: tracer, process: process)
        recorder.duration = duration
        recorder.statusLine = isatty(2) != 0
        // a quiet period must not leave records buffered in memory only
        recorder.tick = { try writer.flush() }
        let result = recorder.run { try writer.append(records: $0) }

        // The command may still run (duration, SIGTERM to us): stop it.
        // Only a command that ended on its own can have failed; one we
        // stopped ourselves (duration, signal) is not reported as failing.
        var termination: GatedProcess.Termination?
        if let p = process {
            if case .commandExited(let t) = result.stopReason {
                termination = t
            } else {
                p.kill(SIGTERM)
                _ = p.wait()
            }
        }

        let endReason: TraceFooter.EndReason
        var errorMessage: String?
        switch result.stopReason {
        case .commandExited, .duration: endReason = .completed
        case .signal(let s): endReason = s == SIGINT ? .sigint : .sigterm
        case .error(let e):
            endReason = .error
            errorMessage = e
        }
        let footer = TraceFooter(
            endReason: endReason, errorMessage: errorMessage, endTimestamp: result.endTimestamp,
            probes: result.counters.map {
                .init(name: $0.probe.displayName, id: $0.probe.id, events: $0.emitted, drops: $0.dropped)
            })
        do {
            _ = try writer.finish(footer: footer)
        } catch {
            FileHandle.standardError.write(Data("dioscope: finishing \(output) failed: \(error)\n".utf8))
            throw ExitCode(DioscopeExitStatus.badInput.rawValue)
        }

        let rate = result.elapsedSeconds > 0 ? Double(result.records) / result.elapsedSeconds : 0
        var summary = "dioscope: recorded \(result.records) events in "
        summary += String(format: "%.1f s (%.0f events/s), %llu dropped, to %@\n",
                          result.elapsedSeconds, rate, result.drops, output)
        FileHandle.standardError.write(Data(summary.utf8))
        if case .error(let e) = result.stopReason {
            FileHandle.standardError.write(Data("dioscope: recording stopped: \(e)\n".utf8))
            throw ExitCode(DioscopeExitStatus.tracingUnavailable.rawValue)
        }
        if let t = termination, t != .exited(0) {
            let what: String
            switch t {
            case .exited(126) where command.count > 0: what = "could not be executed (status 126)"
            case .exited(127): what = "was not found (status 127)"
            case .exited(let c): what = "exited with status \(c)"
            case .signaled(let s): what = "was killed by signal \(s)"
            }
            FileHandle.standardError.write(Data("dioscope: \(command[0]) \(what)\n".utf8))
            throw ExitCode(t.shellStatus)
        }
        if result.drops > 0 {
            FileHandle.standardError.write(
                Data("dioscope: \(result.drops) events were lost; affected windows are inconclusive (try --ringbuf-mb)\n".utf8))
            throw ExitCode(DioscopeExitStatus.inconclusive.rawValue)
        }
    }
}
