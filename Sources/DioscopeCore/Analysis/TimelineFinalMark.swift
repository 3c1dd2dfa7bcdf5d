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

    /// Marks `t` inconclusive if it was emitted complete and the end of the trace says it was not
    /// seen whole. Returns whether it did.
    @discardableResult
    func apply(to t: inout IOTimeline) -> Bool {
        guard t.status == .complete, canMarkComplete else { return false }
        if lostIDs.contains(t.id) || (!lostWindows.isEmpty && lostWindows.overlaps(start: t.submittedAt, end: t.endedAt)) {
            t.status = .inconclusive
            t.inconclusiveReason = "events lost while the I/O was in flight"
            return true
        }
        if let incompleteReason, !findingIOs.contains(t.id) {
            t.status = .inconclusive
            t.inconclusiveReason = incompleteReason
            return true
        }
        return false
    }
}
