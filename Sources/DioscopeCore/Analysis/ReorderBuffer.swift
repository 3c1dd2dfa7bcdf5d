/// Restores timestamp order within a bounded window.
///
/// Per-CPU buffers deliver events slightly out of order, but nearly all
/// arrive in order. Events are kept in one array sorted by timestamp
/// (from `head` on): an in-order event is appended (O(1), the common case),
/// a late one is inserted after every event with a timestamp not above its
/// own (binary search; ties keep arrival order, which the FIFO joins rely
/// on). Events are released from the front once the newest timestamp seen
/// is more than `windowNs` ahead, or when more than `maxEvents` are held.
/// The array's storage is reused (compacted now and then): no allocation per
/// event once it has grown.
struct ReorderBuffer {
    private var buf: [Event] = []
    private var head = 0
    private var newest: UInt64 = 0
    let windowNs: UInt64
    let maxEvents: Int
    /// Events that arrived after a later event had already been released.
    private(set) var lateEvents: UInt64 = 0
    private var lastReleased: UInt64 = 0

    init(windowNs: UInt64, maxEvents: Int) {
        self.windowNs = windowNs
        self.maxEvents = max(1, maxEvents)
    }

    var isEmpty: Bool { head == buf.count }
    /// Events held, and the storage's length (diagnostics).
    var held: Int { buf.count - head }
    var storage: Int { buf.count }

    /// Adds `e`; then take what became ready with ``popReady()`` until it returns nil.
    /// (Two calls rather than a release closure: the closure's context was retained and released
    /// per event.)
    mutating func push(_ e: Event) {
        let ts = e.timestamp
        if head == buf.count || buf[buf.count - 1].timestamp <= ts {
            buf.append(e)
        } else {
            // upper bound of ts in buf[head...]
            var lo = head, hi = buf.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if buf[mid].timestamp <= ts { lo = mid + 1 } else { hi = mid }
            }
            buf.insert(e, at: lo)
        }
        // A LOST record is stamped by the consumer when it reads the drop counters, which can be
        // seconds ahead of the records still in the ring: it waits for them instead of pushing
        // them out unsorted.
        if ts > newest, e.type != .lost { newest = ts }
    }

    /// The next event to release after a ``push(_:)``: the oldest, once the newest timestamp seen
    /// is more than the window ahead of it or more than `maxEvents` are held; nil when none is due.
    mutating func popReady() -> Event? {
        if head < buf.count, buf.count - head > maxEvents || buf[head].timestamp &+ windowNs < newest {
            return take()
        }
        if head >= 4096 && head * 2 >= buf.count {
            buf.removeFirst(head)
            head = 0
        }
        return nil
    }

    mutating func push(_ e: Event, _ release: (Event) -> Void) {
        push(e)
        while let r = popReady() { release(r) }
    }

    /// Releases every held event older than `limit` (live: time passes even
    /// when no event arrives).
    mutating func release(before limit: UInt64, _ release: (Event) -> Void) {
        while head < buf.count, buf[head].timestamp < limit { emit(release) }
    }

    /// Releases every held event (if `release` throws, the events after it stay held).
    mutating func drain(_ release: (Event) throws -> Void) rethrows {
        while head < buf.count { try release(take()) }
        buf.removeAll(keepingCapacity: true)
        head = 0
    }

    @inline(__always)
    private mutating func emit(_ release: (Event) -> Void) { release(take()) }

    @inline(__always)
    private mutating func take() -> Event {
        let e = buf[head]
        head += 1
        if e.timestamp < lastReleased { lateEvents += 1 } else { lastReleased = e.timestamp }
        return e
    }
}
