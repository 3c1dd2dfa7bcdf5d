/// The slots of the engine's files (``InodeData``), in chunks that never move, so that an
/// ``InodeState`` handle is a plain pointer.
///
/// **Lifetime.** A file's slot is held by the engine's file table while the file is in it, and
/// by every I/O slot in use whose I/O is the file's (``IOSlab`` holds it when it makes or reuses
/// the slot and drops it when it frees the slot). It is freed when the last hold goes: with the
/// I/O slots freed at the end of the event, or, for a file the idle sweep takes out of the table,
/// at once (the sweep runs before the event's handler, when no handle to it is held). This is
/// what reference counting gave the file objects before: an emitted I/O that a pending bio or a
/// stale index entry keeps still names its file, as it was, after the idle sweep dropped the file
/// from the table; a later I/O of the same file gets a new state.
///
/// Freed slots are reused last-first, their arrays' storage released (files are few; what they
/// hold while busy can be large).
final class FileSlab {
    static let chunkSize = 64

    @exclusivity(unchecked) private var chunks = SlotChunks<InodeData>(chunkSize: FileSlab.chunkSize)
    @exclusivity(unchecked) private var freed = PointerStack<InodeData>()
    @exclusivity(unchecked) private var pending = PointerStack<InodeData>()

    init() {}

    deinit { chunks.deallocateAll { _ in } }

    /// Slots ever made, and those holding a file.
    var slots: Int { chunks.count }
    var inUse: Int { slots - freed.count - pending.count }

    /// A slot for a new file's state, not yet held.
    func make(key: InodeKey) -> InodeState {
        if let p = freed.popLast() {
            // Already a new state (``freePending()``) but for its key.
            p.pointee.key = key
            return InodeState(p)
        }
        return InodeState(chunks.append(InodeData(key: key)))
    }

    /// A holder names `file`.
    @inline(__always)
    func hold(_ file: InodeState) { file.s.pointee.holds &+= 1 }

    /// Such a holder let go of it: the slot is freed at the next ``drain()`` if none is left.
    @inline(__always)
    func drop(_ file: InodeState) {
        let p = file.s
        precondition(p.pointee.holds > 0, "FileSlab: a file dropped more often than held")
        p.pointee.holds &-= 1
        if p.pointee.holds == 0 { pending.append(p) }
    }

    /// Frees the slots whose last hold went during the event.
    @inline(__always)
    func drain() {
        if !pending.isEmpty { freePending() }
    }

    private func freePending() {
        for i in 0..<pending.count {
            let p = pending[i]
            #if DEBUG
            p.pointee.generation &+= 1
            let generation = p.pointee.generation
            #endif
            // The arrays go with their storage; the key stays until the slot is made again.
            p.pointee = InodeData(key: p.pointee.key)
            #if DEBUG
            p.pointee.generation = generation
            #endif
            freed.append(p)
        }
        pending.removeAll()
    }
}
