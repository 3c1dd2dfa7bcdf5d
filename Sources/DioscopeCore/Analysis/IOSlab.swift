/// The slots of the engine's I/Os (``LiveIOStorage``), in chunks that never move, so that a
/// ``LiveIO`` handle is a plain pointer (step 2 of `docs/slot-engine.md`).
///
/// **Lifetime.** A slot is freed when its I/O has been emitted (``emitted(_:)``) and none of the
/// holders that may keep an I/O past its emission names it. Those holders count themselves in
/// the slot (``hold(_:)`` and ``drop(_:)``): the kiocb, user-ref and io_uring request indexes,
/// the posted and waiting lists, the pending bios, and a task's current I/O and call list. The
/// other lists (a file's in-flight and held I/Os, the mapped in-flight list) let go of an I/O
/// before it can be emitted, so they do not count. This is what reference counting gave the I/O
/// objects before: a pending bio or a stale index entry kept the emitted I/O readable as it
/// was, and a lookup through it saw a settled I/O.
///
/// Freed slots are reused in the order they were freed last-first, their record arrays emptied
/// but kept (the object pool's job before): a slot whose arrays grew large (a large I/O's
/// hundreds of bios) gets new empty ones instead, so the slab holds at most a few kilobytes per
/// slot beyond the slots themselves.
///
/// **Frees wait for the end of the event** (``drain()``): a handler may still read, through a
/// local handle, an I/O it has just caused to be emitted, as it could read the object before.
/// In debug builds each handle checks its slot's generation on every access, so a handle kept
/// across a free traps instead of reading another I/O.
final class IOSlab {
    static let chunkSize = 1024
    /// The largest arrays a freed slot keeps (capacity in elements, bytes for the encoded
    /// entries); larger ones are freed. What the object pool kept.
    static let maxLogBytes = 512
    static let maxRecords = 8

    @exclusivity(unchecked) private var chunks = SlotChunks<LiveIOStorage>(chunkSize: IOSlab.chunkSize)
    /// Freed slots, ready for the next I/Os.
    @exclusivity(unchecked) private var free = PointerStack<LiveIOStorage>()
    /// Emitted slots nothing holds, freed at the end of the event.
    @exclusivity(unchecked) private var pending = PointerStack<LiveIOStorage>()
    /// The files' slots: a slot in use holds its I/O's file (``FileSlab``). Only the frees
    /// (``freePending()``) drop files: read on every event, this reference was retained and
    /// released each time (callgrind), even as `unowned(unsafe)`.
    let files: FileSlab

    init(files: FileSlab = FileSlab()) { self.files = files }

    deinit { chunks.deallocateAll { $0.pointee.log.deallocate() } }

    /// Slots ever initialized (in use or free).
    var slots: Int { chunks.count }
    /// Slots holding an I/O (not free, not waiting to be).
    var inUse: Int { slots - free.count - pending.count }

    /// A freed slot to reuse, if there is one: its record arrays are empty, and the caller
    /// restarts its state (``IOState/restart``) and the rest (``reuse(_:file:kiocb:userRef:)``).
    @inline(__always)
    func takeFreed() -> LiveIO? {
        guard let p = free.popLast() else { return nil }
        return LiveIO(p)
    }

    /// A new slot holding a new I/O.
    func make(t: consuming IOState, file: InodeState, kiocb: UInt64, userRef: UInt64) -> LiveIO {
        files.hold(file)
        return LiveIO(chunks.append(LiveIOStorage(t: t, file: file, kiocb: kiocb, userRef: userRef)))
    }

    /// Makes a freed slot (``takeFreed()``), its state restarted, the I/O of `file`
    /// (``LiveIOStorage/reuse(file:kiocb:userRef:)``).
    @inline(__always)
    func reuse(_ io: LiveIO, file: InodeState, kiocb: UInt64, userRef: UInt64) {
        files.hold(file)
        io.s.pointee.reuse(file: file, kiocb: kiocb, userRef: userRef)
    }

    /// A holder that may outlive the I/O's emission names it.
    @inline(__always)
    func hold(_ io: LiveIO) { io.s.pointee.holds &+= 1 }

    /// Such a holder let go of it.
    @inline(__always)
    func drop(_ io: LiveIO) {
        let p = io.s
        precondition(p.pointee.holds > 0, "IOSlab: an I/O dropped more often than held")
        p.pointee.holds &-= 1
        if p.pointee.holds == 0 && p.pointee.flags.contains(.emitted) { pending.append(p) }
    }

    /// The I/O was emitted: its slot is freed once nothing holds it.
    @inline(__always)
    func emitted(_ io: LiveIO) {
        let p = io.s
        precondition(!p.pointee.flags.contains(.emitted), "IOSlab: an I/O emitted twice")
        p.pointee.flags.insert(.emitted)
        if p.pointee.holds == 0 { pending.append(p) }
    }

    /// Frees the slots of the event's emitted, unheld I/Os (see the type's comment), then the
    /// files whose last holder they were.
    @inline(__always)
    func drain() {
        if !pending.isEmpty { freePending() }
    }

    private func freePending() {
        for i in 0..<pending.count {
            let p = pending[i]
            #if DEBUG
            p.pointee.generation &+= 1
            #endif
            let file = p.pointee.file
            if p.pointee.flags.contains(.awaitingRetry) { file.awaitingRetry -= 1 }
            p.pointee.flags.remove(.awaitingRetry)
            files.drop(file)
            p.pointee.t.removeAllRecords(keepingBoxUpTo: Self.maxRecords)
            p.pointee.log.trim(maxBytes: Self.maxLogBytes)
            free.append(p)
        }
        pending.removeAll()
        files.drain()
    }

}
