/// Which race detectors the attached probes can feed, fully or partly.
public struct DetectorSupport: Sendable, Equatable {
    /// How well a detector is supported.
    public enum Level: String, Sendable, Codable {
        case full, partial, none
    }

    public var detector: String
    public var level: Level
    /// Probes whose absence lowers the level.
    public var missing: [String]

    public init(detector: String, level: Level, missing: [String]) {
        self.detector = detector
        self.level = level
        self.missing = missing
    }

    /// Each detector's needs: groups of probe names; one probe of a group
    /// is enough for partial support, all of them give full support.
    /// (read/write, attached for a traced command only, add write(2)'s count to short-dio-write and
    /// read(2)'s return to reads at the end of a file; pwrite64 and pread64 are what they need.)
    public static let requirements: [(detector: String, groups: [[String]])] = [
        (
            "completion-before-conversion",
            [
                ["iomap_dio_rw_begin"], ["iomap_iter_dstmap"], ["iomap_dio_complete"],
                ["xfs_unwritten_convert", "ext4_ext_handle_unwritten_extents"],
                ["io_getevents", "io_pgetevents", "io_uring_complete"],
                ["pread64", "preadv2"],
            ]
        ),
        ("subblock-zeroing-overlap", [["iomap_dio_rw_begin"], ["iomap_iter_dstmap"], ["block_bio_queue"]]),
        (
            "size-extension-race",
            [
                ["iomap_dio_rw_begin"], ["iomap_dio_complete"], ["fallocate", "ftruncate"],
                [
                    "xfs_setfilesize", "xfs_alloc_file_space", "xfs_setattr", "xfs_zero_eof", "ext4_fallocate_enter",
                    "ext4_fallocate_exit", "ext4_truncate_enter",
                ],
            ]
        ),
        (
            "fsync-before-conversion",
            [
                ["fsync", "fdatasync"], ["xfs_unwritten_convert", "ext4_ext_handle_unwritten_extents"],
                ["iomap_dio_complete"], ["io_getevents", "io_pgetevents", "io_uring_complete"],
            ]
        ),
        (
            "short-dio-write",
            [
                ["pwrite64", "pwritev2"], ["iomap_dio_rw_begin"], ["iomap_dio_complete"],
                ["io_getevents", "io_pgetevents", "io_uring_complete"],
            ]
        ),
    ]

    /// Support levels given which probes are attached. Without a ring
    /// buffer nothing can be recorded, so every detector is unsupported.
    public static func evaluate(attached: (String) -> Bool, ringBuffer: Bool = true) -> [DetectorSupport] {
        requirements.map { req in
            var missing: [String] = []
            var level = Level.full
            for group in req.groups {
                let absent = group.filter { !attached($0) }
                missing += absent
                if absent.count == group.count {
                    level = .none
                } else if !absent.isEmpty, level == .full {
                    level = .partial
                }
            }
            if !ringBuffer { level = .none }
            return DetectorSupport(detector: req.detector, level: level, missing: missing)
        }
    }
}
