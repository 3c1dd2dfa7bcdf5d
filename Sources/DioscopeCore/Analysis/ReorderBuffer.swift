/// Restores timestamp order within a bounded window.
///
/// Per-CPU buffers deliver events slightly out of order. Events are held in
/// a binary min-heap keyed by (timestamp, arrival sequence) — the sequence
/// keeps ties in arrival order, which the FIFO joins rely on — and released
/// once the newest timestamp seen is more than `windowNs` ahead, or when
/// more than `maxEvents` are held. The heap's storage is reused: no
/// allocation per event once it has grown.
struct ReorderBuffer {
    private struct Item {
        var ts: UInt64
        var seq: UInt64
        var event: Event
        @inline(__always) func before(_ o: Item) -> Bool { ts < o.ts || (ts == o.ts && seq < o.seq) }
    }

    private var heap: [Item] = []
    private var seq: UInt64 = 0
    private var newest: UInt64 = 0
    let windowNs: UInt64
    let maxEvents: Int
    /// Events released earlier than an event already released (beyond the window).
    private(set) var lateEvents: UInt64 = 0
    private var lastReleased: UInt64 = 0

    init(windowNs: UInt64, maxEvents: Int) {
        self.windowNs = windowNs
        self.maxEvents = max(1, maxEvents)
    }

    var isEmpty: Bool { heap.isEmpty }

    mutating func push(_ e: Event, _ release: (Event) -> Void) {
        if e.timestamp > newest { newest = e.timestamp }
        heap.append(Item(ts: e.timestamp, seq: seq, event: e))
        seq &+= 1
        siftUp(heap.count - 1)
        while let top = heap.first, heap.count > maxEvents || top.ts &+ windowNs < newest {
            release(pop())
        }
    }

    mutating func drain(_ release: (Event) -> Void) {
        while !heap.isEmpty { release(pop()) }
    }

    private mutating func pop() -> Event {
        let top = heap[0]
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            siftDown(0)
        }
        if top.ts < lastReleased { lateEvents += 1 } else { lastReleased = top.ts }
        return top.event
    }

    private mutating func siftUp(_ i0: Int) {
        var i = i0
        while i > 0 {
            let p = (i - 1) / 2
            if heap[i].before(heap[p]) { heap.swapAt(i, p); i = p } else { break }
        }
    }

    private mutating func siftDown(_ i0: Int) {
        var i = i0
        let n = heap.count
        while true {
            let l = 2 * i + 1, r = l + 1
            var m = i
            if l < n && heap[l].before(heap[m]) { m = l }
            if r < n && heap[r].before(heap[m]) { m = r }
            if m == i { return }
            heap.swapAt(i, m)
            i = m
        }
    }
}
