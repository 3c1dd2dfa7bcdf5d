import DioscopeCore
import Foundation
import Testing

/// An export whose temporary spill file (every timeline, ``TimelineSpill``) hits a full disk
/// says so and exits 3, leaving no output file; a roomy spill directory gives the whole export.
/// A real full filesystem: a 4 KiB tmpfs mounted as `TMPDIR` (root; run in CI).
@Suite("CLI: the export's spill file on a full disk", .serialized,
       .enabled(if: LiveEnvironment.shouldRun, "needs root to mount a tmpfs"))
struct SpillDiskFullTests {
    @Test("export and analyze --format json with TMPDIR on a full tmpfs: named, exit 3, no output")
    func spillOnAFullDisk() throws {
        guard LiveEnvironment.require() else { return }
        try #require(FileManager.default.isExecutableFile(atPath: Dioscope.binary), "build dioscope first")
        let dir = try Dioscope.scratchDirectory("spill-full")
        let small = dir + "/small"
        try FileManager.default.createDirectory(atPath: small, withIntermediateDirectories: true)
        try Shell.run("mount", "-t", "tmpfs", "-o", "size=4k,mode=0700", "dioscope-spill-test", small)
        defer {
            _ = try? Shell.run("umount", small)
            try? FileManager.default.removeItem(atPath: dir)
        }
        // 200 I/Os: about 46 KB of spilled timelines, more than the 4 KiB the tmpfs holds
        let trace = LiveEnvironment.repositoryRoot.appendingPathComponent("traces/real/rec-xfs-fio-overwrite-assembled.dscope").path
        let out = dir + "/out.json"

        let full = try Dioscope.run(["export", trace, "--json", out], environment: ["TMPDIR": small], scratch: dir)
        #expect(full.status == DioscopeExitStatus.badInput.rawValue, "exit \(full.status)\n\(full.stderr)")
        #expect(full.stderr.contains("cannot write the spill file in \(small)"), "\(full.stderr)")
        #expect(full.stderr.contains("No space left on device"), "\(full.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out))

        let json = try Dioscope.run(["analyze", trace, "--format", "json"], environment: ["TMPDIR": small], scratch: dir)
        #expect(json.status == DioscopeExitStatus.badInput.rawValue, "exit \(json.status)\n\(json.stderr)")
        #expect(json.stderr.contains("No space left on device"), "\(json.stderr)")
        #expect(json.stdout.isEmpty)

        // The same with room: every timeline exported.
        let ok = try Dioscope.run(["export", trace, "--json", out], environment: ["TMPDIR": dir], scratch: dir)
        #expect(ok.status == 0, "exit \(ok.status)\n\(ok.stderr)")
        let r = try JSONDecoder().decode(AnalysisExport.self, from: try Data(contentsOf: URL(fileURLWithPath: out))).analysis
        #expect(r.timelines.count == Int(r.counts.total) && r.timelines.count == 200, "\(r.timelines.count) of \(r.counts.total)")
    }
}
