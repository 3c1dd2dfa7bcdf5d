/// FNV-1a over bytes: the key under which skipped (unknown) event names are counted.
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
///
/// Every event line looks up its event name, and most look up flag names
/// too, so this is on the importer's hot path. It is an open-addressing
/// table keyed by a hash of the name's length and first and last eight
/// bytes (two loads, where FNV-1a needs a multiply per byte, one after the
/// other); a name up to 16 bytes long is then compared as those same two
/// words, a longer one also word by word in the middle. A lookup is one
/// probe, rarely two. (A `Dictionary` keyed by FNV-1a cost about a tenth
/// of the import: the byte-serial hash, then SipHash over it.)
struct FtraceNameTable<Value: Sendable>: Sendable {
    private struct Entry: Sendable {
        var count: Int
        /// The name's first and last 8 bytes (`NameKey`).
        var first: UInt64
        var last: UInt64
        /// The whole name is `names[nameStart..<nameStart + count]`.
        var nameStart: Int
        var value: Value
    }

    /// A name's length and its first and last 8 bytes (little-endian; a name
    /// shorter than 8 bytes is all in `first`, zero-padded, and `last` is 0).
    private struct NameKey {
        var count: Int
        var first: UInt64
        var last: UInt64

        @inline(__always)
        init(_ p: UnsafePointer<UInt8>, _ count: Int) {
            self.count = count
            if count >= 8 {
                let raw = UnsafeRawPointer(p)
                first = UInt64(littleEndian: raw.loadUnaligned(as: UInt64.self))
                last = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self))
            } else {
                first = 0
                for k in 0..<count { first |= UInt64(p[k]) << (8 * UInt64(k)) }
                last = 0
            }
        }

        @inline(__always)
        func slot(_ mask: Int) -> Int {
            var h = (first &* 0x9E37_79B9_7F4A_7C15) ^ (last &* 0xC2B2_AE3D_27D4_EB4F) ^ UInt64(count)
            h ^= h >> 29
            return Int(truncatingIfNeeded: h) & mask
        }
    }

    private var entries: [Entry] = []
    /// All names back to back.
    private var names: [UInt8] = []
    /// Index into `entries` or -1 (empty); a power of two, at least twice the entries.
    private var slots: [Int32]
    private let mask: Int

    init(_ pairs: [(String, Value)]) {
        var size = 16
        while size < 2 * pairs.count { size *= 2 }
        slots = [Int32](repeating: -1, count: size)
        mask = size - 1
        for (name, value) in pairs {
            let bytes = Array(name.utf8)
            precondition(!bytes.isEmpty && bytes.withUnsafeBufferPointer { lookup($0.baseAddress!, 0..<bytes.count) } == nil,
                         "empty or duplicate name in ftrace name table: \(name)")
            let key = bytes.withUnsafeBufferPointer { NameKey($0.baseAddress!, bytes.count) }
            var s = key.slot(mask)
            while slots[s] >= 0 { s = (s + 1) & mask }
            slots[s] = Int32(entries.count)
            entries.append(Entry(count: key.count, first: key.first, last: key.last, nameStart: names.count, value: value))
            names.append(contentsOf: bytes)
        }
    }

    @inline(__always)
    func lookup(_ base: UnsafePointer<UInt8>, _ range: Range<Int>) -> Value? {
        let p = base + range.lowerBound
        let key = NameKey(p, range.count)
        var s = key.slot(mask)
        while true {
            let ix = slots[s]
            if ix < 0 { return nil }
            let e = entries[Int(ix)]
            if e.count == key.count && e.first == key.first && e.last == key.last
                && (key.count <= 16 || sameMiddle(e.nameStart, p, key.count)) {
                return e.value
            }
            s = (s + 1) & mask
        }
    }

    /// Bytes 8..<count-8 of a name longer than 16 bytes (the ends are already equal).
    private func sameMiddle(_ nameStart: Int, _ p: UnsafePointer<UInt8>, _ count: Int) -> Bool {
        names.withUnsafeBytes { n in
            var k = 8
            while k < count - 8 {
                if n.loadUnaligned(fromByteOffset: nameStart + k, as: UInt64.self)
                    != UnsafeRawPointer(p).loadUnaligned(fromByteOffset: k, as: UInt64.self) { return false }
                k += 8
            }
            return true
        }
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
