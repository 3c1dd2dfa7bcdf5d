/// Byte layout constants of the dioscope trace file format, version 1.
/// docs/trace-format.md is the normative description; every number here
/// appears there.
///
/// All integers are little-endian. A file is:
///
///     file header (64 bytes) | metadata JSON | zero padding to 8
///     chunk* (48-byte header + recordCount × 96-byte records)
///     footer block (16-byte header + footer JSON) | zero padding to 8
///     trailer (32 bytes, the last bytes of the file)
public enum TraceFileFormat {
    /// Current format version (file header offset 8). A reader accepts
    /// exactly the versions it knows; see the compatibility policy.
    public static let version: UInt16 = 1

    /// `89 'D' 'S' 'C' 'O' 'P' 'E' 0A`: the first 8 bytes of every trace.
    public static let fileMagic: [UInt8] = [0x89, 0x44, 0x53, 0x43, 0x4F, 0x50, 0x45, 0x0A]
    /// `89 'D' 'S' 'C' 'C' 'H' 'K' 0A`: starts every chunk.
    public static let chunkMagic: [UInt8] = [0x89, 0x44, 0x53, 0x43, 0x43, 0x48, 0x4B, 0x0A]
    /// `89 'D' 'S' 'C' 'E' 'N' 'D' 0A`: starts the footer block.
    public static let footerMagic: [UInt8] = [0x89, 0x44, 0x53, 0x43, 0x45, 0x4E, 0x44, 0x0A]
    /// `89 'D' 'S' 'C' 'T' 'R' 'L' 0A`: starts the trailer (last 32 bytes).
    public static let trailerMagic: [UInt8] = [0x89, 0x44, 0x53, 0x43, 0x54, 0x52, 0x4C, 0x0A]

    /// The magics as little-endian 64-bit words, for fast comparison.
    public static let fileMagicWord = word(fileMagic)
    public static let chunkMagicWord = word(chunkMagic)
    public static let footerMagicWord = word(footerMagic)
    public static let trailerMagicWord = word(trailerMagic)

    // File header (64 bytes).
    public static let fileHeaderSize = 64
    public static let fhMagic = 0            // 8 bytes
    public static let fhVersion = 8          // u16 format version
    public static let fhHeaderSize = 10      // u16 size of this fixed header (64)
    public static let fhABIVersion = 12      // u32 record ABI version (DSC_ABI_VERSION)
    public static let fhRecordSize = 16      // u32 record size (96)
    public static let fhFlags = 20           // u32, 0 (reserved)
    public static let fhMetadataLength = 24  // u32 length of the metadata JSON
    public static let fhMetadataCRC = 28     // u32 CRC-32C of the metadata JSON
    public static let fhCreatedRealtime = 32 // u64 CLOCK_REALTIME ns when the file was created
    // 40..<60 reserved, 0
    public static let fhHeaderCRC = 60       // u32 CRC-32C of bytes 0..<60

    // Chunk header (48 bytes), followed by the payload.
    public static let chunkHeaderSize = 48
    public static let chMagic = 0            // 8 bytes
    public static let chSequence = 8         // u64, 0 for the first chunk, +1 per chunk
    public static let chRecordCount = 16     // u32
    public static let chPayloadLength = 20   // u32 = recordCount × recordSize
    public static let chMinTimestamp = 24    // u64 smallest ts_ns in the chunk
    public static let chMaxTimestamp = 32    // u64 largest ts_ns in the chunk
    public static let chPayloadCRC = 40      // u32 CRC-32C of the payload
    public static let chHeaderCRC = 44       // u32 CRC-32C of bytes 0..<44

    // Footer block header (16 bytes), followed by the footer JSON.
    public static let footerHeaderSize = 16
    public static let ftMagic = 0            // 8 bytes
    public static let ftLength = 8           // u32 length of the footer JSON
    public static let ftCRC = 12             // u32 CRC-32C of the footer JSON

    // Trailer (32 bytes): the last 32 bytes of a finished file.
    public static let trailerSize = 32
    public static let trMagic = 0            // 8 bytes
    public static let trFooterOffset = 8     // u64 file offset of the footer block
    public static let trChunkCount = 16      // u64 chunks written
    public static let trFlags = 24           // u32, 0 (reserved)
    public static let trCRC = 28             // u32 CRC-32C of bytes 0..<28

    /// Largest metadata or footer JSON a reader accepts (16 MiB).
    public static let maxJSONLength = 16 << 20
    /// Largest chunk payload a reader accepts (64 MiB); writers use far less.
    public static let maxPayloadLength = 64 << 20
    /// Records per chunk the writer uses unless told otherwise.
    public static let defaultRecordsPerChunk = 4096

    /// Rounds `n` up to a multiple of 8.
    @inline(__always) public static func padded(_ n: Int) -> Int { (n + 7) & ~7 }

    static func word(_ bytes: [UInt8]) -> UInt64 {
        var w: UInt64 = 0
        for (i, b) in bytes.enumerated() { w |= UInt64(b) << (8 * UInt64(i)) }
        return w
    }
}
