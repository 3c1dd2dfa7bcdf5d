/// CRC-32C (Castagnoli): reflected polynomial 0x82F63B78, initial value and
/// final XOR 0xFFFFFFFF, the checksum of iSCSI, ext4 and btrfs metadata.
/// `CRC32C.checksum("123456789")` is 0xE3069283.
///
/// Table-driven slice-by-8: eight 256-entry tables built once, eight bytes
/// consumed per step; no allocation per call.
public enum CRC32C {
    /// The reflected Castagnoli polynomial.
    public static let polynomial: UInt32 = 0x82F6_3B78

    /// `tables[k * 256 + b]`: CRC of byte `b` followed by `k` zero bytes.
    private static let tables: [UInt32] = {
        var t = [UInt32](repeating: 0, count: 8 * 256)
        for b in 0..<256 {
            var c = UInt32(b)
            for _ in 0..<8 { c = (c & 1) != 0 ? (c >> 1) ^ polynomial : c >> 1 }
            t[b] = c
        }
        for k in 1..<8 {
            for b in 0..<256 {
                let prev = t[(k - 1) * 256 + b]
                t[k * 256 + b] = (prev >> 8) ^ t[Int(prev & 0xFF)]
            }
        }
        return t
    }()

    /// CRC-32C of `count` bytes at `base`, continuing from `crc` (the value a
    /// previous call returned; 0 to start).
    public static func update(_ crc: UInt32, _ base: UnsafeRawPointer, count: Int) -> UInt32 {
        tables.withUnsafeBufferPointer { tp in
            let t = tp.baseAddress!
            var c = ~crc
            var p = base
            var n = count
            while n >= 8 {
                let w = UInt64(littleEndian: p.loadUnaligned(as: UInt64.self))
                let lo = UInt32(truncatingIfNeeded: w) ^ c
                let hi = UInt32(truncatingIfNeeded: w >> 32)
                c = t[7 * 256 + Int(lo & 0xFF)] ^ t[6 * 256 + Int((lo >> 8) & 0xFF)]
                    ^ t[5 * 256 + Int((lo >> 16) & 0xFF)] ^ t[4 * 256 + Int(lo >> 24)]
                    ^ t[3 * 256 + Int(hi & 0xFF)] ^ t[2 * 256 + Int((hi >> 8) & 0xFF)]
                    ^ t[1 * 256 + Int((hi >> 16) & 0xFF)] ^ t[Int(hi >> 24)]
                p += 8
                n -= 8
            }
            while n > 0 {
                c = (c >> 8) ^ t[Int((c ^ UInt32(p.load(as: UInt8.self))) & 0xFF)]
                p += 1
                n -= 1
            }
            return ~c
        }
    }

    /// CRC-32C of a buffer.
    public static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        guard let b = bytes.baseAddress else { return 0 }
        return update(0, b, count: bytes.count)
    }

    /// CRC-32C of a byte sequence (convenience for small inputs and tests).
    public static func checksum(_ bytes: some Sequence<UInt8>) -> UInt32 {
        let a = Array(bytes)
        return a.withUnsafeBytes { checksum($0) }
    }

    /// CRC-32C of a string's UTF-8 bytes.
    public static func checksum(_ string: String) -> UInt32 {
        checksum(Array(string.utf8))
    }
}
