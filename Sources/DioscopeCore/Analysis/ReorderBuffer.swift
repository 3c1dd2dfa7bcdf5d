/// Restores timestamp order within a bounded window.
///
/// Per-CPU buffers deliver events slightly out of order, but nearly all
/// arrive in order. Events are kept sorted by timestamp in a ring: an
/// in-order event is stored at the back (O(1), the common case), a late one
/// is inserted after every event with a timestamp not above its own (binary
/// search, then the events after it move back by one; ties keep arrival
/// order, which the FIFO joins rely on). Events are released from the front
/// once the newest timestamp seen is more than `windowNs` ahead, or when
/// more than `maxEvents` are held.
///
/// A class over raw storage rather than a struct over `[Event]`: every
/// event passes through here, and the array's uniqueness check per append,
/// its bounds checks and the periodic compaction that moved the held events
/// to the front were a tenth of the live consumer's CPU. The ring grows by
/// doubling and never moves events otherwise. `Event` is plain data (no
/// references), so slots are copied bitwise and need no deinitialization.
final class ReorderBuffer {
    /// The ring: `count` events from physical slot `start`, wrapping at `capacity` (a power of 2).
    @exclusivity(unchecked) private var slots: UnsafeMutablePointer<Event>
    @exclusivity(unchecked) private var capacity: Int
    @exclusivity(unchecked) private var start = 0
    @exclusivity(unchecked) private var count = 0
    @exclusivity(unchecked) private var newest: UInt64 = 0
    let windowNs: UInt64
    let maxEvents: Int
    /// Events that arrived after a later event had already been released.
    @exclusivity(unchecked) private(set) var lateEvents: UInt64 = 0
    @exclusivity(unchecked) private var lastReleased: UInt64 = 0

    init(windowNs: UInt64, maxEvents: Int, initialCapacity: Int = 1024) {
        precondition(_isPOD(Event.self), "ReorderBuffer copies events bitwise")
        self.windowNs = windowNs
        self.maxEvents = max(1, maxEvents)
        var c = 1
        while c < max(2, initialCapacity) { c <<= 1 }
        capacity = c
        slots = .allocate(capacity: c)
    }

    deinit { slots.deallocate() }

    var isEmpty: Bool { count == 0 }
    /// Events held, and the storage's length in events (diagnostics).
    var held: Int { count }
    var storage: Int { capacity }

    /// The event at logical position `i` (0: the oldest).
    @inline(__always)
    private func slot(_ i: Int) -> UnsafeMutablePointer<Event> { slots + ((start + i) & (capacity - 1)) }

    /// Adds `e`; then take what became ready with ``popReady()`` until it returns nil.
    /// (Two calls rather than a release closure: the closure's context was retained and released
    /// per event.)
    func push(_ e: Event) {
        if count == capacity { grow() }
        let ts = e.timestamp
        if count == 0 || slot(count - 1).pointee.timestamp <= ts {
            slot(count).initialize(to: e)
        } else {
            // Upper bound of ts among the held events. An event out of order is nearly always a
            // few places back (an io_submit's enter, written with its exit): walk back from the
            // end first, and search the rest by halves only past a few steps.
            var hi = count - 1                  // slot(hi) is later than ts
            var steps = 0
            while hi > 0, steps < 8, slot(hi - 1).pointee.timestamp > ts {
                hi -= 1
                steps += 1
            }
            var lo = hi
            if steps == 8 {
                lo = 0
                while lo < hi {
                    let mid = (lo + hi) / 2
                    if slot(mid).pointee.timestamp <= ts { lo = mid + 1 } else { hi = mid }
                }
            }
            shiftUp(from: lo)
            slot(lo).initialize(to: e)
        }
        count += 1
        // A LOST record is stamped by the consumer when it reads the drop counters, which can be
        // seconds ahead of the records still in the ring: it waits for them instead of pushing
        // them out unsorted.
        // (The payload's case, not `e.type`: that getter was called out of line for every event.)
        if ts > newest {
            if case .lost = e.payload {} else { newest = ts }
        }
    }

    /// The next event to release after a ``push(_:)``: the oldest, once the newest timestamp seen
    /// is more than the window ahead of it or more than `maxEvents` are held; nil when none is due.
    @inline(__always)
    func popReady() -> Event? {
        oldestIsDue ? take() : nil
    }

    /// ``popReady()`` into `batch` (which must have room): the event due, if any, is copied once,
    /// from its slot here into the batch's. True when one was.
    @inline(__always)
    func popReady(into batch: EventBatch) -> Bool {
        guard oldestIsDue else { return false }
        popOldest(into: batch)
        return true
    }

    /// Moves the oldest held event (one must be held) into `batch` (which must have room).
    @inline(__always)
    func popOldest(into batch: EventBatch) {
        let ts = slot(0).pointee.timestamp
        batch.nextSlot.initialize(to: slot(0).pointee)
        batch.didFill()
        dropOldest(released: ts)
    }

    /// Whether the oldest held event is due: the newest timestamp seen is more than the window
    /// ahead of it, or more than `maxEvents` are held.
    @inline(__always)
    private var oldestIsDue: Bool {
        count > 0 && (count > maxEvents || slot(0).pointee.timestamp &+ windowNs < newest)
    }

    /// Releases every held event older than `limit` (live: time passes even
    /// when no event arrives).
    func release(before limit: UInt64, _ release: (Event) -> Void) {
        while count > 0, slot(0).pointee.timestamp < limit { release(take()) }
    }

    /// Releases every held event (if `release` throws, the events after it stay held).
    func drain(_ release: (Event) throws -> Void) rethrows {
        while count > 0 { try release(take()) }
        start = 0
    }

    @inline(__always)
    private func take() -> Event {
        let e = slot(0).pointee
        dropOldest(released: e.timestamp)
        return e
    }

    /// Forgets the oldest held event, released with timestamp `ts` (counted late if an event
    /// after it in time was released before it).
    @inline(__always)
    private func dropOldest(released ts: UInt64) {
        start = (start + 1) & (capacity - 1)
        count -= 1
        if ts < lastReleased { lateEvents += 1 } else { lastReleased = ts }
    }

    /// Moves the held events at logical positions `lo..<count` one place up (room must exist),
    /// in runs that do not cross the ring's end, each one `memmove`. Since record ABI 3 every
    /// io_submit's enter arrives after the events of its call (it is written with the exit) and
    /// is inserted a few places back; moving those events one at a time, each with its index
    /// masked, tripled this function's share of the live consumer's CPU (4 → 12 %).
    @inline(__always)
    private func shiftUp(from lo: Int) {
        let mask = capacity - 1
        var hi = count
        while hi > lo {
            let src = (start + hi - 1) & mask   // last element of the run to move
            let dst = (start + hi) & mask       // where it goes
            let n = Swift.min(hi - lo, src + 1, dst + 1)
            (slots + dst - n + 1).moveInitialize(from: slots + src - n + 1, count: n)
            hi -= n
        }
    }

    /// Doubles the ring, the held events moved to the front in order.
    private func grow() {
        let bigger = UnsafeMutablePointer<Event>.allocate(capacity: capacity * 2)
        for i in 0..<count { (bigger + i).initialize(to: slot(i).pointee) }
        slots.deallocate()
        slots = bigger
        capacity *= 2
        start = 0
    }
}
