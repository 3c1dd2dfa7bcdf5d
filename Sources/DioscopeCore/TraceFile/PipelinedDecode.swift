#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Whether trace files are decoded on a second thread (``TraceReader/forEachEventPipelined(_:)``)
/// when analyzed: yes when more than one CPU is available, unless `DIOSCOPE_DECODE_THREADS=1`
/// asks for the sequential path (comparisons, tests); `DIOSCOPE_DECODE_THREADS=2` forces it on.
public enum DecodePipeline {
    public static let isEnabledByDefault: Bool = {
        if let v = ProcessInfo.processInfo.environment["DIOSCOPE_DECODE_THREADS"], let n = Int(v) { return n > 1 }
        return ProcessInfo.processInfo.activeProcessorCount > 1
    }()

    /// Events per batch, and batches in all. Three batches of 16 384 events (5.1 MB) rather than
    /// four of 4 096 (1.7 MB): the decoding thread alone, handing its batches to a consumer that
    /// only counts (`dioscope-bench scan`, on session 30's 26.4 M-event recording), ran at 20.2
    /// and 20.3 M events/s against 16.6-18.5 M, level with decoding and ordering on one thread
    /// (21.1-21.3 M); smaller batches were slower still (512 events: 11.2-11.5 M).
    public static let batchSize = 16_384
    public static let buffers = 3
}

extension TraceReader {
    /// ``forEachEvent(_:)`` with the reading, checksum verification and
    /// decoding done on a background thread: the calling thread only runs
    /// `body`. Same events in the same order, same summary, same errors:
    /// the background thread runs `forEachEvent` itself, collecting events
    /// into batches of `batchSize`, and its summary or error is returned or
    /// thrown here after every event before it was delivered. If `body`
    /// throws, the background thread stops at its next batch and is joined
    /// before the error is rethrown. If no thread can be started, this is
    /// plain `forEachEvent`.
    ///
    /// `buffers` batches exist in all: one being filled, one being read,
    /// the rest queued. The defaults are ``DecodePipeline/batchSize`` and
    /// ``DecodePipeline/buffers``.
    public mutating func forEachEventPipelined(batchSize: Int = DecodePipeline.batchSize,
                                               buffers: Int = DecodePipeline.buffers,
                                               _ body: (Event) throws -> Void) throws -> SourceSummary {
        try forEachEventPipelined(batchSize: batchSize, buffers: buffers, timeOrder: nil, body).summary
    }

    /// ``forEachEventPipelined(batchSize:buffers:_:)`` with the events, when `timeOrder` is given,
    /// restored to time order on the decoding thread by
    /// ``EventSource/forEachEventInTimeOrder(windowNs:maxEvents:_:)`` itself: the same events in
    /// the same order as on the calling thread, and the same count of late ones (0 without
    /// `timeOrder`).
    mutating func forEachEventPipelined(batchSize: Int = DecodePipeline.batchSize,
                                        buffers: Int = DecodePipeline.buffers,
                                        timeOrder: (windowNs: UInt64, maxEvents: Int)?,
                                        _ body: (Event) throws -> Void) throws
        -> (summary: SourceSummary, lateEvents: UInt64)
    {
        let pipe = EventPipe(reader: self, batchSize: batchSize, buffers: buffers, timeOrder: timeOrder)
        guard let thread = pipe.start() else {
            guard let timeOrder else { return (try forEachEvent(body), 0) }
            return try forEachEventInTimeOrder(windowNs: timeOrder.windowNs, maxEvents: timeOrder.maxEvents, body)
        }
        var batch: EventBatch?
        do {
            while let b = pipe.next(returning: batch) {
                try b.forEach(body)
                batch = b
            }
        } catch {
            pipe.cancel()
            pthread_join(thread, nil)
            throw error
        }
        pthread_join(thread, nil)
        self = pipe.reader  // the scan updates the footer
        return (try pipe.outcome(), pipe.lateEvents)
    }
}

/// Hands batches of decoded events from one producer thread (the scan) to
/// one consumer (the caller), in order, through a bounded queue.
///
/// Shape: a fixed set of `buffers` batches (``EventBatch``), each allocated
/// once with room for `batchSize` events, circulates between two lists: `free`
/// (empty, for the producer to fill) and `full` (FIFO, for the consumer). One
/// batch is always held by the producer while it fills it and one by the
/// consumer while it reads it; batches are passed by reference, so no event is
/// allocated or copied twice: the producer writes each one into its batch
/// straight from the reorder buffer, and the consumer reads it in place. A single lock and condition guard both lists
/// and the end state; each side waits only when its list is empty, which
/// happens once per batch at most, so the lock costs nothing next to the
/// thousands of events per batch. One condition suffices because exactly one
/// thread waits at a time on each side and every change is broadcast.
///
/// `@unchecked Sendable`: every stored property is either immutable, guarded
/// by `condition`, or `reader`, which only the producer touches between
/// `start()` and the consumer's `pthread_join` (create and join order it).
final class EventPipe: @unchecked Sendable {
    private struct Cancelled: Error {}

    private let condition = NSCondition()
    private let batchSize: Int
    private var free: [EventBatch]
    private var full: [EventBatch] = []
    /// The scan's result, set when the producer is done.
    private var result: Result<SourceSummary, any Error>?
    /// Set by the consumer when its body threw: the producer stops.
    private var cancelled = false
    fileprivate var reader: TraceReader
    /// The reordering window the producer restores time order in, if any.
    private let timeOrder: (windowNs: UInt64, maxEvents: Int)?
    /// Events the reordering passed on late (set by the producer, like `reader`).
    fileprivate var lateEvents: UInt64 = 0
    /// The batch the producer is filling (only the producer touches it). A stored property with
    /// no run-time exclusivity check: as a local variable captured by the per-event closure it
    /// was boxed, and every append paid a dynamic access check (6 % of the decoding thread).
    /// Nil only once the producer is done or stopped.
    @exclusivity(unchecked) private var filling: EventBatch?

    fileprivate init(reader: TraceReader, batchSize: Int, buffers: Int,
                     timeOrder: (windowNs: UInt64, maxEvents: Int)?) {
        self.reader = reader
        self.timeOrder = timeOrder
        self.batchSize = Swift.max(1, batchSize)
        let n = Swift.max(2, buffers)
        free = (0..<n).map { _ in EventBatch(capacity: batchSize) }
        full.reserveCapacity(n)
    }

    /// Starts the producer thread (nil if that fails); the caller must join it.
    fileprivate func start() -> pthread_t? {
        startJoinableThread { self.produce() }
    }

    // MARK: Producer

    private func produce() {
        filling = takeFree()
        let result = Result { () throws -> SourceSummary in
            guard let timeOrder else {
                return try reader.forEachEvent { e in
                    guard let batch = filling else { throw Cancelled() }
                    batch.append(e)
                    if batch.isFull { try handOver() }
                }
            }
            // ``EventSource/forEachEventInTimeOrder(windowNs:maxEvents:_:)``'s loop, with each
            // event due moved from the reorder buffer into the batch in one copy.
            let reorder = ReorderBuffer(windowNs: timeOrder.windowNs, maxEvents: timeOrder.maxEvents)
            let summary = try reader.forEachEvent { e in
                reorder.push(e)
                while let batch = filling, reorder.popReady(into: batch) {
                    if batch.isFull { try handOver() }
                }
                if filling == nil { throw Cancelled() }
            }
            while let batch = filling, !reorder.isEmpty {
                reorder.popOldest(into: batch)
                if batch.isFull { try handOver() }
            }
            // (no batch to fill only once the consumer stopped)
            if !reorder.isEmpty { throw Cancelled() }
            lateEvents = reorder.lateEvents
            return summary
        }
        condition.lock()
        if let batch = filling, !batch.isEmpty { full.append(batch) }
        filling = nil
        self.result = result
        condition.broadcast()
        condition.unlock()
    }

    private func takeFree() -> EventBatch? {
        condition.lock()
        defer { condition.unlock() }
        while free.isEmpty && !cancelled { condition.wait() }
        return cancelled ? nil : free.popLast()
    }

    /// Queues the full batch being filled and replaces it with an empty one (waiting for the
    /// consumer to return one); throws when the consumer has stopped.
    private func handOver() throws {
        condition.lock()
        defer { condition.unlock() }
        if cancelled { throw Cancelled() }
        if let batch = filling { full.append(batch) }
        filling = nil
        condition.broadcast()
        while free.isEmpty && !cancelled { condition.wait() }
        if cancelled { throw Cancelled() }
        filling = free.removeLast()
    }

    // MARK: Consumer

    /// Returns `batch` (the one just read, if any) for reuse and gives the next full one; nil
    /// when the producer is done and nothing is left.
    fileprivate func next(returning batch: EventBatch?) -> EventBatch? {
        batch?.removeAll()
        condition.lock()
        defer { condition.unlock() }
        if let batch {
            free.append(batch)
            condition.broadcast()
        }
        while full.isEmpty && result == nil { condition.wait() }
        if full.isEmpty { return nil }
        return full.removeFirst()
    }

    /// Stops the producer at its next batch (the consumer's body threw).
    fileprivate func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        condition.unlock()
    }

    /// The scan's summary or error; call after the producer was joined.
    fileprivate func outcome() throws -> SourceSummary {
        condition.lock()
        defer { condition.unlock() }
        return try result!.get()
    }
}
