/// What the engine holds of one task (thread): the slot a ``TaskSlab`` keeps it in.
struct TaskData: GenerationCounted {
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
    private let handle: SlotHandle<TaskData>

    @inline(__always)
    init(_ slot: UnsafeMutablePointer<TaskData>) { handle = SlotHandle(slot) }

    /// The slot, checked in debug builds (``SlotHandle``).
    var s: UnsafeMutablePointer<TaskData> {
        @inline(__always) get { handle.s }
    }

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

    @exclusivity(unchecked) private var chunks = SlotChunks<TaskData>(chunkSize: TaskSlab.chunkSize)
    @exclusivity(unchecked) private var freed = PointerStack<TaskData>()
    @exclusivity(unchecked) private var pending = PointerStack<TaskData>()

    init() {}

    deinit { chunks.deallocateAll { _ in } }

    /// Slots ever made, and those holding a task.
    var slots: Int { chunks.count }
    var inUse: Int { slots - freed.count - pending.count }

    /// A slot for a new task (no call, no I/O).
    func make() -> TaskState {
        if let p = freed.popLast() { return TaskState(p) }
        return TaskState(chunks.append(TaskData()))
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
        for i in 0..<pending.count {
            let p = pending[i]
            p.pointee.generation &+= 1
            p.pointee.open = nil
            freed.append(p)
        }
        pending.removeAll()
    }
}
