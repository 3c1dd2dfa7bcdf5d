import ArgumentParser
import DioscopeCore
import DioscopeLoader
import Foundation
import Glibc

/// How findings are printed while tracing.
enum StreamFormat: String, ExpressibleByArgument, CaseIterable { case text, ndjson }

/// The streaming pipeline of `live` and `run`: ring buffer → (trace file)
/// → decoder → analyzer, findings printed as they are made.
final class LivePipeline {
    struct Outcome {
        var result: AnalysisResult
        var summary: SourceSummary
        /// Every timeline, when the run exports them (``LivePipeline/init``'s `keepTimelines`).
        var timelines: ExportTimelines?
        var recorder: Recorder.Result
        var termination: GatedProcess.Termination?
        var session: TraceSession
        /// The --record file could not be written (reported when it happened).
        var recordFailed: Bool

        /// Throws the documented exit status; returns on clean.
        func exit() throws {
            if case .error(let e) = recorder.stopReason {
                complain("tracing stopped: \(e)")
                throw ExitCode(DioscopeExitStatus.tracingUnavailable.rawValue)
            }
            let status = result.exitStatus(sourceDamaged: summary.damaged)
            if status == .findings { throw ExitCode(status.rawValue) }
            if recordFailed { throw ExitCode(DioscopeExitStatus.badInput.rawValue) }
            if let t = termination, let sentence = session.failureSentence(t) {
                complain(sentence)
                throw ExitCode(DioscopeExitStatus.commandFailed.rawValue)
            }
            if summary.dropped > 0 {
                complain(TraceSession.dropSentence(summary.dropped))
            }
            if status != .clean { throw ExitCode(status.rawValue) }
        }
    }

    let session: TraceSession
    let format: StreamFormat
    let analysis: StreamingAnalysis
    let writer: TraceWriter?
    /// Where every timeline goes as it is emitted, for an export at the end.
    let spill: TimelineSpill?
    let recordPath: String?
    let duration: Double?
    private let out = FileHandle.standardOutput

    init(session: TraceSession, format: StreamFormat, keepTimelines: Bool, recordPath: String?,
         duration: Double?, reorder: ReorderOptions) throws {
        self.session = session
        self.format = format
        self.recordPath = recordPath
        self.duration = duration
        var options = AnalysisOptions()
        // Every timeline of a run that exports them is spilled to a temporary file as it is
        // emitted (a long run's do not fit in memory); the analysis keeps findings' and
        // inconclusive ones.
        options.keepAllTimelines = false
        options.reorderWindowNs = reorder.windowNs
        analysis = StreamingAnalysis(options: options)
        spill = keepTimelines ? try openSpill(command: "run") : nil
        if let spill { analysis.analyzer.spill(into: spill) }
        writer = try recordPath.map { try session.openWriter(path: $0) }
    }

    func run() throws -> Outcome {
        var printed = 0
        analysis.onFinding = { [out, format] f in
            printed += 1
            switch format {
            case .text:
                out.write(Data(AnalysisReport.finding(f, number: printed).utf8))
            case .ndjson:
                var line = Data("{\"finding\":".utf8)
                line.append((try? JSONEncoder().encode(f)) ?? Data("null".utf8))
                line.append(Data("}\n".utf8))
                out.write(line)
            }
        }
        let recorder = Recorder(tracer: session.tracer, process: session.process)
        recorder.duration = duration
        recorder.statusLine = isatty(2) != 0
        recorder.statusDetail = { [analysis] in
            "\(analysis.analyzer.iosInFlight) I/Os in flight, \(analysis.findingCount) findings"
        }
        let debugMemory = ProcessInfo.processInfo.environment["DIOSCOPE_DEBUG_MEMORY"] != nil
        // A --record file that cannot be written (disk full) is given up
        // with one sentence; tracing and analysis go on.
        var recording = writer != nil
        let recordName = self.recordPath ?? ""
        func writing(_ body: () throws -> Void) {
            guard recording else { return }
            do { try body() } catch {
                recording = false
                complain(TraceSession.writeFailureSentence(recordName, error) + " Tracing goes on.")
            }
        }
        recorder.tick = { [analysis, writer, tracer = session.tracer] in
            // Only as far as the ring has been read: while the consumer lags, the wall clock is
            // seconds ahead of the events still waiting in the ring.
            if let t = tracer.caughtUpAt { analysis.advance(to: t) }
            writing { try writer?.flush() }
            if debugMemory {
                let sizes = analysis.analyzer.collectionSizes.map { "\($0.0)=\($0.1)" }.joined(separator: " ")
                complain("memory: " + sizes)
                if let d = analysis.analyzer.oldestInflightDescription { complain(d) }
            }
        }
        let result = recorder.run { [analysis, writer] buf in
            writing { try writer?.append(records: buf) }
            analysis.consume(records: buf)
        }
        let termination = session.settle(result)
        if let writer, let recordPath, recording {
            do {
                _ = try writer.finish(footer: TraceSession.footer(result))
            } catch {
                complain(TraceSession.writeFailureSentence(recordPath, error))
                recording = false
            }
        }
        var drops: [String: UInt64] = [:]
        for c in result.counters where c.dropped > 0 { drops[c.probe.displayName] = c.dropped }
        let (analysisResult, summary) = analysis.finish(dropsByProbe: drops)
        return Outcome(result: analysisResult, summary: summary, timelines: spill.map { ExportTimelines(spill: $0) },
                       recorder: result, termination: termination, session: session,
                       recordFailed: writer != nil && !recording)
    }
}
