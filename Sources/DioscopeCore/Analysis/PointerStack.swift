/// A stack of slot pointers in memory it owns (it is `~Copyable` and frees that memory itself):
/// the slabs' (``IOSlab``, ``TaskSlab``, ``FileSlab``) lists of freed slots and of slots to free
/// at the end of the event.
///
/// Every I/O passes through the I/O slab's two lists once (emitted: onto the pending list; freed: onto the
/// free list; reused: off it). As `Array`s, each of those writes paid a call to the runtime's
/// uniqueness check, and the appends a second one to make room (callgrind: five calls per I/O).
/// Nothing here can share the memory, so there is nothing to check.
struct PointerStack<Pointee>: ~Copyable {
    private var base: UnsafeMutablePointer<UnsafeMutablePointer<Pointee>>
    private var capacity: Int
    /// Pointers on the stack.
    private(set) var count = 0

    init() {
        capacity = 16
        base = .allocate(capacity: capacity)
    }

    deinit { base.deallocate() }

    var isEmpty: Bool { count == 0 }

    /// The pointer at position `i` (0 is the bottom of the stack).
    subscript(i: Int) -> UnsafeMutablePointer<Pointee> {
        @inline(__always) get {
            precondition(i >= 0 && i < count, "PointerStack: index out of range")
            return base[i]
        }
    }

    @inline(__always)
    mutating func append(_ p: UnsafeMutablePointer<Pointee>) {
        if count == capacity { grow() }
        (base + count).initialize(to: p)
        count &+= 1
    }

    @inline(__always)
    mutating func popLast() -> UnsafeMutablePointer<Pointee>? {
        guard count > 0 else { return nil }
        count &-= 1
        return base[count]
    }

    /// Empties the stack, keeping its memory.
    @inline(__always)
    mutating func removeAll() { count = 0 }

    @inline(never)
    private mutating func grow() {
        let new = UnsafeMutablePointer<UnsafeMutablePointer<Pointee>>.allocate(capacity: capacity * 2)
        new.moveInitialize(from: base, count: count)
        base.deallocate()
        base = new
        capacity *= 2
    }
}
