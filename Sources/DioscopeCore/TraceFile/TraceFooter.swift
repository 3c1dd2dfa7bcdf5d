/// What a finished recording says about itself: the footer's JSON.
///
/// Written once by ``TraceWriter/finish(footer:)``; a file without a valid
/// footer was cut off (killed, disk full) and is reported as truncated.
/// As for ``TraceMetadata``, missing keys take defaults and unknown keys
/// are ignored when decoding.
public struct TraceFooter: Codable, Sendable, Equatable {
    /// Events and drops of one probe over the whole recording.
    public struct ProbeStats: Codable, Sendable, Equatable {
        public var name: String
        /// Index in the ABI's `enum dsc_probe_id`.
        public var id: Int
        /// Records the probe submitted to the ring buffer.
        public var events: UInt64
        /// Records the probe could not submit (ring buffer full): the
        /// kernel's final per-probe drop counter.
        public var drops: UInt64
        /// Events the probe held back into another record (in-kernel assembly: `dio_steps`, and the
        /// system-call records that carry several events); absent when none.
        public var absorbed: UInt64?

        public init(name: String, id: Int, events: UInt64, drops: UInt64, absorbed: UInt64? = nil) {
            self.name = name
            self.id = id
            self.events = events
            self.drops = drops
            self.absorbed = absorbed
        }
    }

    /// How the recording ended. A string so new reasons stay decodable.
    public struct EndReason: RawRepresentable, Codable, Hashable, Sendable, CustomStringConvertible {
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

        /// The traced command exited, or the requested duration elapsed.
        public static let completed = EndReason(rawValue: "completed")
        /// Interrupted by SIGINT (Ctrl-C).
        public static let sigint = EndReason(rawValue: "sigint")
        /// Stopped by SIGTERM.
        public static let sigterm = EndReason(rawValue: "sigterm")
        /// Stopped by an error; `errorMessage` says which.
        public static let error = EndReason(rawValue: "error")
    }

    public var endReason: EndReason
    public var errorMessage: String?
    /// CLOCK_MONOTONIC ns when recording stopped.
    public var endTimestamp: UInt64
    /// Per-probe counts (from the BPF per-probe counters).
    public var probes: [ProbeStats]
    /// Drops that could not be attributed to a probe (for example ring
    /// buffer records lost by the consumer).
    public var unattributedDrops: UInt64
    /// Records in the file. Set by ``TraceWriter/finish(footer:)``.
    public var totalRecords: UInt64
    /// Chunks in the file. Set by ``TraceWriter/finish(footer:)``.
    public var chunkCount: UInt64

    public init(endReason: EndReason, errorMessage: String? = nil, endTimestamp: UInt64, probes: [ProbeStats] = [],
                unattributedDrops: UInt64 = 0, totalRecords: UInt64 = 0, chunkCount: UInt64 = 0) {
        self.endReason = endReason
        self.errorMessage = errorMessage
        self.endTimestamp = endTimestamp
        self.probes = probes
        self.unattributedDrops = unattributedDrops
        self.totalRecords = totalRecords
        self.chunkCount = chunkCount
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        endReason = try c.decodeIfPresent(EndReason.self, forKey: .endReason) ?? EndReason(rawValue: "unknown")
        errorMessage = try c.decodeIfPresent(String.self, forKey: .errorMessage)
        endTimestamp = try c.decodeIfPresent(UInt64.self, forKey: .endTimestamp) ?? 0
        probes = try c.decodeIfPresent([ProbeStats].self, forKey: .probes) ?? []
        unattributedDrops = try c.decodeIfPresent(UInt64.self, forKey: .unattributedDrops) ?? 0
        totalRecords = try c.decodeIfPresent(UInt64.self, forKey: .totalRecords) ?? 0
        chunkCount = try c.decodeIfPresent(UInt64.self, forKey: .chunkCount) ?? 0
    }

    /// All drops: per-probe drops plus unattributed ones.
    /// (Saturating: a damaged or crafted footer may hold any numbers.)
    public var totalDrops: UInt64 { probes.reduce(unattributedDrops) { $0.addingSaturating($1.drops) } }
}
