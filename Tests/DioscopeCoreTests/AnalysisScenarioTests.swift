import Foundation
import Testing
@testable import DioscopeCore

/// Every constructed scenario, in both event flavours, must produce exactly
/// its expected findings — nothing more — and its expected verdict.
@Suite struct AnalysisScenarioTests {
    static let names = AnalysisScenarios.all.map(\.name)

    static func analyze(_ s: Scenario, _ f: Scenario.Flavour) -> AnalysisResult {
        Analyzer.analyze(events: s.events(f))
    }

    static func actual(_ r: AnalysisResult) -> [ExpectedFinding] {
        r.findings.map { ExpectedFinding(kind: $0.kind, severity: $0.severity, ios: $0.subjects.map(ExpectedIO.init)) }
    }

    static func sorted(_ a: [ExpectedFinding]) -> [String] { a.map(\.description).sorted() }

    @Test(arguments: names)
    func identityFlavourFindsExactlyTheExpected(_ name: String) {
        let s = AnalysisScenarios.named(name)
        let r = Self.analyze(s, .identity)
        #expect(Self.sorted(Self.actual(r)) == Self.sorted(s.expected), "\(name): \(r.findings.map(\.message))")
        #expect(r.verdict == s.expectedVerdict, "\(name): \(r.timelines.compactMap(\.inconclusiveReason))")
        #expect(r.counts.inconclusive == 0, "\(name): \(r.timelines.compactMap(\.inconclusiveReason))")
        // every reap record names its I/O
        #expect(r.unmatched["aio_reap"] == nil && r.unmatched["io_getevents without posted I/O"] == nil)
    }

    @Test(arguments: names)
    func ftraceFlavourFindsExactlyTheExpected(_ name: String) {
        let s = AnalysisScenarios.named(name)
        let r = Self.analyze(s, .ftrace)
        #expect(Self.sorted(Self.actual(r)) == Self.sorted(s.expected), "\(name): \(r.findings.map(\.message))")
        #expect(r.verdict == s.expectedVerdict, "\(name): \(r.timelines.compactMap(\.inconclusiveReason))")
        #expect(r.counts.inconclusive == 0, "\(name): \(r.timelines.compactMap(\.inconclusiveReason))")
    }

    /// Both flavours build the same timelines (same I/Os, same user-visible results).
    @Test(arguments: names)
    func flavoursAgreeOnTimelines(_ name: String) {
        let s = AnalysisScenarios.named(name)
        let a = Self.analyze(s, .identity), b = Self.analyze(s, .ftrace)
        #expect(a.timelines.map { IOSubject($0) } == b.timelines.map { IOSubject($0) })
        #expect(a.timelines.map(\.result) == b.timelines.map(\.result))
        #expect(a.timelines.map(\.attempts.count) == b.timelines.map(\.attempts.count))
        #expect(a.timelines.map { $0.bios.count } == b.timelines.map { $0.bios.count })
    }

    /// Events delivered slightly out of order (per-CPU buffers) give the same result.
    @Test(arguments: names)
    func reorderedInputGivesTheSameFindings(_ name: String) {
        let s = AnalysisScenarios.named(name)
        var ev = s.events(.identity)
        // swap neighbours pairwise: every event moves by one position
        var i = 0
        while i + 1 < ev.count { ev.swapAt(i, i + 1); i += 2 }
        let r = Analyzer.analyze(events: ev)
        #expect(Self.sorted(Self.actual(r)) == Self.sorted(s.expected))
        #expect(r.verdict == s.expectedVerdict)
    }

    // MARK: the committed ftrace files

    /// End to end: the committed ftrace text, read by the ftrace importer (content-detected input),
    /// gives exactly the expected findings and verdict.
    @Test(arguments: names)
    func constructedTraceFilesAnalyzeThroughTheImporter(_ name: String) throws {
        let s = AnalysisScenarios.named(name)
        var input = try TraceInput(path: Self.constructedDir.appendingPathComponent(s.name + ".trace").path)
        #expect(input.kind == .ftraceText)
        let (r, summary) = try Analyzer.analyze(&input)
        #expect(summary.problems.isEmpty, "\(name): \(summary.problems)")
        #expect(Self.sorted(Self.actual(r)) == Self.sorted(s.expected), "\(name): \(r.findings.map(\.message))")
        #expect(r.verdict == s.expectedVerdict, "\(name): \(r.timelines.compactMap(\.inconclusiveReason)) \(r.unmatched)")
        // the same timelines as the in-memory ftrace flavour
        let mem = Self.analyze(s, .ftrace)
        #expect(r.timelines.map { IOSubject($0) } == mem.timelines.map { IOSubject($0) })
        #expect(r.timelines.map(\.result) == mem.timelines.map(\.result))
    }

    static var constructedDir: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("traces/constructed")
    }

    static func expectedJSON(_ s: Scenario) -> String {
        func q(_ v: String) -> String { "\"" + v.replacingOccurrences(of: "\"", with: "\\\"") + "\"" }
        var out = "{\n"
        out += "  \"scenario\": \(q(s.name)),\n"
        out += "  \"constructed\": true,\n"
        out += "  \"title\": \(q(s.title)),\n"
        out += "  \"models\": \(q(s.models)),\n"
        out += "  \"trace\": \(q(s.name + ".trace")),\n"
        out += "  \"expectedVerdict\": \(q(s.expectedVerdict.rawValue)),\n"
        out += "  \"expectedFindings\": ["
        out += s.expected.map { f in
            "\n    {\"kind\": \(q(f.kind.rawValue)), \"severity\": \(q(f.severity.rawValue)), \"ios\": ["
                + f.ios.map { io in
                    "{\"op\": \(q(io.op.rawValue)), \"tid\": \(io.tid), \"ino\": \(io.ino), \"offset\": \(io.offset), \"length\": \(io.length)}"
                }.joined(separator: ", ") + "]}"
        }.joined(separator: ",")
        out += s.expected.isEmpty ? "]\n" : "\n  ]\n"
        out += "}\n"
        return out
    }

    /// traces/constructed holds exactly the rendering of these scenarios (regenerate with
    /// DIOSCOPE_WRITE_CONSTRUCTED=1 swift test --filter AnalysisScenarioTests).
    @Test(arguments: names)
    func committedTraceFilesMatchTheScenarios(_ name: String) throws {
        let s = AnalysisScenarios.named(name)
        let dir = Self.constructedDir
        let tracePath = dir.appendingPathComponent(s.name + ".trace")
        let jsonPath = dir.appendingPathComponent(s.name + ".expected.json")
        if ProcessInfo.processInfo.environment["DIOSCOPE_WRITE_CONSTRUCTED"] == "1" {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            try s.ftraceText.write(to: tracePath, atomically: true, encoding: .utf8)
            try Self.expectedJSON(s).write(to: jsonPath, atomically: true, encoding: .utf8)
        }
        let trace = try String(contentsOf: tracePath, encoding: .utf8)
        let json = try String(contentsOf: jsonPath, encoding: .utf8)
        #expect(trace == s.ftraceText)
        #expect(json == Self.expectedJSON(s))
        // and the sidecar is valid JSON naming the same findings
        let obj = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        let kinds = (obj?["expectedFindings"] as? [[String: Any]])?.compactMap { $0["kind"] as? String }
        #expect(kinds == s.expected.map(\.kind.rawValue))
    }
}
