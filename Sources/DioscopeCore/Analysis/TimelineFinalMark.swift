/// How the end of an analysis marks timelines that were emitted complete: known only at the
/// end, when every lost window has been reported and the source has said whether it was
/// damaged or dropped events.
///
/// The analysis applies it to the timelines it keeps (``AnalysisResult/timelines``); a
/// ``TimelineSpill`` applies it to each timeline it reads back, so an export from a spill
/// shows the same statuses as one from kept timelines.
public struct TimelineFinalMark: Sendable {
    /// Windows in which events were lost: an I/O overlapping one was not seen whole.
    var lostWindows = LostWindowIndex()
    /// I/Os the analysis found overlapping a lost window (by the span it recorded at emission,
    /// or when a window was folded away before the end).
    var lostIDs: Set<UInt64> = []
    /// Why every timeline not named by a finding is inconclusive (the source dropped events
    /// without saying when, or is damaged); nil when the source is complete or only truncated.
    var incompleteReason: String?
    /// I/Os named by findings: a finding's I/Os keep their status under `incompleteReason`.
    var findingIOs: Set<UInt64> = []

    /// Whether a timeline emitted complete can become inconclusive.
    var canMarkComplete: Bool { !lostWindows.isEmpty || !lostIDs.isEmpty || incompleteReason != nil }

    /// Why an I/O emitted complete, spanning `start...end`, was not seen whole after all; nil
    /// when it was. The rule for kept and spilled timelines (``apply(to:)``) and for the count of
    /// those not kept (``AnalysisEngine``'s `buildResult`).
    func reason(id: UInt64, start: UInt64, end: UInt64) -> String? {
        if lostIDs.contains(id) || (!lostWindows.isEmpty && lostWindows.overlaps(start: start, end: end)) {
            return InconclusiveCause.lostInFlight.text
        }
        if let incompleteReason, !findingIOs.contains(id) { return incompleteReason }
        return nil
    }

    /// Marks `t` inconclusive if it was emitted complete and the end of the trace says it was not
    /// seen whole (``reason(id:start:end:)``). Returns whether it did.
    @discardableResult
    func apply(to t: inout IOTimeline) -> Bool {
        guard t.status == .complete, canMarkComplete,
              let why = reason(id: t.id, start: t.submittedAt, end: t.endedAt) else { return false }
        t.status = .inconclusive
        t.inconclusiveReason = why
        return true
    }
}
