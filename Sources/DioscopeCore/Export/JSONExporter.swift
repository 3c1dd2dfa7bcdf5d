import Foundation

/// Writes an analysis as the versioned JSON document ``AnalysisExport``
/// (schema: `schema/dioscope-analysis.schema.json`). Keys are sorted so the
/// output of one analysis is byte-for-byte stable.
public enum JSONExporter {
    /// The encoded document (built through ``write(_:source:pretty:to:)``, so it is the same bytes).
    public static func encode(_ result: AnalysisResult, source: SourceSummary, pretty: Bool = true) throws -> Data {
        var data = Data()
        try write(result, source: source, pretty: pretty) { data.append($0) }
        return data
    }

    /// Writes the document to `path` (atomically: a reader never sees half a file; mode 0600), in
    /// pieces: a large analysis is never held encoded in memory.
    public static func write(_ result: AnalysisResult, source: SourceSummary, to path: String,
                             pretty: Bool = true, timelines: ExportTimelines? = nil) throws {
        try PrivateFile.write(to: path) { sink in
            try write(result, source: source, pretty: pretty, timelines: timelines, to: sink)
        }
    }

    static func encoder(pretty: Bool) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
                                          : [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}
