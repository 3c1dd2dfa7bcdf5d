import DioscopeCore
import Foundation
import Testing

/// Where tracing is impossible, or partly so: an unprivileged user, root
/// without CAP_BPF/CAP_PERFMON/CAP_SYS_ADMIN, a kernel without BTF (an empty
/// /sys/kernel/btf in a private mount namespace), tracefs unmounted (same),
/// a tracepoint missing (DIOSCOPE_DISABLE_PROBES makes the loader treat it
/// as absent). Each: exit 4 and one sentence naming the cause, from
/// `record`, `live` and `run` alike; `probes` shows which detectors are blind.
/// And `run` and `record -- CMD` under sudo run the command as the invoking user.
@Suite("Live: privileges and kernels", .serialized, .enabled(if: LiveEnvironment.shouldRun, "needs root and BPF tracing"))
struct PrivilegeTests {
    static let unavailable = DioscopeExitStatus.tracingUnavailable.rawValue

    /// The one `dioscope: ...` line on stderr.
    static func sentence(_ run: Dioscope.Run, sourceLocation: SourceLocation = #_sourceLocation) -> String {
        let lines = run.stderr.split(separator: "\n").filter { $0.hasPrefix("dioscope: ") }
        #expect(lines.count == 1, "expected one sentence, got: \(run.stderr)", sourceLocation: sourceLocation)
        return String(lines.first ?? "")
    }

    /// record, live and run under `wrapper` with `environment`: each exits 4 with a sentence containing `expected`.
    static func expectRefused(via wrapper: [String] = [], environment: [String: String] = [:], _ expected: String,
                              scratch: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let commands: [[String]] = [
            ["record", "-o", scratch + "/never.dscope", "--", "true"],
            ["live", "--duration", "1"],
            ["run", "--", "true"],
        ]
        for args in commands {
            let r = try Dioscope.run(args, environment: environment, via: wrapper, scratch: scratch)
            #expect(!r.signaled && r.status == unavailable, "\(args[0]): exit \(r.status)\n\(r.stderr)",
                    sourceLocation: sourceLocation)
            let s = sentence(r, sourceLocation: sourceLocation)
            #expect(s.contains(expected), "\(args[0]): \(s)", sourceLocation: sourceLocation)
            #expect(s.hasSuffix("."), "\(args[0]): not one sentence: \(s)", sourceLocation: sourceLocation)
        }
        #expect(!FileManager.default.fileExists(atPath: scratch + "/never.dscope"), sourceLocation: sourceLocation)
    }

    @Test("an unprivileged user: exit 4, 'tracing needs root'")
    func unprivilegedUser() throws {
        guard LiveEnvironment.require() else { return }
        let dir = try Dioscope.scratchDirectory("nobody")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        chmod(dir, 0o777)
        let nobody = ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
        try Self.expectRefused(via: nobody, "tracing needs root, or the CAP_BPF and CAP_PERFMON capabilities",
                               scratch: dir)
        let probes = try Dioscope.run(["probes"], via: nobody, scratch: dir)
        #expect(probes.status == Self.unavailable)
        #expect(Self.sentence(probes).contains("tracing needs root"))
        #expect(probes.stdout.contains("attachment not verified"))
    }

    @Test("root without CAP_BPF, CAP_PERFMON and CAP_SYS_ADMIN: exit 4, the missing capabilities named")
    func rootWithoutCapabilities() throws {
        guard LiveEnvironment.require() else { return }
        let dir = try Dioscope.scratchDirectory("nocaps")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let noCaps = ["/usr/bin/setpriv", "--inh-caps=-all", "--bounding-set=-bpf,-perfmon,-sys_admin"]
        try Self.expectRefused(via: noCaps, "tracing needs the CAP_BPF and CAP_PERFMON capabilities", scratch: dir)
    }

    @Test("a kernel without BTF (empty /sys/kernel/btf in a private mount namespace): exit 4, 'no BTF'")
    func withoutBTF() throws {
        guard LiveEnvironment.require() else { return }
        let dir = try Dioscope.scratchDirectory("nobtf")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let noBTF = ["/usr/bin/unshare", "-m", "--propagation", "private", "/bin/sh", "-c",
                     "mount -t tmpfs dioscope-nobtf /sys/kernel/btf && exec \"$@\"", "sh"]
        try Self.expectRefused(via: noBTF, "the kernel has no BTF type information", scratch: dir)
        let probes = try Dioscope.run(["probes"], via: noBTF, scratch: dir)
        #expect(probes.status == Self.unavailable)
        #expect(Self.sentence(probes).contains("no BTF"))
        // without BTF every tracepoint probe falls back to raw_tp in the table
        #expect(probes.stdout.contains("no kernel BTF; raw tracepoint"), "\(probes.stdout)")
        // nothing leaked into this namespace
        #expect(FileManager.default.fileExists(atPath: "/sys/kernel/btf/vmlinux"))
    }

    @Test("tracefs unmounted (private mount namespace): exit 4, 'tracefs is not mounted'")
    func withoutTracefs() throws {
        guard LiveEnvironment.require() else { return }
        let dir = try Dioscope.scratchDirectory("notracefs")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let noTracefs = ["/usr/bin/unshare", "-m", "--propagation", "private", "/bin/sh", "-c",
                         "umount /sys/kernel/debug/tracing 2>/dev/null; umount /sys/kernel/tracing && exec \"$@\"", "sh"]
        try Self.expectRefused(via: noTracefs, "tracefs is not mounted at /sys/kernel/tracing", scratch: dir)
        let probes = try Dioscope.run(["probes"], via: noTracefs, scratch: dir)
        #expect(probes.status == Self.unavailable)
        #expect(Self.sentence(probes).contains("tracefs is not mounted"))
        #expect(probes.stdout.contains("completion-before-conversion: none"), "\(probes.stdout)")
        #expect(FileManager.default.fileExists(atPath: "/sys/kernel/tracing/events"))
    }

    @Test("a required tracepoint missing: exit 4 naming it; probes shows the blind detectors")
    func requiredTracepointMissing() throws {
        guard LiveEnvironment.require() else { return }
        let dir = try Dioscope.scratchDirectory("noprobe")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let env = ["DIOSCOPE_DISABLE_PROBES": "iomap_iter_dstmap"]
        try Self.expectRefused(environment: env, "the kernel has no iomap:iomap_iter_dstmap tracepoint", scratch: dir)
        let probes = try Dioscope.run(["probes"], environment: env, scratch: dir)
        #expect(probes.status == Self.unavailable, "\(probes.stderr)")
        #expect(Self.sentence(probes).contains("iomap:iomap_iter_dstmap"))
        #expect(probes.stdout.contains("subblock-zeroing-overlap: none (missing: iomap_iter_dstmap)"), "\(probes.stdout)")
        #expect(probes.stdout.contains("completion-before-conversion: none"))
        #expect(probes.stdout.contains("short-dio-write: full"))
        #expect(probes.stdout.contains("disabled by DIOSCOPE_DISABLE_PROBES"))
    }

    @Test("optional tracepoints missing: tracing works, probes names the detectors that are blind")
    func optionalTracepointsMissing() throws {
        guard LiveEnvironment.require() else { return }
        let dir = try Dioscope.scratchDirectory("optprobe")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let env = ["DIOSCOPE_DISABLE_PROBES": "xfs_unwritten_convert,ext4:ext4_ext_handle_unwritten_extents"]
        let probes = try Dioscope.run(["probes", "--format", "json"], environment: env, scratch: dir)
        #expect(probes.status == 0, "\(probes.stderr)")
        #expect(Self.sentence(probes).contains(
            "blind detectors on this kernel: completion-before-conversion, fsync-before-conversion"))
        struct Report: Decodable {
            struct Detector: Decodable { var name: String; var support: String }
            var detectors: [Detector]
            var verified: Bool
        }
        let report = try JSONDecoder().decode(Report.self, from: Data(probes.stdout.utf8))
        #expect(report.verified)
        let support = Dictionary(uniqueKeysWithValues: report.detectors.map { ($0.name, $0.support) })
        #expect(support["completion-before-conversion"] == "none")
        #expect(support["fsync-before-conversion"] == "none")
        #expect(support["subblock-zeroing-overlap"] == "full")
        // and tracing goes on without them
        let run = try Dioscope.run(["run", "--", "true"], environment: env, scratch: dir)
        #expect(run.status == 0, "\(run.stderr)")
    }

    @Test("run and record -- CMD under sudo run the command as the invoking user; --keep-root keeps root")
    func sudoDropsPrivileges() throws {
        guard LiveEnvironment.require() else { return }
        let dir = try Dioscope.scratchDirectory("sudo")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let sudo = ["SUDO_UID": "65534", "SUDO_GID": "65534", "SUDO_USER": "nobody"]
        let dropped = try Dioscope.run(["run", "--", "sh", "-c", "echo id=$(id -u):$(id -g):$(id -G) home=$HOME user=$USER"],
                                       environment: sudo, scratch: dir)
        #expect(dropped.status == 0, "\(dropped.stderr)")
        let line = dropped.stdout.split(separator: "\n").first { $0.hasPrefix("id=") }.map(String.init) ?? ""
        #expect(line.hasPrefix("id=65534:65534:65534 "), "\(dropped.stdout)")
        #expect(line.hasSuffix("user=nobody"), "\(line)")
        let kept = try Dioscope.run(["run", "--keep-root", "--", "id", "-u"], environment: sudo, scratch: dir)
        #expect(kept.status == 0, "\(kept.stderr)")
        #expect(kept.stdout.split(separator: "\n").first == "0", "\(kept.stdout)")
        // without sudo nothing changes
        let plain = try Dioscope.run(["run", "--", "id", "-u"], environment: ["SUDO_UID": ""], scratch: dir)
        #expect(plain.stdout.split(separator: "\n").first == "0", "\(plain.stdout)")

        // record -- CMD drops the same way; the trace file stays root's and private
        let trace = dir + "/r.dscope"
        let recorded = try Dioscope.run(["record", "-o", trace, "--", "id", "-u"], environment: sudo, scratch: dir)
        #expect(recorded.status == 0, "\(recorded.stderr)")
        #expect(recorded.stdout.split(separator: "\n").first == "65534", "\(recorded.stdout)")
        let attributes = try FileManager.default.attributesOfItem(atPath: trace)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        #expect((attributes[.ownerAccountID] as? Int) == 0)
        let recordedRoot = try Dioscope.run(["record", "-o", trace, "--keep-root", "--", "id", "-u"],
                                            environment: sudo, scratch: dir)
        #expect(recordedRoot.stdout.split(separator: "\n").first == "0", "\(recordedRoot.stdout)")
    }
}
