import Foundation
import Glibc

/// A command started behind a gate: the process exists (so its pid can
/// be put in the traced set) but does not exec the command until
/// `release()`. If the gate is closed instead, it exits with status 126
/// without running anything.
///
/// The gate is `/bin/sh` waiting on a pipe, then `exec`ing the command in
/// the same process, so the traced pid is the command's pid.
public final class GatedProcess {
    public let pid: pid_t
    public let arguments: [String]
    private var gateFD: Int32
    private var reaped: Int32?

    /// Outcome of a finished process.
    public enum Termination: Sendable, Equatable {
        case exited(Int32)
        case signaled(Int32)

        /// Shell-style status: the exit code, or 128 + signal.
        public var shellStatus: Int32 {
            switch self {
            case .exited(let c): c
            case .signaled(let s): 128 + s
            }
        }
    }

    /// A user to run the command as (the gate drops root before exec).
    public struct Identity: Sendable, Equatable {
        public var uid: uid_t
        public var gid: gid_t
        /// Supplementary groups (getgrouplist of the user, or none).
        public var groups: [gid_t]
        public var name: String?
        public var home: String?

        /// The user who invoked `sudo` (SUDO_UID/SUDO_GID), when this
        /// process runs as root under sudo; nil otherwise.
        public static func sudoInvoker(environment: [String: String]) -> Identity? {
            guard geteuid() == 0, let u = environment["SUDO_UID"].flatMap({ UInt32($0) }), u != 0 else { return nil }
            var gid = environment["SUDO_GID"].flatMap { UInt32($0) }
            var name: String?
            var home: String?
            var groups: [gid_t] = []
            if let pw = getpwuid(u) {
                name = String(cString: pw.pointee.pw_name)
                home = String(cString: pw.pointee.pw_dir)
                if gid == nil { gid = pw.pointee.pw_gid }
                let primary = gid ?? pw.pointee.pw_gid
                var count: Int32 = 64
                var list = [gid_t](repeating: 0, count: Int(count))
                if getgrouplist(pw.pointee.pw_name, primary, &list, &count) < 0 {
                    list = [gid_t](repeating: 0, count: Int(count))
                    _ = getgrouplist(pw.pointee.pw_name, primary, &list, &count)
                }
                groups = Array(list.prefix(Int(max(0, count))))
            }
            guard let gid else { return nil }
            return Identity(uid: u, gid: gid, groups: groups, name: name, home: home)
        }
    }

    /// Spawns the gate for `arguments` (argv[0] is looked up in PATH).
    /// With `runAs`, the gate switches to that user (supplementary groups,
    /// gid, then uid, with util-linux `setpriv`) before it execs the
    /// command, and HOME/USER/LOGNAME name that user.
    public init(arguments: [String], runAs: Identity? = nil) throws(LoaderError) {
        precondition(!arguments.isEmpty)
        self.arguments = arguments
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { throw .spawn(arguments[0], errno: errno) }
        _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, fds[0], 3)
        var script = "read -r _ <&3 || exit 126; exec 3<&-; exec \"$@\""
        var env = ProcessInfo.processInfo.environment
        if let id = runAs {
            let candidates: [String] = ["/usr/bin/setpriv", "/bin/setpriv", "/usr/sbin/setpriv"]
            guard let setpriv = candidates.first(where: { (path: String) in access(path, X_OK) == 0 }) else {
                close(fds[0])
                close(fds[1])
                throw .spawn("setpriv (util-linux), needed to run \(arguments[0]) as uid \(id.uid)", errno: ENOENT)
            }
            let groups = id.groups.isEmpty ? "--clear-groups"
                : "--groups=" + id.groups.map { String($0) }.joined(separator: ",")
            script = "read -r _ <&3 || exit 126; exec 3<&-; exec \(setpriv) --reuid=\(id.uid) --regid=\(id.gid) "
                + "\(groups) -- \"$@\""
            if let name = id.name {
                env["USER"] = name
                env["LOGNAME"] = name
            }
            if let home = id.home { env["HOME"] = home }
        }
        let argv = ["/bin/sh", "-c", script, "dioscope-gate"] + arguments
        var cenv: [UnsafeMutablePointer<CChar>?] = env.map { strdup("\($0.key)=\($0.value)") }
        cenv.append(nil)
        defer { for p in cenv { free(p) } }
        var cargs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) }
        cargs.append(nil)
        defer { for p in cargs { free(p) } }
        // The calling thread may block signals (Swift concurrency and
        // Dispatch threads do): give the command a clean signal state.
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        var empty = sigset_t()
        sigemptyset(&empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for sig in 1..<32 where sig != SIGKILL && sig != SIGSTOP { sigaddset(&defaults, Int32(sig)) }
        posix_spawnattr_setsigmask(&attr, &empty)
        posix_spawnattr_setsigdefault(&attr, &defaults)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var child: pid_t = 0
        let rc = posix_spawn(&child, "/bin/sh", &actions, &attr, cargs, cenv)
        close(fds[0])
        if rc != 0 {
            close(fds[1])
            throw .spawn(arguments[0], errno: rc)
        }
        pid = child
        gateFD = fds[1]
    }

    deinit {
        if gateFD >= 0 { close(gateFD) }
    }

    /// Lets the command run.
    public func release() {
        guard gateFD >= 0 else { return }
        _ = "go\n".withCString { write(gateFD, $0, 3) }
        close(gateFD)
        gateFD = -1
    }

    /// Makes the gate exit (status 126) without running the command.
    public func abandon() {
        guard gateFD >= 0 else { return }
        close(gateFD)
        gateFD = -1
    }

    /// Non-blocking check; nil while running.
    public func poll() -> Termination? {
        if reaped == nil {
            var status: Int32 = 0
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid { reaped = status } else { return nil }
        }
        return Self.decode(reaped!)
    }

    /// Waits for the process to end.
    public func wait() -> Termination {
        while reaped == nil {
            var status: Int32 = 0
            let r = waitpid(pid, &status, 0)
            if r == pid { reaped = status } else if r < 0 && errno != EINTR { return .exited(-1) }
        }
        return Self.decode(reaped!)
    }

    /// Sends a signal if the process has not been reaped.
    public func kill(_ signal: Int32) {
        if reaped == nil { _ = Glibc.kill(pid, signal) }
    }

    private static func decode(_ status: Int32) -> Termination {
        // WIFEXITED / WEXITSTATUS / WTERMSIG (macros, not imported).
        if status & 0x7f == 0 { return .exited((status >> 8) & 0xff) }
        return .signaled(status & 0x7f)
    }
}
