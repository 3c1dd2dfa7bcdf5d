#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a trace file says about how it was recorded: the header's JSON.
///
/// Every key is optional when decoding (missing keys take the defaults
/// below) and unknown keys are ignored, so newer writers may add fields
/// without a format version bump (docs/trace-format.md, "Compatibility").
public struct TraceMetadata: Codable, Sendable, Equatable {
    /// How one probe was attached (or why not).
    public struct ProbeInfo: Codable, Sendable, Equatable {
        /// Probe name, e.g. "iomap_dio_rw_begin" or "sys_pwrite64".
        public var name: String
        /// Index in the ABI's `enum dsc_probe_id` (the per-probe counter slot).
        public var id: Int
        public var method: AttachMethod
        /// Why the probe is unavailable, or a note on how it was attached.
        public var reason: String?

        public init(name: String, id: Int, method: AttachMethod, reason: String? = nil) {
            self.name = name
            self.id = id
            self.method = method
            self.reason = reason
        }
    }

    /// The BPF attach method of a probe. A string so that files from newer
    /// writers with new methods still decode.
    public struct AttachMethod: RawRepresentable, Codable, Hashable, Sendable, CustomStringConvertible {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public init(from decoder: any Decoder) throws {
            rawValue = try decoder.singleValueContainer().decode(String.self)
        }
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.singleValueContainer()
            try c.encode(rawValue)
        }
        public var description: String { rawValue }

        /// BTF-enabled raw tracepoint (`tp_btf/...`): typed arguments.
        public static let tpBTF = AttachMethod(rawValue: "tp_btf")
        /// Raw tracepoint (`raw_tp/...`).
        public static let rawTP = AttachMethod(rawValue: "raw_tp")
        /// Classic tracepoint (`tracepoint/...`), e.g. syscalls:*.
        public static let tracepoint = AttachMethod(rawValue: "tracepoint")
        /// Not attached; `reason` says why.
        public static let unavailable = AttachMethod(rawValue: "unavailable")
    }

    /// One traced device.
    public struct DeviceInfo: Codable, Sendable, Equatable {
        /// Kernel dev_t (`major << 20 | minor`) as it appears in records.
        public var dev: UInt32
        /// Block device name, e.g. "loop0".
        public var name: String
        public var logicalSectorSize: UInt32
        /// "xfs", "ext4", or nil if not mounted / unknown.
        public var filesystemType: String?
        /// Filesystem block size in bytes, if known.
        public var fsBlockSize: UInt32?
        public var mountPoint: String?

        public init(dev: DeviceNumber, name: String, logicalSectorSize: UInt32 = 512, filesystemType: String? = nil,
                    fsBlockSize: UInt32? = nil, mountPoint: String? = nil) {
            self.dev = dev.raw
            self.name = name
            self.logicalSectorSize = logicalSectorSize
            self.filesystemType = filesystemType
            self.fsBlockSize = fsBlockSize
            self.mountPoint = mountPoint
        }

        public var deviceNumber: DeviceNumber { DeviceNumber(raw: dev) }
    }

    /// What the recording was restricted to.
    public struct Filters: Codable, Sendable, Equatable {
        /// Traced process ids (tgid); empty = all.
        public var pids: [UInt32]
        /// Follow children of traced processes.
        public var followChildren: Bool
        /// Kernel dev_t values traced; empty = all.
        public var devices: [UInt32]
        /// Free-form description of any other restriction.
        public var other: [String]

        public init(pids: [UInt32] = [], followChildren: Bool = false, devices: [UInt32] = [], other: [String] = []) {
            self.pids = pids
            self.followChildren = followChildren
            self.devices = devices
            self.other = other
        }
    }

    /// Version of dioscope that wrote the file.
    public var toolVersion: String = ""
    /// `uname -r` of the traced machine.
    public var kernelRelease: String = ""
    /// `uname -m`, e.g. "x86_64".
    public var machine: String = ""
    public var hostname: String = ""
    /// Clock of every `ts_ns` in the file; always "CLOCK_MONOTONIC" for BPF recordings.
    public var clock: String = "CLOCK_MONOTONIC"
    /// CLOCK_REALTIME − CLOCK_MONOTONIC in ns when recording started: add to a
    /// timestamp to get Unix-epoch ns.
    public var monotonicToRealtimeNs: Int64 = 0
    /// CLOCK_BOOTTIME − CLOCK_MONOTONIC in ns when recording started (time suspended).
    public var monotonicToBoottimeNs: Int64 = 0
    /// CLOCK_MONOTONIC ns when recording started.
    public var startTimestamp: UInt64 = 0
    public var cpuCount: Int = 0
    /// dioscope's own argv.
    public var commandLine: [String] = []
    /// The traced command's argv, empty when attaching to existing processes.
    public var tracedCommand: [String] = []
    /// Process id of the traced command, if dioscope started one.
    public var tracedPid: Int32?
    public var filters = Filters()
    /// Every probe dioscope knows, attached or not.
    public var probes: [ProbeInfo] = []
    public var devices: [DeviceInfo] = []
    /// Anything else worth keeping (free-form).
    public var extra: [String: String] = [:]

    public init() {}

    public init(toolVersion: String, kernelRelease: String = "", machine: String = "", hostname: String = "",
                clock: String = "CLOCK_MONOTONIC", monotonicToRealtimeNs: Int64 = 0, monotonicToBoottimeNs: Int64 = 0,
                startTimestamp: UInt64 = 0, cpuCount: Int = 0, commandLine: [String] = [], tracedCommand: [String] = [],
                tracedPid: Int32? = nil, filters: Filters = Filters(), probes: [ProbeInfo] = [],
                devices: [DeviceInfo] = [], extra: [String: String] = [:]) {
        self.toolVersion = toolVersion
        self.kernelRelease = kernelRelease
        self.machine = machine
        self.hostname = hostname
        self.clock = clock
        self.monotonicToRealtimeNs = monotonicToRealtimeNs
        self.monotonicToBoottimeNs = monotonicToBoottimeNs
        self.startTimestamp = startTimestamp
        self.cpuCount = cpuCount
        self.commandLine = commandLine
        self.tracedCommand = tracedCommand
        self.tracedPid = tracedPid
        self.filters = filters
        self.probes = probes
        self.devices = devices
        self.extra = extra
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        toolVersion = try c.decodeIfPresent(String.self, forKey: .toolVersion) ?? ""
        kernelRelease = try c.decodeIfPresent(String.self, forKey: .kernelRelease) ?? ""
        machine = try c.decodeIfPresent(String.self, forKey: .machine) ?? ""
        hostname = try c.decodeIfPresent(String.self, forKey: .hostname) ?? ""
        clock = try c.decodeIfPresent(String.self, forKey: .clock) ?? "CLOCK_MONOTONIC"
        monotonicToRealtimeNs = try c.decodeIfPresent(Int64.self, forKey: .monotonicToRealtimeNs) ?? 0
        monotonicToBoottimeNs = try c.decodeIfPresent(Int64.self, forKey: .monotonicToBoottimeNs) ?? 0
        startTimestamp = try c.decodeIfPresent(UInt64.self, forKey: .startTimestamp) ?? 0
        cpuCount = try c.decodeIfPresent(Int.self, forKey: .cpuCount) ?? 0
        commandLine = try c.decodeIfPresent([String].self, forKey: .commandLine) ?? []
        tracedCommand = try c.decodeIfPresent([String].self, forKey: .tracedCommand) ?? []
        tracedPid = try c.decodeIfPresent(Int32.self, forKey: .tracedPid)
        filters = try c.decodeIfPresent(Filters.self, forKey: .filters) ?? Filters()
        probes = try c.decodeIfPresent([ProbeInfo].self, forKey: .probes) ?? []
        devices = try c.decodeIfPresent([DeviceInfo].self, forKey: .devices) ?? []
        extra = try c.decodeIfPresent([String: String].self, forKey: .extra) ?? [:]
    }

    /// The probe with ABI id `id`, if the metadata lists it.
    public func probe(id: Int) -> ProbeInfo? { probes.first { $0.id == id } }

    /// The device record for `dev`, if the metadata lists it.
    public func device(_ dev: DeviceNumber) -> DeviceInfo? { devices.first { $0.dev == dev.raw } }

    /// Metadata pre-filled with this machine's facts: kernel release, machine,
    /// host name, CPU count, start timestamp and clock offsets (sampled now).
    public static func forThisHost(toolVersion: String, commandLine: [String] = CommandLine.arguments) -> TraceMetadata {
        var m = TraceMetadata(toolVersion: toolVersion, commandLine: commandLine)
        var u = utsname()
        if uname(&u) == 0 {
            m.kernelRelease = cString(&u.release)
            m.machine = cString(&u.machine)
            m.hostname = cString(&u.nodename)
        }
        m.cpuCount = Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        let (mono, real, boot) = sampleClocks()
        m.startTimestamp = mono
        m.monotonicToRealtimeNs = Int64(bitPattern: real &- mono)
        m.monotonicToBoottimeNs = Int64(bitPattern: boot &- mono)
        return m
    }

    /// (monotonic, realtime, boottime) ns, realtime and boottime taken
    /// between two monotonic reads whose mean stands for "now".
    static func sampleClocks() -> (UInt64, UInt64, UInt64) {
        func now(_ id: clockid_t) -> UInt64 {
            var ts = timespec()
            clock_gettime(id, &ts)
            return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
        }
        #if os(Linux)
        let bootClock = CLOCK_BOOTTIME
        #else
        let bootClock = CLOCK_MONOTONIC_RAW
        #endif
        let m1 = now(CLOCK_MONOTONIC)
        let r = now(CLOCK_REALTIME)
        let b = now(bootClock)
        let m2 = now(CLOCK_MONOTONIC)
        return (m1 + (m2 - m1) / 2, r, b)
    }

    private static func cString<T>(_ field: inout T) -> String {
        withUnsafeBytes(of: &field) { raw in
            let bytes = raw.prefix { $0 != 0 }
            return String(decoding: bytes, as: UTF8.self)
        }
    }
}
