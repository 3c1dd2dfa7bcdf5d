/// Lost windows in arrival order, with an overlap query that stays cheap when
/// a long lossy run has reported thousands of them.
///
/// The live consumer reports windows back to back (each starts where the last
/// drop check ended), so they arrive sorted by both ends; then "does [start,
/// end] touch a window" is one binary search for the first window ending at
/// or after `start`. Windows from other sources (ftrace markers, hand-made
/// traces) may arrive in any order: the index then falls back to a scan.
struct LostWindowIndex {
    private(set) var windows: [LostWindow] = []
    private var sorted = true

    var isEmpty: Bool { windows.isEmpty }
    var count: Int { windows.count }

    mutating func append(_ w: LostWindow) {
        if let last = windows.last, w.since < last.since || w.until < last.until { sorted = false }
        windows.append(w)
    }

    /// Whether [start, end] overlaps any window (both ends inclusive).
    func overlaps(start: UInt64, end: UInt64) -> Bool {
        guard sorted else { return windows.contains { end >= $0.since && start <= $0.until } }
        // first window with until >= start; earlier ones end before the span begins, and being
        // sorted by `since` too, it is the one that begins earliest among the rest
        var lo = 0, hi = windows.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if windows[mid].until < start { lo = mid + 1 } else { hi = mid }
        }
        return lo < windows.count && windows[lo].since <= end
    }
}
