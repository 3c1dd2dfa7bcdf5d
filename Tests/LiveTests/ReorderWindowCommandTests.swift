import DioscopeCore
import Foundation
import Testing

/// `--reorder-window` (analyze, export, live, run) reaches the analysis, and bad values are
/// refused as usage errors. No tracing needed: a recording from traces/real.
@Suite("CLI: --reorder-window")
struct ReorderWindowCommandTests {
    static let recording = LiveEnvironment.repositoryRoot
        .appendingPathComponent("traces/real/rec-xfs-fio-overwrite-abi4.dscope").path

    @Test("a window narrower than the ring buffer's disorder notes late events and names the window")
    func narrowWindowIsUsed() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Dioscope.binary), "build dioscope first")
        let dir = try Dioscope.scratchDirectory("reorder")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let normal = try Dioscope.run(["analyze", Self.recording], scratch: dir)
        #expect(normal.status == 0, "\(normal.stderr)")
        #expect(!normal.stdout.contains("later than"), "\(normal.stdout)")
        // 1 µs: each io_submit's enter arrives with its exit, more than 1 µs after the I/O it began
        let narrow = try Dioscope.run(["analyze", Self.recording, "--reorder-window", "0.001"], scratch: dir)
        #expect(narrow.stdout.contains("later than the 0.001 ms reorder window"), "\(narrow.stdout)")
        #expect(narrow.stdout.contains("--reorder-window widens it"))
        // export takes it too
        let export = try Dioscope.run(["export", Self.recording, "--json", dir + "/a.json", "--reorder-window", "0.001"],
                                      scratch: dir)
        let json = try String(contentsOfFile: dir + "/a.json", encoding: .utf8)
        #expect(export.status == 0 && json.contains("later than the 0.001 ms reorder window"), "\(export.stderr)")
        // a wider window than the default changes nothing for this recording
        let wide = try Dioscope.run(["analyze", Self.recording, "--reorder-window", "200"], scratch: dir)
        #expect(wide.status == 0 && wide.stdout == normal.stdout)
    }

    @Test("a window of zero, a negative one or one over a minute is a usage error",
          arguments: ["analyze", "export", "live", "run"])
    func badWindowsAreRefused(_ command: String) throws {
        try #require(FileManager.default.isExecutableFile(atPath: Dioscope.binary), "build dioscope first")
        let dir = try Dioscope.scratchDirectory("reorder-bad")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var base = [command]
        switch command {
        case "analyze": base += [Self.recording]
        case "export": base += [Self.recording, "--json", dir + "/a.json"]
        case "run": base += ["--duration", "1"]
        default: base += ["--duration", "1"]
        }
        let tail = command == "run" ? ["--", "true"] : []
        for value in ["0", "-5", "60001", "abc"] {
            let r = try Dioscope.run(base + ["--reorder-window=\(value)"] + tail, scratch: dir)
            #expect(r.status == 64, "\(command) --reorder-window=\(value): exit \(r.status)\n\(r.stderr)")
            #expect(r.stderr.contains("reorder-window"), "\(r.stderr)")
            // refused by the option's own check, not as an unknown option
            #expect(!r.stderr.contains("Unknown option"), "\(r.stderr)")
        }
    }
}
