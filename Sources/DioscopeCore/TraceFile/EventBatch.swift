/// A run of decoded events in raw storage of fixed capacity: what ``EventPipe`` hands from its
/// decoding thread to the analyzing one.
///
/// Raw storage rather than `[Event]`: each append to an array paid a uniqueness and a capacity
/// check, and reading one back copied each event out of the array before the consumer's body
/// received it. Here the producer writes each event once, straight from the reorder buffer
/// (``ReorderBuffer/popReady(into:)``), and the consumer passes each one to its body in place.
/// `Event` is plain data (no references): slots are copied bitwise and need no deinitialization.
final class EventBatch {
    let capacity: Int
    private let base: UnsafeMutablePointer<Event>
    /// Events held, from the start of the storage.
    private(set) var count = 0

    init(capacity: Int) {
        precondition(_isPOD(Event.self), "EventBatch copies events bitwise")
        self.capacity = Swift.max(1, capacity)
        base = .allocate(capacity: self.capacity)
    }

    deinit { base.deallocate() }

    var isFull: Bool { count == capacity }
    var isEmpty: Bool { count == 0 }

    /// The place the next event goes; ``didFill()`` then counts it (room must exist).
    @inline(__always)
    var nextSlot: UnsafeMutablePointer<Event> {
        assert(count < capacity, "a full batch")
        return base + count
    }

    @inline(__always)
    func didFill() { count += 1 }

    @inline(__always)
    func append(_ e: Event) {
        nextSlot.initialize(to: e)
        didFill()
    }

    /// Calls `body` with each event in order, read in place.
    @inline(__always)
    func forEach(_ body: (Event) throws -> Void) rethrows {
        for i in 0..<count { try body(base[i]) }
    }

    /// Empties the batch for reuse (nothing to deinitialize).
    func removeAll() { count = 0 }
}
