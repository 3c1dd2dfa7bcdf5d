import Foundation

/// Writes an analysis as the versioned JSON document ``AnalysisExport``
/// (schema: `schema/dioscope-analysis.schema.json`). Keys are sorted so the
/// output of one analysis is byte-for-byte stable.
public enum JSONExporter {
    /// The encoded document.
    public static func encode(_ result: AnalysisResult, source: SourceSummary, pretty: Bool = true) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
                                          : [.sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(AnalysisExport(analysis: result, source: source))
        data.append(0x0A)
        return data
    }

    /// Writes the document to `path` (atomically: a reader never sees half a file; mode 0600).
    public static func write(_ result: AnalysisResult, source: SourceSummary, to path: String,
                             pretty: Bool = true) throws {
        try PrivateFile.write(encode(result, source: source, pretty: pretty), to: path)
    }
}
