import Foundation
import Testing
@testable import DioscopeCore

/// Every real trace in traces/real/ (ftrace text and dioscope recordings
/// made on this kind of machine) analyzes to exactly the findings its
/// `<name>.expected.json` names, and nothing else; the clean ones are
/// CLEAN, not merely free of findings. (traces/constructed/ is checked by
/// AnalysisScenarioTests.)
@Suite struct TracesDirectoryTests {
    struct Expected: Decodable {
        struct Finding: Decodable {
            var kind: String
            var severity: String
            /// One finding on this I/O (inode, offset; length = bytes asked)...
            var inode: UInt64?
            var offset: Int64?
            var length: UInt64?
            /// ...or `count` findings of this kind and severity.
            var count: Int?
        }
        var trace: String
        var findings: [Finding]
    }

    static let realDir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("traces/real")

    static var sidecars: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: realDir.path)) ?? [])
            .filter { $0.hasSuffix(".expected.json") }.sorted()
    }

    @Test func thereAreRealTracesInBothFormats() {
        let traces = Self.sidecars.compactMap { try? Self.load($0).trace }
        #expect(traces.filter { $0.hasSuffix(".ftrace.txt") }.count >= 10)
        #expect(traces.filter { $0.hasSuffix(".dscope") }.count >= 5)
        #expect(traces.contains { $0.hasPrefix("xfs-") } && traces.contains { $0.hasPrefix("ext4-") })
    }

    static func load(_ sidecar: String) throws -> Expected {
        let data = try Data(contentsOf: realDir.appendingPathComponent(sidecar))
        return try JSONDecoder().decode(Expected.self, from: data)
    }

    @Test(arguments: sidecars)
    func analysisMatchesExpectation(_ sidecar: String) throws {
        let expected = try Self.load(sidecar)
        var input = try TraceInput(path: Self.realDir.appendingPathComponent(expected.trace).path)
        let (r, summary) = try Analyzer.analyze(&input)
        #expect(summary.problems.isEmpty, "\(expected.trace): \(summary.problems.prefix(3))")
        #expect(summary.isComplete, "\(expected.trace): source incomplete")

        var remaining = r.findings
        for e in expected.findings {
            let matching = remaining.filter { $0.kind.rawValue == e.kind && $0.severity.rawValue == e.severity }
            if let n = e.count {
                #expect(matching.count == n, "\(expected.trace): \(matching.count) × \(e.kind) \(e.severity), expected \(n)")
                remaining.removeAll { f in matching.contains { $0 == f } }
                continue
            }
            let hit = matching.first { f in
                guard let s = f.subjects.first else { return false }
                let io = r.timelines.first { $0.id == f.ios.first }
                let asked = io?.requested ?? s.length
                return (e.inode.map { $0 == s.ino } ?? true) && (e.offset.map { $0 == s.offset } ?? true)
                    && (e.length.map { $0 == asked || $0 == s.length } ?? true)
            }
            let got = r.findings.map { "\($0.kind) \($0.severity) \($0.subjects.first.map { "\($0)" } ?? "")" }
            #expect(hit != nil, "\(expected.trace): no \(e.kind) \(e.severity) on ino \(e.inode ?? 0) at \(e.offset ?? 0); got \(got)")
            if let hit { remaining.removeAll { $0 == hit } }
        }
        #expect(remaining.isEmpty, "\(expected.trace): unexpected findings \(remaining.map { "\($0.kind): \($0.message)" })")
        let wanted: Verdict = expected.findings.isEmpty ? .clean : .findings
        let why = r.timelines.filter { $0.status == .inconclusive }.prefix(3).map { $0.inconclusiveReason ?? "" }
        #expect(r.verdict == wanted, "\(expected.trace): verdict \(r.verdict), inconclusive \(r.counts.inconclusive): \(why)")
    }
}
