/// Where and what one intact chunk of a trace file is.
public struct TraceChunkInfo: Sendable, Equatable {
    /// Chunk sequence number (0 for the first chunk written).
    public var sequence: UInt64
    /// File offset of the chunk header.
    public var offset: Int
    public var recordCount: Int
    /// Smallest and largest `ts_ns` of the chunk's records.
    public var minTimestamp: UInt64
    public var maxTimestamp: UInt64

    /// File offset of the chunk's first record.
    public var payloadOffset: Int { offset + TraceFileFormat.chunkHeaderSize }

    public init(sequence: UInt64, offset: Int, recordCount: Int, minTimestamp: UInt64, maxTimestamp: UInt64) {
        self.sequence = sequence
        self.offset = offset
        self.recordCount = recordCount
        self.minTimestamp = minTimestamp
        self.maxTimestamp = maxTimestamp
    }
}
