import Foundation
import Testing
@testable import DioscopeCore

/// Every file dioscope writes is private (0600), like trace files: exports
/// show file layout, process names and timing.
@Suite struct ExportFilePermissionTests {
    @Test func jsonAndPerfettoExportsAreCreated0600AndReplaceAtomically() throws {
        let dir = try TraceFileFixtures.scratchDirectory()
        defer { TraceFileFixtures.cleanup(dir) }
        let result = Analyzer.analyze(events: TraceFileFixtures.everyEventType())
        let json = dir + "/a.json", perfetto = dir + "/a.perfetto.json"
        // existing world-readable files are replaced by private ones
        for p in [json, perfetto] {
            #expect(FileManager.default.createFile(atPath: p, contents: Data("old".utf8),
                                                   attributes: [.posixPermissions: 0o644]))
        }
        let previous = umask(0)  // even with a permissive umask
        defer { umask(previous) }
        try JSONExporter.write(result, source: SourceSummary(format: "test"), to: json)
        try PerfettoExporter.write(result, to: perfetto)
        for p in [json, perfetto] {
            var st = stat()
            #expect(stat(p, &st) == 0)
            #expect(st.st_mode & 0o777 == 0o600, "\(p): mode \(String(st.st_mode & 0o777, radix: 8))")
            let data = try #require(FileManager.default.contents(atPath: p))
            #expect(data.count > 100 && data.first == UInt8(ascii: "{"))
        }
        // no temporary file is left next to them
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).sorted() == ["a.json", "a.perfetto.json"])
        // an unwritable destination is an error, not a crash, and leaves nothing behind
        #expect(throws: TraceFileError.self) { try PrivateFile.write(Data("x".utf8), to: dir + "/missing/x.json") }
    }
}
