/// The timelines an export or report writes: an analysis result's own (held in memory), or
/// every timeline an analysis spilled to a file (``TimelineSpill``), with the analysis's end
/// marks applied, and only those `include` accepts.
public struct ExportTimelines {
    private let memory: [IOTimeline]
    private let spill: TimelineSpill?
    private let include: ((IOTimeline) -> Bool)?

    /// `timelines`, in their order (an analysis result's are in id order).
    public init(_ timelines: [IOTimeline]) {
        memory = timelines
        spill = nil
        include = nil
    }

    /// Every timeline of `spill` that `include` accepts (all without it).
    public init(spill: TimelineSpill, where include: ((IOTimeline) -> Bool)? = nil) {
        memory = []
        self.spill = spill
        self.include = include
    }

    /// Calls `body` with each timeline in `order` (``TimelineSpill/Order``).
    public func forEach(order: TimelineSpill.Order = .id, _ body: (IOTimeline) throws -> Void) throws {
        if let spill { return try spill.forEach(order: order, where: include, body) }
        switch order {
        case .id:
            for t in memory { try body(t) }
        case .submission:
            // as indexes, not copies of the timelines
            let sorted = memory.indices.sorted {
                (memory[$0].submittedAt, memory[$0].id) < (memory[$1].submittedAt, memory[$1].id)
            }
            for i in sorted { try body(memory[i]) }
        }
    }

    /// Calls `body` with the track fields of each timeline in `order` (the Perfetto export's
    /// first pass): from a spill without a filter, read from each record's head only.
    func forEachTrack(order: TimelineSpill.Order, _ body: (IOTimeline.TrackFields) throws -> Void) throws {
        if let spill, include == nil { return try spill.forEachTrack(order: order, body) }
        try forEach(order: order) { try body(IOTimeline.TrackFields($0)) }
    }

    /// The first `limit` inconclusive timelines, in id order, and how many there are: exactly for
    /// timelines in memory, at least `first.count` for a spill (which stops reading at the limit).
    public func inconclusive(limit: Int) throws -> (first: [IOTimeline], total: Int) {
        if let spill {
            let first = try spill.inconclusive(limit: limit, where: include)
            return (first, first.count)
        }
        var first: [IOTimeline] = []
        var total = 0
        for t in memory where t.status == .inconclusive {
            if first.count < limit { first.append(t) }
            total += 1
        }
        return (first, total)
    }
}
