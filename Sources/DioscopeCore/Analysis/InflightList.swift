/// A file's unsettled I/Os in order of begin (``InodeState/inflight``), with what the
/// completion-side joins ask of them: the oldest write overlapping a range.
///
/// As two arrays (the I/Os, and beside them each one's write range), both costs grew with the
/// number of I/Os in flight on the file: taking a settled I/O out moved everything after it (the
/// oldest goes first, so nearly the whole list), and every XFS end-io, size update and conversion
/// scanned every range. At fio iodepth 1 024 on one file the two were a third of the analysis
/// (perf: the scan 21 %, the moves 12 %) and an I/O cost 2.8 times what it costs at iodepth 16.
///
/// So:
/// - **Removal leaves a hole** (the I/O's place is kept in its slot, ``LiveIOStorage/inflightPosition``),
///   and the holes are compacted away once they outnumber the I/Os: amortized constant time.
/// - **A long list indexes its writes by region** (``RegionIndex``: 1 MiB of the file), built
///   when the list passes ``indexAbove`` I/Os. The oldest write overlapping a range is then
///   found among the writes of the regions the range touches. A short list is scanned as
///   before: at the queue depths most runs have, a scan of a few packed ranges is cheaper than
///   keeping an index.
///
/// The order of begin is kept exactly, so every answer is the one the scan gives.
struct InflightList: Sequence {
    /// The I/Os in order of begin; nil where one was taken out (a hole).
    private var ios: [LiveIO?] = []
    /// Each place's write range: the I/O's file range if it is a write, else (a read, or a hole)
    /// a range that overlaps nothing. Packed apart from the I/Os, so that a scan reads only these.
    private var ranges: [FileRange] = []
    /// I/Os in the list (places minus holes).
    private(set) var count = 0
    /// The writes by region, while the list is long.
    private var index: RegionIndex?
    /// Scratch for ``compact()``: each old place's new one.
    private var renumbered: [UInt32] = []

    /// The list indexes its writes once it holds more I/Os than this, and drops the index when
    /// it has been compacted below ``indexBelow``.
    static let indexAbove = 64
    static let indexBelow = 32

    static let noRange = FileRange(start: .max, end: .min)

    var isEmpty: Bool { count == 0 }

    /// The range a list holds for `io`.
    @inline(__always)
    static func writeRange(_ io: LiveIO) -> FileRange {
        io.t.op == .write ? io.range : noRange
    }

    /// Appends a new I/O (the latest to begin).
    mutating func append(_ io: LiveIO) {
        let place = ios.count
        io.s.pointee.inflightPosition = UInt32(place)
        ios.append(io)
        let r = Self.writeRange(io)
        ranges.append(r)
        count += 1
        if index != nil {
            if r != Self.noRange { index!.insert(place, r) }
            if index!.isCrowded { buildIndex() }
        } else if count > Self.indexAbove {
            buildIndex()
        }
    }

    /// The place of `io` in the list, if it is there.
    @inline(__always)
    private func place(of io: LiveIO) -> Int? {
        let i = Int(io.s.pointee.inflightPosition)
        return i < ios.count && ios[i] == io ? i : nil
    }

    /// Takes `io` out, if it is in the list.
    mutating func remove(_ io: LiveIO) {
        guard let i = place(of: io) else { return }
        if index != nil && ranges[i] != Self.noRange { index!.remove(i, ranges[i]) }
        ios[i] = nil
        ranges[i] = Self.noRange
        count -= 1
        while let last = ios.last, last == nil {
            ios.removeLast()
            ranges.removeLast()
        }
        if ios.count - count > Swift.max(16, count) { compact() }
    }

    mutating func removeAll() {
        ios.removeAll()
        ranges.removeAll()
        count = 0
        index = nil
    }

    /// `io`'s direction changed (a read whose data bio showed it to be a write): its range now
    /// counts.
    mutating func directionChanged(_ io: LiveIO) {
        guard let i = place(of: io) else { return }
        if index != nil && ranges[i] != Self.noRange { index!.remove(i, ranges[i]) }
        ranges[i] = Self.writeRange(io)
        if index != nil && ranges[i] != Self.noRange { index!.insert(i, ranges[i]) }
    }

    /// The oldest write overlapping `r` for which `pred` holds (`pred` has no side effects: the
    /// index may ask it of younger writes first).
    func oldestWrite(overlapping r: FileRange, where pred: (LiveIO) -> Bool) -> LiveIO? {
        guard let index, index.answers(r) else { return scan(r, pred) }
        return index.oldest(overlapping: r, ranges: ranges, where: { pred(ios[$0].unsafelyUnwrapped) }).map { ios[$0]! }
    }

    private func scan(_ r: FileRange, _ pred: (LiveIO) -> Bool) -> LiveIO? {
        ranges.withUnsafeBufferPointer { b in
            for i in b.indices where b[i].start < r.end && r.start < b[i].end {
                if pred(ios[i].unsafelyUnwrapped) { return ios[i] }
            }
            return nil
        }
    }

    /// The latest I/O for which `pred` holds.
    func last(where pred: (LiveIO) -> Bool) -> LiveIO? {
        for io in ios.reversed() {
            if let io, pred(io) { return io }
        }
        return nil
    }

    /// Moves the I/Os together, in order and in place, and renumbers their places (in the
    /// index too: the new places keep the old ones' order, so its chains stay sorted).
    private mutating func compact() {
        var w = 0
        let renumber = index != nil && count > Self.indexBelow
        if renumber {
            renumbered.removeAll(keepingCapacity: true)
            renumbered.reserveCapacity(ios.count)
        }
        for i in ios.indices {
            if renumber { renumbered.append(UInt32(truncatingIfNeeded: w)) }
            guard let io = ios[i] else { continue }
            io.s.pointee.inflightPosition = UInt32(w)
            ios[w] = io
            ranges[w] = ranges[i]
            w += 1
        }
        ios.removeLast(ios.count - w)
        ranges.removeLast(ranges.count - w)
        if renumber {
            index!.renumber(renumbered)
        } else {
            index = nil
        }
    }

    /// Indexes every write (again: the index's storage is kept when it has one).
    private mutating func buildIndex() {
        if index == nil {
            index = RegionIndex(writes: count)
        } else {
            index!.reset(writes: count)
        }
        for i in ranges.indices where ranges[i] != Self.noRange { index!.insert(i, ranges[i]) }
    }

    struct Iterator: IteratorProtocol {
        fileprivate let ios: [LiveIO?]
        fileprivate var i = 0
        mutating func next() -> LiveIO? {
            while i < ios.count {
                defer { i += 1 }
                if let io = ios[i] { return io }
            }
            return nil
        }
    }

    /// The I/Os in order of begin. The iterator holds the list as it was (a copy, as an array's).
    func makeIterator() -> Iterator { Iterator(ios: ios) }
    var underestimatedCount: Int { count }

    #if DEBUG
    /// Tests: whether the list keeps a region index now.
    var isIndexed: Bool { index != nil }
    /// Tests: places in the list, holes included.
    var places: Int { ios.count }
    #endif
}

/// The places of an ``InflightList``'s writes by region of the file (1 MiB), as chains through
/// one node array, each chain in ascending order (oldest first). The chains are buckets: a
/// region's writes are in the chain its number hashes to, beside those of any other region that
/// shares it, so a lookup is an array index rather than a hash-table probe (a table of regions
/// was half of the index's upkeep, callgrind), and a query checks each write's range anyway. A
/// write spanning more than ``maxSpan`` regions is kept in ``wide`` instead, which every query
/// reads.
struct RegionIndex {
    static let shift: Int64 = 20
    static let maxSpan: Int64 = 16
    /// A query touching more regions than this scans the whole list instead.
    static let maxQuerySpan: Int64 = 64

    private struct Node {
        var place: UInt32
        var next: UInt32
    }
    private struct Chain {
        var head: UInt32
        var tail: UInt32
    }
    private static let end = UInt32.max
    private static let empty = Chain(head: end, tail: end)

    /// A power of two, at least the writes indexed when it was sized (``InflightList`` builds
    /// the index again, larger, once ``isCrowded``).
    private var buckets: [Chain]
    private var bucketBits: Int
    private var nodes: [Node] = []
    /// Nodes in chains.
    private var linked = 0
    /// First free node (chained through `next`), `end` for none.
    private var free = RegionIndex.end
    /// Places of writes spanning more than ``maxSpan`` regions, ascending.
    private var wide: [UInt32] = []

    /// An index sized for about `writes` writes: a bucket for every two (8 bytes each).
    init(writes: Int) {
        bucketBits = 0
        buckets = []
        reset(writes: writes)
    }

    private static func bits(_ writes: Int) -> Int {
        var bits = 5
        while 2 << bits < writes { bits += 1 }
        return bits
    }

    /// Empties the index and sizes it for about `writes` writes (a bucket for every two), keeping
    /// the nodes' storage.
    mutating func reset(writes: Int) {
        bucketBits = Self.bits(writes)
        buckets = [Chain](repeating: Self.empty, count: 1 << bucketBits)
        nodes.removeAll(keepingCapacity: true)
        linked = 0
        free = Self.end
        wide.removeAll(keepingCapacity: true)
    }

    /// More than four writes a bucket on average: time to build a larger one.
    var isCrowded: Bool { linked > 4 << bucketBits }

    @inline(__always)
    private func bucket(_ region: Int64) -> Int {
        Int(truncatingIfNeeded: (UInt64(bitPattern: region) &* 0x9E37_79B9_7F4A_7C15) >> UInt64(64 - bucketBits))
    }

    /// The regions `r` touches (a range of no length: the region it lies in), nil past `limit`
    /// regions.
    @inline(__always)
    private static func regions(_ r: FileRange, limit: Int64) -> ClosedRange<Int64>? {
        guard r.end >= r.start else { return nil }
        let lo = r.start >> shift, hi = max(lo, (r.end - 1) >> shift)
        return hi - lo < limit ? lo...hi : nil
    }

    mutating func insert(_ place: Int, _ r: FileRange) {
        let p = UInt32(place)
        guard let regions = Self.regions(r, limit: Self.maxSpan) else {
            let at = wide.firstIndex { $0 > p } ?? wide.count
            wide.insert(p, at: at)
            return
        }
        for region in regions { link(p, into: bucket(region)) }
    }

    mutating func remove(_ place: Int, _ r: FileRange) {
        let p = UInt32(place)
        guard let regions = Self.regions(r, limit: Self.maxSpan) else {
            if let at = wide.firstIndex(of: p) { wide.remove(at: at) }
            return
        }
        for region in regions { unlink(p, from: bucket(region)) }
    }

    private mutating func newNode(_ place: UInt32) -> UInt32 {
        linked += 1
        if free != Self.end {
            let n = free
            free = nodes[Int(n)].next
            nodes[Int(n)] = Node(place: place, next: Self.end)
            return n
        }
        nodes.append(Node(place: place, next: Self.end))
        return UInt32(nodes.count - 1)
    }

    private mutating func link(_ place: UInt32, into b: Int) {
        let n = newNode(place)
        var c = buckets[b]
        if c.head == Self.end {
            c = Chain(head: n, tail: n)
        } else if nodes[Int(c.tail)].place < place {
            // the usual case: a new I/O is the latest
            nodes[Int(c.tail)].next = n
            c.tail = n
        } else if nodes[Int(c.head)].place > place {
            nodes[Int(n)].next = c.head
            c.head = n
        } else {
            var at = c.head
            while nodes[Int(at)].next != Self.end && nodes[Int(nodes[Int(at)].next)].place < place {
                at = nodes[Int(at)].next
            }
            nodes[Int(n)].next = nodes[Int(at)].next
            nodes[Int(at)].next = n
            if c.tail == at { c.tail = n }
        }
        buckets[b] = c
    }

    private mutating func unlink(_ place: UInt32, from b: Int) {
        var c = buckets[b]
        var prev = Self.end, at = c.head
        while at != Self.end && nodes[Int(at)].place != place {
            prev = at
            at = nodes[Int(at)].next
        }
        guard at != Self.end else { return }
        let next = nodes[Int(at)].next
        if prev == Self.end { c.head = next } else { nodes[Int(prev)].next = next }
        if c.tail == at { c.tail = prev }
        nodes[Int(at)].next = free
        free = at
        linked -= 1
        buckets[b] = c
    }

    /// Gives every place `p` the place `new[p]` (``InflightList``'s compaction: the new places
    /// keep the old ones' order, so every chain and ``wide`` stay ascending).
    mutating func renumber(_ new: [UInt32]) {
        for i in wide.indices { wide[i] = new[Int(wide[i])] }
        for c in buckets {
            var at = c.head
            while at != Self.end {
                nodes[Int(at)].place = new[Int(nodes[Int(at)].place)]
                at = nodes[Int(at)].next
            }
        }
    }

    /// Whether ``oldest(overlapping:ranges:where:)`` can be asked about `r`: no more than
    /// ``maxQuerySpan`` regions (the caller scans the list for a wider range).
    func answers(_ r: FileRange) -> Bool { Self.regions(r, limit: Self.maxQuerySpan) != nil }

    /// The smallest place whose range overlaps `r` and for which `pred` holds, nil when there is
    /// none. Only for a range the index ``answers(_:)``.
    func oldest(overlapping r: FileRange, ranges: [FileRange], where pred: (Int) -> Bool) -> Int? {
        guard let regions = Self.regions(r, limit: Self.maxQuerySpan) else {
            preconditionFailure("RegionIndex: asked about a range wider than it answers")
        }
        var best = Int.max
        func overlaps(_ i: Int) -> Bool { ranges[i].start < r.end && r.start < ranges[i].end }
        for p in wide where Int(p) < best && overlaps(Int(p)) && pred(Int(p)) {
            best = Int(p)
            break
        }
        for region in regions {
            var at = buckets[bucket(region)].head
            // ascending: the chain's first match is its oldest
            while at != Self.end {
                let i = Int(nodes[Int(at)].place)
                if i >= best { break }
                if overlaps(i) && pred(i) {
                    best = i
                    break
                }
                at = nodes[Int(at)].next
            }
        }
        return best == Int.max ? nil : best
    }
}
