/// I/Os in the order they were listed, where taking one out leaves a hole: a process's libaio
/// I/Os whose completion was posted to the ring and not yet reaped (``AnalysisEngine``'s
/// `aioPosted`, in posting order; an I/O is listed once per posting, so a completion seen twice
/// lists it twice: ``LiveIOStorage/postedListings``), a process's io_uring I/Os completed in the
/// kernel and waiting for their CQE (`uringWaiting`, in order of completion), and the unsettled
/// I/Os with a mapping that a bio without identity may join (`mappedInflight`, in order of
/// mapping).
///
/// As arrays, both lists took an I/O out with `remove(at:)`, which moved every I/O after it.
/// I/Os are reaped, and settle, in about the order they were listed, so that was nearly the
/// whole list: at fio iodepth 1 024 on one file, 840 instructions per I/O for the reaps (9 % of
/// the analysis) and as much again for the mapped list in a step-by-step recording (callgrind,
/// session 25). Here a removal leaves a hole instead. Holes at the front are skipped by moving
/// ``head``; the list is compacted once its holes outnumber its I/Os, so a removal costs
/// amortized constant time besides the look for the I/O, which starts at the oldest.
///
/// Iteration and every answer are in the order of listing, as the arrays' were.
struct OrderedIOList: Sequence {
    /// The listings in posting order; nil where one was taken out (a hole). Places before
    /// `head` are all holes.
    private var places: [LiveIO?] = []
    private var head = 0
    /// Listings (places minus holes).
    private(set) var count = 0

    init() {}

    var isEmpty: Bool { count == 0 }

    /// Places held, holes included (for tests).
    var storage: Int { places.count }

    /// Lists `io` as the latest posted.
    @inline(__always)
    mutating func append(_ io: LiveIO) {
        places.append(io)
        count += 1
    }

    /// Lists `io`, posted at `at`, after every listing posted at or before `at` (given each
    /// listing's posting time: `postedAt`).
    mutating func insert(_ io: LiveIO, at: UInt64, postedAt: (LiveIO) -> UInt64) {
        var i = places.endIndex
        while i > head, places[i - 1].map({ postedAt($0) > at }) ?? true { i -= 1 }
        // Holes just before the place were skipped: the new listing goes after the last I/O that
        // stays before it, and the holes stay before it too (`head` never passes a listing).
        places.insert(io, at: i)
        count += 1
    }

    /// Takes the oldest listing of `io` out; whether there was one.
    @inline(__always)
    mutating func removeFirst(of io: LiveIO) -> Bool {
        var i = head
        while i < places.count {
            if places[i] == io {
                takeOut(i)
                return true
            }
            i += 1
        }
        return false
    }

    /// Takes every listing of `io` out; how many there were.
    mutating func removeAll(of io: LiveIO) -> Int {
        var n = 0
        for i in head..<places.count where places[i] == io {
            places[i] = nil
            n += 1
        }
        count -= n
        tidy()
        return n
    }

    /// Takes out, oldest first, up to `n` listings that `matches`, and returns them in order.
    mutating func takeOldest(_ n: Int, where matches: (LiveIO) -> Bool) -> [LiveIO] {
        var taken: [LiveIO] = []
        var i = head
        while i < places.count && taken.count < n {
            if let io = places[i], matches(io) {
                taken.append(io)
                places[i] = nil
            }
            i += 1
        }
        count -= taken.count
        tidy()
        return taken
    }

    /// Takes every listing out.
    mutating func removeAll() {
        places.removeAll()
        head = 0
        count = 0
    }

    /// Takes out every listing that `matches`; returns them in order.
    mutating func removeAll(where matches: (LiveIO) -> Bool) -> [LiveIO] {
        var taken: [LiveIO] = []
        for i in head..<places.count {
            if let io = places[i], matches(io) {
                taken.append(io)
                places[i] = nil
            }
        }
        count -= taken.count
        tidy()
        return taken
    }

    @inline(__always)
    private mutating func takeOut(_ i: Int) {
        places[i] = nil
        count -= 1
        tidy()
    }

    /// Moves `head` past the holes at the front, and compacts once the holes outnumber the
    /// listings (each compaction moves at most as many listings as removals made holes since
    /// the last one).
    @inline(__always)
    private mutating func tidy() {
        while head < places.count && places[head] == nil { head += 1 }
        if head == places.count {
            places.removeAll(keepingCapacity: true)
            head = 0
        } else if places.count - count > count && places.count >= 32 {
            compact()
        }
    }

    private mutating func compact() {
        var kept = 0
        for i in head..<places.count {
            if let io = places[i] {
                places[kept] = io
                kept += 1
            }
        }
        places.removeSubrange(kept...)
        head = 0
    }

    /// The listings in posting order.
    func makeIterator() -> Iterator {
        Iterator(places: places, i: head)
    }

    struct Iterator: IteratorProtocol {
        fileprivate let places: [LiveIO?]
        fileprivate var i: Int

        mutating func next() -> LiveIO? {
            while i < places.count {
                defer { i += 1 }
                if let io = places[i] { return io }
            }
            return nil
        }
    }
}
