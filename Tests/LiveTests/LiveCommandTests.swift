import DioscopeCore
import Foundation
import Testing

/// `dioscope live`: findings are streamed while tracing goes on (not only
/// in the summary at the end), and Ctrl-C ends the run with the summary and
/// the documented exit status.
@Suite("Live: dioscope live", .serialized, .enabled(if: LiveEnvironment.shouldRun, "needs root and BPF tracing"))
struct LiveCommandTests {
    /// Reads a file until `predicate` holds for its contents or `seconds` pass.
    static func waitFor(_ path: String, seconds: Double, _ predicate: (String) -> Bool) -> String? {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let s = try? String(contentsOfFile: path, encoding: .utf8), predicate(s) { return s }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return nil
    }

    @Test("a short DIO write is reported while live still runs; Ctrl-C prints the summary, exit 1")
    func streamsFindings() throws {
        guard LiveEnvironment.require() else { return }
        let fixture = try LoopFixture(.xfs)
        defer { fixture.tearDown() }
        let outPath = fixture.directory + "/live.out", errPath = fixture.directory + "/live.err"
        try #require(FileManager.default.createFile(atPath: outPath, contents: nil))
        try #require(FileManager.default.createFile(atPath: errPath, contents: nil))
        let live = Process()
        live.executableURL = URL(fileURLWithPath: RecordCommandTests.binary)
        live.arguments = ["live", "--dev", fixture.mountPoint, "--format", "ndjson"]
        live.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        live.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        try live.run()
        defer { if live.isRunning { live.terminate() } }
        let attached = Self.waitFor(errPath, seconds: 30) { $0.contains("tracing;") }
        try #require(attached != nil, "live did not attach: \((try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "")")

        let w = Process()
        w.executableURL = URL(fileURLWithPath: try LiveEnvironment.workload("short_write"))
        w.arguments = ["--mode", "rlimit", "--engine", "pwrite", "-n", "1", fixture.mountPoint + "/s"]
        w.standardOutput = FileHandle.nullDevice
        try w.run()
        w.waitUntilExit()
        #expect(w.terminationStatus == 0)

        // the finding arrives while live is still running: nothing has asked it to stop yet
        let streamed = Self.waitFor(outPath, seconds: 10) { $0.contains("{\"finding\":") }
        #expect(live.isRunning)
        let line = try #require(streamed?.split(separator: "\n").first { $0.hasPrefix("{\"finding\":") },
                                "no finding streamed")
        let f = try JSONDecoder().decode([String: Finding].self, from: Data(line.utf8))["finding"]
        #expect(f?.kind == .shortDIOWrite && f?.subjects.first?.offset == 0)

        kill(live.processIdentifier, SIGINT)
        live.waitUntilExit()
        #expect(live.terminationStatus == DioscopeExitStatus.findings.rawValue)
        let out = try String(contentsOfFile: outPath, encoding: .utf8)
        #expect(out.contains("Verdict: FINDINGS"), "\(out.suffix(500))")
        #expect(out.contains("Phase latencies"))
    }
}
