/// A slot's storage that counts how many times the slot has been freed.
protocol GenerationCounted {
    #if DEBUG
    var generation: UInt32 { get }
    #endif
}

/// The address bits of a debug build's handle.
let handleAddressMask: UInt = (1 << 48) - 1

/// A pointer to a slot of one of the engine's slabs (``IOSlab``, ``TaskSlab``): what ``LiveIO``
/// and ``TaskState`` are. One word in every build.
///
/// Debug builds keep the low 16 bits of the slot's generation above bit 48 of the address (user
/// addresses have 48 bits on x86-64 and arm64), and every access through ``s`` checks that the
/// slot has not been freed since the handle was made (modulo 2^16 frees). As a second stored
/// field, the generation broke Swift 6.3.1 at -Onone: an optional chain through a nil
/// `Optional<handle>` read from a generic container called the property's getter on a null slot
/// (reduced to a 20-line program with a pointer plus any second field; right with -O, and with a
/// one-word handle at both).
struct SlotHandle<Storage: GenerationCounted>: Equatable {
    #if DEBUG
    private let bits: UInt
    var slot: UnsafeMutablePointer<Storage> {
        @inline(__always) get { UnsafeMutablePointer(bitPattern: bits & handleAddressMask).unsafelyUnwrapped }
    }

    @inline(__always)
    init(_ slot: UnsafeMutablePointer<Storage>) {
        let address = UInt(bitPattern: slot)
        precondition(address & ~handleAddressMask == 0, "a slot address above 48 bits")
        bits = address | UInt(UInt16(truncatingIfNeeded: slot.pointee.generation)) << 48
    }

    /// The slot, checked.
    var s: UnsafeMutablePointer<Storage> {
        @inline(__always) get {
            let p = slot
            precondition(UInt16(truncatingIfNeeded: p.pointee.generation) == UInt16(truncatingIfNeeded: bits >> 48),
                         "stale handle: its slot was freed")
            return p
        }
    }
    #else
    let slot: UnsafeMutablePointer<Storage>

    @inline(__always)
    init(_ slot: UnsafeMutablePointer<Storage>) { self.slot = slot }

    var s: UnsafeMutablePointer<Storage> {
        @inline(__always) get { slot }
    }
    #endif

    static func == (a: SlotHandle, b: SlotHandle) -> Bool { a.slot == b.slot }
}

/// Slots in chunks that never move, handed out in order, each initialized when first handed
/// out; freeing and reuse are the owner's (``IOSlab``, ``TaskSlab``).
struct SlotChunks<Element> {
    let chunkSize: Int
    private var chunks: [UnsafeMutablePointer<Element>] = []
    private var usedInLast: Int

    init(chunkSize: Int) {
        self.chunkSize = chunkSize
        usedInLast = chunkSize
    }

    /// Slots ever handed out.
    var count: Int { chunks.isEmpty ? 0 : (chunks.count - 1) * chunkSize + usedInLast }

    /// A new slot holding `value`.
    mutating func append(_ value: consuming Element) -> UnsafeMutablePointer<Element> {
        if usedInLast == chunkSize {
            chunks.append(.allocate(capacity: chunkSize))
            usedInLast = 0
        }
        let p = chunks[chunks.count - 1] + usedInLast
        usedInLast += 1
        p.initialize(to: value)
        return p
    }

    /// Calls `body` on every slot handed out, ends their values and frees the chunks (the
    /// owner's `deinit`).
    mutating func deallocateAll(_ body: (UnsafeMutablePointer<Element>) -> Void) {
        for (c, chunk) in chunks.enumerated() {
            let n = c == chunks.count - 1 ? usedInLast : chunkSize
            for i in 0..<n { body(chunk + i) }
            chunk.deinitialize(count: n)
            chunk.deallocate()
        }
        chunks = []
        usedInLast = chunkSize
    }
}
