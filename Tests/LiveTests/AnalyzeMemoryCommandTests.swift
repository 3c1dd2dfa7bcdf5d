import DioscopeCore
import Foundation
import Testing

/// The commands that analyze a trace file hold only the timelines they print from the result
/// (findings' and inconclusive ones); every other timeline is counted, or spilled to a temporary
/// file for the commands that print them all. Session 12 left a plain `analyze` holding every
/// timeline: 3.6 GB and twice the time for the bench's 2.7 M-I/O recording. No tracing needed.
@Suite("CLI: timelines held by the analysis")
struct AnalyzeMemoryCommandTests {
    static let trace = LiveEnvironment.repositoryRoot
        .appendingPathComponent("traces/real/rec-xfs-fio-overwrite-assembled.dscope").path

    /// The count `DIOSCOPE_DEBUG_MEMORY` reports: (held, I/Os).
    static func held(_ args: [String]) throws -> (held: Int, ios: Int, stdout: String) {
        try #require(DamagedInputCommandTests.binaryBuilt, "build dioscope first")
        let dir = try Dioscope.scratchDirectory("held")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try Dioscope.run(args, environment: ["DIOSCOPE_DEBUG_MEMORY": "1"], scratch: dir)
        #expect(r.status == 0, "exit \(r.status)\n\(r.stderr)")
        let line = try #require(r.stderr.split(separator: "\n").first { $0.contains("memory: timelines held") },
                                "no memory line in\n\(r.stderr)")
        let numbers = line.split(separator: " ").compactMap { Int($0) }
        try #require(numbers.count == 2, "\(line)")
        return (numbers[0], numbers[1], r.stdout)
    }

    @Test("a clean fio recording: no timeline held by analyze (text, --timelines, json) or export")
    func noTimelineHeld() throws {
        let text = try Self.held(["analyze", Self.trace])
        #expect(text.ios == 200 && text.held == 0, "held \(text.held) of \(text.ios)")
        #expect(text.stdout.contains("Verdict: CLEAN"))
        // The commands that print every timeline still print all 200, from the spill.
        let listed = try Self.held(["analyze", Self.trace, "--timelines"])
        #expect(listed.held == 0)
        #expect(listed.stdout.split(separator: "\n").filter { $0.hasPrefix("io#") }.count == 200,
                "\(listed.stdout.prefix(400))")
        let json = try Self.held(["analyze", Self.trace, "--format", "json"])
        #expect(json.held == 0)
        let result = try JSONDecoder().decode(AnalysisResult.self, from: Data(json.stdout.utf8))
        #expect(result.timelines.count == 200)
        let export = try Self.held(["export", Self.trace, "--json", "-"])
        #expect(export.held == 0 && export.ios == 200)
    }
}
