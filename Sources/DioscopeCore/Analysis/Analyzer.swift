/// Builds per-I/O timelines from trace events, runs the five race detectors
/// and computes phase statistics.
///
/// Feed events in source order with ``consume(_:)`` (they are re-sorted
/// within a bounded window), then call ``finish(summary:)``. State is kept
/// only for I/Os in flight and for files with activity that detectors still
/// need; a file's state is dropped as soon as it has nothing in flight.
///
/// ```swift
/// var source = try TraceReader(path: p)
/// let (result, summary) = try Analyzer.analyze(&source)
/// ```
public final class Analyzer {
    public let options: AnalysisOptions
    private let reorder: ReorderBuffer
    private let engine: AnalysisEngine
    @exclusivity(unchecked) private var finished = false

    /// Called for every finding as soon as it is known (live use). Findings
    /// are made when the I/Os involved have settled; a size-extension race
    /// whose size change zeroed the write is reported then too, one that
    /// may have cut the data off waits for the end of the input (its
    /// severity needs the final size).
    public var onFinding: ((Finding) -> Void)? {
        get { engine.onFinding }
        set { engine.onFinding = newValue }
    }

    /// Called for every I/O timeline when it is final (streaming consumers).
    public var onTimeline: ((IOTimeline) -> Void)? {
        get { engine.onTimeline }
        set { engine.onTimeline = newValue }
    }

    /// Where every timeline is written as it is emitted (``spill(into:)``).
    private var spill: TimelineSpill?

    /// Writes every timeline to `spill` as it is emitted (through ``onTimeline``, which it
    /// takes), and at ``finish(summary:)`` hands it the marks the end of the analysis sets
    /// (``TimelineFinalMark``). For exports of any size: with ``AnalysisOptions/keepAllTimelines``
    /// off, the result then keeps only findings' and inconclusive timelines.
    public func spill(into spill: TimelineSpill) {
        precondition(!finished, "spill after finish")
        self.spill = spill
        onTimeline = { spill.append($0) }
    }

    public init(options: AnalysisOptions = AnalysisOptions()) {
        self.options = options
        reorder = ReorderBuffer(windowNs: options.reorderWindowNs, maxEvents: options.reorderMaxEvents)
        engine = AnalysisEngine(options: options)
    }

    /// Adds one event (any order within the reorder window).
    public func consume(_ event: Event) {
        precondition(!finished, "consume after finish")
        reorder.push(event)
        while let e = reorder.popReady() { engine.handle(e) }
    }

    /// Tells the analyzer that the stream's clock reached `now` (the
    /// CLOCK_MONOTONIC ns of the live source): events older than the
    /// reordering window are acted on even if nothing newer arrives, so a
    /// finding is reported about one window after its evidence completes.
    public func advance(to now: UInt64) {
        precondition(!finished, "advance after finish")
        guard now > options.reorderWindowNs else { return }
        let engine = self.engine
        reorder.release(before: now - options.reorderWindowNs) { engine.handle($0) }
    }

    /// Emitted I/O spans still held for the lost-window check; for tests.
    var retainedSpans: Int { engine.emittedSpans.count }

    /// The oldest I/O in flight and its state, for diagnosing memory use (nil when none).
    public var oldestInflightDescription: String? { engine.oldestInflightDescription() }

    /// Sizes of the analyzer's internal collections, for diagnosing memory use.
    public var collectionSizes: [(String, Int)] {
        engine.collectionSizes() + [("reorderHeld", reorder.held), ("reorderStorage", reorder.storage)]
    }

    /// Bytes of the fixed-size parts of one I/O's analyzer state (`dioscope-bench inflight` prints
    /// them beside the measured bytes per I/O): the public timeline as emitted, the in-flight state
    /// kept inline in the per-I/O object (``IOState``, with the first attempt, mapping and bio
    /// record inside it), one timeline entry as emitted (held as a 16-byte item until then:
    /// ``StepLog``, which reserves room for ``StepLog/typicalItems``), the bytes that room takes,
    /// the three records, and a device's pending-bio entry.
    public static var perIOLayout: [(String, Int)] {
        [("timeline", MemoryLayout<IOTimeline>.stride), ("io_state", MemoryLayout<IOState>.stride),
         ("io_slot", MemoryLayout<LiveIOStorage>.stride),
         ("entry", MemoryLayout<TimelineEntry>.stride),
         ("step_log_reserved", StepLog.typicalItems * MemoryLayout<StepLog.Item>.stride),
         ("attempt", MemoryLayout<AttemptState>.stride), ("mapping", MemoryLayout<IOMappingRecord>.stride),
         ("bio", MemoryLayout<BioState>.stride), ("pending_bio", MemoryLayout<PendingBio>.stride)]
    }

    /// I/Os in flight or awaiting detection right now (live status).
    public var iosInFlight: Int { heldIOs }

    /// Ends the analysis. `summary` is what the source reported (drops,
    /// damage, truncation); without it the input is taken as complete.
    public func finish(summary: SourceSummary? = nil) -> AnalysisResult {
        finish(summary: summary, sourceLateEvents: 0)
    }

    /// ``finish(summary:)`` for a source that reordered its events itself and passed
    /// `sourceLateEvents` of them on late (``analyze(_:options:)``).
    private func finish(summary: SourceSummary?, sourceLateEvents: UInt64) -> AnalysisResult {
        precondition(!finished, "finish called twice")
        finished = true
        let engine = self.engine
        reorder.drain { engine.handle($0) }
        engine.lateEvents = reorder.lateEvents + sourceLateEvents
        let result = engine.finish(summary: summary)
        spill?.finalMark = engine.finalMark
        return result
    }

    /// The engine's I/O slots in use (0 after ``finish(summary:)``) and ever made (``IOSlab``).
    var ioSlotsInUse: Int { engine.ioSlotsInUse }
    var ioSlots: Int { engine.ioSlots }
    /// The engine's file slots in use (``FileSlab``) and the files its table holds.
    var fileSlotsInUse: Int { engine.fileSlotsInUse }
    var fileCount: Int { engine.inodes.count }
    /// Holds I/O slots keep on the table's files (0 after ``finish(summary:)``).
    var fileHoldsOfIOs: Int { engine.fileHoldsOfIOs }
    /// I/Os the analyzer holds right now (in flight or awaiting detection); for tests.
    var heldIOs: Int { engine.inodes.table.valuesArray.reduce(0) { $0 + $1.inflight.count + $1.history.count } }

    /// Reads every event of `source` and analyzes it.
    ///
    /// With `spill`, every timeline is also written to it as it is emitted, and the result keeps
    /// only those ``AnalysisOptions/keepAllTimelines`` off keeps (findings' and inconclusive
    /// ones): an export then reads the timelines back from the spill instead of holding them
    /// all (``TimelineSpill``).
    public static func analyze<S: EventSource>(_ source: inout S, options: AnalysisOptions = AnalysisOptions(),
                                               spill: TimelineSpill? = nil)
        throws -> (AnalysisResult, SourceSummary)
    {
        let (result, summary, _) = try analyzeKeepingAnalyzer(&source, options: options, spill: spill)
        return (result, summary)
    }

    /// ``analyze(_:options:spill:)``, also returning the analyzer, finished (tests look at its state).
    static func analyzeKeepingAnalyzer<S: EventSource>(_ source: inout S, options: AnalysisOptions = AnalysisOptions(),
                                                       spill: TimelineSpill? = nil)
        throws -> (AnalysisResult, SourceSummary, Analyzer)
    {
        var options = options
        if spill != nil { options.keepAllTimelines = false }
        let a = Analyzer(options: options)
        if let spill { a.spill(into: spill) }
        // The source restores time order (on its decoding thread where it has one), so events go
        // straight to the engine.
        let engine = a.engine
        let (summary, late) = try source.forEachEventInTimeOrder(windowNs: options.reorderWindowNs,
                                                                 maxEvents: options.reorderMaxEvents) { engine.handle($0) }
        return (a.finish(summary: summary, sourceLateEvents: late), summary, a)
    }

    /// Analyzes events already in memory (tests, constructed traces).
    public static func analyze(events: [Event], summary: SourceSummary? = nil,
                               options: AnalysisOptions = AnalysisOptions()) -> AnalysisResult
    {
        let a = Analyzer(options: options)
        for e in events { a.consume(e) }
        return a.finish(summary: summary)
    }
}
