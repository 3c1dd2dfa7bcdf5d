import DioscopeABI
import Glibc

private let EAGAIN_VALUE: Int32 = EAGAIN

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
    /// Records one consume call may take before it yields (see
    /// ``consumeBudgetExhausted``); reset by the tracer before each call.
    var budget = Int.max

    /// The ring-buffer callback's return value that stops libbpf's consume
    /// loop early. Under sustained load `ring_buffer__consume` keeps going as
    /// long as new records arrive, so without a budget the consumer never
    /// gets back to its housekeeping (drop checks, stop signals, status).
    /// libbpf advances the consumer position before calling back, so the
    /// record that returns this is already taken.
    static let consumeBudgetExhausted: Int32 = -EAGAIN_VALUE

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
        budget -= 1
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
