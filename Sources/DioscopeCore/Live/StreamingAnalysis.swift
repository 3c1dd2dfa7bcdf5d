/// Analysis of a live record stream (`dioscope live` and `dioscope run`):
/// raw 96-byte records in, findings out as soon as the analyzer makes them.
///
/// It plays the part of an ``EventSource`` for a stream that has no end of
/// file: it decodes records without allocating, counts what it could not
/// decode, keeps the time span and the LOST records' drops, and builds the
/// ``SourceSummary`` the verdict needs when the stream ends.
public final class StreamingAnalysis {
    public let analyzer: Analyzer
    // Unchecked exclusivity: read and written once per record, from one thread, never re-entrantly
    // (the run-time check was a per-record cost of the live pipeline).
    @exclusivity(unchecked) private var summary = SourceSummary(format: "live")
    @exclusivity(unchecked) private var recordIndex: UInt64 = 0
    /// Decode problems kept verbatim (the rest are only counted).
    private let maxProblems = 100

    public init(options: AnalysisOptions) {
        analyzer = Analyzer(options: options)
    }

    /// Findings seen so far.
    public private(set) var findingCount = 0

    /// Called for every finding as soon as it is made.
    public var onFinding: ((Finding) -> Void)? {
        didSet {
            let user = onFinding
            analyzer.onFinding = { [unowned self] f in
                self.findingCount += 1
                user?(f)
            }
        }
    }

    /// Events decoded so far (a record that carries two or three events counts each).
    public var eventsRead: UInt64 { summary.eventsRead }

    /// Feeds a batch of raw records (a multiple of 96 bytes).
    public func consume(records buf: UnsafeRawBufferPointer) {
        let size = RecordLayout.recordSize
        guard let base = buf.baseAddress else { return }
        var off = 0
        while off + size <= buf.count {
            consume(record: base + off)
            off += size
        }
        if off != buf.count {
            note(SourceProblem(position: "record \(recordIndex)",
                               message: "a batch of \(buf.count) bytes is not a whole number of records"))
        }
    }

    private func consume(record p: UnsafeRawPointer) {
        defer { recordIndex += 1 }
        do {
            // `deliver` throws nothing: what is caught is the record's RecordDecodeError
            try RecordCodec.forEachEvent(inRecord: p) { deliver($0) }
        } catch {
            note(SourceProblem(position: "record \(recordIndex)", message: "\(error)"))
        }
    }

    private func deliver(_ event: Event) {
        summary.eventsRead += 1
        if summary.firstTimestamp == nil { summary.firstTimestamp = event.timestamp }
        summary.lastTimestamp = max(summary.lastTimestamp ?? 0, event.timestamp)
        if case .lost(let l) = event.payload { summary.dropped = summary.dropped.addingSaturating(l.dropped) }
        analyzer.consume(event)
    }

    private func note(_ p: SourceProblem) {
        summary.damaged = true
        if summary.problems.count < maxProblems { summary.problems.append(p) }
    }

    /// Lets the analyzer act on everything older than its reordering
    /// window before `now` (CLOCK_MONOTONIC ns), so a quiet period still
    /// reaches the detectors. Call about once a second.
    public func advance(to now: UInt64) {
        analyzer.advance(to: now)
    }

    /// Ends the stream. `dropsByProbe` are the kernel's final counters: the
    /// drop total is the larger of those and the LOST records seen, so a
    /// loss is never counted twice and never missed.
    public func finish(dropsByProbe: [String: UInt64]) -> (AnalysisResult, SourceSummary) {
        var s = summary
        s.droppedByProbe = dropsByProbe.filter { $0.value > 0 }
        s.dropped = max(s.dropped, dropsByProbe.values.reduce(0, +))
        return (analyzer.finish(summary: s), s)
    }
}
