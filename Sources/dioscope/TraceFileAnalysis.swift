import ArgumentParser
import DioscopeCore
import Foundation

/// Opens a trace (dioscope file or ftrace text, detected from its content)
/// and analyzes all of it: the shared input path of `analyze` and `export`.
/// An unreadable input and every problem found in it are reported on stderr
/// as "dioscope CMD: ..."; an input that cannot be read at all exits 3.
///
/// The result keeps only findings' and inconclusive timelines, all a command prints from it;
/// with `spill`, every timeline is also written there, for the commands that print them all
/// (``Analyzer/analyze(_:options:spill:)``). Holding every timeline took about 1.3 KB per I/O:
/// 3.3–3.6 GB of RSS, and three to four times the time, for a plain `analyze` of the bench's
/// recordings.
///
/// With `DIOSCOPE_DEBUG_MEMORY` set, one line on stderr says how many timelines the result holds.
func analyzeTraceFile(_ path: String, command: String, spill: TimelineSpill? = nil,
                      reorder: ReorderOptions = ReorderOptions()) throws
    -> (AnalysisResult, SourceSummary)
{
    func warn(_ s: String) { FileHandle.standardError.write(Data(("dioscope \(command): " + s + "\n").utf8)) }
    var options = AnalysisOptions()
    options.keepAllTimelines = false
    options.reorderWindowNs = reorder.windowNs
    var input: TraceInput
    do {
        input = try TraceInput(path: path)
    } catch let e as TraceInputError {
        warn(e.description)
        throw ExitCode(DioscopeExitStatus.badInput.rawValue)
    } catch let e as TraceFileError {
        warn(e.description)
        throw ExitCode(DioscopeExitStatus.badInput.rawValue)
    }
    let analysis: (AnalysisResult, SourceSummary)
    do {
        analysis = try Analyzer.analyze(&input, options: options, spill: spill)
        try spill?.finishWriting()
    } catch let e as SpillError {
        warn("\(e)")
        throw ExitCode(DioscopeExitStatus.badInput.rawValue)
    } catch {
        warn("\(path): \(error)")
        throw ExitCode(DioscopeExitStatus.badInput.rawValue)
    }
    let problems = analysis.1.problems
    for p in problems.prefix(20) { warn("\(path): \(p)") }
    if problems.count > 20 { warn("\(path): \(problems.count - 20) more problems") }
    if ProcessInfo.processInfo.environment["DIOSCOPE_DEBUG_MEMORY"] != nil {
        warn("memory: timelines held \(analysis.0.timelines.count) of \(analysis.0.counts.total) I/Os")
    }
    return analysis
}

/// A spill file for every timeline of an analysis (``TimelineSpill``), in `$TMPDIR`, /var/tmp or /tmp; one
/// that cannot be created is reported as "dioscope CMD: ..." and exits 3.
func openSpill(command: String) throws -> TimelineSpill {
    do {
        return try TimelineSpill()
    } catch {
        FileHandle.standardError.write(Data("dioscope \(command): \(error)\n".utf8))
        throw ExitCode(DioscopeExitStatus.badInput.rawValue)
    }
}
