/// The document `dioscope export --json` writes, described by
/// `schema/dioscope-analysis.schema.json` (JSON Schema draft 2020-12).
///
/// Version 2 (1 lacked the timeline step `process-exited`) wraps the analyzer's ``AnalysisResult`` (its Codable form, as
/// `dioscope analyze --format json` prints it) together with what the
/// source read. Every object in the schema is closed, so any change to the
/// encoded types must bump ``currentVersion`` and the schema; the export
/// tests validate real output against the schema file.
public struct AnalysisExport: Sendable, Codable, Equatable {
    /// Value of ``schema``.
    public static let schemaName = "dioscope-analysis"
    /// Value of ``schemaVersion`` this build writes.
    public static let currentVersion = 2

    public var schema: String
    public var schemaVersion: Int
    /// Program that wrote the document.
    public var generator: String
    public var source: ExportedSourceSummary
    public var analysis: AnalysisResult

    public init(analysis: AnalysisResult, source: SourceSummary, generator: String = "dioscope") {
        schema = Self.schemaName
        schemaVersion = Self.currentVersion
        self.generator = generator
        self.source = ExportedSourceSummary(source)
        self.analysis = analysis
    }
}

/// ``SourceSummary`` as exported.
public struct ExportedSourceSummary: Sendable, Codable, Equatable {
    public var format: String
    public var eventsRead: UInt64
    public var skipped: [String: UInt64]
    public var problems: [ExportedSourceProblem]
    public var damaged: Bool
    public var truncated: Bool
    public var dropped: UInt64
    public var droppedByProbe: [String: UInt64]
    public var firstTimestamp: UInt64?
    public var lastTimestamp: UInt64?
    /// Nothing was damaged, truncated or dropped.
    public var complete: Bool

    public init(_ s: SourceSummary) {
        format = s.format
        eventsRead = s.eventsRead
        skipped = s.skipped
        problems = s.problems.map(ExportedSourceProblem.init)
        damaged = s.damaged
        truncated = s.truncated
        dropped = s.dropped
        droppedByProbe = s.droppedByProbe
        firstTimestamp = s.firstTimestamp
        lastTimestamp = s.lastTimestamp
        complete = s.isComplete
    }
}

/// ``SourceProblem`` as exported.
public struct ExportedSourceProblem: Sendable, Codable, Equatable {
    public var position: String
    public var message: String
    public var severity: SourceProblem.Severity

    public init(_ p: SourceProblem) {
        position = p.position
        message = p.message
        severity = p.severity
    }
}
