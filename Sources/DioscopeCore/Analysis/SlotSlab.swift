/// Fixed-size values in chunks that never move, named by 4-byte slot numbers, with a free list
/// and a generation per slot: the storage `docs/slot-engine.md` plans for the analyzer's I/Os
/// (step 1). `dioscope-bench bound` measures the layout's floor with it.
///
/// Why chunks: growing adds a chunk instead of copying, so a slot's address stays valid for as
/// long as the slot is in use, and memory grows by at most one chunk of slack. Why a generation:
/// a holder that may outlive the value it names (a task's current I/O, a pending bio) keeps the
/// slot and its generation, and ``isCurrent(_:generation:)`` tells whether the slot still holds
/// that value or has been freed (and perhaps reused) since.
///
/// Single-threaded, and no access overlaps another: the stored properties skip the run-time
/// exclusivity check a class's properties otherwise get on every access.
public final class SlotSlab<Element> {
    @inlinable static var chunkShift: Int { 12 }
    @inlinable static var chunkSize: Int { 1 << chunkShift }
    /// At most this many chunks (16 M values): the chunk table is allocated once, so reaching a
    /// slot is two loads with no array in between.
    @inlinable public static var maxChunks: Int { 1 << 12 }

    @usableFromInline let chunks: UnsafeMutablePointer<UnsafeMutablePointer<Element>?>
    @usableFromInline let generations: UnsafeMutablePointer<UnsafeMutablePointer<UInt32>?>
    @usableFromInline @exclusivity(unchecked) var chunkCount = 0
    /// Slots ever handed out (in use or free).
    @usableFromInline @exclusivity(unchecked) var slots = 0
    @usableFromInline @exclusivity(unchecked) var freeSlots: [UInt32] = []

    public init() {
        chunks = .allocate(capacity: Self.maxChunks)
        generations = .allocate(capacity: Self.maxChunks)
    }

    deinit {
        var free = Set(freeSlots)
        for s in 0..<slots where !free.contains(UInt32(s)) { self[UInt32(s)].deinitialize(count: 1) }
        free.removeAll()
        for i in 0..<chunkCount {
            chunks[i]?.deallocate()
            generations[i]?.deallocate()
        }
        chunks.deallocate()
        generations.deallocate()
    }

    /// Values in use.
    public var count: Int { slots - freeSlots.count }

    /// The value in `slot` (which must be in use).
    @inlinable @inline(__always)
    public subscript(_ slot: UInt32) -> UnsafeMutablePointer<Element> {
        chunks[Int(slot) >> Self.chunkShift].unsafelyUnwrapped + (Int(slot) & (Self.chunkSize - 1))
    }

    /// How many times `slot` has been freed.
    @inlinable @inline(__always)
    public func generation(_ slot: UInt32) -> UInt32 {
        generations[Int(slot) >> Self.chunkShift].unsafelyUnwrapped[Int(slot) & (Self.chunkSize - 1)]
    }

    /// Whether `slot` still holds the value it held at `generation` (not freed since).
    @inlinable @inline(__always)
    public func isCurrent(_ slot: UInt32, generation g: UInt32) -> Bool {
        Int(slot) < slots && generation(slot) == g
    }

    /// Stores `value` in a free slot (the most recently freed first) and returns the slot.
    @inlinable
    public func insert(_ value: Element) -> UInt32 {
        if let f = freeSlots.popLast() {
            self[f].initialize(to: value)
            return f
        }
        if slots == chunkCount << Self.chunkShift { addChunk() }
        let s = UInt32(slots)
        slots += 1
        self[s].initialize(to: value)
        return s
    }

    /// Ends the value in `slot` (which must be in use) and makes the slot free.
    @inlinable
    public func remove(_ slot: UInt32) {
        self[slot].deinitialize(count: 1)
        let c = Int(slot) >> Self.chunkShift, i = Int(slot) & (Self.chunkSize - 1)
        generations[c].unsafelyUnwrapped[i] &+= 1
        freeSlots.append(slot)
    }

    @usableFromInline
    func addChunk() {
        precondition(chunkCount < Self.maxChunks, "SlotSlab: more than \(Self.maxChunks << Self.chunkShift) values")
        chunks[chunkCount] = .allocate(capacity: Self.chunkSize)
        let g = UnsafeMutablePointer<UInt32>.allocate(capacity: Self.chunkSize)
        g.initialize(repeating: 0, count: Self.chunkSize)
        generations[chunkCount] = g
        chunkCount += 1
    }
}
