import DioscopeABI

/// A fixed buffer of raw 96-byte records filled by the ring buffer
/// callback and handed to the sink when full or when a poll ends. No
/// allocation per record: records are copied once, from the ring into
/// this buffer.
final class RecordBatch {
    static let recordSize = Int(DSC_RECORD_SIZE)
    let capacity: Int
    private let storage: UnsafeMutableRawPointer
    private(set) var count = 0
    /// Records of unexpected size seen (should stay zero).
    private(set) var malformed: UInt64 = 0
    /// Records passed through, total.
    private(set) var delivered: UInt64 = 0
    var sink: ((UnsafeRawBufferPointer) -> Void)?

    init(capacity: Int) {
        self.capacity = capacity
        storage = UnsafeMutableRawPointer.allocate(byteCount: capacity * Self.recordSize, alignment: 16)
    }

    deinit { storage.deallocate() }

    /// Copies one record in; flushes first when full.
    @inline(__always)
    func add(_ record: UnsafeRawPointer, size: Int) {
        guard size == Self.recordSize else {
            malformed += 1
            return
        }
        if count == capacity { flush() }
        (storage + count * Self.recordSize).copyMemory(from: record, byteCount: Self.recordSize)
        count += 1
    }

    /// Appends a record built by user space (e.g. DSC_EV_LOST).
    func add(event: inout dsc_event) {
        withUnsafeBytes(of: &event) { add($0.baseAddress!, size: $0.count) }
    }

    /// Hands buffered records to the sink.
    func flush() {
        guard count > 0 else { return }
        let n = count
        count = 0
        delivered += UInt64(n)
        sink?(UnsafeRawBufferPointer(start: storage, count: n * Self.recordSize))
    }
}
