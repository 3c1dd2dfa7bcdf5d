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

    /// Starts `dioscope live --format ndjson` on the fixture and waits until it is attached.
    static func startLive(_ fixture: LoopFixture) throws -> (process: Process, out: String) {
        let outPath = fixture.directory + "/live.out", errPath = fixture.directory + "/live.err"
        try #require(FileManager.default.createFile(atPath: outPath, contents: nil))
        try #require(FileManager.default.createFile(atPath: errPath, contents: nil))
        let live = Process()
        live.executableURL = URL(fileURLWithPath: RecordCommandTests.binary)
        live.arguments = ["live", "--dev", fixture.mountPoint, "--format", "ndjson"]
        live.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        live.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        try live.run()
        let attached = waitFor(errPath, seconds: 30) { $0.contains("tracing;") }
        if attached == nil { live.terminate() }
        try #require(attached != nil, "live did not attach: \((try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "")")
        return (live, outPath)
    }

    /// The findings printed so far (one NDJSON line each).
    static func findings(_ outPath: String) -> [Finding] {
        let text = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").filter { $0.hasPrefix("{\"finding\":") }.compactMap {
            (try? JSONDecoder().decode([String: Finding].self, from: Data($0.utf8)))?["finding"]
        }
    }

    /// Runs a workload to completion; returns its exit status and stderr.
    static func workload(_ name: String, _ args: [String]) throws -> (Int32, String) {
        let w = Process()
        w.executableURL = URL(fileURLWithPath: try LiveEnvironment.workload(name))
        w.arguments = args
        let err = Pipe()
        w.standardError = err
        w.standardOutput = FileHandle.nullDevice
        try w.run()
        let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        w.waitUntilExit()
        return (w.terminationStatus, text)
    }

    @Test("a short DIO write is reported while live still runs; Ctrl-C prints the summary, exit 1")
    func streamsFindings() throws {
        guard LiveEnvironment.require() else { return }
        let fixture = try LoopFixture(.xfs)
        defer { fixture.tearDown() }
        let (live, outPath) = try Self.startLive(fixture)
        defer { if live.isRunning { live.terminate() } }

        let (status, _) = try Self.workload("short_write", ["--mode", "rlimit", "--engine", "pwrite", "-n", "1",
                                                           fixture.mountPoint + "/s"])
        #expect(status == 0)
        // the finding arrives while live is still running: nothing has asked it to stop yet
        _ = Self.waitFor(outPath, seconds: 10) { $0.contains("{\"finding\":") }
        #expect(live.isRunning)
        let streamed = Self.findings(outPath)
        #expect(streamed.count == 1)
        #expect(streamed.first?.kind == .shortDIOWrite && streamed.first?.subjects.first?.offset == 0)

        kill(live.processIdentifier, SIGINT)
        live.waitUntilExit()
        #expect(live.terminationStatus == DioscopeExitStatus.findings.rawValue)
        let out = try String(contentsOfFile: outPath, encoding: .utf8)
        #expect(out.contains("Verdict: FINDINGS"), "\(out.suffix(500))")
        #expect(out.contains("Phase latencies"))
    }

    @Test("XFS truncate-up race: each zeroed write is reported while live still runs")
    func streamsTruncateRaces() throws {
        guard LiveEnvironment.require() else { return }
        let fixture = try LoopFixture(.xfs)
        defer { fixture.tearDown() }
        let (live, outPath) = try Self.startLive(fixture)
        defer { if live.isRunning { live.terminate() } }

        let (_, errText) = try Self.workload("extend_vs_fallocate", ["--mode", "truncate", "-n", "30",
                                                                     fixture.mountPoint + "/t"])
        let zeroed = Set(errText.split(separator: "\n").compactMap { line -> Int64? in
            guard let r = line.range(of: "mismatch at offset ") else { return nil }
            return Int64(line[r.upperBound...].prefix { $0.isNumber })
        })
        // let the stream catch up (live keeps running), then compare
        _ = Self.waitFor(outPath, seconds: 5) { _ in !zeroed.isEmpty && Self.findings(outPath).count >= zeroed.count }
        Thread.sleep(forTimeInterval: 1)
        #expect(live.isRunning)
        let streamed = Self.findings(outPath)
        let offsets = streamed.compactMap { $0.subjects.first?.offset }
        #expect(Set(offsets) == zeroed, "streamed \(offsets.sorted()), zeroed \(zeroed.sorted())")
        #expect(streamed.allSatisfy { $0.kind == .sizeExtensionRace && $0.severity == .error })

        kill(live.processIdentifier, SIGINT)
        live.waitUntilExit()
        #expect(live.terminationStatus == (zeroed.isEmpty ? 0 : DioscopeExitStatus.findings.rawValue))
    }
}
