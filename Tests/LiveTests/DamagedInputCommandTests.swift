import DioscopeCore
import Foundation
import Testing

/// `dioscope analyze` and `dump` end to end on damaged and foreign inputs
/// (no tracing needed): the problem is named with its position, every intact
/// chunk is still analyzed, the verdict says the trace is damaged, exit 3.
@Suite("CLI: damaged inputs")
struct DamagedInputCommandTests {
    static var binaryBuilt: Bool { FileManager.default.isExecutableFile(atPath: Dioscope.binary) }

    /// A real recording (traces/real) rewritten in 64-record chunks, with one chunk's payload flipped.
    static func damagedCopy(_ dir: String) throws -> (path: String, intact: UInt64, chunkAt: Int) {
        let source = LiveEnvironment.repositoryRoot.appendingPathComponent("traces/real/rec-xfs-libaio-aio-hole-read.dscope").path
        var reader = try TraceReader(path: source)
        let path = dir + "/damaged.dscope"
        let writer = try TraceWriter(path: path, metadata: reader.metadata, recordsPerChunk: 64)
        writer.maxChunkAge = nil
        _ = try reader.forEachChunk { buf, _ in try writer.append(records: buf) }
        try writer.finish(footer: try #require(reader.footer))
        var rewritten = try TraceReader(path: path)
        var offsets: [Int] = []
        var records: [Int] = []
        _ = try rewritten.forEachChunk { _, info in
            offsets.append(info.offset)
            records.append(info.recordCount)
        }
        try #require(offsets.count >= 3, "only \(offsets.count) chunks")
        var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        bytes[offsets[1] + TraceFileFormat.chunkHeaderSize + 200] ^= 0x01
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return (path, UInt64(records.reduce(0, +) - records[1]), offsets[1])
    }

    @Test("analyze: a damaged chunk is named by byte offset, the rest analyzed, verdict DAMAGED, exit 3")
    func analyzeDamaged() throws {
        try #require(Self.binaryBuilt, "build dioscope first")
        let dir = try Dioscope.scratchDirectory("damaged")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (path, intact, chunkAt) = try Self.damagedCopy(dir)
        let r = try Dioscope.run(["analyze", path], scratch: dir)
        #expect(r.status == DioscopeExitStatus.badInput.rawValue, "exit \(r.status)\n\(r.stderr)")
        #expect(r.stderr.contains("byte \(chunkAt): chunk 1: payload checksum mismatch"), "\(r.stderr)")
        #expect(r.stdout.contains("\(intact) events read"), "\(r.stdout.prefix(300))")
        #expect(r.stdout.contains("Verdict: DAMAGED TRACE"), "\(r.stdout.suffix(300))")
        #expect(!r.stdout.contains("Verdict: CLEAN"))
        // JSON: the same status, the problem listed
        let j = try Dioscope.run(["analyze", path, "--format", "json"], scratch: dir)
        #expect(j.status == DioscopeExitStatus.badInput.rawValue)
        let result = try JSONDecoder().decode(AnalysisResult.self, from: Data(j.stdout.utf8))
        #expect(!result.sourceComplete && result.verdict != .clean)
        #expect(result.sourceProblems.contains { $0.contains("byte \(chunkAt)") })
        // dump prints every intact event, then the problem
        let d = try Dioscope.run(["dump", path, "--quiet"], scratch: dir)
        #expect(d.status == DioscopeExitStatus.badInput.rawValue)
        #expect(UInt64(d.stdout.split(separator: "\n").count) == intact)
    }

    @Test("analyze and dump on foreign inputs: one clear error naming the input, exit 3",
          arguments: ["empty", "directory", "text", "elf", "missing", "wrong-version", "truncated-header"])
    func foreignInputs(kind: String) throws {
        try #require(Self.binaryBuilt, "build dioscope first")
        let dir = try Dioscope.scratchDirectory("foreign")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var path = dir + "/input"
        let expected: String
        switch kind {
        case "empty":
            try Data().write(to: URL(fileURLWithPath: path)); expected = "empty"
        case "directory":
            path = dir; expected = "directory"
        case "text":
            try Data("hello, world\nthis is not a trace\n".utf8).write(to: URL(fileURLWithPath: path))
            expected = "not a dioscope trace"
        case "elf":
            try Data(contentsOf: URL(fileURLWithPath: "/bin/true")).write(to: URL(fileURLWithPath: path))
            expected = "not a dioscope trace"
        case "missing":
            path = dir + "/nope"; expected = "No such file or directory"
        case "wrong-version":
            var b = Array(try Data(contentsOf: LiveEnvironment.repositoryRoot
                .appendingPathComponent("Tests/DioscopeCoreTests/Fixtures/tracefile/v1-abi2-every-type.dsc")))
            b[8] = 9
            try Data(b).write(to: URL(fileURLWithPath: path)); expected = "byte 8: trace format version 9 is not supported"
        default:
            try Data(TraceFileFormat.fileMagic + [1, 0, 64]).write(to: URL(fileURLWithPath: path))
            expected = "truncated: 11 bytes"
        }
        for command in ["analyze", "dump"] {
            let r = try Dioscope.run([command, path], scratch: dir)
            #expect(r.status == DioscopeExitStatus.badInput.rawValue, "\(command) \(kind): exit \(r.status) \(r.stderr)")
            // analyze also accepts ftrace text, so it says the input is neither
            let wanted = command == "analyze" && expected == "not a dioscope trace"
                ? "neither a dioscope trace file nor ftrace text" : expected
            #expect(r.stderr.contains(wanted), "\(command) \(kind): \(r.stderr)")
            #expect(!r.signaled)
            #expect(r.stdout.isEmpty, "\(command) \(kind) printed: \(r.stdout.prefix(200))")
        }
    }
}
