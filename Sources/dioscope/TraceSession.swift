import ArgumentParser
import DioscopeCore
import DioscopeLoader
import Foundation
import Glibc

/// An attached tracer plus, optionally, the command it traces (started
/// behind a gate, released only once tracing is attached). Shared set-up of
/// `record`, `live` and `run`.
final class TraceSession {
    let tracer: Tracer
    let process: GatedProcess?
    let devices: [TracedDevice]
    let command: [String]

    /// Resolves the filters, checks the environment, spawns the gated
    /// command and attaches. Throws LoaderError (one clear sentence each).
    init(target: TraceTargetOptions, command: [String], runAs: GatedProcess.Identity? = nil) throws {
        let resolved = try target.devices.map { arg throws(LoaderError) in try TracedDevice.resolve(arg) }
        var config = TraceConfiguration()
        config.devices = resolved.flatMap(\.filterDevices)
        config.ringBufferBytes = TraceConfiguration.ringBufferBytes(megabytes: target.ringbufMB)
        config.wakeupBytes = max(4096, config.ringBufferBytes / 8)
        if let cgroup = target.cgroup { config.cgroupID = try CgroupTarget.resolve(cgroup).id }
        config.pids = target.pids
        config.excludedProbes = target.excludedProbeNames
        config.assemble = !target.noAssemble
        config.includedProbes = target.includedProbeNames
        // a traced command's session is bounded: read(2)/write(2) on its O_DIRECT files too
        if !command.isEmpty { config.includedProbes.formUnion(ProbeCatalog.commandProbes) }
        // measuring aid: the classic syscalls:* tracepoints instead of the raw ones
        config.classicSyscalls = ProcessInfo.processInfo.environment["DIOSCOPE_CLASSIC_SYSCALLS"] == "1"
        for pid in target.pids where kill(pid, 0) != 0 && errno == ESRCH {
            throw ValidationError("--pid \(pid): no such process")
        }
        try TracingEnvironment().verify()
        var process: GatedProcess?
        if !command.isEmpty {
            let p = try GatedProcess(arguments: command, runAs: runAs)
            process = p
            config.pids.append(p.pid)
        }
        do {
            tracer = try Tracer(configuration: config)
        } catch {
            process?.abandon()
            _ = process?.wait()
            throw error
        }
        self.process = process
        self.devices = resolved
        self.command = command
    }

    /// Metadata for a trace file of this session.
    func metadata() -> TraceMetadata {
        var metadata = TraceMetadata.forThisHost(toolVersion: "0.1")
        metadata.describe(tracer: tracer, devices: devices)
        metadata.tracedCommand = command
        metadata.tracedPid = process?.pid
        return metadata
    }

    /// Creates the trace file of this session. On failure the gated command is
    /// abandoned (it never runs) and the error is reported: exit 3.
    func openWriter(path: String) throws -> TraceWriter {
        do {
            return try TraceWriter(path: path, metadata: metadata())
        } catch {
            process?.abandon()
            _ = process?.wait()
            complain("\(error)")
            throw ExitCode(DioscopeExitStatus.badInput.rawValue)
        }
    }

    /// Stops a command that is still running (duration, signal to us) and
    /// returns how the command ended if it ended on its own.
    func settle(_ result: Recorder.Result) -> GatedProcess.Termination? {
        guard let p = process else { return nil }
        if case .commandExited(let t) = result.stopReason { return t }
        p.kill(SIGTERM)
        _ = p.wait()
        return nil
    }

    /// The trace footer for a finished recording.
    static func footer(_ result: Recorder.Result) -> TraceFooter {
        let endReason: TraceFooter.EndReason
        var errorMessage: String?
        switch result.stopReason {
        case .commandExited, .duration: endReason = .completed
        case .signal(let s): endReason = s == SIGINT ? .sigint : .sigterm
        case .error(let e):
            endReason = .error
            errorMessage = e
        }
        return TraceFooter(
            endReason: endReason, errorMessage: errorMessage, endTimestamp: result.endTimestamp,
            probes: result.counters.map {
                .init(name: $0.probe.displayName, id: $0.probe.id, events: $0.emitted, drops: $0.dropped,
                      absorbed: $0.absorbed > 0 ? $0.absorbed : nil)
            })
    }

    /// One sentence on how the traced command ended, if it failed.
    func failureSentence(_ t: GatedProcess.Termination) -> String? {
        guard t != .exited(0), let name = command.first else { return nil }
        let what: String
        switch t {
        case .exited(126): what = "could not be executed (status 126)"
        case .exited(127): what = "was not found (status 127)"
        case .exited(let c): what = "exited with status \(c)"
        case .signaled(let s): what = "was killed by signal \(s)"
        }
        return "\(name) \(what)"
    }

    /// One sentence for a trace file that could not be written (disk full...).
    static func writeFailureSentence(_ path: String, _ error: Error) -> String {
        "writing \(path) failed (\(error)); recording stopped there, the file keeps every chunk written "
            + "before and reads as cut off (dioscope analyze \(path))."
    }

    /// What to tell the user about lost events.
    static func dropSentence(_ n: UInt64) -> String {
        "\(n) events were lost (ring buffer full, or an event the kernel skipped because the same probe was "
            + "already running on that CPU); the I/Os they may have belonged to are inconclusive, never clean: "
            + "every I/O in the window of a ring-full drop, the I/Os left without a completion for "
            + "iomap_dio_complete's skipped events (`dioscope dump --type lost` shows the windows; a larger "
            + "--ringbuf-mb helps the first cause only)"
    }

    func close() { tracer.close() }
}

/// Writes one line to stderr, prefixed with "dioscope: ".
func complain(_ message: String) {
    FileHandle.standardError.write(Data(("dioscope: " + message + "\n").utf8))
}

/// Runs `body`, turning loader errors into their sentence and exit status.
func withLoaderErrors<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as LoaderError {
        complain(error.description)
        throw ExitCode(error.exitStatus.rawValue)
    }
}
