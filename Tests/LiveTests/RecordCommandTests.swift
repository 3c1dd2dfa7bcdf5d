import DioscopeCore
import Foundation
import Testing

/// `dioscope record` end to end: the built binary records into a trace
/// file that reads back complete, with header metadata and footer counts.
@Suite("Live: dioscope record", .serialized, .enabled(if: LiveEnvironment.shouldRun, "needs root and BPF tracing"))
struct RecordCommandTests {
    static var binary: String {
        LiveEnvironment.repositoryRoot.appendingPathComponent(".build/debug/dioscope").path
    }

    /// Runs dioscope with `args`; `signalAfter` sends that signal after a delay.
    static func dioscope(_ args: [String], signal: (Int32, Double)? = nil) throws -> (status: Int32, stderr: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = args
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        if let (sig, delay) = signal {
            Thread.sleep(forTimeInterval: delay)
            kill(p.processIdentifier, sig)
        }
        let data = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test("record -- aio_hole_read on ext4: complete file, metadata, footer counts, zero drops")
    func recordsCommand() throws {
        guard LiveEnvironment.require() else { return }
        try #require(FileManager.default.isExecutableFile(atPath: Self.binary), "build dioscope first")
        let fixture = try LoopFixture(.ext4)
        defer { fixture.tearDown() }
        let out = fixture.directory + "/t.dscope"
        let run = try Self.dioscope([
            "record", "-o", out, "--dev", fixture.mountPoint, "--",
            try LiveEnvironment.workload("aio_hole_read"), fixture.mountPoint + "/f", "3",
        ])
        #expect(run.status == 0, "\(run.stderr)")
        var reader = try TraceReader(path: out)
        let meta = reader.metadata
        #expect(meta.tracedCommand.first?.hasSuffix("aio_hole_read") == true)
        #expect(meta.tracedPid != nil)
        #expect(meta.probes.contains { $0.name == "iomap:iomap_dio_rw_begin" && $0.method == .tpBTF })
        let dev = try #require(meta.devices.first)
        #expect(dev.filesystemType == "ext4")
        #expect(dev.mountPoint == fixture.mountPoint)
        #expect(dev.name.hasPrefix("loop"))
        #expect(dev.fsBlockSize == 4096)
        var count: UInt64 = 0
        var begins = 0
        let summary = try reader.forEachEvent { e in
            count += 1
            if case .dioBegin(let b) = e.payload, b.isWrite, b.api == .libaio { begins += 1 }
        }
        #expect(summary.problems.isEmpty, "\(summary.problems)")
        #expect(begins == 3)
        let footer = try #require(reader.footer)
        #expect(footer.endReason == .completed)
        // io_submit's enter and exit are one record (ABI 3), and so is an io_getevents that found its
        // event waiting with that event (ABI 4), so the file holds fewer records than events
        var records: UInt64 = 0, multiEventRecords: UInt64 = 0, laterEvents: UInt64 = 0
        var again = try TraceReader(path: out)
        _ = try again.forEachRecord { p in
            records += 1
            let n = RecordCodec.laterEvents(p)
            if n > 0 { multiEventRecords += 1 }
            laterEvents += UInt64(n)
        }
        #expect(multiEventRecords >= 3, "each of the 3 io_submit calls is one record")
        #expect(records + laterEvents == count)
        #expect(footer.totalRecords == records)
        #expect(footer.totalDrops == 0)
        // Every record came from a probe's emitted count (no synthetic LOST).
        #expect(footer.probes.reduce(0) { $0 + $1.events } == records)
    }

    @Test("SIGTERM finishes the file; the command stopped by us is not a failure")
    func sigterm() throws {
        guard LiveEnvironment.require() else { return }
        try #require(FileManager.default.isExecutableFile(atPath: Self.binary), "build dioscope first")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dioscope-sigterm-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("t.dscope").path
        let start = Date()
        let run = try Self.dioscope(["record", "-o", out, "--", "sleep", "30"], signal: (SIGTERM, 1.5))
        #expect(run.status == 0, "\(run.stderr)")
        // dioscope stopped and took the command down with it, well before 30 s.
        #expect(Date().timeIntervalSince(start) < 15)
        let reader = try TraceReader(path: out)
        #expect(reader.footer?.endReason == .sigterm)
    }

    @Test("a failing command's status is dioscope's status")
    func commandFailure() throws {
        guard LiveEnvironment.require() else { return }
        try #require(FileManager.default.isExecutableFile(atPath: Self.binary), "build dioscope first")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dioscope-fail-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = try Self.dioscope(["record", "-o", dir.appendingPathComponent("t.dscope").path, "--", "sh", "-c", "exit 7"])
        #expect(run.status == 7)
        #expect(run.stderr.contains("exited with status 7"))
    }
}
