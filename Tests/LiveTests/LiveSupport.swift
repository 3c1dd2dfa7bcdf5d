import Foundation
import Testing

/// Running the dioscope binary as a child (with environment, signals and
/// wrappers such as setpriv or unshare) and checking that no BPF program
/// or link of a finished dioscope process is left in the kernel.
enum Dioscope {
    struct Run {
        var status: Int32
        /// True when the process was killed by a signal (status is then the signal).
        var signaled: Bool
        var stdout: String
        var stderr: String
        var pid: Int32
    }

    static var binary: String { RecordCommandTests.binary }

    /// A started dioscope (or wrapper) process; `finish()` collects it.
    final class Child {
        let process = Process()
        let outPath: String
        let errPath: String
        private let outFile: FileHandle
        private let errFile: FileHandle

        init(_ executable: String, _ args: [String], environment: [String: String] = [:], scratch: String) throws {
            outPath = scratch + "/child-\(UUID().uuidString).out"
            errPath = scratch + "/child-\(UUID().uuidString).err"
            guard FileManager.default.createFile(atPath: outPath, contents: nil),
                  FileManager.default.createFile(atPath: errPath, contents: nil)
            else { throw Shell.Failure(command: "create \(outPath)", status: -1, output: "") }
            outFile = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
            errFile = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = args
            var env = ProcessInfo.processInfo.environment
            for (k, v) in environment { env[k] = v }
            process.environment = env
            process.standardOutput = outFile
            process.standardError = errFile
            process.standardInput = FileHandle.nullDevice
            try process.run()
        }

        var pid: Int32 { process.processIdentifier }

        /// Current stderr text.
        var stderr: String { (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "" }

        /// Waits until stderr contains `text` (or `timeout` passes); returns whether it did.
        func waitForStderr(_ text: String, timeout: Double = 30) -> Bool {
            let end = Date().addingTimeInterval(timeout)
            while Date() < end {
                if stderr.contains(text) { return true }
                if !process.isRunning { return stderr.contains(text) }
                Thread.sleep(forTimeInterval: 0.05)
            }
            return false
        }

        func signal(_ sig: Int32) { kill(process.processIdentifier, sig) }

        /// Waits for the process (killing it after `timeout` s) and returns what it did.
        func finish(timeout: Double = 120) -> Run {
            let end = Date().addingTimeInterval(timeout)
            while process.isRunning && Date() < end { Thread.sleep(forTimeInterval: 0.05) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
            try? outFile.close()
            try? errFile.close()
            let out = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
            return Run(status: process.terminationStatus, signaled: process.terminationReason == .uncaughtSignal,
                       stdout: out, stderr: stderr, pid: pid)
        }
    }

    /// Runs dioscope `args` to completion.
    static func run(_ args: [String], environment: [String: String] = [:], via wrapper: [String] = [],
                    scratch: String, timeout: Double = 120) throws -> Run {
        let exe = wrapper.first ?? binary
        let argv = wrapper.isEmpty ? args : Array(wrapper.dropFirst()) + [binary] + args
        return try Child(exe, argv, environment: environment, scratch: scratch).finish(timeout: timeout)
    }

    /// A scratch directory (removed by the caller).
    static func scratchDirectory(_ tag: String) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dioscope-\(tag)-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// Every descendant of `pid` (children, grandchildren...), from /proc.
    static func descendants(of pid: Int32) -> [Int32] {
        var parent: [Int32: Int32] = [:]
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let p = Int32(entry),
                  let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                  let close = stat.range(of: ")", options: .backwards)
            else { continue }
            let fields = stat[close.upperBound...].split(separator: " ")
            if fields.count > 2, let pp = Int32(fields[1]) { parent[p] = pp }
        }
        var out: [Int32] = []
        var frontier = [pid]
        while let p = frontier.popLast() {
            let kids = parent.filter { $0.value == p }.map(\.key)
            out += kids
            frontier += kids
        }
        return out
    }

    /// Kills (SIGKILL) the given processes and waits until they are gone.
    static func killAll(_ pids: [Int32]) {
        for p in pids { kill(p, SIGKILL) }
        let end = Date().addingTimeInterval(10)
        while Date() < end && pids.contains(where: { kill($0, 0) == 0 && !isZombie($0) }) {
            Thread.sleep(forTimeInterval: 0.05)
        }
    }

    private static func isZombie(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.range(of: ")", options: .backwards) else { return true }
        return stat[close.upperBound...].split(separator: " ").first == "Z"
    }
}

/// BPF programs and links a dioscope process holds, and the check that
/// the kernel freed them once it is gone. bpftool here cannot name the
/// process holding a program, and other suites trace in parallel, so the
/// ids are taken from the process's own fds (/proc/PID/fdinfo) while it
/// runs, then looked for with bpftool after it ended.
enum BPFLeftovers {
    struct Held: Sendable {
        var programs: Set<Int> = []
        var links: Set<Int> = []
    }

    /// The program and link ids behind `pid`'s open fds.
    static func held(by pid: Int32) -> Held {
        var h = Held()
        let dir = "/proc/\(pid)/fdinfo"
        for fd in (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [] {
            guard let info = try? String(contentsOfFile: dir + "/" + fd, encoding: .utf8) else { continue }
            var prog: Int?
            var link: Int?
            for line in info.split(separator: "\n") {
                let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard parts.count == 2 else { continue }
                if parts[0] == "prog_id" { prog = Int(parts[1]) }
                if parts[0] == "link_id" { link = Int(parts[1]) }
            }
            if let link { h.links.insert(link) } else if let prog { h.programs.insert(prog) }
        }
        return h
    }

    /// Ids listed by `bpftool -j KIND list`.
    static func listed(_ kind: String) throws -> Set<Int> {
        let json = try Shell.run("bpftool", "-j", kind, "list")
        guard let list = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]] else {
            throw Shell.Failure(command: "bpftool -j \(kind) list", status: -1, output: json)
        }
        return Set(list.compactMap { ($0["id"] as? NSNumber)?.intValue })
    }

    /// Those of `held` the kernel still lists after `timeout` s.
    static func remaining(_ held: Held, timeout: Double = 10) throws -> Held {
        let end = Date().addingTimeInterval(timeout)
        var left = held
        repeat {
            left.programs = held.programs.intersection(try listed("prog"))
            left.links = held.links.intersection(try listed("link"))
            if left.programs.isEmpty && left.links.isEmpty { return left }
            Thread.sleep(forTimeInterval: 0.2)
        } while Date() < end
        return left
    }

    /// Expects that the process that held `held` left nothing behind.
    static func expectFreed(_ held: Held, sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            let left = try remaining(held)
            #expect(left.programs.isEmpty && left.links.isEmpty,
                    "BPF left behind: programs \(left.programs.sorted()), links \(left.links.sorted())",
                    sourceLocation: sourceLocation)
        } catch {
            Issue.record("bpftool failed: \(error)", sourceLocation: sourceLocation)
        }
    }

    /// Waits until `pid` holds attached programs (tracing is up) and returns them.
    static func waitAttached(_ pid: Int32, timeout: Double = 30) -> Held {
        let end = Date().addingTimeInterval(timeout)
        var h = Held()
        while Date() < end {
            h = held(by: pid)
            if h.links.count >= 10 { return h }
            Thread.sleep(forTimeInterval: 0.1)
        }
        return h
    }
}
