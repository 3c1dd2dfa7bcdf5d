import ArgumentParser
import DioscopeCore

/// How far back in time the analysis waits for events that arrive out of order: shared by
/// `analyze`, `export`, `live` and `run`.
///
/// Events reach the analyzer in the order the kernel's CPUs handed them over, not in time order,
/// and an io_submit's enter arrives with its exit (record ABI 3), after the I/Os the call began.
/// The analyzer holds events for this long to restore time order; an event older than that when
/// it arrives is analyzed out of order and counted in a note. An io_submit that blocks longer
/// than the window (a device whose queue is full, throttling) has its I/Os joined without their
/// call: widening the window fixes that, at the cost of holding more events (memory, and for
/// `live` the delay before a finding is printed).
struct ReorderOptions: ParsableArguments {
    static let defaultMs = Double(AnalysisOptions().reorderWindowNs) / 1e6
    static let maximumMs = 60_000.0

    @Option(name: .customLong("reorder-window"),
            help: ArgumentHelp("How long to wait for events that arrive out of time order, in milliseconds (default \(Int(Self.defaultMs))).",
                               discussion: "Widen it when the summary notes late events, e.g. for a device on which io_submit blocks.",
                               valueName: "ms"))
    var reorderWindowMs: Double = Self.defaultMs

    func validate() throws {
        guard reorderWindowMs >= 0.001 && reorderWindowMs <= Self.maximumMs else {
            throw ValidationError("--reorder-window must be between 0.001 and \(Int(Self.maximumMs)) ms")
        }
    }

    /// The window in nanoseconds.
    var windowNs: UInt64 { UInt64((reorderWindowMs * 1e6).rounded()) }
}
