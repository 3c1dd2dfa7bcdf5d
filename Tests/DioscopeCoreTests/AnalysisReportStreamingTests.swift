import Foundation
import Testing
@testable import DioscopeCore

/// The text report with every timeline is handed out in pieces (`analyze --timelines` of a large
/// recording), and its ASCII timelines keep their layout.
@Suite struct AnalysisReportStreamingTests {
    @Test func timelinesWrittenInPieces() throws {
        let result = try ExportFixtures.analyze(ftrace: "xfs-aio-hole.trace", repeatedTo: 4_000)
        var pieces: [String] = []
        try AnalysisReport.write(result, timelines: true) { pieces.append($0) }
        #expect(pieces.count > 2)
        #expect(pieces.dropLast().allSatisfy { $0.utf8.count >= PrivateFile.pieceBytes })
        let whole = pieces.joined()
        #expect(whole == AnalysisReport.text(result, timelines: true))
        // every timeline once, whole: no piece boundary inside a timeline's lines
        for t in result.timelines.suffix(50) {
            #expect(whole.components(separatedBy: "\nio#\(t.id) ").count == 2, "io#\(t.id) once")
        }
        #expect(whole.hasSuffix("\n") && whole.contains("\nVerdict: "))
    }

    /// Rows: the relative time padded to 10 columns, a 32-column bar with the event's place,
    /// the task padded to 20 columns (characters, not bytes), then what happened.
    @Test func asciiTimelineLayout() {
        let ev = [Evidence(timestamp: 1_000, io: 7, tid: 42, what: "first"),
                  Evidence(timestamp: 1_500, io: nil, tid: 0, what: "middle é"),
                  Evidence(timestamp: 2_000, io: nil, tid: 9, what: "last")]
        let lines = AnalysisReport.asciiTimeline(ev, indent: "  ").split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 4 && lines[3].isEmpty)
        #expect(lines[0] == "  +0ns       |*-------------------------------| io#7 [42]            first")
        #expect(lines[1] == "  +500ns     |---------------*----------------| [irq/kernel]         middle é")
        #expect(lines[2] == "  +1.0us     |-------------------------------*| [9]                  last")
        #expect(AnalysisReport.asciiTimeline([], indent: "") == "")
    }
}
