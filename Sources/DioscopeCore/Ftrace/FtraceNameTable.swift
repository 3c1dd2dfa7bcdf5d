/// FNV-1a over bytes: the key of the name tables (event and flag names).
@inline(__always)
func ftraceHash(_ base: UnsafePointer<UInt8>, _ range: Range<Int>) -> UInt64 {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for i in range {
        h ^= UInt64(base[i])
        h = h &* 0x0000_0100_0000_01b3
    }
    return h
}

/// A lookup from names (as printed by ftrace) to values, without creating
/// a `String` for the looked-up bytes.
struct FtraceNameTable<Value: Sendable>: Sendable {
    private var entries: [UInt64: (name: [UInt8], value: Value)] = [:]

    init(_ pairs: [(String, Value)]) {
        for (name, value) in pairs {
            let bytes = Array(name.utf8)
            let h = bytes.withUnsafeBufferPointer { ftraceHash($0.baseAddress!, 0..<bytes.count) }
            precondition(entries[h] == nil, "hash collision in ftrace name table: \(name)")
            entries[h] = (bytes, value)
        }
    }

    @inline(__always)
    func lookup(_ base: UnsafePointer<UInt8>, _ range: Range<Int>) -> Value? {
        lookup(base, range, hash: ftraceHash(base, range))
    }

    @inline(__always)
    func lookup(_ base: UnsafePointer<UInt8>, _ range: Range<Int>, hash: UInt64) -> Value? {
        guard let e = entries[hash], e.name.count == range.count else { return nil }
        var i = 0
        for j in range {
            if e.name[i] != base[j] { return nil }
            i += 1
        }
        return e.value
    }

    /// ORs the bits of every `|`-separated name in `range` (`DIRECT|WRITE`);
    /// a leftover part printed as hex (`0x400`) is taken as bits, unknown
    /// names are ignored.
    func flags(_ base: UnsafePointer<UInt8>, _ range: Range<Int>) -> UInt64 where Value == UInt64 {
        var bits: UInt64 = 0
        var s = range.lowerBound
        var i = s
        while i <= range.upperBound {
            if i == range.upperBound || base[i] == 0x7C {
                if i > s {
                    if let v = lookup(base, s..<i) {
                        bits |= v
                    } else if i - s > 2 && base[s] == 0x30 && base[s + 1] == 0x78 {
                        var f = FtraceFields(base: base, start: s, end: i)
                        if let v = try? f.hex("flags") { bits |= v }
                    }
                }
                s = i + 1
            }
            i += 1
        }
        return bits
    }
}

/// The name tables of the print formats of the traced events
/// (`/sys/kernel/tracing/events/*/*/format`, kernel 6.18).
enum FtraceTables {
    /// `ki_flags` names of iomap_dio_rw_begin/iomap_dio_complete → IOCB_* bits.
    static let kiFlags = FtraceNameTable<UInt64>([
        ("HIPRI", 0x1), ("DSYNC", 0x2), ("SYNC", 0x4), ("NOWAIT", 0x8), ("APPEND", 0x10),
        ("ATOMIC", 0x40), ("DONTCACHE", 0x80), ("EVENTFD", 1 << 16), ("DIRECT", 1 << 17),
        ("WRITE", 1 << 18), ("WAITQ", 1 << 19), ("NOIO", 1 << 20), ("ALLOC_CACHE", 1 << 21),
        ("CALLER_COMP", 1 << 22), ("AIO_RW", 1 << 23), ("AIO_HAS_METADATA", 1 << 24),
    ])
    static let iocbAIORW: UInt64 = 1 << 23
    static let iocbAllocCache: UInt64 = 1 << 21

    /// iomap `dio_flags`.
    static let dioFlags = FtraceNameTable<UInt64>([
        ("DIO_FORCE_WAIT", 0x1), ("DIO_OVERWRITE_ONLY", 0x2), ("DIO_PARTIAL", 0x4),
    ])

    /// ext4 `EXT4_GET_BLOCKS_*` names.
    static let ext4Flags = FtraceNameTable<UInt64>([
        ("CREATE", 0x1), ("UNWRIT", 0x2), ("DELALLOC", 0x4), ("PRE_IO", 0x8), ("CONVERT", 0x10),
        ("METADATA_NOFAIL", 0x20), ("NO_NORMALIZE", 0x40), ("CONVERT_UNWRITTEN", 0x100),
        ("ZERO", 0x200), ("IO_SUBMIT", 0x400), ("EX_NOCACHE", 0x4000_0000),
    ])

    /// ext4_fallocate_enter `mode` names → FALLOC_FL_* bits.
    static let fallocMode = FtraceNameTable<UInt64>([
        ("KEEP_SIZE", 0x01), ("PUNCH_HOLE", 0x02), ("COLLAPSE_RANGE", 0x08), ("ZERO_RANGE", 0x10),
        ("INSERT_RANGE", 0x20), ("UNSHARE_RANGE", 0x40), ("WRITE_ZEROES", 0x80),
    ])

    /// iomap extent type names (the numeric value printed next to it wins).
    static let extentType = FtraceNameTable<UInt64>([
        ("HOLE", 0), ("DELALLOC", 1), ("MAPPED", 2), ("UNWRITTEN", 3), ("INLINE", 4),
    ])

    /// iomap mapping flag names (the numeric value printed next to them wins).
    static let iomapFlags = FtraceNameTable<UInt64>([
        ("NEW", 1 << 0), ("DIRTY", 1 << 1), ("SHARED", 1 << 2), ("MERGED", 1 << 3), ("BH", 1 << 4),
        ("XATTR", 1 << 5), ("BOUNDARY", 1 << 6), ("ANON_WRITE", 1 << 7), ("ATOMIC_BIO", 1 << 8),
        ("PRIVATE", 1 << 12), ("SIZE_CHANGED", 1 << 14), ("STALE", 1 << 15),
    ])
}
