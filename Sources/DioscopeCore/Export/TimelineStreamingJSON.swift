import Foundation

/// Writes a JSON document holding an analysis's timelines in pieces, byte for byte what
/// `JSONEncoder` gives for the whole document, without building it whole.
///
/// `JSONEncoder` builds the entire encoded tree before writing a byte: for a large recording (the
/// 12 M-event fio recording has 1.2 M timelines, about 6 GB of pretty JSON) that tree took more
/// than this 24 GiB machine's memory and the process was killed. Here the document is encoded
/// with its timeline array emptied, and the array is written element by element into the place
/// the empty array took, each element written at its depth by the hand-written timeline encoder
/// (``IOTimeline/appendJSON(to:)``).
/// `TimelineStreamingJSONTests` checks the bytes against `JSONEncoder`'s whole-document output.
enum TimelineStreamingJSON {
    /// Writes `encoder.encode(document)` to `sink` in pieces, where `document` with its timelines
    /// replaced by `[]` is `emptied`, and `timelines` are those timelines in order. `whole`
    /// encodes the document with the given timelines in one piece, for the case the empty array
    /// is not found.
    static func write<D: Encodable>(_ emptied: D, timelines: ExportTimelines, encoder: JSONEncoder,
                                    whole: ([IOTimeline]) throws -> Data, to sink: (Data) throws -> Void) throws {
        let head = try encoder.encode(emptied)
        let formatting = encoder.outputFormatting
        let pretty = formatting.contains(.prettyPrinted)
        guard formatting.contains(.sortedKeys), let hole = emptyTimelineArray(in: head, pretty: pretty) else {
            // Not found where expected (cannot happen with the encoders this was tested on), or keys
            // not sorted (the timeline encoder writes them sorted): correct output the
            // memory-hungry way rather than wrong output.
            var all: [IOTimeline] = []
            try timelines.forEach { all.append($0) }
            return try sink(all.isEmpty ? head : whole(all))
        }
        // Each element written by the hand-written encoder (``IOTimeline/appendJSON(to:)``) at
        // its depth: no `JSONEncoder` call and no re-indentation per timeline. The array is opened
        // at the first timeline: without any, the document is `head` as it is.
        var out = JSONBytes(pretty: pretty, escapeSlashes: !formatting.contains(.withoutEscapingSlashes),
                            indent: hole.indent)
        var opened = false
        try timelines.forEach { t in
            if !opened {
                opened = true
                try sink(head[head.startIndex..<hole.arrayStart])
                out.bytes.reserveCapacity(PrivateFile.pieceBytes + 65_536)
                out.open(0x5B)  // [
            }
            out.member()
            t.appendJSON(to: &out)
            try out.bytes.handOver(to: sink)
        }
        guard opened else { return try sink(head) }
        out.close(0x5D)  // ]
        try out.bytes.handOver(to: sink, atLeast: 0)
        try sink(head[hole.arrayEnd...])
    }

    /// Where the empty value of the `"timelines"` key lies in `head`: from its `[` to just after
    /// its `]`, and the indentation of the key's line. Only an unescaped key followed by an empty
    /// array matches (a string value cannot hold an unescaped quote); nil unless exactly one does.
    static func emptyTimelineArray(in head: Data, pretty: Bool) -> (arrayStart: Int, arrayEnd: Int, indent: Int)? {
        let key = Array((pretty ? "\"timelines\" : " : "\"timelines\":").utf8)
        let bytes = [UInt8](head)
        var found: (Int, Int, Int)?
        var i = 0
        while i + key.count < bytes.count {
            guard bytes[i] == 0x22, bytes[i..<i + key.count].elementsEqual(key) else { i += 1; continue }
            var j = i + key.count
            guard bytes[j] == 0x5B else { i += 1; continue }  // [
            let start = j
            j += 1
            while j < bytes.count, bytes[j] == 0x0A || bytes[j] == 0x20 { j += 1 }
            guard j < bytes.count, bytes[j] == 0x5D else { i += 1; continue }  // ]
            if found != nil { return nil }
            var lineStart = i
            while lineStart > 0, bytes[lineStart - 1] != 0x0A { lineStart -= 1 }
            found = (start, j + 1, i - lineStart)
            i = j + 1
        }
        return found.map { (head.startIndex + $0.0, head.startIndex + $0.1, $0.2) }
    }
}

extension JSONExporter {
    /// Writes the document of ``encode(_:source:pretty:)`` to `sink` in pieces of about 1 MiB,
    /// never holding it whole (see ``TimelineStreamingJSON``). `timelines`: where its timelines
    /// come from (the result's own without it).
    public static func write(_ result: AnalysisResult, source: SourceSummary, pretty: Bool = true,
                             timelines: ExportTimelines? = nil, to sink: (Data) throws -> Void) throws {
        let encoder = encoder(pretty: pretty)
        var emptied = AnalysisExport(analysis: result, source: source)
        emptied.analysis.timelines = []
        try TimelineStreamingJSON.write(emptied, timelines: timelines ?? ExportTimelines(result.timelines), encoder: encoder,
                                        whole: { all in
                                            var r = result
                                            r.timelines = all
                                            return try encoder.encode(AnalysisExport(analysis: r, source: source))
                                        }, to: sink)
        try sink(Data([0x0A]))
    }

    /// `dioscope analyze --format json`: the ``AnalysisResult`` itself (sorted keys, indented),
    /// written in pieces like ``write(_:source:pretty:timelines:to:)``.
    public static func writeResult(_ result: AnalysisResult, timelines: ExportTimelines? = nil,
                                   to sink: (Data) throws -> Void) throws {
        var emptied = result
        emptied.timelines = []
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try TimelineStreamingJSON.write(emptied, timelines: timelines ?? ExportTimelines(result.timelines), encoder: encoder,
                                        whole: { all in
                                            var r = result
                                            r.timelines = all
                                            return try encoder.encode(r)
                                        }, to: sink)
        try sink(Data([0x0A]))
    }

    /// `dioscope analyze --format ndjson`'s timeline lines, `{"timeline":{...}}` each, in sorted
    /// keys with `/` escaped (as `JSONEncoder` with `.sortedKeys` writes them), handed to `sink`
    /// in pieces of about 1 MiB.
    public static func writeTimelineLines(_ timelines: ExportTimelines, to sink: (Data) throws -> Void) throws {
        var out = JSONBytes(pretty: false, escapeSlashes: true)
        out.bytes.reserveCapacity(PrivateFile.pieceBytes + 65_536)
        let prefix = Array("{\"timeline\":".utf8)
        try timelines.forEach { t in
            out.bytes.append(contentsOf: prefix)
            t.appendJSON(to: &out)
            out.bytes.append(contentsOf: [0x7D, 0x0A])  // }\n
            try out.bytes.handOver(to: sink)
        }
        try out.bytes.handOver(to: sink, atLeast: 0)
    }

    /// ``writeTimelineLines(_:to:)`` of timelines in memory.
    public static func writeTimelineLines(_ timelines: [IOTimeline], to sink: (Data) throws -> Void) throws {
        try writeTimelineLines(ExportTimelines(timelines), to: sink)
    }
}
