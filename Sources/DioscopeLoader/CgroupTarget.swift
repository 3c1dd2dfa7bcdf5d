import Glibc

/// A `--cgroup` argument resolved to the cgroup v2 id the BPF helper
/// bpf_get_current_cgroup_id() returns (the group directory's inode).
public struct CgroupTarget: Sendable, Equatable {
    public var path: String
    public var id: UInt64

    /// Accepts a directory path on the cgroup2 mount, or a path relative
    /// to that mount (e.g. "system.slice/foo.service").
    public static func resolve(_ argument: String, mounts: MountTable = MountTable()) throws(LoaderError)
        -> CgroupTarget
    {
        guard let root = mounts.entries.first(where: { $0.filesystemType == "cgroup2" })?.mountPoint else {
            throw .badCgroup(argument, reason: "no cgroup v2 filesystem is mounted")
        }
        let full: String
        if argument.hasPrefix(root + "/") || argument == root {
            full = argument
        } else {
            full = root + "/" + argument.drop { $0 == "/" }
        }
        var st = stat()
        guard stat(full, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR,
            access(full + "/cgroup.procs", F_OK) == 0
        else {
            throw .badCgroup(argument, reason: "\(full) is not a cgroup v2 group directory")
        }
        return CgroupTarget(path: full, id: UInt64(st.st_ino))
    }
}
