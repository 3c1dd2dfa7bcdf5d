import Foundation
import Testing
@testable import DioscopeCore

/// The JSON documents written in pieces (``TimelineStreamingJSON``) are byte for byte what
/// `JSONEncoder` gives for the whole document: export and `analyze --format json`, indented and
/// compact, with no timeline, a few, and enough to be written in several pieces.
@Suite struct TimelineStreamingJSONTests {
    /// The reference: the whole document through one `JSONEncoder` call.
    static func whole<T: Encodable>(_ value: T, _ formatting: JSONEncoder.OutputFormatting) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = formatting
        var data = try encoder.encode(value)
        data.append(0x0A)
        return data
    }

    static func pieces(_ write: ((Data) throws -> Void) throws -> Void) throws -> (Data, Int) {
        var data = Data()
        var n = 0
        try write { data.append($0); n += 1 }
        return (data, n)
    }

    /// Where two documents first differ, for the failure message (printing megabytes helps nobody).
    static func firstDifference(_ a: Data, _ b: Data) -> Int? {
        if a == b { return nil }
        return zip(a, b).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(a.count, b.count)
    }

    @Test(arguments: ["xfs-aio-hole.trace", "ext4-misc.trace", "xfs-uring-tgid.trace"])
    func sameBytesAsJSONEncoder(fixture: String) throws {
        let (analyzed, summary) = try ExportFixtures.analyze(ftrace: fixture)
        try #require(!analyzed.timelines.isEmpty)
        var large = analyzed
        // about 2 MB of timelines: written in several pieces
        while large.timelines.count < 1_500 { large.timelines += analyzed.timelines }
        var none = analyzed
        none.timelines = []
        var tricky = analyzed
        // a string holding the key and an empty array must not be taken for the array
        tricky.unmatched["\"timelines\" : [] \"timelines\":[]"] = 1
        for (name, result) in [("as analyzed", analyzed), ("large", large), ("no timelines", none), ("tricky", tricky)] {
            for pretty in [true, false] {
                let formatting: JSONEncoder.OutputFormatting = pretty
                    ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
                let want = try Self.whole(AnalysisExport(analysis: result, source: summary), formatting)
                let (got, n) = try Self.pieces { try JSONExporter.write(result, source: summary, pretty: pretty, to: $0) }
                #expect(Self.firstDifference(got, want) == nil,
                        "\(fixture), \(name), pretty \(pretty): export differs at byte \(Self.firstDifference(got, want) ?? -1)")
                if name == "large" { #expect(n > 3, "written in pieces") }
            }
            let want = try Self.whole(result, [.prettyPrinted, .sortedKeys])
            let (got, _) = try Self.pieces { try JSONExporter.writeResult(result, to: $0) }
            #expect(Self.firstDifference(got, want) == nil,
                    "\(fixture), \(name): analyze --format json differs at byte \(Self.firstDifference(got, want) ?? -1)")
        }
    }

    /// The empty array is found once, at the key's indentation; a key that occurs twice is refused
    /// (the writer then encodes the whole document instead).
    @Test func findsTheEmptyArrayOnlyWhenUnambiguous() {
        let doc = Data("{\n  \"a\" : \"\\\"timelines\\\" : []\",\n  \"timelines\" : [\n\n  ],\n  \"z\" : 1\n}".utf8)
        let hole = TimelineStreamingJSON.emptyTimelineArray(in: doc, pretty: true)
        #expect(hole?.indent == 2)
        if let hole {
            #expect(String(decoding: doc[hole.arrayStart..<hole.arrayEnd], as: UTF8.self) == "[\n\n  ]")
        }
        let twice = Data("{\"timelines\":[],\"x\":{\"timelines\":[]}}".utf8)
        #expect(TimelineStreamingJSON.emptyTimelineArray(in: twice, pretty: false) == nil)
    }

    /// When the empty array cannot be told apart, the document is written whole instead.
    @Test func ambiguousDocumentWrittenWhole() throws {
        struct Inner: Encodable { var timelines: [Int] = [] }
        struct Doc: Encodable { var timelines: [Int] = []; var x = Inner() }
        let (analyzed, _) = try ExportFixtures.analyze(ftrace: "xfs-aio-hole.trace")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let whole = Data("the whole document".utf8)
        let (got, n) = try Self.pieces {
            try TimelineStreamingJSON.write(Doc(), timelines: ExportTimelines(analyzed.timelines), encoder: encoder,
                                            whole: { _ in whole }, to: $0)
        }
        #expect(got == whole && n == 1)
    }

    /// A file written in pieces is whole and private; a producer that fails leaves nothing behind.
    @Test func privateFileWrittenInPieces() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dsc-pieces-\(getpid())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/out.json"
        try PrivateFile.write(to: path) { sink in
            for i in 0..<3 { try sink(Data("piece \(i)\n".utf8)) }
        }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "piece 0\npiece 1\npiece 2\n")
        struct Failed: Error {}
        #expect(throws: Failed.self) {
            try PrivateFile.write(to: path) { sink in
                try sink(Data("partial".utf8))
                throw Failed()
            }
        }
        // the earlier file is untouched and no temporary file is left
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "piece 0\npiece 1\npiece 2\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["out.json"])
    }
}
