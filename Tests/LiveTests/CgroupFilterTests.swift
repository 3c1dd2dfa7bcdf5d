import DioscopeCore
import DioscopeLoader
import Foundation
import Testing

/// The cgroup filter alone: only tasks in the cgroup (and kernel work on
/// the inodes they do direct I/O on) are recorded.
@Suite("Live: cgroup filter", .enabled(if: LiveEnvironment.shouldRun, "needs root and BPF tracing"))
struct CgroupFilterTests {
    @Test("a workload inside a cgroup v2 group is traced by cgroup id, conversion included")
    func cgroup() throws {
        guard LiveEnvironment.require() else { return }
        guard let root = MountTable().entries.first(where: { $0.filesystemType == "cgroup2" })?.mountPoint else {
            Issue.record("no cgroup v2 filesystem is mounted")
            return
        }
        let group = root + "/dioscope-live-\(getpid())"
        try FileManager.default.createDirectory(atPath: group, withIntermediateDirectories: false)
        defer { rmdir(group) }
        let target = try CgroupTarget.resolve("dioscope-live-\(getpid())")
        #expect(target.path == group)
        let fixture = try LoopFixture(.xfs)
        defer { fixture.tearDown() }
        let workload = try LiveEnvironment.workload("aio_hole_read")
        let script = "echo $$ > \(group)/cgroup.procs && exec \(workload) \(fixture.mountPoint)/c 2"
        let rec = try LiveRecording.run(
            ["/bin/sh", "-c", script], devices: [], cgroupID: target.id, followProcess: false)
        #expect(rec.result.stopReason == .commandExited(.exited(0)))
        #expect(rec.drops == 0)
        let tasks = Set(rec.events.filter { e in
            if case .sysEnter = e.payload { return true }
            return false
        }.map(\.tgid))
        // Only the workload's syscalls: it is the only task in the group.
        #expect(tasks.count == 1)
        let writes = rec.events.filter { e in
            if case .dioBegin(let b) = e.payload { return b.isWrite && b.api == .libaio }
            return false
        }
        #expect(writes.count == 2)
        let conversions = rec.events.filter { e in
            if case .xfs(.unwrittenConvert, _) = e.payload { return true }
            return false
        }
        #expect(conversions.count == 2)
    }
}
