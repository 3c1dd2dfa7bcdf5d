import DioscopeCore
import Foundation
import Testing

/// Faults during capture: dioscope killed by SIGINT, SIGTERM or SIGKILL in
/// the middle of a recording, the disk filling up under `record`, the traced
/// command crashing under `run`, the traced filesystem unmounted under
/// `live`. Every case: the documented exit status, one clear sentence, a
/// file that reads back (complete, or up to its last complete chunk), and
/// no BPF program or link left in the kernel.
@Suite("Live: faults during capture", .serialized, .enabled(if: LiveEnvironment.shouldRun, "needs root and BPF tracing"))
struct FaultTests {
    /// A workload that keeps doing direct I/O for `seconds`, one process (dd in a shell loop).
    static func directWriter(_ dir: String, seconds: Int) -> [String] {
        ["/bin/sh", "-c",
         "end=$(($(date +%s) + \(seconds))); while [ $(date +%s) -lt $end ]; do "
            + "dd if=/dev/zero of=\(dir)/w bs=4k count=64 oflag=direct conv=notrunc status=none; done"]
    }

    /// Mounts a 1 MiB tmpfs in the fixture's directory for a trace file (two full 4096-record
    /// chunks fit, not three) and returns its path; `unmount` undoes it.
    static func tinyTmpfs(_ fixture: LoopFixture) throws -> (path: String, unmount: () -> Void) {
        let small = fixture.directory + "/small"
        try FileManager.default.createDirectory(atPath: small, withIntermediateDirectories: false)
        try Shell.run("mount", "-t", "tmpfs", "-o", "size=1m", "dioscope-full", small)
        return (small, { _ = try? Shell.run("umount", small) })
    }

    /// Exactly one "No space left on device" sentence naming `file` in `stderr`; returns it.
    @discardableResult
    static func expectOneDiskFullSentence(_ stderr: String, _ file: String) -> Substring? {
        let sentence = stderr.split(separator: "\n").filter { $0.contains("No space left on device") }
        #expect(sentence.count == 1, "\(stderr)")
        #expect(sentence.first?.contains("writing \(file) failed") == true, "\(stderr)")
        return sentence.first
    }

    /// A trace file cut off by a full disk: no footer, truncated (a partly written chunk cut back),
    /// not damaged, at least one full chunk kept. Returns its event count.
    static func expectCutBackAfterDiskFull(_ file: String) throws -> UInt64 {
        var reader = try TraceReader(path: file)
        var events: UInt64 = 0
        let summary = try reader.forEachEvent { _ in events += 1 }
        #expect(reader.footer == nil)
        #expect(summary.truncated && !summary.damaged, "a partly written chunk must be cut back: \(summary.problems)")
        #expect(events >= 4096, "only \(events) events kept")
        return events
    }

    /// Starts `dioscope live` with `args` on the fixture and waits until it traces; returns it
    /// with the BPF links it holds (at least one).
    static func startLive(_ fixture: LoopFixture, _ args: [String]) throws -> (Dioscope.Child, BPFLeftovers.Held) {
        let child = try Dioscope.Child(Dioscope.binary, ["live", "--dev", fixture.mountPoint] + args,
                                       scratch: fixture.directory)
        #expect(child.waitForStderr("tracing;"), "\(child.stderr)")
        let held = BPFLeftovers.held(by: child.pid)
        #expect(!held.links.isEmpty)
        return (child, held)
    }

    /// Runs ``directWriter(_:seconds:)`` in `dir` to its end.
    static func runDirectWriter(_ dir: String, seconds: Int) throws {
        let argv = directWriter(dir, seconds: seconds)
        let load = Process()
        load.executableURL = URL(fileURLWithPath: argv[0])
        load.arguments = Array(argv.dropFirst())
        try load.run()
        load.waitUntilExit()
    }

    static func requireBinary() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Dioscope.binary), "build dioscope first")
    }

    @Test("record stopped by SIGINT or SIGTERM: a complete file (footer, end reason), exit 0, BPF freed",
          arguments: [SIGINT, SIGTERM])
    func recordStoppedBySignal(sig: Int32) throws {
        guard LiveEnvironment.require() else { return }
        try Self.requireBinary()
        let fixture = try LoopFixture(.xfs, sizeMB: 512)
        defer { fixture.tearDown() }
        let out = fixture.directory + "/t.dscope"
        let child = try Dioscope.Child(Dioscope.binary,
                                       ["record", "-o", out, "--dev", fixture.mountPoint, "--"]
                                           + Self.directWriter(fixture.mountPoint, seconds: 60),
                                       scratch: fixture.directory)
        let held = BPFLeftovers.waitAttached(child.pid)
        #expect(!held.links.isEmpty, "dioscope never attached")
        Thread.sleep(forTimeInterval: 2)
        child.signal(sig)
        let run = child.finish(timeout: 60)
        #expect(!run.signaled && run.status == 0, "status \(run.status)\n\(run.stderr)")
        var reader = try TraceReader(path: out)
        let summary = try reader.forEachEvent { _ in }
        let footer = try #require(reader.footer, "no footer after \(sig)")
        #expect(footer.endReason == (sig == SIGINT ? .sigint : .sigterm))
        #expect(summary.isComplete, "\(summary.problems)")
        #expect(summary.eventsRead > 100, "only \(summary.eventsRead) events")
        #expect(footer.totalRecords == summary.eventsRead)
        BPFLeftovers.expectFreed(held)
    }

    /// Checks a file cut off by SIGKILL: every complete chunk is read, the file
    /// says it was cut off (dump exit 2, analyze exit 2 and INCONCLUSIVE).
    static func expectCutOffButReadable(_ path: String, scratch: String,
                                        sourceLocation: SourceLocation = #_sourceLocation) throws {
        var reader = try TraceReader(path: path)
        let summary = try reader.forEachEvent { _ in }
        #expect(reader.footer == nil, sourceLocation: sourceLocation)
        #expect(summary.truncated && !summary.damaged, "\(summary.problems)", sourceLocation: sourceLocation)
        #expect(summary.eventsRead > 0, "no complete chunk was written before the kill", sourceLocation: sourceLocation)
        #expect(summary.problems.contains { $0.message.contains("missing footer") && $0.position.hasPrefix("byte ") },
                "\(summary.problems)", sourceLocation: sourceLocation)

        let dump = try Dioscope.run(["dump", path, "--quiet"], scratch: scratch)
        #expect(dump.status == DioscopeExitStatus.inconclusive.rawValue, "dump exit \(dump.status): \(dump.stderr)",
                sourceLocation: sourceLocation)
        let lines = dump.stdout.split(separator: "\n").count
        #expect(UInt64(lines) == summary.eventsRead, "dump printed \(lines) of \(summary.eventsRead) events",
                sourceLocation: sourceLocation)
        #expect(dump.stderr.contains("missing footer"), "\(dump.stderr)", sourceLocation: sourceLocation)

        let analyze = try Dioscope.run(["analyze", path], scratch: scratch)
        #expect(analyze.status == DioscopeExitStatus.inconclusive.rawValue, "analyze exit \(analyze.status)",
                sourceLocation: sourceLocation)
        #expect(analyze.stdout.contains("Verdict: INCONCLUSIVE"), "\(analyze.stdout.suffix(500))",
                sourceLocation: sourceLocation)
        #expect(analyze.stdout.contains("\(summary.eventsRead) events read"), sourceLocation: sourceLocation)
        #expect(analyze.stderr.contains("cut off"), "\(analyze.stderr)", sourceLocation: sourceLocation)
    }

    @Test("record killed by SIGKILL: the file reads up to its last complete chunk and says it was cut off")
    func recordKilled() throws {
        guard LiveEnvironment.require() else { return }
        try Self.requireBinary()
        let fixture = try LoopFixture(.xfs, sizeMB: 512)
        defer { fixture.tearDown() }
        let out = fixture.directory + "/t.dscope"
        let child = try Dioscope.Child(Dioscope.binary,
                                       ["record", "-o", out, "--dev", fixture.mountPoint, "--"]
                                           + Self.directWriter(fixture.mountPoint, seconds: 60),
                                       scratch: fixture.directory)
        let held = BPFLeftovers.waitAttached(child.pid)
        #expect(!held.links.isEmpty, "dioscope never attached")
        Thread.sleep(forTimeInterval: 2.5)  // chunks are flushed at least once a second
        let orphans = Dioscope.descendants(of: child.pid)
        #expect(!orphans.isEmpty)
        child.signal(SIGKILL)
        // the traced command outlives a SIGKILLed dioscope (and holds Foundation's exit pipe)
        Dioscope.killAll(orphans)
        let run = child.finish()
        #expect(run.signaled && run.status == SIGKILL)
        BPFLeftovers.expectFreed(held)
        try Self.expectCutOffButReadable(out, scratch: fixture.directory)
    }

    @Test("live --record killed by SIGKILL: the same, for the live pipeline's file")
    func liveRecordKilled() throws {
        guard LiveEnvironment.require() else { return }
        try Self.requireBinary()
        let fixture = try LoopFixture(.ext4, sizeMB: 256)
        defer { fixture.tearDown() }
        let out = fixture.directory + "/live.dscope"
        let (child, held) = try Self.startLive(fixture, ["--record", out])
        try Self.runDirectWriter(fixture.mountPoint, seconds: 3)
        Thread.sleep(forTimeInterval: 1.5)
        child.signal(SIGKILL)
        let run = child.finish()
        #expect(run.signaled && run.status == SIGKILL)
        BPFLeftovers.expectFreed(held)
        try Self.expectCutOffButReadable(out, scratch: fixture.directory)
    }

    @Test("disk full while recording: one sentence, exit 3, the partial file still reads")
    func diskFull() throws {
        guard LiveEnvironment.require() else { return }
        try Self.requireBinary()
        let fixture = try LoopFixture(.xfs, sizeMB: 512)
        defer { fixture.tearDown() }
        let (small, unmount) = try Self.tinyTmpfs(fixture)
        defer { unmount() }
        let out = small + "/t.dscope"
        let start = Date()
        let child = try Dioscope.Child(Dioscope.binary,
                                       ["record", "-o", out, "--dev", fixture.mountPoint, "--"]
                                           + Self.directWriter(fixture.mountPoint, seconds: 60),
                                       scratch: fixture.directory)
        let held = BPFLeftovers.waitAttached(child.pid)
        let command = Dioscope.descendants(of: child.pid)
        #expect(!command.isEmpty)
        let run = child.finish(timeout: 90)
        #expect(Date().timeIntervalSince(start) < 50, "recording did not stop when the disk was full")
        #expect(!run.signaled && run.status == DioscopeExitStatus.badInput.rawValue, "status \(run.status)\n\(run.stderr)")
        Self.expectOneDiskFullSentence(run.stderr, out)
        BPFLeftovers.expectFreed(held)
        // the traced command was stopped with the recording
        Thread.sleep(forTimeInterval: 0.5)
        #expect(command.allSatisfy { kill($0, 0) != 0 }, "the traced command still runs")

        _ = try Self.expectCutBackAfterDiskFull(out)
        let dump = try Dioscope.run(["dump", out, "--quiet"], scratch: fixture.directory)
        #expect(dump.status == DioscopeExitStatus.inconclusive.rawValue, "\(dump.stderr)")
    }

    @Test("disk full under live --record: one sentence, the file is given up readable, the analysis goes on")
    func liveRecordDiskFull() throws {
        guard LiveEnvironment.require() else { return }
        try Self.requireBinary()
        let fixture = try LoopFixture(.xfs, sizeMB: 512)
        defer { fixture.tearDown() }
        let (small, unmount) = try Self.tinyTmpfs(fixture)
        defer { unmount() }
        let out = small + "/live.dscope"
        let (child, held) = try Self.startLive(fixture, ["--record", out, "--duration", "8"])
        try Self.runDirectWriter(fixture.mountPoint, seconds: 5)
        let run = child.finish(timeout: 60)
        // the record file failed: exit 3 (bad output), not a signal, and live ran to its duration
        #expect(!run.signaled && run.status == DioscopeExitStatus.badInput.rawValue, "status \(run.status)\n\(run.stderr)")
        let sentence = Self.expectOneDiskFullSentence(run.stderr, out)
        #expect(sentence?.contains("Tracing goes on") == true, "\(run.stderr)")
        // the analysis saw the whole run, not only what fitted in the file
        #expect(run.stdout.contains("Verdict:"), "\(run.stdout.suffix(400))")
        BPFLeftovers.expectFreed(held)

        let fileEvents = try Self.expectCutBackAfterDiskFull(out)
        // the analysis went on after the file was given up: it analyzed more events than the file holds
        let line = run.stdout.split(separator: "\n").first { $0.hasPrefix("dioscope analysis:") } ?? ""
        let analyzed = line.split(separator: ",").last.flatMap { UInt64($0.split(separator: " ").first ?? "") }
        #expect((analyzed ?? 0) > fileEvents, "\(line) vs \(fileEvents) events in the file")
    }

    @Test("the traced command crashes under run: reported, exit 5, its I/Os still analyzed")
    func tracedCommandCrashes() throws {
        guard LiveEnvironment.require() else { return }
        try Self.requireBinary()
        let fixture = try LoopFixture(.ext4, sizeMB: 256)
        defer { fixture.tearDown() }
        let json = fixture.directory + "/run.json"
        let script = "dd if=/dev/zero of=\(fixture.mountPoint)/c bs=4k count=8 oflag=direct status=none; kill -SEGV $$"
        let child = try Dioscope.Child(Dioscope.binary,
                                       ["run", "--dev", fixture.mountPoint, "--json", json, "--", "sh", "-c", script],
                                       scratch: fixture.directory)
        let held = BPFLeftovers.waitAttached(child.pid)
        let run = child.finish()
        #expect(!run.signaled && run.status == DioscopeExitStatus.commandFailed.rawValue,
                "status \(run.status)\n\(run.stderr)")
        #expect(run.stderr.contains("sh was killed by signal 11"), "\(run.stderr)")
        #expect(run.stdout.contains("Verdict: CLEAN"), "\(run.stdout.suffix(400))")
        let data = try #require(FileManager.default.contents(atPath: json))
        let r = try JSONDecoder().decode(AnalysisExport.self, from: data).analysis
        #expect(r.counts.writes == 8, "writes \(r.counts.writes)")
        #expect(r.timelines.filter { $0.op == .write }.allSatisfy { $0.status == .complete })
        BPFLeftovers.expectFreed(held)
    }

    @Test("the traced filesystem is unmounted while live runs: live goes on and ends normally")
    func unmountedWhileTraced() throws {
        guard LiveEnvironment.require() else { return }
        try Self.requireBinary()
        let fixture = try LoopFixture(.xfs, sizeMB: 512)
        defer { fixture.tearDown() }
        let child = try Dioscope.Child(Dioscope.binary, ["live", "--dev", fixture.mountPoint, "--format", "ndjson"],
                                       scratch: fixture.directory)
        #expect(child.waitForStderr("tracing;"), "\(child.stderr)")
        let held = BPFLeftovers.held(by: child.pid)
        try Shell.run("/bin/sh", "-c",
                      "dd if=/dev/zero of=\(fixture.mountPoint)/u bs=4k count=16 oflag=direct status=none")
        try Shell.run("umount", fixture.mountPoint)
        Thread.sleep(forTimeInterval: 1.5)
        #expect(child.process.isRunning, "live ended when the filesystem went away: \(child.stderr)")
        // the same device mounted again is still traced (the filter is the device number)
        try Shell.run("mount", try #require(fixture.loopDevice), fixture.mountPoint)
        try Shell.run("/bin/sh", "-c",
                      "dd if=/dev/zero of=\(fixture.mountPoint)/u bs=4k count=16 oflag=direct conv=notrunc status=none")
        Thread.sleep(forTimeInterval: 1)
        child.signal(SIGINT)
        let run = child.finish(timeout: 60)
        #expect(!run.signaled && run.status == 0, "status \(run.status)\n\(run.stderr)")
        #expect(run.stdout.contains("Verdict: CLEAN"), "\(run.stdout.suffix(600))")
        #expect(run.stdout.contains("I/Os: 32 (0 reads, 32 writes)"), "\(run.stdout.suffix(600))")
        BPFLeftovers.expectFreed(held)
    }
}
