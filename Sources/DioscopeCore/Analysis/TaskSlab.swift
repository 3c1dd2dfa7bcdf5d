/// What the engine holds of one task (thread): the slot a ``TaskSlab`` keeps it in.
struct TaskData {
    var open: OpenCall?
    /// The I/Os the open call submitted (empty while no call is open); the buffer is reused.
    var callIOs: [LiveIO] = []
    /// The I/O this task is submitting now (dstmap/bio/queued join here).
    var current: LiveIO?
    /// How many times the slot has been freed (checked in debug builds, as ``LiveIO``'s).
    var generation: UInt32 = 0
}

/// Per-task state: a handle to its slot in the engine's ``TaskSlab``. The engine reads a task's
/// call and current I/O on nearly every event; as an object in the task table, every lookup
/// retained and released it (with the file states' lookups, about 4 % of `handle`'s
/// instructions, callgrind, session 22). The slot lives until the table lets the task go
/// (its exit, or the idle sweep), at the end of that event.
struct TaskState: Equatable {
    #if DEBUG
    /// The slot's address with the low 16 bits of its generation above bit 48 (see ``LiveIO``).
    private let bits: UInt
    var slot: UnsafeMutablePointer<TaskData> {
        @inline(__always) get { UnsafeMutablePointer(bitPattern: bits & handleAddressMask).unsafelyUnwrapped }
    }

    init(_ slot: UnsafeMutablePointer<TaskData>) {
        let address = UInt(bitPattern: slot)
        precondition(address & ~handleAddressMask == 0, "a slot address above 48 bits")
        bits = address | UInt(UInt16(truncatingIfNeeded: slot.pointee.generation)) << 48
    }

    /// The slot, checked: it has not been freed since the handle was made (modulo 2^16 frees).
    var s: UnsafeMutablePointer<TaskData> {
        @inline(__always) get {
            let p = slot
            precondition(UInt16(truncatingIfNeeded: p.pointee.generation) == UInt16(truncatingIfNeeded: bits >> 48),
                         "stale task handle: its slot was freed")
            return p
        }
    }
    #else
    let slot: UnsafeMutablePointer<TaskData>

    init(_ slot: UnsafeMutablePointer<TaskData>) { self.slot = slot }

    var s: UnsafeMutablePointer<TaskData> {
        @inline(__always) get { slot }
    }
    #endif

    static func == (a: TaskState, b: TaskState) -> Bool { a.slot == b.slot }

    var open: OpenCall? {
        @inline(__always) unsafeAddress { UnsafePointer(s.pointer(to: \.open)!) }
        @inline(__always) nonmutating unsafeMutableAddress { s.pointer(to: \.open)! }
    }
    var callIOs: [LiveIO] {
        @inline(__always) unsafeAddress { UnsafePointer(s.pointer(to: \.callIOs)!) }
        @inline(__always) nonmutating unsafeMutableAddress { s.pointer(to: \.callIOs)! }
    }
    var current: LiveIO? {
        @inline(__always) unsafeAddress { UnsafePointer(s.pointer(to: \.current)!) }
        @inline(__always) nonmutating unsafeMutableAddress { s.pointer(to: \.current)! }
    }
}

/// The slots of the engine's tasks, in chunks that never move (see ``IOSlab``). A task's slot is
/// freed when the engine drops the task from its table (``free(_:)``), at the end of the event
/// (``drain()``), and reused, its call list's storage kept, for the next task.
final class TaskSlab {
    static let chunkSize = 256

    @exclusivity(unchecked) private var chunks: [UnsafeMutablePointer<TaskData>] = []
    @exclusivity(unchecked) private var usedInLast = TaskSlab.chunkSize
    @exclusivity(unchecked) private var freed: [UnsafeMutablePointer<TaskData>] = []
    @exclusivity(unchecked) private var pending: [UnsafeMutablePointer<TaskData>] = []

    init() {}

    deinit {
        for (c, chunk) in chunks.enumerated() {
            let n = c == chunks.count - 1 ? usedInLast : Self.chunkSize
            chunk.deinitialize(count: n)
            chunk.deallocate()
        }
    }

    /// Slots ever made, and those holding a task.
    var slots: Int { chunks.isEmpty ? 0 : (chunks.count - 1) * Self.chunkSize + usedInLast }
    var inUse: Int { slots - freed.count - pending.count }

    /// A slot for a new task (no call, no I/O).
    func make() -> TaskState {
        if let p = freed.popLast() { return TaskState(p) }
        if usedInLast == Self.chunkSize {
            chunks.append(.allocate(capacity: Self.chunkSize))
            usedInLast = 0
        }
        let p = chunks[chunks.count - 1] + usedInLast
        usedInLast += 1
        p.initialize(to: TaskData())
        return TaskState(p)
    }

    /// The engine let `task` go: it has no open call, no call list and no current I/O (so it
    /// holds no I/O); its slot is freed at the end of the event.
    func free(_ task: TaskState) {
        let p = task.s
        precondition(p.pointee.callIOs.isEmpty && p.pointee.current == nil, "TaskSlab: a task freed holding I/Os")
        pending.append(p)
    }

    @inline(__always)
    func drain() {
        if !pending.isEmpty { freePending() }
    }

    private func freePending() {
        for p in pending {
            p.pointee.generation &+= 1
            p.pointee.open = nil
            freed.append(p)
        }
        pending.removeAll(keepingCapacity: true)
    }
}
