/// What to trace and how much memory to use for it.
public struct TraceConfiguration: Sendable {
    /// Kernel dev_t values (major << 20 | minor) to trace: filesystems'
    /// s_dev and their block devices. Empty: all devices.
    public var devices: [UInt32] = []
    /// Processes to trace, with their future children. Empty: all.
    public var pids: [Int32] = []
    /// cgroup v2 id (the cgroup directory's inode number); nil: any.
    public var cgroupID: UInt64?
    /// Ring buffer size in bytes (power of two, at least one page).
    public var ringBufferBytes: Int = 64 << 20
    /// Wake the consumer when this many bytes wait (else it polls on a timeout).
    public var wakeupBytes: Int = 1 << 20
    /// Force every tracepoint probe to this method (tests); nil: best available.
    public var forcedMethod: AttachMethod?
    /// Probes to leave out entirely (by tracepoint or syscall name).
    public var excludedProbes: Set<String> = []
    /// System calls through the classic syscalls:* tracepoints even when the raw
    /// syscall tracepoints are usable (to measure one against the other).
    public var classicSyscalls = false
    /// In-kernel assembly: the steps of a plain direct I/O (one MAPPED mapping, one bio alone in
    /// its request) come as one `DSC_EV_DIO_STEPS` record instead of one record each.
    public var assemble = true
    /// Probes off by default (`ProbeSpec.enabledByDefault`) to attach anyway.
    public var includedProbes: Set<String> = []

    public init() {}

    /// Rounds a size in MiB up to a valid ring buffer size.
    public static func ringBufferBytes(megabytes: Int) -> Int {
        var size = 4096
        let want = max(1, megabytes) << 20
        while size < want { size <<= 1 }
        return size
    }
}
