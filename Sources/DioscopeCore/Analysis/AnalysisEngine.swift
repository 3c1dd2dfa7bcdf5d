/// The join engine behind ``Analyzer``: receives events in timestamp order,
/// builds ``LiveIO`` timelines, settles them, and hands settled files to the
/// detectors (AnalysisEngine+Detectors.swift).
///
/// Joins use identity where the trace has it (kiocb, user_ref, io_uring
/// req) and otherwise (dev, ino, range, task, time) with FIFO for ties:
/// submission-side events (DIO_BEGIN, DSTMAP, BIO_QUEUE, DIO_QUEUED) run in
/// the submitting task; completion-side work (kworker, irq) is matched by
/// (dev, ino, range) to the oldest I/O in flight.
///
/// Indexes are open-addressing tables (OpenTable) keyed by UInt64/UInt32 and
/// short arrays of I/O handles (``LiveIO``, slots of an ``IOSlab``) shared between them; per-event
/// work allocates only when an I/O grows its record arrays past the first record of each kind
/// (``RecordList``).
///
/// Hot stored properties here and in LiveIO/InodeState are
/// `@exclusivity(unchecked)`: the engine is single-threaded and never holds
/// overlapping accesses to one property, and the run-time check (a
/// thread-local access set per access) cost about 15% of `analyze`.
final class AnalysisEngine {
    let options: AnalysisOptions

    // MARK: indexes
    // The three indexes of I/Os in flight compare keys through the I/O's slot (IOIndex: 8 bytes
    // an entry instead of OpenTable's 17 and 25).
    @exclusivity(unchecked) private var byKiocb = IOIndex<KiocbIndexKind>()
    /// (tgid, user_ref) → I/O: user iocb pointers / user_data repeat across processes (fork).
    @exclusivity(unchecked) private var byUserRef = IOIndex<UserRefIndexKind>()
    @exclusivity(unchecked) private var uringByReq = IOIndex<KiocbIndexKind>()
    @exclusivity(unchecked) private var tasks = RecentTable<UInt32, TaskState>()
    @exclusivity(unchecked) private var tidComm = OpenTable<UInt32, Comm>()
    @exclusivity(unchecked) private var tgidComm = OpenTable<UInt32, Comm>()
    /// (tgid << 32 | fd) → file.
    @exclusivity(unchecked) private var fdMap = OpenTable<UInt64, InodeKey>()
    /// Last file a process did direct I/O on, and whether it used more than one.
    @exclusivity(unchecked) private var tgidInode = OpenTable<UInt32, (key: InodeKey, multi: Bool)>()
    /// libaio I/Os posted and not yet reaped, per process, in posting order.
    @exclusivity(unchecked) private var aioPosted = OpenTable<UInt32, OrderedIOList>()
    /// io_uring I/Os completed in the kernel, waiting for their CQE, per process.
    @exclusivity(unchecked) private var uringWaiting = OpenTable<UInt32, OrderedIOList>()
    /// Bios queued but not completed, per block device: (io, bio index).
    @exclusivity(unchecked) private var pendingBios = OpenTable<DeviceNumber, [PendingBio]>()
    /// The last request issue's number (``PendingBio/issueSeq``).
    @exclusivity(unchecked) private var issueSeq: UInt32 = 0
    /// Unsettled I/Os that have mappings (for bio joins without kiocb).
    @exclusivity(unchecked) private var mappedInflight = OrderedIOList()
    /// The files' states (changed only here: ``inode(_:)``, ``forgetFile(_:)``).
    @exclusivity(unchecked) private(set) var inodes = RecentTable<InodeKey, InodeState>()
    @exclusivity(unchecked) private var unresolvedOps: [LiveOp] = []
    @exclusivity(unchecked) private var deferredFlush: Set<InodeKey> = []

    // MARK: results
    @exclusivity(unchecked) private var nextID: UInt64 = 1
    @exclusivity(unchecked) var timelines: [IOTimeline] = []
    @exclusivity(unchecked) var findings: [Finding] = []
    @exclusivity(unchecked) var findingKeys: Set<String> = []
    @exclusivity(unchecked) var counts = IOCounts()
    @exclusivity(unchecked) var overall = PhaseAccumulator(group: "all")
    @exclusivity(unchecked) var byProcess = OpenTable<UInt32, PhaseAccumulator>()
    @exclusivity(unchecked) var byInode = OpenTable<InodeKey, PhaseAccumulator>()
    /// The I/Os of processes and files beyond ``AnalysisOptions/maxPhaseGroups``.
    @exclusivity(unchecked) var otherProcesses = PhaseAccumulator(group: "other processes")
    @exclusivity(unchecked) var otherFiles = PhaseAccumulator(group: "other files")
    @exclusivity(unchecked) var unmatched: [String: UInt64] = [:]
    /// Conversions no write needed, by ``ConversionSource``: added to ``unmatched`` under the
    /// source's name in the result. On ext4 every converted write has one (its second conversion
    /// event finds the write converted), and counting it under a `String` key hashed the name
    /// each time (about 550 instructions per I/O with the lookup, callgrind).
    @exclusivity(unchecked) var unmatchedConversions = [UInt64](repeating: 0, count: ConversionSource.allCases.count)
    @exclusivity(unchecked) var pendingShorts: [PendingShort] = []
    @exclusivity(unchecked) var pendingSizeRaces: [PendingSizeRace] = []
    @exclusivity(unchecked) var lostWindows = LostWindowIndex()
    /// Windows in which only `iomap_dio_complete`'s program missed hits (recursion misses): they
    /// mark only the I/Os left with an attempt that has no completion (``confirmMiss(_:)``), not
    /// every I/O in the window as ``lostWindows`` do.
    @exclusivity(unchecked) var missWindows = LostWindowIndex()
    /// I/Os a miss window marked lost (their findings are unproven, as in ``lostWindows``).
    @exclusivity(unchecked) var missVictims: Set<UInt64> = []
    /// Whether events were lost at all (a window of either kind).
    var sawLostEvents: Bool { !lostWindows.isEmpty || !missWindows.isEmpty }
    /// Compact record of recently emitted I/Os (id, start, end) for the final lost-window check.
    /// Bounded: spans older than ``spanHorizonNs`` before the newest event are judged against the
    /// lost windows known by then and folded into the counters below (a LOST record arrives well
    /// within the horizon of the window it covers), so memory does not grow with run time.
    @exclusivity(unchecked) var emittedSpans: [(id: UInt64, start: UInt64, end: UInt64, status: IOStatus)] = []
    static let spanHorizonNs: UInt64 = 5_000_000_000
    /// Fold when this many spans are held; then at twice what a fold leaves (amortized O(1)).
    @exclusivity(unchecked) private var nextSpanFold = 8192
    /// Folded spans: complete, unkept I/Os inside a known lost window / outside any.
    @exclusivity(unchecked) var foldedLost: UInt64 = 0
    @exclusivity(unchecked) var foldedClean: UInt64 = 0
    /// Folded I/Os inside a lost window that a finding names (the finding is then unproven).
    @exclusivity(unchecked) var foldedLostIDs: Set<UInt64> = []
    @exclusivity(unchecked) var eventsAnalyzed: UInt64 = 0
    @exclusivity(unchecked) var firstTs: UInt64?
    @exclusivity(unchecked) var lastTs: UInt64 = 0
    @exclusivity(unchecked) var sawSyscalls = false
    @exclusivity(unchecked) var lateEvents: UInt64 = 0
    /// How the end of the analysis marked timelines emitted complete (set by ``finish(summary:)``).
    @exclusivity(unchecked) var finalMark = TimelineFinalMark()
    /// Set at finish: whether the whole trace is complete (detectors may rely on absence).
    @exclusivity(unchecked) var traceComplete = true
    @exclusivity(unchecked) var finishing = false

    @exclusivity(unchecked) var onFinding: ((Finding) -> Void)?
    @exclusivity(unchecked) var onTimeline: ((IOTimeline) -> Void)?

    init(options: AnalysisOptions) { self.options = options }

    // MARK: - helpers

    func task(_ tid: UInt32) -> TaskState {
        if let t = taskIfAny(tid) { return t }
        if tasks.count >= nextTaskSweep { dropIdleTasks() }
        let t = taskSlab.make()
        tasks.insert(t, forKey: tid)
        return t
    }

    /// Thread `tid`'s state, if the table holds it (nearly always the thread of the event before:
    /// ``RecentTable``).
    @inline(__always)
    private func taskIfAny(_ tid: UInt32) -> TaskState? { tasks.lookup(tid) }

    /// Removes thread `tid` from the table (its slot is the caller's to free).
    private func forgetTask(_ tid: UInt32) { tasks.removeValue(forKey: tid) }

    // MARK: - holders that may outlive an I/O's emission (see IOSlab)

    /// The I/Os' slots.
    @exclusivity(unchecked) private var slab = IOSlab(files: FileSlab())
    /// The tasks' slots.
    @exclusivity(unchecked) private var taskSlab = TaskSlab()

    /// `table[key] = io`, counting the hold (and dropping the one of the I/O it replaces).
    @inline(__always)
    private func index<K>(_ table: inout IOIndex<K>, _ key: K.Key, _ io: LiveIO) {
        slab.hold(io)
        if let old = table.updateValue(io, forKey: key) { slab.drop(old) }
    }

    /// Removes `key` from `table` if it names `io`.
    @inline(__always)
    private func unindex<K>(_ table: inout IOIndex<K>, _ key: K.Key, _ io: LiveIO) {
        if table.removeValue(forKey: key, ifIdenticalTo: io) { slab.drop(io) }
    }

    /// Makes `io` the I/O `task` is submitting (nil: none).
    @inline(__always)
    private func setCurrent(_ task: TaskState, _ io: LiveIO?) {
        if let io { slab.hold(io) }
        if let old = task.current { slab.drop(old) }
        task.current = io
    }

    /// Adds `bio` to the bios of device `dev` waiting for their request events.
    @inline(__always)
    private func addPendingBio(_ bio: PendingBio, dev: DeviceNumber) {
        slab.hold(bio.io)
        pendingBios.update(dev, orInsert: { [] }) { $0.append(bio) }
    }

    /// Adds `io` to the I/Os `task`'s open call submitted.
    @inline(__always)
    private func addCallIO(_ task: TaskState, _ io: LiveIO) {
        slab.hold(io)
        task.callIOs.append(io)
    }

    /// Task count at which idle tasks are dropped next.
    @exclusivity(unchecked) private var nextTaskSweep = AnalysisEngine.taskSweepMinimum
    static let taskSweepMinimum = 1024

    /// Drops the state of every task with no open call and no I/O being submitted: it equals a
    /// new task's state, which ``task(_:)`` makes again when the task next appears. Without this,
    /// every thread a run ever saw kept its state (thread pools, io_uring workers coming and
    /// going); run when the table has doubled since the last time, so the cost per new task is
    /// bounded.
    private func dropIdleTasks() {
        for tid in tasks.table.keysArray {
            guard let t = tasks.table[tid], t.open == nil, t.current == nil, t.callIOs.isEmpty else { continue }
            forgetTask(tid)
            taskSlab.free(t)
            tasksDropped += 1
        }
        nextTaskSweep = max(Self.taskSweepMinimum, 2 * tasks.count)
    }

    /// Idle task states dropped so far (``dropIdleTasks()``).
    @exclusivity(unchecked) private(set) var tasksDropped = 0

    func inode(_ key: InodeKey) -> InodeState {
        if let s = fileIfAny(key) { return s }
        let s = slab.files.make(key: key)
        slab.files.hold(s)  // the table's
        inodes.insert(s, forKey: key)
        return s
    }

    /// File `key`'s state, if the table holds it (most events name the file of the one before:
    /// ``RecentTable``).
    @inline(__always)
    private func fileIfAny(_ key: InodeKey) -> InodeState? { inodes.lookup(key) }

    /// Removes file `key` from the table (its hold is the caller's to drop).
    private func forgetFile(_ key: InodeKey) { inodes.removeValue(forKey: key) }

    /// Drops pending bios too old to complete, and idle file states once their table has doubled;
    /// once per ``staleCheckIntervalNs`` of trace time. Not inlined: in ``handle(_:)`` it made the
    /// per-event path 3.6 instructions longer (callgrind).
    @inline(never)
    private func periodicSweep() {
        if lastTs > Self.pendingBioMaxAgeNs { prunePendingBios(queuedBefore: lastTs - Self.pendingBioMaxAgeNs) }
        if inodes.count >= nextFileSweep { dropIdleFiles() }
        nextBioSweep = lastTs + Self.staleCheckIntervalNs
    }

    /// File-state count at which idle file states are dropped next (checked between events, once
    /// per ``staleCheckIntervalNs`` of trace time).
    @exclusivity(unchecked) private var nextFileSweep = AnalysisEngine.fileSweepMinimum
    static let fileSweepMinimum = 1024
    /// Idle file states dropped so far (``dropIdleFiles()``).
    @exclusivity(unchecked) private(set) var filesDropped = 0

    /// Drops the state of every file with nothing in flight and nothing held for the detectors:
    /// it then equals a new file's state, which ``inode(_:)`` makes again when the file next
    /// appears. Without this, every file a run ever saw kept its state (about 150 bytes and a
    /// table slot; a run over a file per object or per table grew by that much per file).
    ///
    /// What a new state lacks, and why that changes nothing:
    /// - its block size when learned from an event: a state is kept unless its block size is
    ///   unknown or the default, which a new state assumes;
    /// - the last i_size seen: read only for the final size of a pending size-extension race
    ///   (``flushSizeRaces()``), whose files are kept; any later I/O reports i_size again.
    /// Runs between events (never while a handler holds a state), when the table has doubled
    /// since the last time, so the cost per new file is bounded.
    private func dropIdleFiles() {
        let racing = Set(pendingSizeRaces.map(\.inode))
        for key in inodes.table.keysArray {
            guard let s = inodes.table[key], s.quiescent, s.history.isEmpty, s.ops.isEmpty, s.awaitingRetry == 0,
                  s.blkbits == 0 || s.blkbits == options.defaultBlockBits,
                  !racing.contains(key), !deferredFlush.contains(key) else { continue }
            forgetFile(key)
            slab.files.drop(s)
            filesDropped += 1
        }
        // Before the event's handler (``periodicSweep()``): no handle to a dropped file is held
        // here, so the slots of those no I/O holds are freed now.
        slab.files.drain()
        nextFileSweep = max(Self.fileSweepMinimum, 2 * inodes.count)
    }

    private func count(_ what: String) { unmatched[what, default: 0] += 1 }

    /// The name of task `tid` of process `tgid`: the thread's, else the process's (empty if
    /// neither is known).
    @inline(__always)
    private func taskComm(tid: UInt32, tgid: UInt32) -> Comm {
        if let t = tidComm[tid], !t.isEmpty { return t }
        if let g = tgidComm[tgid], !g.isEmpty { return g }
        return .empty
    }

    /// ``taskComm(tid:tgid:)`` as text.
    private func commString(tid: UInt32, tgid: UInt32) -> String {
        let c = taskComm(tid: tid, tgid: tgid)
        // The last name's String is reused while the name repeats.
        if c != lastComm.comm { lastComm = (c, c.description) }
        return lastComm.string
    }

    @exclusivity(unchecked) private var lastComm: (comm: Comm, string: String) = (.empty, "")

    /// A window in nanoseconds as milliseconds for a note: whole when it is (20), else up to
    /// three decimals (0.5, 2.25).
    static func milliseconds(_ ns: UInt64) -> String {
        if ns % 1_000_000 == 0 { return "\(ns / 1_000_000)" }
        var s = String(format: "%.3f", Double(ns) / 1e6)
        while s.hasSuffix("0") { s.removeLast() }
        return s
    }

    private static func fdKey(_ tgid: UInt32, _ fd: Int32) -> UInt64 {
        UInt64(tgid) << 32 | UInt64(UInt32(bitPattern: fd))
    }

    private func blockSize(_ s: InodeState, hint: UInt8 = 0) -> UInt64 {
        let bits = hint != 0 ? hint : (s.blkbits != 0 ? s.blkbits : options.defaultBlockBits)
        return 1 << UInt64(bits)
    }

    private func entry(_ e: Event, _ step: TimelineStep, offset: Int64? = nil, length: UInt64? = nil,
                       value: Int64? = nil, note: UInt32 = 0) -> TimelineEntry {
        TimelineEntry(timestamp: e.timestamp, step: step, tid: e.tid, cpu: e.cpu, offset: offset, length: length,
                      value: value, noteID: note)
    }

    // MARK: - dispatch

    /// io_getevents returned N events whose individual reap records may follow its exit (dioscope's
    /// BPF emits them after sys_exit, sometimes 100 us later): the FIFO reap of what no record
    /// names waits for the task's next system call. (Other events with the task's tid can be irq
    /// work that interrupted it.)
    /// `ctx` is the call's aio context (0: unknown, the call's enter was not seen).
    @exclusivity(unchecked) private var pendingFIFOReap = OpenTable<UInt32, (tgid: UInt32, ctx: UInt64, n: Int, ts: UInt64)>()

    /// user_refs of the last I/Os the FIFO rule reaped, per process (a late reap record then agrees).
    @exclusivity(unchecked) private var recentFIFOReaps = OpenTable<UInt32, [UInt64]>()

    /// Applies `tid`'s pending FIFO reap, after the earlier pending reaps of other threads of its
    /// process: the FIFO rule takes the oldest posted completions, so reaps go in the order their
    /// calls returned. A thread whose last call reaped (fio's last io_getevents before the thread
    /// ends) has no next system call, only its exit; and an aio context's address can be the next
    /// thread's too (io_destroy unmaps the ring, the next io_setup maps it again at the same
    /// address): a later thread's reap of "its" context took the earlier thread's completions, and
    /// the earlier thread's reap, applied at its exit, the later thread's (a live capture of two
    /// fio threads: 14 of 128 writes reaped by the other thread, 7 false findings).
    private func applyPendingReap(tid: UInt32) {
        guard let p = pendingFIFOReap.removeValue(forKey: tid), p.n > 0 else { return }
        if !pendingFIFOReap.isEmpty {
            let earlier = pendingFIFOReap.keysArray.compactMap { t -> (UInt32, UInt64)? in
                guard let q = pendingFIFOReap[t], q.tgid == p.tgid, q.ts <= p.ts else { return nil }
                return (t, q.ts)
            }
            for (t, _) in earlier.sorted(by: { $0.1 < $1.1 }) { applyPendingReap(tid: t) }
        }
        reapFIFO(tgid: p.tgid, ctx: p.ctx, tid: tid, ts: p.ts, n: p.n)
    }

    func handle(_ e: Event) {
        // The kind first, then the table: a lookup for every event while a reap was pending was
        // 0.6 % of the analysis (callgrind).
        if !pendingFIFOReap.isEmpty {
            switch e.payload {
            case .sysEnter, .sysExit: applyPendingReap(tid: e.tid)
            default: break
            }
        }
        eventsAnalyzed += 1
        if firstTs == nil { firstTs = e.timestamp }
        if e.timestamp > lastTs { lastTs = e.timestamp }
        if sawLostEvents && lastTs >= nextStaleCheck {
            evictStaleLost()
            nextStaleCheck = lastTs + Self.staleCheckIntervalNs
        }
        // One comparison per event; the sweep itself runs at most once per interval of trace time.
        // Its own deadline (not nextStaleCheck) so that the lost-window eviction keeps its timing.
        if lastTs >= nextBioSweep { periodicSweep() }
        // The handlers take the event alone and bind their payload from it in place, reading only
        // the fields they use (their `guard case` cannot fail: this switch chose the handler by
        // that case). Bound here, every payload was loaded whole into registers and stored again
        // for the call: about 30 instructions per event (callgrind).
        switch e.payload {
        case .sysEnter: sysEnter(e)
        case .sysExit: sysExit(e)
        case .dioBegin: dioBegin(e)
        case .iomapDstmap: dstmap(e)
        case .block(let kind, _): block(e, kind)
        case .dioQueued: dioQueued(e)
        case .dioSteps: dioSteps(e)
        case .dioComplete: dioComplete(e)
        case .xfs(let kind, _): xfs(e, kind)
        case .ext4MapBlocksEnter: ext4(e, handleUnwritten: false)
        case .ext4HandleUnwritten: ext4(e, handleUnwritten: true)
        case .ioUringComplete: uringComplete(e)
        case .fsSpaceOp: spaceOp(e)
        case .aioReap: aioReap(e)
        case .taskExit: taskExit(e)
        case .lost: lost(e)
        }
        slab.drain()
        taskSlab.drain()
    }

    // MARK: - exits

    /// A traced task exited (record ABI 5). What the engine keeps per thread and, with the last
    /// thread, per process is dropped: without exits these tables held every thread and process
    /// a run ever saw, and a reused pid inherited a dead process's names, descriptors and file.
    /// The libaio completions the process posted and did not reap are settled: the kernel waited
    /// for its I/Os before the exit (`exit_aio()`), and nothing can reap them any more.
    private func taskExit(_ e: Event) {
        guard case .taskExit(let p) = e.payload else { return }
        applyPendingReap(tid: e.tid)
        tidComm.removeValue(forKey: e.tid)
        if let t = taskIfAny(e.tid) {
            taskMovedOn(t)
            if t.open == nil, t.current == nil, t.callIOs.isEmpty {
                forgetTask(e.tid)
                taskSlab.free(t)
                tasksExited += 1
            }
        }
        guard p.groupDead else { return }
        processesExited += 1
        tgidComm.removeValue(forKey: e.tgid)
        tgidInode.removeValue(forKey: e.tgid)
        recentFIFOReaps.removeValue(forKey: e.tgid)
        if let fds = fdsByProcess.removeValue(forKey: e.tgid) {
            for fd in fds { fdMap.removeValue(forKey: Self.fdKey(e.tgid, fd)) }
        }
        guard let posted = aioPosted.removeValue(forKey: e.tgid) else { return }
        for io in posted where io.postedListings > 0 {
            io.postedListings = 0
            guard !io.settled else { continue }  // (settled by a lost window's eviction)
            io.ownerExited = true
            io.add(entry(e, .processExited, value: p.exitCode.map { Int64($0) }))
            count(AnalysisResult.unreapedAtExit)
            trySettle(io)
        }
        for io in posted { slab.drop(io) }
    }

    /// Thread and process exits that emptied the engine's tables (``taskExit(_:)``).
    @exclusivity(unchecked) private(set) var tasksExited = 0
    @exclusivity(unchecked) private(set) var processesExited = 0
    /// The descriptors of each process that ``fdMap`` holds, so that its exit removes them.
    @exclusivity(unchecked) private var fdsByProcess = OpenTable<UInt32, [Int32]>()

    /// Records that descriptor `fd` of process `tgid` is file `key` (``fdMap``).
    @inline(__always)
    private func noteDescriptor(tgid: UInt32, fd: Int32, key: InodeKey) {
        let held = fdMap.count
        fdMap.set(Self.fdKey(tgid, fd), to: key)
        if fdMap.count != held { fdsByProcess.update(tgid, orInsert: { [] }) { $0.append(fd) } }
    }

    // MARK: - system calls

    private func sysEnter(_ e: Event) {
        guard case .sysEnter(let p) = e.payload else { return }
        sawSyscalls = true
        if !p.comm.isEmpty {
            tidComm.set(e.tid, to: p.comm)
            if e.tid == e.tgid {
                tgidComm.set(e.tgid, to: p.comm)
            } else if tgidComm[e.tgid] == nil {
                tgidComm[e.tgid] = p.comm
            }
        }
        var key: InodeKey? = e.ino != 0 ? InodeKey(dev: e.dev, ino: e.ino) : nil
        if key == nil, p.fd >= 0 { key = fdMap[Self.fdKey(e.tgid, p.fd)] }
        if let key, p.fd >= 0 { noteDescriptor(tgid: e.tgid, fd: p.fd, key: key) }
        if let key, p.isize >= 0 { inode(key).noteIsize(p.isize, at: e.timestamp) }
        let call = OpenCall(sysno: p.sysno, fd: p.fd, args: p.args, enterTs: e.timestamp, key: key)
        let kind: FileOperation.Kind? = switch p.sysno {
        case .fsync: .fsync
        case .fdatasync: .fdatasync
        case .fallocate: .fallocate
        case .ftruncate: .ftruncate
        default: nil
        }
        if let kind {
            var op = FileOperation(kind: kind, tgid: e.tgid, tid: e.tid, dev: key?.dev ?? DeviceNumber(raw: 0),
                                   ino: key?.ino ?? 0, startedAt: e.timestamp)
            switch p.sysno {
            case .fallocate: op.offset = p.args.1; op.length = p.args.2
            case .ftruncate: op.offset = p.args.0; op.length = 0
            default: break
            }
            var resolvedKey = key
            if resolvedKey == nil, kind == .fsync || kind == .fdatasync, let t = tgidInode[e.tgid], !t.multi {
                resolvedKey = t.key
                op.inodeInferred = true
                op.dev = t.key.dev
                op.ino = t.key.ino
            }
            let live = LiveOp(op: op, resolved: resolvedKey != nil)
            if let resolvedKey {
                inode(resolvedKey).openOps.append(live)
            } else {
                unresolvedOps.append(live)
            }
            openOpsByTid[e.tid] = live
        }
        // A new call in a task ends whatever the task was submitting.
        let task = task(e.tid)
        taskMovedOn(task)
        task.open = call
        for io in task.callIOs { slab.drop(io) }
        task.callIOs.removeAllKeepingStorage()
        setCurrent(task, nil)
    }

    /// The fallocate/ftruncate/fsync a task is in.
    @exclusivity(unchecked) private var openOpsByTid = OpenTable<UInt32, LiveOp>()

    private func sysExit(_ e: Event) {
        guard case .sysExit(let p) = e.payload else { return }
        sawSyscalls = true
        guard let task = taskIfAny(e.tid), var call = task.open, call.sysno == p.sysno else {
            // exit without enter (trace start) or a call we did not see begin
            if p.sysno.isDataTransfer || p.sysno == .ioSubmit { count("sys_exit without enter") }
            if p.sysno == .ioGetevents || p.sysno == .ioPgetevents, p.ret > 0 {
                pendingFIFOReap[e.tid] = (e.tgid, 0, Int(p.ret), e.timestamp)
            }
            return
        }
        task.open = nil
        setCurrent(task, nil)
        // The call's I/Os are taken out (and the emptied buffer put back at the end) so that the
        // settling below cannot see them half processed and the buffer is not copied.
        var callIOs: [LiveIO] = []
        swap(&callIOs, &task.callIOs)
        defer {
            for io in callIOs { slab.drop(io) }
            callIOs.removeAllKeepingStorage()
            if task.callIOs.isEmpty { swap(&callIOs, &task.callIOs) }
        }
        if call.key == nil, e.ino != 0 { call.key = InodeKey(dev: e.dev, ino: e.ino) }
        if let key = call.key, p.isize >= 0 { inode(key).noteIsize(p.isize, at: e.timestamp) }

        switch p.sysno {
        case .ioSubmit, .ioUringEnter:
            let returned = entry(e, .submitReturned, value: p.ret,
                                 note: p.sysno == .ioSubmit ? TimelineNote.ioSubmit : TimelineNote.ioUringEnter)
            for io in callIOs {
                io.t.submitReturnedAt = e.timestamp
                io.addStep(.submitReturned, value: p.ret, at: e.timestamp, tid: e.tid, cpu: e.cpu, note: returned.noteID,
                           returned)
                if io.t.op == .read, io.t.api == .libaio, io.isReadAtEOF { postReadAtEOF(io) }
            }
        case .ioGetevents, .ioPgetevents:
            let n = Int(max(0, p.ret - call.reapsSeen))
            if n > 0 { pendingFIFOReap[e.tid] = (e.tgid, UInt64(bitPattern: call.args.0), n, e.timestamp) }
        case _ where p.sysno.isDataTransfer:
            if callIOs.isEmpty {
                bufferedIO(e, call, ret: p.ret)
            } else {
                // Several attempts of one user I/O are one LiveIO; distinct ones share the return.
                var seen = Set<UInt>()
                for io in callIOs where seen.insert(io.identity).inserted {
                    io.t.returnedAt = e.timestamp
                    io.t.submitReturnedAt = e.timestamp
                    io.t.result = p.ret
                    if p.ret < 0 { io.awaitingRetry = false }
                    let note = TimelineNote.syscall(p.sysno)
                    io.addStep(.returned, value: p.ret, at: e.timestamp, tid: e.tid, cpu: e.cpu, note: note,
                               entry(e, .returned, value: p.ret, note: note))
                    trySettle(io)
                }
            }
        case .fallocate, .ftruncate, .fsync, .fdatasync:
            if let live = openOpsByTid.removeValue(forKey: e.tid) {
                live.op.endedAt = e.timestamp
                live.op.result = p.ret
                closeOp(live, tgid: e.tgid, fallbackKey: call.key)
            }
        default:
            break
        }
    }

    /// A fallocate/ftruncate/fsync returned: move it from open to done on its file.
    private func closeOp(_ live: LiveOp, tgid: UInt32, fallbackKey: InodeKey?) {
        if !live.resolved {
            unresolvedOps.removeAll { $0 === live }
            var key = fallbackKey
            if key == nil, let t = tgidInode[tgid], !t.multi {
                key = t.key
                live.op.inodeInferred = true
            }
            guard let key else {
                count("\(live.op.kind.rawValue) on unknown file")
                flushDeferred()
                return
            }
            live.resolved = true
            live.op.dev = key.dev
            live.op.ino = key.ino
            let s = inode(key)
            s.ops.append(live)
            checkFlush(s)
            flushDeferred()
            return
        }
        let s = inode(InodeKey(dev: live.op.dev, ino: live.op.ino))
        s.openOps.removeAllIdentical(to: live)
        s.ops.append(live)
        checkFlush(s)
    }

    /// A pread/pwrite that did no direct I/O: a buffered access.
    private func bufferedIO(_ e: Event, _ call: OpenCall, ret: Int64) {
        let isWrite = call.sysno.isWrite
        let hasCount = call.sysno == .pread64 || call.sysno == .pwrite64
        guard let key = call.key else {
            // fd not resolvable (a second, buffered fd on the file): still the fallback of a short
            // write of this process if it writes exactly the rest.
            if isWrite && hasCount {
                resolveShortWrites(key: nil, tgid: e.tgid, start: call.args.2, at: call.enterTs, done: e.timestamp,
                                   fallback: "buffered \(call.sysno) fd \(call.fd) 0x\(String(call.args.2, radix: 16))"
                                       + "+0x\(String(call.args.1, radix: 16)) (file inferred)",
                                   fallbackIO: nil)
            }
            return
        }
        let offset: Int64 = hasCount ? call.args.2 : 0
        let length: Int64 = hasCount ? call.args.1 : Int64.max / 4
        let op = FileOperation(kind: isWrite ? .bufferedWrite : .bufferedRead, tgid: e.tgid, tid: e.tid,
                               dev: key.dev, ino: key.ino, startedAt: call.enterTs, endedAt: e.timestamp,
                               offset: offset, length: length, result: ret)
        let s = inode(key)
        if isWrite {
            resolveShortWrites(key: key, tgid: e.tgid, start: offset, at: call.enterTs, done: e.timestamp,
                               fallback: "buffered \(call.sysno) 0x\(String(offset, radix: 16))+0x\(String(length, radix: 16))",
                               fallbackIO: nil)
        }
        if s.inflight.isEmpty && s.openOps.isEmpty && s.history.isEmpty && !isWrite { return }
        s.ops.append(LiveOp(op: op, resolved: true))
        checkFlush(s)
    }

    // MARK: - direct I/O

    private func dioBegin(_ e: Event) {
        guard case .dioBegin(let p) = e.payload else { return }
        let key = InodeKey(dev: e.dev, ino: e.ino)
        let s = inode(key)
        if p.blkbits != 0 { s.blkbits = p.blkbits }
        s.noteIsize(p.isize, at: e.timestamp)
        // Every path below ends by making this the task's current I/O: one lookup.
        let task = task(e.tid)
        taskMovedOn(task)
        let call = task.open
        if let call, call.fd >= 0, call.sysno.isDataTransfer { noteDescriptor(tgid: e.tgid, fd: call.fd, key: key) }
        if let t = tgidInode[e.tgid] {
            if t.key != key { tgidInode[e.tgid] = (key, true) }
        } else {
            tgidInode[e.tgid] = (key, false)
        }

        // Sync pwrite64 kiocbs carry no IOCB_WRITE on 6.18 (`flags DIRECT`): the call tells the direction.
        let isWrite = p.isWrite || call?.sysno.isWrite == true
        let attempt = AttemptState(beganAt: e.timestamp, tid: e.tid, kiocb: p.kiocb,
                                   dioFlags: p.dioFlags, nowait: p.kiFlags.contains(.nowait))

        // A kernel retry of a refused attempt: the same file range, and the same kiocb where known
        // (any task: io_uring retries run in an io-wq worker that ftrace shows as its own pid). An
        // attempt whose refusal was not recorded is recognized by kiocb and user iocb together.
        func isRetry(of io: LiveIO) -> Bool {
            if !io.awaitingRetry && (p.kiocb == 0 || io.kiocb != p.kiocb) { return false }
            // The I/O's range is each of its attempts' (AttemptState).
            guard io.t.op == (isWrite ? .write : .read), io.state.attemptCount > 0, io.t.offset == p.pos,
                  io.t.length == p.count else { return false }
            if io.awaitingRetry { return p.kiocb == 0 || io.kiocb == 0 || io.kiocb == p.kiocb }
            return p.kiocb != 0 && io.kiocb == p.kiocb && !io.completed && io.userRef == p.userRef
                && io.t.returnedAt == nil
        }
        // While no I/O of the file awaits a retry, only the in-flight I/O holding this kiocb can be
        // retried: one lookup instead of a scan of the file's in-flight list per begin (the scan
        // retained and released every I/O in it, an eighth of `analyze`).
        let retried: LiveIO? = if s.awaitingRetry > 0 {
            s.inflight.first(where: isRetry(of:))
        } else if p.kiocb != 0, let k = byKiocb[p.kiocb], k.file == s, !k.settled, isRetry(of: k) {
            k
        } else {
            nil
        }
        if let io = retried {
            io.awaitingRetry = false
            io.t.modifyLastAttempt { $0.retried = true }
            io.t.appendAttempt(attempt)
            io.t.completedAt = nil
            io.t.postedAt = nil
            io.t.result = nil
            if io.kiocb != 0 && io.kiocb != p.kiocb {
                // The indexes read an I/O's key from its slot (IOIndex): the entries under the old
                // kiocb go before the key changes.
                unindex(&byKiocb, io.kiocb, io)
                unindex(&uringByReq, io.kiocb, io)
            }
            io.kiocb = p.kiocb
            if p.kiocb != 0 { index(&byKiocb, p.kiocb, io) }
            io.add(entry(e, .retry, offset: p.pos, length: p.count, value: p.isize, note: TimelineNote.id(Self.flagNames(p.dioFlags).joined(separator: "|"))))
            setCurrent(task, io)
            if task.open != nil { addCallIO(task, io) }
            return
        }

        var api = p.api
        if api == .asyncOther || (api == .sync && p.kiFlags.contains(.nowait) && call?.sysno == .ioUringEnter) {
            if call?.sysno == .ioSubmit { api = .libaio }
            else if call?.sysno == .ioUringEnter { api = .ioUring }
            else if commString(tid: e.tid, tgid: e.tgid).hasPrefix("iou-") { api = .ioUring }
        }
        let requested: UInt64? = {
            guard let call, call.sysno == .pread64 || call.sysno == .pwrite64 || call.sysno == .read
                || call.sysno == .write, call.args.1 >= 0 else { return nil }
            return UInt64(call.args.1)
        }()
        let submitted = call.map { $0.sysno.isDataTransfer || $0.sysno == .ioSubmit || $0.sysno == .ioUringEnter }
            == true ? call!.enterTs : e.timestamp
        let comm = taskComm(tid: e.tid, tgid: e.tgid), blockSize = blockSize(s, hint: p.blkbits)
        let io: LiveIO
        if let recycled = slab.takeFreed() {
            // The emptied arrays of an emitted I/O: their storage is reused.
            recycled.t.restart(id: nextID, op: isWrite ? .write : .read, api: api, tgid: e.tgid, tid: e.tid, comm: comm,
                               offset: p.pos, length: p.count, requested: requested,
                               syscall: call?.sysno, isizeAtBegin: p.isize, blockSize: blockSize,
                               submittedAt: submitted)
            slab.reuse(recycled, file: s, kiocb: p.kiocb, userRef: p.userRef)
            io = recycled
        } else {
            let t = IOState(id: nextID, op: isWrite ? .write : .read, api: api, tgid: e.tgid, tid: e.tid, comm: comm,
                               offset: p.pos, length: p.count, requested: requested,
                               syscall: call?.sysno, isizeAtBegin: p.isize, blockSize: blockSize,
                               submittedAt: submitted)
            io = slab.make(t: t, file: s, kiocb: p.kiocb, userRef: p.userRef)
            // One allocation for the usual dozen entries (12-byte items: StepLog), instead of
            // regrowing as they come.
            io.log.reserveCapacity(StepLog.typicalItems)
        }
        nextID += 1
        io.t.appendAttempt(attempt)
        if let call, submitted == call.enterTs, call.enterTs != e.timestamp || call.sysno.isDataTransfer {
            let value = requested.map { Int64($0) }, note = TimelineNote.syscall(call.sysno)
            io.addStep(.syscallEnter, value: value, at: call.enterTs, tid: e.tid, cpu: 0, note: note,
                       TimelineEntry(timestamp: call.enterTs, step: .syscallEnter, tid: e.tid, value: value, noteID: note))
        }
        io.noSyscall = call == nil
        if let call, call.sysno == .ioSubmit { io.aioCtx = UInt64(bitPattern: call.args.0) }
        // The names only when a flag the entry names is set (nearly never): building the empty
        // list cost every begin a call.
        let note = p.dioFlags.rawValue & DIOFlags.kernelNamedBits == 0 ? 0 : TimelineNote.id(Self.flagNames(p.dioFlags).joined(separator: "|"))
        io.addStep(.begin, record: io.state.attemptCount - 1, at: e.timestamp, tid: e.tid, cpu: e.cpu, note: note,
                   entry(e, .begin, offset: p.pos, length: p.count, value: p.isize, note: note))
        s.addInflight(io)
        if p.kiocb != 0 { index(&byKiocb, p.kiocb, io) }
        if p.userRef != 0 { index(&byUserRef, UserRefKey(tgid: e.tgid, ref: p.userRef), io) }
        setCurrent(task, io)
        if task.open != nil { addCallIO(task, io) }
        // The list is tested here, where the call is nearly always skipped, not in the callee.
        if io.t.op == .write, !pendingShorts.isEmpty {
            resolveShortWrites(key: key, tgid: e.tgid, start: p.pos, at: e.timestamp, done: nil,
                               fallback: "io#\(io.t.id) \(api) write 0x\(String(p.pos, radix: 16))", fallbackIO: io)
        }
    }

    static func flagNames(_ f: DIOFlags) -> [String] {
        var out: [String] = []
        if f.contains(.forceWait) { out.append("DIO_FORCE_WAIT") }
        if f.contains(.overwriteOnly) { out.append("DIO_OVERWRITE_ONLY") }
        if f.contains(.partial) { out.append("DIO_PARTIAL") }
        return out
    }

    /// The I/O a submission-side event in task `tid` on file `key` belongs to.
    private func submitting(_ e: Event) -> LiveIO? {
        if let io = taskIfAny(e.tid)?.current, !io.settled,
           e.ino == 0 || (io.key.ino == e.ino && io.key.dev == e.dev) { return io }
        // Fall back: the newest unsettled I/O of that task on that file.
        guard e.ino != 0, let s = fileIfAny(InodeKey(dev: e.dev, ino: e.ino)) else { return nil }
        return s.inflight.last { $0.state.lastAttempt?.tid == e.tid && !$0.completed }
    }

    private func dstmap(_ e: Event) {
        guard case .iomapDstmap(let p) = e.payload else { return }
        // A size/space change mapping file ranges itself (truncate-up zeroing the tail): record what it touched.
        if taskIfAny(e.tid)?.current == nil, let live = openOpsByTid[e.tid],
           live.op.kind == .fallocate || live.op.kind == .ftruncate {
            live.touched.append((e.timestamp, FileRange(start: p.offset, end: p.offset + Int64(p.length))))
            if !live.resolved, e.ino != 0 { resolve(live, InodeKey(dev: e.dev, ino: e.ino), e) }
            return
        }
        guard let io = submitting(e) else { count("iomap_iter_dstmap"); return }
        applyMapping(io, p, at: e.timestamp, tid: e.tid, cpu: e.cpu, bioMayFollow: true)
    }

    /// An I/O's mapping (from its iomap_iter_dstmap event or its assembled steps).
    /// `bioMayFollow`: a bio of it may still come as its own event (joined by mapping when it
    /// carries no kiocb).
    private func applyMapping(_ io: LiveIO, _ p: IomapMapping, at ts: UInt64, tid: UInt32, cpu: UInt16,
                              bioMayFollow: Bool) {
        let addr: UInt64? = p.addr == IomapMapping.nullAddress ? nil : p.addr
        io.t.appendMapping(IOMappingRecord(timestamp: ts, offset: p.offset, length: p.length, addr: addr,
                                             type: p.type, new: p.flags.contains(.new), bdev: p.bdev))
        // (`io.file` is the table's state for `io.key`; a lookup cost a retain and release per mapping.)
        if p.blkbits != 0 { io.file.blkbits = p.blkbits; io.t.blockSize = 1 << UInt64(p.blkbits) }
        let note = TimelineNote.mapping(p.type, new: p.flags.contains(.new))
        io.addStep(.mapping, record: io.state.mappingCount - 1, at: ts, tid: tid, cpu: cpu, note: note,
                   TimelineEntry(timestamp: ts, step: .mapping, tid: tid, cpu: cpu, offset: p.offset, length: p.length,
                                 noteID: note))
        if io.t.op == .write, p.type == .unwritten, io.state.attemptCount > 0 {
            let ar = io.range
            if let need = ar.intersection(FileRange(start: p.offset, end: p.offset + Int64(p.length))) {
                io.t.appendNeedRange(need)
            }
        }
        if addr != nil, bioMayFollow, !io.inMappedList {
            io.inMappedList = true
            mappedInflight.append(io)
        }
    }

    private func block(_ e: Event, _ kind: BlockEventKind) {
        switch kind {
        case .bioQueue: bioQueue(e)
        case .rqIssue, .rqComplete: request(e, kind)
        case .ioStart, .ioDone: break
        }
    }

    private func mappingFor(_ io: LiveIO, diskStart: UInt64, diskEnd: UInt64, dev: DeviceNumber) -> IOMappingRecord? {
        io.state.lastMapping { m in
            guard let addr = m.addr else { return false }
            return (m.bdev.raw == 0 || m.bdev == dev) && diskStart >= addr && diskEnd <= addr + m.length
        }
    }

    private func bioQueue(_ e: Event) {
        guard case .block(_, let p) = e.payload else { return }
        let ds = p.sector << 9, de = p.sector.addingSaturating(UInt64(p.nrSector)) << 9  // flushes: sector -1
        var io: LiveIO?
        var exact = false
        if p.flags.contains(.iomapDIO), p.kiocb != 0, let k = byKiocb[p.kiocb] {
            io = k
            exact = true
        } else {
            // Without identity: the task's current I/O if its mapping holds the disk range, else
            // the oldest unsettled I/O whose mapping holds it.
            if let c = taskIfAny(e.tid)?.current, !c.settled, mappingFor(c, diskStart: ds, diskEnd: de, dev: e.dev) != nil {
                io = c
            } else {
                io = mappedInflight.first { !$0.settled && !$0.completed
                    && mappingFor($0, diskStart: ds, diskEnd: de, dev: e.dev) != nil }
            }
        }
        guard let io else { count("block_bio_queue"); return }
        let bi = applyBio(io, p, dev: e.dev, at: e.timestamp, tid: e.tid, cpu: e.cpu, exact: exact)
        addPendingBio(PendingBio(io: io, index: bi, sector: p.sector, nrSector: p.nrSector), dev: e.dev)
    }

    /// A bio of `io` entered the block layer (its block_bio_queue event or its assembled steps):
    /// its record and timeline entry. Returns its index in the I/O's bios.
    private func applyBio(_ io: LiveIO, _ p: BlockIO, dev: DeviceNumber, at ts: UInt64, tid: UInt32, cpu: UInt16,
                          exact: Bool) -> Int {
        let ds = p.sector << 9, de = p.sector.addingSaturating(UInt64(p.nrSector)) << 9
        var role = BioRole.unknown
        var fileOffset: Int64?
        var zeroed: [FileRange] = []
        if let m = mappingFor(io, diskStart: ds, diskEnd: de, dev: dev), let fo = m.fileOffset(forDiskByte: ds) {
            fileOffset = fo
            let br = FileRange(start: fo, end: fo + Int64(de - ds))
            precondition(io.state.attemptCount > 0, "a bio of an I/O with no attempt")
            let ir = io.range
            if io.t.op == .write {
                if br.start < ir.start { zeroed.append(FileRange(start: br.start, end: min(br.end, ir.start))) }
                if br.end > ir.end { zeroed.append(FileRange(start: max(br.start, ir.end), end: br.end)) }
            }
            role = zeroed.isEmpty ? .data : .subBlockZeroing
            // Sub-block zeroing only ever covers the partial first and last filesystem blocks of the
            // I/O. A bio outside those blocks cannot be this I/O's: another I/O's mapping and bios were
            // attributed to it because that I/O's own begin was lost. Do not judge it.
            let bs = Int64(max(io.t.blockSize, 512))
            let blocks = FileRange(start: ir.start - ((ir.start % bs + bs) % bs),
                                   end: ir.end + ((bs - ir.end % bs) % bs))
            if zeroed.contains(where: { $0.start < blocks.start || $0.end > blocks.end }) {
                zeroed = []
                role = .unknown
                if !io.lost {
                    io.lost = true
                    io.add(TimelineEntry(timestamp: ts, step: .lost, tid: tid, value: 0,
                                         note: "a bio outside the I/O's blocks was attributed to it"))
                }
                count("bio outside its I/O's blocks (misattributed)")
            }
        }
        if role == .subBlockZeroing { io.zeroes = true }
        io.t.appendBio(BioState(queuedAt: ts, dev: dev, sector: p.sector, nrSector: p.nrSector, op: p.op, role: role,
                                  fileOffset: fileOffset, zeroedRanges: zeroed, exactJoin: exact))
        if io.state.bioCount == 1 {
            // The I/O's first bio. Direction unknown from flags and syscall (trace started mid-call): the data bio tells.
            if io.t.op == .read, io.noSyscall, p.op == .write, io.t.api == .sync, role != .unknown {
                io.t.op = .write
                io.file.inflightDirectionChanged(io)
            }
        }
        let note = role == .subBlockZeroing ? TimelineNote.subBlockZeroing : 0
        io.addStep(.bioQueued, record: io.state.bioCount - 1, at: ts, tid: tid, cpu: cpu, note: note,
                   TimelineEntry(timestamp: ts, step: .bioQueued, tid: tid, cpu: cpu, offset: fileOffset,
                                 length: UInt64(p.nrSector) * 512, value: Int64(p.sector), noteID: note))
        return io.state.bioCount - 1
    }

    private func request(_ e: Event, _ kind: BlockEventKind) {
        guard case .block(_, let p) = e.payload else { return }
        // The device's list is changed where the table holds it (taking it out and putting it back
        // was a removal and an insertion per request event). An emptied list stays, with its
        // storage: removing it freed the storage whenever the device's queue drained (a quarter of
        // the I/Os at fio iodepth 16), and the next bio allocated it again.
        let matched = pendingBios.modifyIfPresent(e.dev) { list in
            list.isEmpty ? false : match(request: e, kind, p, in: &list)
        }
        if matched != true { count(kind.eventType.description) }
    }

    /// Joins request event `e` to the pending bios of its device (`list`): issue or completion.
    /// Whether any bio took it.
    private func match(request e: Event, _ kind: BlockEventKind, _ p: BlockIO, in list: inout [PendingBio]) -> Bool {
        // Saturating: a flush request carries sector (sector_t)-1 and no data.
        let rs = p.sector, re = p.sector.addingSaturating(UInt64(max(p.nrSector, 1)))
        // The scans below read a pending bio's fields through its index, in place (when the I/O
        // was an object, iterating the elements retained and released each).
        func contained(_ i: Int) -> Bool {
            list[i].sector >= rs && list[i].sector.addingSaturating(UInt64(list[i].nrSector)) <= re
        }
        // A bio whose I/O the kernel already completed (iomap_dio_complete, which runs only after
        // every bio of the dio ended) or that settled cannot be in this request: its own request's
        // completion was not traced (block_rq_complete fired, but in a softirq on top of a task
        // the kernel runs no BPF program for: README, "Robustness"). Left pending,
        // such a bio took the completion of the next request on the same sectors (FIFO below
        // prefers the older issue), leaving that I/O without a device phase, and so on down the
        // chain of later writes to those sectors. Tested only on contained bios (already a match
        // by range, few per request): one load of the I/O's flags, no extra scan.
        func done(_ i: Int) -> Bool { list[i].io.settled || list[i].io.completed }
        // A request holding a part of a bio the block layer split (the bio was larger than the
        // queue's limits allow): the request lies inside the bio. The bio is issued with its first
        // part and done when parts covering all its sectors have completed.
        func splitPart(_ i: Int) -> Bool {
            let end = list[i].sector.addingSaturating(UInt64(list[i].nrSector))
            return rs >= list[i].sector && re <= end && (rs != list[i].sector || re != end) && !done(i)
        }
        if kind == .rqIssue {
            // A request carries the bios merged into it that were not issued yet.
            issueSeq = PendingBio.nextIssue(after: issueSeq)
            var matched = false
            for i in list.indices where list[i].issueSeq == nil && contained(i) && !done(i) {
                list[i].issueSeq = issueSeq
                bioIssued(list[i].io, list[i].index, at: e.timestamp, tid: e.tid, cpu: e.cpu)
                matched = true
            }
            if !matched, let i = list.indices.first(where: splitPart) {
                if list[i].issueSeq == nil {
                    list[i].issueSeq = issueSeq
                    bioIssued(list[i].io, list[i].index, at: e.timestamp, tid: e.tid, cpu: e.cpu, note: TimelineNote.splitBio)
                }
                matched = true
            }
            return matched
        }
        // Completion: the bios of the oldest issued request in the range (FIFO for identical
        // requests); if none was seen issued, every contained bio.
        var issued: UInt32?
        var stale = 0
        var live = 0, firstLive = 0
        for i in list.indices where contained(i) {
            if done(i) { stale += 1; continue }
            if live == 0 { firstLive = i }
            live += 1
            if let q = list[i].issueSeq, issued.map({ PendingBio.issued(q, before: $0) }) ?? true { issued = q }
        }
        // The usual request: one bio in it and nothing stale. That bio is the oldest issued in
        // the range (or none was seen issued), so the scan below would complete it alone.
        if live == 1 && stale == 0 {
            bioCompleted(list[firstLive].io, list[firstLive].index, at: e.timestamp, tid: e.tid, cpu: e.cpu, error: p.error)
            slab.drop(list.remove(at: firstLive).io)
            return true
        }
        if stale > 0 {
            // Dropped here rather than left to the periodic sweep: they would take this completion.
            var j = 0
            while j < list.count {
                if contained(j) && done(j) { slab.drop(list.remove(at: j).io) } else { j += 1 }
            }
            unmatched[Self.bioWithoutCompletion, default: 0] += UInt64(stale)
        }
        var matched = false
        var i = 0
        while i < list.count {
            guard contained(i), issued == nil || list[i].issueSeq == issued else { i += 1; continue }
            bioCompleted(list[i].io, list[i].index, at: e.timestamp, tid: e.tid, cpu: e.cpu, error: p.error)
            slab.drop(list.remove(at: i).io)
            matched = true
        }
        if !matched, let i = list.indices.first(where: splitPart) {
            let (io, bi) = (list[i].io, list[i].index)
            let error = io.t.modifyBio(bi) { b in
                if p.error != 0 { b.error = p.error }
                return b.error ?? 0
            }
            list[i].doneSectors &+= p.nrSector
            if list[i].doneSectors >= list[i].nrSector {
                bioCompleted(io, bi, at: e.timestamp, tid: e.tid, cpu: e.cpu, error: error, note: TimelineNote.splitBio)
                slab.drop(list.remove(at: i).io)
            }
            matched = true
        }
        return matched
    }

    /// Bio `bi` of `io` went to the device in a request (its block_rq_issue, or assembled steps).
    @inline(__always)
    private func bioIssued(_ io: LiveIO, _ bi: Int, at ts: UInt64, tid: UInt32, cpu: UInt16, note: UInt32 = 0) {
        // The three fields read from the record lent in place: a copy of it retained its strings and
        // arrays.
        let (fileOffset, nrSector, sector) = io.t.modifyBio(bi) { b in
            b.issuedAt = ts
            return (b.fileOffset, b.nrSector, b.sector)
        }
        io.addStep(.rqIssued, record: bi, at: ts, tid: tid, cpu: cpu, note: note,
                   TimelineEntry(timestamp: ts, step: .rqIssued, tid: tid, cpu: cpu, offset: fileOffset,
                                 length: UInt64(nrSector) * 512, value: Int64(sector), noteID: note))
    }

    /// Bio `bi` of `io` is done on the device (its request's block_rq_complete, or assembled
    /// steps); `note` unless it failed.
    @inline(__always)
    private func bioCompleted(_ io: LiveIO, _ bi: Int, at ts: UInt64, tid: UInt32, cpu: UInt16, error: Int32,
                              note: UInt32 = 0) {
        let (fileOffset, nrSector, sector) = io.t.modifyBio(bi) { b in
            b.completedAt = ts
            if error != 0 { b.error = error }
            return (b.fileOffset, b.nrSector, b.sector)
        }
        let note = error != 0 ? Self.errorNote(error) : note
        io.addStep(.rqCompleted, record: bi, at: ts, tid: tid, cpu: cpu, note: note,
                   TimelineEntry(timestamp: ts, step: .rqCompleted, tid: tid, cpu: cpu, offset: fileOffset,
                                 length: UInt64(nrSector) * 512, value: Int64(sector), noteID: note))
    }

    /// The note of a failed step, "error N" (out of line: the string's interpolation kept the
    /// inlined helpers that rarely need it from being inlined).
    @inline(never)
    static func errorNote(_ error: Int32) -> UInt32 { TimelineNote.id("error \(error)") }

    private func dioQueued(_ e: Event) {
        guard case .dioQueued(let p) = e.payload else { return }
        guard let io = submitting(e) else { count("iomap_dio_rw_queued"); return }
        io.t.queuedAt = e.timestamp
        // Named by its attempt when its range is the attempt's queued range (else kept whole).
        if let a = io.attemptRecord(.queued, offset: p.offset, length: p.length) {
            io.addStep(.queued, record: a, at: e.timestamp, tid: e.tid, cpu: e.cpu,
                       entry(e, .queued, offset: p.offset, length: p.length))
        } else {
            io.add(entry(e, .queued, offset: p.offset, length: p.length))
        }
        if let task = taskIfAny(e.tid) { setCurrent(task, nil) }
    }

    /// The steps the BPF side held back for a plain I/O (in-kernel assembly), applied as their
    /// own events would have been: the same mapping, bio and request records and timeline
    /// entries, then the entries put back in time order (the record arrives at the I/O's
    /// completion, after entries stamped later than its steps, e.g. io_submit's return).
    /// Map and bio ran in the submitting task; the request steps carry no task (tid 0), and no
    /// step carries a CPU (0): the record does not say.
    private func dioSteps(_ e: Event) {
        guard case .dioSteps(let p) = e.payload else { return }
        guard p.kiocb != 0, let io = byKiocb[p.kiocb], !io.settled, let a = io.state.lastAttempt else {
            count("dio_steps")
            return
        }
        let ts = e.timestamp
        if let mt = p.time(.map, eventTime: ts) {
            let m = IomapMapping(addr: p.mapAddr, offset: p.mapOffset, length: UInt64(p.mapLength), type: .mapped,
                                 flags: p.mapFlags, bdev: p.bdev, blkbits: p.blkbits)
            applyMapping(io, m, at: mt, tid: a.tid, cpu: 0, bioMayFollow: p.partial && !p.has(.bio))
        }
        if let bt = p.time(.bio, eventTime: ts) {
            let bytes = UInt32(truncatingIfNeeded: io.t.length)
            let bio = BlockIO(sector: p.bioSector, nrSector: bytes >> 9, bytes: bytes, ptr: 0, kiocb: p.kiocb, error: 0,
                              flags: p.bioFlags.union(.iomapDIO), op: p.bioOp)
            let bi = applyBio(io, bio, dev: p.bdev, at: bt, tid: a.tid, cpu: 0, exact: true)
            var seq: UInt32?
            if let it = p.time(.issue, eventTime: ts) {
                bioIssued(io, bi, at: it, tid: 0, cpu: 0)
                issueSeq = PendingBio.nextIssue(after: issueSeq)
                seq = issueSeq
            }
            if let dt = p.time(.requestDone, eventTime: ts) {
                bioCompleted(io, bi, at: dt, tid: 0, cpu: 0, error: Int32(p.requestError))
            } else if p.partial {
                // Its request events follow as their own events.
                addPendingBio(PendingBio(io: io, index: bi, issueSeq: seq, sector: bio.sector, nrSector: bio.nrSector),
                              dev: p.bdev)
            } else {
                count("dio_steps bio without request completion")
            }
        }
        io.sortEntriesByTimestamp()
    }

    private func dioComplete(_ e: Event) {
        guard case .dioComplete(let p) = e.payload else { return }
        let key = InodeKey(dev: e.dev, ino: e.ino)
        var io: LiveIO?
        if p.kiocb != 0, let k = byKiocb[p.kiocb], !k.completed { io = k }
        if io == nil, p.userRef != 0, let u = byUserRef[UserRefKey(tgid: e.tgid, ref: p.userRef)], !u.completed {
            io = u
        }
        if io == nil, let s = fileIfAny(key) {
            let isWrite = p.kiFlags.contains(.write)
            // IOCB_WRITE set: a write; not set: a read or a sync write (whose kiocb lacks the flag).
            let cands = s.inflight.filter { !$0.completed && !$0.awaitingRetry && (!isWrite || $0.t.op == .write)
                && (p.kiocb == 0 || $0.kiocb == 0) }
            // The kernel traces the completion after advancing ki_pos: `pos` is where the I/O
            // ended. An I/O that starts there, or whose full length ends there, is taken only when
            // none ended there: two adjacent I/Os in flight at once (a random writer's neighbouring
            // blocks) are otherwise taken in the order they began, the later one's completion
            // given to the earlier, and a conversion seen after "its" completion flagged.
            func endMatch(_ c: LiveIO) -> Bool {
                guard c.state.attemptCount > 0 else { return false }
                return c.t.offset + max(p.ret, 0) == p.pos
            }
            func posMatch(_ c: LiveIO) -> Bool {
                guard c.state.attemptCount > 0 else { return false }
                return endMatch(c) || c.t.offset == p.pos || (p.ret > 0 && c.t.offset + Int64(c.t.length) == p.pos)
            }
            // sync I/O completes in its own task; async completion work runs anywhere.
            func own(_ c: LiveIO) -> Bool { c.t.api == .sync && c.state.lastAttempt?.tid == e.tid }
            io = cands.first { own($0) && endMatch($0) } ?? cands.first { own($0) && posMatch($0) }
                ?? cands.first(where: endMatch) ?? cands.first(where: posMatch) ?? cands.first
        }
        guard let io else {
            orphanCompletion(e, p)
            return
        }
        let a = io.t.modifyLastAttempt { a in
            a.completedAt = e.timestamp
            a.error = p.error
            a.ret = p.ret
            return a
        }
        if let task = taskIfAny(e.tid), task.current == io { setCurrent(task, nil) }
        if (p.error == -11 || p.ret == -11) && (a.dioFlags.contains(.overwriteOnly) || a.nowait) {
            // Refused attempt: the kernel retries it (XFS force-wait, io_uring io-wq); nothing is posted.
            io.awaitingRetry = true
            io.addStep(.completed, value: p.ret, at: e.timestamp, tid: e.tid, cpu: e.cpu, note: TimelineNote.eagainRetry,
                       entry(e, .completed, value: p.ret, note: TimelineNote.eagainRetry))
            if io.kiocb != 0 { unindex(&byKiocb, io.kiocb, io) }
            return
        }
        io.t.completedAt = e.timestamp
        if io.t.result == nil { io.t.result = p.ret }
        io.t.isizeAtEnd = p.isize
        io.file.noteIsize(p.isize, at: e.timestamp)
        if io.t.op == .write, p.isize > io.t.isizeAtBegin, io.t.sizeUpdatedAt == nil {
            io.t.sizeUpdatedAt = e.timestamp
        }
        let note = p.error != 0 ? Self.errorNote(p.error) : 0
        io.addStep(.completed, value: p.ret, offset: p.pos, at: e.timestamp, tid: e.tid, cpu: e.cpu, note: note,
                   entry(e, .completed, offset: p.pos, value: p.ret, note: note))
        if io.kiocb != 0 { unindex(&byKiocb, io.kiocb, io) }
        // What the write made need conversion: only bytes actually written.
        if io.t.op == .write {
            // An empty list is left as it is: rebuilding it released its storage on every write.
            if p.ret > 0 {
                if io.state.hasNeedRanges {
                    let written = FileRange(start: io.t.offset, end: io.t.offset + min(Int64(io.t.length), p.ret))
                    io.t.intersectNeedRanges(with: written)
                }
                io.t.needsConversion = io.state.hasNeedRanges
                if io.t.needsConversion, io.fullyConverted, io.t.convertedAt == nil {
                    io.t.convertedAt = io.state.lastConversion?.timestamp
                }
            } else {
                io.t.removeNeedRanges()
                io.t.needsConversion = false
            }
        }
        switch io.t.api {
        case .libaio, .asyncOther:
            io.t.postedAt = e.timestamp
            let note = io.t.api == .libaio ? TimelineNote.aioRing : 0
            io.addStep(.posted, value: p.ret, at: e.timestamp, tid: e.tid, cpu: e.cpu, note: note,
                       entry(e, .posted, value: p.ret, note: note))
            if io.t.api == .libaio { listPosted(io, last: true) }
        case .ioUring:
            if io.kiocb != 0 { index(&uringByReq, io.kiocb, io) }
            slab.hold(io)
            uringWaiting.update(io.t.tgid, orInsert: { OrderedIOList() }) { $0.append(io) }
        case .sync:
            break
        }
        trySettle(io)
    }

    private func orphanCompletion(_ e: Event, _ p: DIOComplete) {
        let isWrite = p.kiFlags.contains(.write)
        let start = p.ret > 0 ? p.pos - p.ret : p.pos
        var t = IOTimeline(id: nextID, op: isWrite ? .write : .read, api: p.api, tgid: e.tgid, tid: e.tid,
                           comm: commString(tid: e.tid, tgid: e.tgid), dev: e.dev, ino: e.ino, offset: start,
                           length: UInt64(max(p.ret, 0)), requested: nil, syscall: nil, isizeAtBegin: -1,
                           blockSize: 1 << UInt64(options.defaultBlockBits), submittedAt: e.timestamp)
        nextID += 1
        t.completedAt = e.timestamp
        t.result = p.ret
        t.entries.append(entry(e, .completed, offset: p.pos, value: p.ret))
        t.status = .inconclusive
        t.inconclusiveReason = "cut off: completion without its begin (trace started mid-I/O or events lost)"
        emit(&t, key: InodeKey(dev: e.dev, ino: e.ino))
    }

    private func uringComplete(_ e: Event) {
        guard case .ioUringComplete(let p) = e.payload else { return }
        var io: LiveIO?
        if p.req != 0, let r = uringByReq[p.req] { io = r }
        if io == nil, p.userData != 0, let u = byUserRef[UserRefKey(tgid: e.tgid, ref: p.userData)], u.t.api == .ioUring,
           u.completed || (p.res == 0 && u.isReadAtEOF), !u.cqeSeen {
            io = u
        }
        // An I/O whose completion was never recorded: io_uring posts a CQE once iomap_dio_complete
        // has returned, so one for the request (its kiocb) still in flight, not refused, with the
        // same user_data, is its own. It is then settled as inconclusive instead of waiting, cut
        // off, for the end of the trace: the kernel runs no program, and counts nothing, for a
        // completion in a softirq on top of a task it hides from BPF (README, "Robustness").
        if io == nil, p.req != 0, let k = byKiocb[p.req], k.t.api == .ioUring, !k.completed, !k.awaitingRetry,
           !k.cqeSeen, p.userData == 0 || k.userRef == 0 || k.userRef == p.userData {
            io = k
        }
        // By process and result: only an I/O whose user_data is unknown, or is this CQE's (an I/O
        // known by another one gets its own CQE; ftrace imports know it for the I/Os begun right
        // after their submission, not for those io_uring punted to a worker, whose CQEs took the
        // oldest waiting I/O of the process, linked or not, before their own came)
        let userData = p.userData
        @inline(__always) func mayTake(_ u: LiveIO) -> Bool { u.userRef == 0 || userData == 0 || u.userRef == userData }
        if io == nil, let list = uringWaiting[e.tgid] {
            io = list.first { mayTake($0) && $0.t.result == Int64(p.res) } ?? list.first(where: mayTake)
        }
        if io == nil {
            // Any process: CQEs can be posted from irq context.
            for (_, list) in uringWaiting {
                if let c = list.first(where: { mayTake($0) && $0.t.result == Int64(p.res) }) { io = c; break }
            }
        }
        guard let io else { count("io_uring_complete"); return }
        io.cqeSeen = true
        io.t.postedAt = e.timestamp
        io.t.result = Int64(p.res)
        io.addStep(.posted, value: Int64(p.res), at: e.timestamp, tid: e.tid, cpu: e.cpu, note: TimelineNote.cqe,
                   entry(e, .posted, value: Int64(p.res), note: TimelineNote.cqe))
        if io.kiocb != 0 { unindex(&uringByReq, io.kiocb, io) }
        for _ in 0..<(uringWaiting.modifyIfPresent(io.t.tgid) { $0.removeAll(of: io) } ?? 0) { slab.drop(io) }
        if io.awaitingRetry { io.awaitingRetry = false; io.t.completedAt = e.timestamp }
        trySettle(io)
    }

    private func aioReap(_ e: Event) {
        guard case .aioReap(let p) = e.payload else { return }
        if let task = taskIfAny(e.tid), task.open?.sysno == .ioGetevents || task.open?.sysno == .ioPgetevents {
            task.open!.reapsSeen += 1
        } else {
            // a reap record after the call's exit: one fewer for the FIFO rule
            pendingFIFOReap.modifyIfPresent(e.tid) { $0.n = max(0, $0.n - 1) }
        }
        guard p.obj != 0, let io = byUserRef[UserRefKey(tgid: e.tgid, ref: p.obj)] else {
            if p.obj == 0 {
                reapFIFO(tgid: e.tgid, ctx: p.ctx, tid: e.tid, ts: e.timestamp, n: 1)
            } else if !(recentFIFOReaps[e.tgid] ?? []).contains(p.obj) {
                // (a record for an I/O the FIFO rule already reaped agrees with it: nothing to do)
                count("aio_reap")
            }
            return
        }
        reap(io, ts: e.timestamp, tid: e.tid, cpu: e.cpu, res: p.res)
    }

    private func reap(_ io: LiveIO, ts: UInt64, tid: UInt32, cpu: UInt16, res: Int64?) {
        io.t.reapedAt = ts
        if let res { io.t.result = res }
        let value = res ?? io.t.result
        io.addStep(.reaped, value: value, at: ts, tid: tid, cpu: cpu,
                   TimelineEntry(timestamp: ts, step: .reaped, tid: tid, cpu: cpu, value: value))
        switch io.postedListings {
        case 0: break  // not listed: taken by the FIFO rule, or never posted
        case 1: if aioPosted.modifyIfPresent(io.t.tgid, { $0.removeFirst(of: io) }) == true { slab.drop(io) }
        default: for _ in 0..<(aioPosted.modifyIfPresent(io.t.tgid) { $0.removeAll(of: io) } ?? 0) { slab.drop(io) }
        }
        io.postedListings = 0
        if io.userRef != 0 { unindex(&byUserRef, UserRefKey(tgid: io.t.tgid, ref: io.userRef), io) }
        if io.awaitingRetry { io.awaitingRetry = false }
        trySettle(io)
    }

    /// io_getevents on aio context `ctx` returned `n` events not seen individually: the n oldest
    /// posted ones of that context. A process may have a context per thread (fio's threads, a
    /// database's I/O threads), each reaped by its own thread: taking the process's oldest
    /// regardless of context paired one thread's reap with another's completion, made it
    /// user-visible before its own conversion and flagged it. An I/O or a call whose context is
    /// unknown (0: its io_submit or io_getevents enter was not seen) matches any.
    private func reapFIFO(tgid: UInt32, ctx: UInt64, tid: UInt32, ts: UInt64, n: Int) {
        guard var list = aioPosted.removeValue(forKey: tgid), !list.isEmpty else {
            count("io_getevents without posted I/O")
            return
        }
        let reaped = list.takeOldest(n) { ctx == 0 || $0.aioCtx == 0 || $0.aioCtx == ctx }
        if !list.isEmpty { aioPosted[tgid] = list }
        guard !reaped.isEmpty else {
            count("io_getevents without posted I/O")
            return
        }
        for io in reaped { io.postedListings &-= 1 }
        for io in reaped {
            if io.userRef != 0 {
                var recent = recentFIFOReaps[tgid] ?? []
                if recent.count >= 64 { recent.removeFirst() }
                recent.append(io.userRef)
                recentFIFOReaps[tgid] = recent
            }
            reap(io, ts: ts, tid: tid, cpu: 0, res: nil)
        }
        for io in reaped { slab.drop(io) }
        if n > reaped.count { count("io_getevents beyond posted I/O") }
    }

    // MARK: - filesystem completion work

    /// The unsettled write on `key` overlapping `r` chosen FIFO (oldest first).
    private func oldestWrite(_ key: InodeKey, _ r: FileRange, where pred: (LiveIO) -> Bool) -> LiveIO? {
        guard let s = fileIfAny(key) else { return nil }
        return oldestWrite(s, r, where: pred)
    }

    private func oldestWrite(_ s: InodeState, _ r: FileRange, where pred: (LiveIO) -> Bool) -> LiveIO? {
        s.oldestInflightWrite(overlapping: r, where: pred)
    }

    private func conversion(_ e: Event, key: InodeKey, range r: FileRange, source: ConversionSource) {
        guard let io = oldestWrite(key, r, where: { w in
            w.state.needRangeOverlaps(r) && !(w.t.convertedAt != nil && w.fullyConverted)
        }) else {
            unmatchedConversions[source.rawValue] &+= 1
            return
        }
        let note = source.note
        io.t.appendConversion(ConversionStep(timestamp: e.timestamp, source: note, offset: r.start,
                                             length: UInt64(r.end - r.start), tid: e.tid))
        io.addStep(.conversion, record: io.state.conversionCount - 1, at: e.timestamp, tid: e.tid, cpu: e.cpu, note: note,
                   entry(e, .conversion, offset: r.start, length: UInt64(r.end - r.start), note: note))
        if io.fullyConverted { io.t.convertedAt = e.timestamp }
        trySettle(io)
    }

    private func xfs(_ e: Event, _ kind: XFSEventKind) {
        guard case .xfs(_, let p) = e.payload else { return }
        let key = InodeKey(dev: e.dev, ino: e.ino)
        // One lookup for the size note and the join (each lookup retains and releases the state).
        let file: InodeState? = p.isize >= 0 ? inode(key) : fileIfAny(key)
        if p.isize >= 0 { file!.noteIsize(p.isize, at: e.timestamp) }
        let r = FileRange(start: p.offset, end: p.offset + Int64(p.count))
        switch kind {
        case .directWrite:
            break
        case .endIoDirectWrite:
            guard p.count > 0, let file else { return }
            if let io = oldestWrite(file, r, where: { !$0.completed }) {
                if let a = io.attemptRecord(.endIO, offset: p.offset, length: p.count) {
                    io.addStep(.endIO, record: a, at: e.timestamp, tid: e.tid, cpu: e.cpu, note: TimelineNote.xfsEndIO,
                               entry(e, .endIO, offset: p.offset, length: p.count, note: TimelineNote.xfsEndIO))
                } else {
                    io.add(entry(e, .endIO, offset: p.offset, length: p.count, note: TimelineNote.xfsEndIO))
                }
            }
        case .unwrittenConvert:
            guard p.count > 0 else { return }
            conversion(e, key: key, range: r, source: .xfsUnwrittenConvert)
        case .setFileSize:
            if let file, let io = oldestWrite(file, r, where: { $0.t.sizeUpdatedAt == nil || !$0.completed }) {
                io.t.sizeUpdatedAt = e.timestamp
                io.add(entry(e, .sizeUpdate, offset: p.offset, length: p.count, value: p.isize,
                             note: TimelineNote.xfsSetFileSize))
            }
        }
    }

    /// `handleUnwritten`: from ext4_ext_handle_unwritten_extents, else ext4_ext_map_blocks_enter.
    /// Out of line: inlined into `handle`, it cost every event of a trace without ext4 (about 50
    /// instructions per I/O, callgrind).
    @inline(never)
    private func ext4(_ e: Event, handleUnwritten: Bool) {
        let p: Ext4Map
        switch e.payload {
        case .ext4MapBlocksEnter(let q), .ext4HandleUnwritten(let q): p = q
        default: return
        }
        guard p.flags.contains(.convert) || p.flags.contains(.convertUnwritten), p.len > 0 else { return }
        let key = InodeKey(dev: e.dev, ino: e.ino)
        let bs = Int64(blockSize(inode(key), hint: p.blkbits))
        let r = FileRange(start: Int64(p.lblk) * bs, end: (Int64(p.lblk) + Int64(p.len)) * bs)
        conversion(e, key: key, range: r, source: handleUnwritten ? .ext4HandleUnwritten : .ext4MapBlocksEnter)
    }

    private func spaceOp(_ e: Event) {
        guard case .fsSpaceOp(let p) = e.payload else { return }
        let key = InodeKey(dev: e.dev, ino: e.ino)
        let s = inode(key)
        if p.isize >= 0 { s.noteIsize(p.isize, at: e.timestamp) }
        // xfs_zero_eof: a size change zeroes [offset, offset+len) computed from the in-core size.
        let zeroed: FileRange? = p.kind == .xfsZeroEof && p.len > 0
            ? FileRange(start: p.offset, end: p.offset + p.len) : nil
        if let live = openOpsByTid[e.tid], live.op.kind == .fallocate || live.op.kind == .ftruncate {
            // xfs_setattr fires before the call waits for direct I/O (seen on 6.18): not a size change yet.
            if p.kind != .ext4FallocateEnter && p.kind != .xfsSetattr { live.op.internalAt.append(e.timestamp) }
            if let zeroed { live.touched.append((e.timestamp, zeroed)) }
            if !live.resolved { resolve(live, key, e) }
            return
        }
        // A size/space change without a traced syscall (ftrace without syscall events).
        guard p.kind != .ext4FallocateEnter, p.kind != .ext4FallocateExit else { return }
        let op = FileOperation(kind: .spaceOp, tgid: e.tgid, tid: e.tid, dev: key.dev, ino: key.ino,
                               startedAt: e.timestamp, endedAt: e.timestamp, offset: p.offset, length: p.len,
                               internalAt: [e.timestamp])
        let live = LiveOp(op: op, resolved: true)
        if let zeroed { live.touched.append((e.timestamp, zeroed)) }
        s.ops.append(live)
        checkFlush(s)
    }

    /// The file of an open fallocate/ftruncate became known from an event inside it.
    private func resolve(_ live: LiveOp, _ key: InodeKey, _ e: Event) {
        live.resolved = true
        live.op.dev = key.dev
        live.op.ino = key.ino
        unresolvedOps.removeAll { $0 === live }
        inode(key).openOps.append(live)
        if let fd = taskIfAny(e.tid)?.open?.fd, fd >= 0 { noteDescriptor(tgid: e.tgid, fd: fd, key: key) }
        flushDeferred()
    }

    private func lost(_ e: Event) {
        guard case .lost(let p) = e.payload else { return }
        // (since, until] spans the drops (session 17's consumer notes when they happened); without
        // `until` (older recordings, ftrace), or with one that no consumer writes (not after
        // `since`, or more than a second after the record: the consumer stamps the record at its
        // drop check and reads the drop times right after), the window ends at the record's time
        let trusted = p.untilNs > p.sinceNs && p.untilNs <= e.timestamp &+ 1_000_000_000
        let until = trusted ? p.untilNs : e.timestamp
        if p.recursionMiss && p.probe == Lost.dioCompleteProbe {
            missedCompletions(LostWindow(since: p.sinceNs, until: until, dropped: p.dropped, missesOf: "iomap_dio_complete"))
            return
        }
        let w = LostWindow(since: p.sinceNs, until: until, dropped: p.dropped)
        lostWindows.append(w)
        for (_, s) in inodes.table {
            // An I/O still in flight overlaps every window after its start: its next event may be
            // among the dropped ones, whenever its last seen event was.
            for io in s.inflight where io.t.submittedAt <= w.until { markLost(io, w) }
            for io in s.history where io.endedAt >= w.since && io.t.submittedAt <= w.until { markLost(io, w) }
        }
    }

    /// Window `w` lost only hits of `iomap_dio_complete` that its program missed (the kernel skips
    /// a program that fires while it already runs on the CPU: an I/O completed in an interrupt
    /// while the program handled another's completion). Every missed hit is some attempt's
    /// completion, and the program writes nothing else (the steps it emits first are those of the
    /// same kiocb), so only an I/O that ends up with an attempt without a completion can have
    /// lost anything: the I/Os in flight are suspects, judged when they settle, and a settled one
    /// is judged now. Marking every I/O in the window instead made hundreds inconclusive per miss
    /// (thousands for a first miss's 50 ms window) and dropped the findings of I/Os that had
    /// lost nothing.
    private func missedCompletions(_ w: LostWindow) {
        missWindows.append(w)
        for (_, s) in inodes.table {
            for io in s.inflight where io.t.submittedAt <= w.until { io.suspect = true }
            for io in s.history where io.endedAt >= w.since && io.t.submittedAt <= w.until {
                io.suspect = true
                confirmMiss(io)
            }
        }
    }

    /// An I/O emitted before a miss window that covers it was reported, without a completion (so
    /// inconclusive already): its findings are unproven too.
    private func isMissVictim(_ span: (id: UInt64, start: UInt64, end: UInt64, status: IOStatus)) -> Bool {
        span.status != .complete && missWindows.overlaps(start: span.start, end: span.end)
    }

    /// Marks suspect `io` lost if one of its attempts has no completion (``missedCompletions(_:)``).
    private func confirmMiss(_ io: LiveIO) {
        guard io.suspect, !io.lost, !io.attemptsAllCompleted else { return }
        let windows = missWindows.windows
        let w = windows.first { $0.until >= io.t.submittedAt } ?? windows[windows.count - 1]
        markLost(io, w)
        missVictims.insert(io.t.id)
    }

    /// An I/O marked lost that has shown no progress for this long (trace time) is settled
    /// without waiting for the rest: it is inconclusive whatever comes, and a completion that
    /// does arrive later is only counted as unmatched. Short, so that a run that keeps losing
    /// events does not hold IOPS × delay worth of later I/Os behind it.
    static let staleLostNs: UInt64 = 250_000_000
    static let staleCheckIntervalNs: UInt64 = 100_000_000
    @exclusivity(unchecked) private var nextStaleCheck: UInt64 = 0
    /// I/Os settled by ``evictStaleLost()`` (reported in `unmatched`).
    private(set) var evictedStale: UInt64 = 0

    /// Settles, as inconclusive, lost I/Os that stopped making progress. Without this an I/O whose
    /// completion was dropped stays in flight forever, its file never goes quiet, and a long
    /// live run holds every later I/O of that file.
    private func evictStaleLost() {
        guard lastTs > Self.staleLostNs else { return }
        let limit = lastTs - Self.staleLostNs
        for (_, s) in inodes.table where !s.inflight.isEmpty {
            let stale = s.inflight.filter { io in
                (io.lost || (io.suspect && !io.attemptsAllCompleted)) && !io.settled
                    && (io.log.isEmpty ? io.t.submittedAt : io.log.lastTimestamp) < limit
            }
            defer { if !stale.isEmpty && !s.quiescent { partialFlush(s) } }
            for io in stale {
                io.awaitingRetry = false
                io.t.status = .inconclusive
                io.t.inconclusiveCause = .lostNoCompletion
                evictedStale += 1
                count("lost I/O evicted without completion")
                settle(io)
            }
        }
        // Bios whose request events were dropped, and settled I/Os still waiting to be reaped,
        // would otherwise be held (with their I/Os) for the rest of the run.
        prunePendingBios(queuedBefore: limit)
        pruneSettled(&aioPosted) { io in
            io.postedListings = 0
            slab.drop(io)
        }
        pruneSettled(&uringWaiting) { slab.drop($0) }
    }

    /// Takes the settled I/Os out of each process's list in `table` (the posted or the waiting
    /// I/Os), calling `taken` on every listing taken, and drops the lists that leaves empty. A
    /// list keeps its place in the table: the CQE join's fallback walks the waiting lists in
    /// table order.
    private func pruneSettled(_ table: inout OpenTable<UInt32, OrderedIOList>, _ taken: (LiveIO) -> Void) {
        for (tgid, list) in table where list.contains(where: \.settled) {
            for io in table.modifyIfPresent(tgid, { $0.removeAll(where: \.settled) }) ?? [] { taken(io) }
            if table[tgid]?.isEmpty == true { table[tgid] = nil }
        }
    }

    /// A pending bio whose I/O is done (completed in the kernel, or settled) and that was queued
    /// longer ago than this (trace time) has no request completion coming: the kernel fired no
    /// block_rq_complete for its request (seen on loop devices, 11-33 requests per 20 s fio run,
    /// also by an independent bpftrace count). Generous against late completions: an I/O's
    /// bios complete before the I/O does, so a real completion of a done I/O's bio can only be
    /// one that the reorder window (20 ms by default) let arrive out of order.
    static let pendingBioMaxAgeNs: UInt64 = 1_000_000_000
    @exclusivity(unchecked) private var nextBioSweep: UInt64 = 0

    static let bioWithoutCompletion = "bio without request completion dropped"

    /// Drops pending bios of done I/Os queued before `limit`, counting them in `unmatched`. Runs
    /// always (and sooner, with a shorter age, from ``evictStaleLost()`` when events were lost):
    /// without it each such bio held its settled I/O for the rest of a live run. The lists hold
    /// the bios in flight (about the queue depth) plus these; a pass over them every
    /// ``staleCheckIntervalNs`` is a bounded cost per event.
    private func prunePendingBios(queuedBefore limit: UInt64) {
        func prunable(_ b: PendingBio) -> Bool {
            (b.io.settled || b.io.completed) && b.io.state.bio(b.index).queuedAt < limit
        }
        for (dev, list) in pendingBios {
            // Looked for before copying: the copy of a device's whole list was made on every
            // sweep, and with a deep queue it outweighed the list itself at the peak.
            guard list.contains(where: prunable) else { continue }
            var kept: [PendingBio] = []
            kept.reserveCapacity(list.count)
            for b in list {
                if prunable(b) { slab.drop(b.io) } else { kept.append(b) }
            }
            unmatched[Self.bioWithoutCompletion, default: 0] += UInt64(list.count - kept.count)
            pendingBios[dev] = kept.isEmpty ? nil : kept
        }
    }

    func markLost(_ io: LiveIO, _ w: LostWindow) {
        guard !io.lost else { return }
        io.lost = true
        io.add(TimelineEntry(timestamp: w.until, step: .lost, tid: 0, value: Int64(w.dropped),
                             note: "since \(formatSeconds(w.since))"))
    }

    // MARK: - settling and flushing

    func trySettle(_ io: LiveIO) {
        guard !io.settled, !io.awaitingRetry else { return }
        let userDone: Bool = switch io.t.api {
        case .sync: io.t.returnedAt != nil || (io.noSyscall && io.completed)
        // Without any syscall events (ftrace without the syscalls group) reaping is invisible.
        case .libaio: io.t.reapedAt != nil || io.ownerExited || (!sawSyscalls && io.completed)
        case .ioUring: io.cqeSeen
        case .asyncOther: io.completed
        }
        guard userDone else { return }
        if !io.completed, io.isReadAtEOF, (io.t.result ?? 0) == 0 {
            // The user got 0 for a read at the end of the file: iomap ended it at its begin.
            endReadAtEOF(io)
        }
        if !io.completed {
            // The user has the result but the kernel's completion record is missing (a probe did not
            // record it): the I/O's ordering cannot be judged.
            guard io.t.api == .libaio || io.t.api == .ioUring || io.t.returnedAt != nil else { return }
            if io.t.api == .sync, let r = io.t.result, r < 0 {
                settle(io)  // failed before any I/O: iomap frees such a dio without completing it
                return
            }
            io.t.status = .inconclusive
            io.t.inconclusiveCause = .resultWithoutCompletion
            count(AnalysisResult.resultWithoutCompletion)
            settle(io)
            return
        }
        if io.t.needsConversion && !io.fullyConverted { return }
        settle(io)
    }

    /// Completes a read that began at or past the end of the file (``LiveIO/isReadAtEOF``) with 0
    /// bytes where it began: iomap returned there, and records no completion for it. Its user
    /// sees 0 bytes (a system call's return, a reap or CQE of 0), or, when no system call of its
    /// task is traced (read(2)), the task goes on to something else.
    private func endReadAtEOF(_ io: LiveIO) {
        let a = io.t.modifyLastAttempt { a in
            a.completedAt = a.beganAt
            a.ret = 0
            return a
        }
        io.t.completedAt = a.beganAt
        if io.t.result == nil { io.t.result = 0 }
        io.add(TimelineEntry(timestamp: a.beganAt, step: .completed, tid: a.tid, offset: io.t.offset, value: 0,
                             noteID: TimelineNote.readAtEOF))
        io.sortEntriesByTimestamp()  // (after a return or reap already logged)
        if io.kiocb != 0 { unindex(&byKiocb, io.kiocb, io) }
    }

    /// A libaio read that io_submit began at or past the end of the file and that did nothing more
    /// before the call returned: iomap returned 0 for it within the call, and the call posted its
    /// completion to the aio ring right there (`aio_complete` on the submitting path). Ended and
    /// posted where it began, in posting order, so that an io_getevents return without its
    /// iocb (ftrace) reaps it by the FIFO rule: it was never posted, and the trace's end cut it off.
    private func postReadAtEOF(_ io: LiveIO) {
        endReadAtEOF(io)
        let at = io.t.completedAt!
        io.t.postedAt = at
        io.add(TimelineEntry(timestamp: at, step: .posted, tid: io.t.tid, value: 0, noteID: TimelineNote.aioRing))
        io.sortEntriesByTimestamp()
        listPosted(io, last: false)
    }

    /// Lists a libaio I/O whose completion was posted (`postedAt` set) among its process's posted,
    /// unreaped ones, in posting order: the FIFO rule (`reapFIFO`) takes the oldest. A completion
    /// is listed when its record is handled, in time order, so it goes `last`; a read at the end of
    /// the file (``postReadAtEOF(_:)``) is posted at its begin but known only when its io_submit
    /// returns, after completions posted in between, so it is inserted in order.
    ///
    /// Inlined, and the completion's append not behind the look for its place: as one function
    /// that looked (reading the last I/O's time) and inserted, the analysis counted 1.9 % more
    /// instructions than with the append written at the completion (callgrind, session 19).
    @inline(__always)
    private func listPosted(_ io: LiveIO, last: Bool) {
        if last {
            aioPosted.update(io.t.tgid, orInsert: { OrderedIOList() }) { $0.append(io) }
        } else {
            let at = io.t.postedAt ?? 0
            aioPosted.update(io.t.tgid, orInsert: { OrderedIOList() }) { $0.insert(io, at: at) { $0.t.postedAt ?? 0 } }
        }
        io.postedListings &+= 1
        slab.hold(io)
    }

    /// Task `task` went on to something else (a system call, a direct I/O, its exit): a read at the
    /// end of the file that its untraced call (read(2)) began has returned 0.
    private func taskMovedOn(_ task: TaskState) {
        guard let io = task.current, io.t.api == .sync, io.noSyscall, !io.settled, io.isReadAtEOF else { return }
        setCurrent(task, nil)
        endReadAtEOF(io)
        trySettle(io)
    }

    private func settle(_ io: LiveIO) {
        if io.suspect { confirmMiss(io) }
        io.settled = true
        let s = io.file
        s.removeInflight(io)
        s.history.append(io)
        if io.inMappedList {
            io.inMappedList = false
            _ = mappedInflight.removeFirst(of: io)
        }
        if io.kiocb != 0 { unindex(&byKiocb, io.kiocb, io) }
        if io.userRef != 0 { unindex(&byUserRef, UserRefKey(tgid: io.t.tgid, ref: io.userRef), io) }
        if io.kiocb != 0 { unindex(&uringByReq, io.kiocb, io) }
        if io.t.op == .write { checkShortWrite(io) }
        checkFlush(s)
    }

    func checkFlush(_ s: InodeState) {
        if !s.quiescent {
            if s.history.count + s.ops.count >= s.nextPartialFlush { partialFlush(s) }
            return
        }
        guard !s.history.isEmpty || !s.ops.isEmpty else { return }
        if !unresolvedOps.isEmpty && !finishing {
            deferredFlush.insert(s.key)
            return
        }
        flush(s)
    }

    private func flushDeferred() {
        guard unresolvedOps.isEmpty, !deferredFlush.isEmpty else { return }
        let keys = deferredFlush
        deferredFlush = []
        for k in keys { if let s = fileIfAny(k) { checkFlush(s) } }
    }

    /// Runs the detectors over a quiescent file's history, then emits and drops it.
    func flush(_ s: InodeState) {
        // Sorted in place: `sorted` copies the list.
        s.history.sort { $0.t.id < $1.t.id }
        let ios = s.history
        runDetectors(s, ios: ios, ops: s.ops)
        for io in ios {
            emitSettled(io, s, endedAt: io.endedAt)
            slab.emitted(io)
        }
        s.history.removeAll()
        s.ops.removeAll()
        s.nextPartialFlush = InodeState.partialFlushMinimum
    }

    /// A file that never goes quiet (a long random-I/O run): detectors run over what settled, and
    /// what ended before anything still in flight began is emitted and dropped. Anything a race
    /// needs overlaps in time, so an item older than every open one can meet no future partner;
    /// its pairs with items still held were judged now (findings are deduplicated by key).
    private func partialFlush(_ s: InodeState) {
        var horizon = UInt64.max
        for io in s.inflight { horizon = min(horizon, io.t.submittedAt, io.beganAt) }
        for op in s.openOps { horizon = min(horizon, op.op.startedAt) }
        for op in unresolvedOps { horizon = min(horizon, op.op.startedAt) }
        s.history.sort { $0.t.id < $1.t.id }
        let ios = s.history
        runDetectors(s, ios: ios, ops: s.ops)
        var kept: [LiveIO] = []
        for io in ios {
            let endedAt = io.endedAt
            if endedAt < horizon {
                emitSettled(io, s, endedAt: endedAt)
                slab.emitted(io)
            } else {
                kept.append(io)
            }
        }
        s.history = kept
        s.ops.removeAll { ($0.op.endedAt ?? UInt64.max) < horizon }
        // Next attempt when the held set has doubled: bounded work per settled I/O.
        s.nextPartialFlush = max(InodeState.partialFlushMinimum, 2 * (s.history.count + s.ops.count))
    }

    /// `endedAt` is the I/O's (``LiveIO/endedAt``), which the callers have.
    private func emitSettled(_ io: LiveIO, _ s: InodeState, endedAt: UInt64) {
        let phases = computePhases(io)
        if io.lastBioDoneAt == nil, io.completed, io.state.bioCount > 0 {
            unmatched[AnalysisResult.noDeviceCompletion, default: 0] += 1
        }
        if io.lost, io.t.status == .complete {
            io.t.status = .inconclusive
            io.t.inconclusiveCause = .lostInFlight
        }
        record(io.t.id, io.t.op, io.t.api, io.t.status, retried: io.state.attemptCount > 1, result: io.t.result,
               tgid: io.t.tgid, submittedAt: io.t.submittedAt, endedAt: endedAt, phases: phases, key: s.key)
        // The public timeline is built, and its entries decoded, only for a timeline something
        // receives (kept or handed to `onTimeline`): `analyze` without --timelines and `live` keep
        // only the counts and phase tables of nearly every I/O. The entries are decoded into a
        // buffer the engine reuses (swapped in and out of the timeline), not into an array of the
        // I/O's own, so that an I/O in flight carries no room for them (see EntryLog).
        guard wantsTimeline(id: io.t.id, status: io.t.status) else { return }
        var t = io.t.timeline(key: io.key, entries: [], phases: phases)
        swap(&t.entries, &entryBuffer)
        io.decodeEntries(into: &t.entries)
        deliver(&t)
        swap(&t.entries, &entryBuffer)
        // Emptied in place while nothing else holds it; a kept timeline (or an `onTimeline`
        // consumer) holding it leaves it to that holder, and a new buffer is started.
        entryBuffer.removeAll(keepingCapacity: true)
    }

    /// The entries of the timeline being emitted (see ``emitSettled(_:_:endedAt:)``).
    @exclusivity(unchecked) private var entryBuffer: [TimelineEntry] = []

    func computePhases(_ io: LiveIO) -> PhaseLatencies {
        // Each time read where it is packed (``PackedTimes``), not all of them unpacked.
        var p = PhaseLatencies()
        func d(_ a: UInt64?, _ b: UInt64?) -> UInt64? {
            guard let a, let b, b >= a else { return nil }
            return b - a
        }
        p.submitToFirstBio = d(io.t.submittedAt, io.firstBioAt)
        let lastBioDoneAt = io.lastBioDoneAt
        p.device = d(io.firstBioAt, lastBioDoneAt)
        let convertedAt = io.t.convertedAt, postedAt = io.t.postedAt, reapedAt = io.t.reapedAt
        let returnedAt = io.t.returnedAt
        p.deviceToConversion = d(lastBioDoneAt, convertedAt)
        let userPoint = postedAt ?? returnedAt
        p.conversionToPosted = d(convertedAt ?? lastBioDoneAt, userPoint)
        p.postedToReaped = d(postedAt, reapedAt)
        p.total = d(io.t.submittedAt, reapedAt ?? returnedAt ?? postedAt ?? io.t.completedAt)
        return p
    }

    /// Counts `t` and hands it on (``record(_:_:_:_:retried:result:tgid:submittedAt:endedAt:phases:key:)``,
    /// then ``deliver(_:)``).
    func emit(_ t: inout IOTimeline, key: InodeKey) {
        record(t.id, t.op, t.api, t.status, retried: t.attempts.count > 1, result: t.result, tgid: t.tgid,
               submittedAt: t.submittedAt, endedAt: t.endedAt, phases: t.phases, key: key)
        if wantsTimeline(id: t.id, status: t.status) { deliver(&t) }
    }

    /// Counts an emitted I/O and adds its phases to the phase tables. `endedAt` is its
    /// ``IOTimeline/endedAt`` counting every entry (``LiveIO/endedAt``). Given the fields it
    /// reads, not a timeline: an I/O the analyzer held has no public timeline unless something
    /// receives it.
    func record(_ id: UInt64, _ op: IOOperation, _ api: IOAPI, _ status: IOStatus, retried: Bool, result: Int64?,
                tgid: UInt32, submittedAt: UInt64, endedAt: UInt64, phases: PhaseLatencies, key: InodeKey) {
        counts.total += 1
        if op == .read { counts.reads += 1 } else { counts.writes += 1 }
        apiOpCounts[Int(api.rawValue) * 2 + (op == .write ? 1 : 0)] += 1
        if status == .inconclusive { counts.inconclusive += 1 }
        if retried { counts.retried += 1 }
        if let r = result, r < 0 { counts.errors += 1 }
        if status == .complete {
            switch phaseMirror {
            case .none: phaseMirror = .one(tgid: tgid, key: key)
            case .one(let t, let k) where t != tgid || k != key: endPhaseMirror()
            case .one, .ended: break
            }
            overall.add(phases)
            if case .ended = phaseMirror {
                addPhases(phases, tgid, to: &byProcess, else: &otherProcesses) { "pid \(tgid)" }
                addPhases(phases, key, to: &byInode, else: &otherFiles) { "ino \(key.dev)/\(key.ino)" }
            }
        }
        emittedSpans.append((id, submittedAt, endedAt, status))
        if emittedSpans.count >= nextSpanFold {
            foldOldSpans()
            nextSpanFold = max(8192, 2 * emittedSpans.count)
        }
    }

    /// Whether an emitted timeline goes anywhere: to `onTimeline`, or kept (every one, one a
    /// finding names, or an inconclusive one up to the limit).
    @inline(__always)
    func wantsTimeline(id: UInt64, status: IOStatus) -> Bool {
        onTimeline != nil || keepsTimeline(id: id)
            || (status == .inconclusive && keptInconclusive < options.maxInconclusiveTimelines)
    }

    /// Whether emitted timeline `id` is kept whatever its status: every one is, or a finding names it.
    @inline(__always)
    private func keepsTimeline(id: UInt64) -> Bool {
        options.keepAllTimelines || (!findingIOs.isEmpty && findingIOs.contains(id))
    }

    /// Hands an emitted timeline to `onTimeline` and keeps it where ``wantsTimeline(id:status:)`` says.
    func deliver(_ t: inout IOTimeline) {
        onTimeline?(t)
        if keepsTimeline(id: t.id) {
            timelines.append(t)
        } else if t.status == .inconclusive {
            // Kept for the report, up to a limit: under sustained drops a live run would otherwise
            // hold every one of them (they are all counted either way).
            if keptInconclusive < options.maxInconclusiveTimelines {
                keptInconclusive += 1
                timelines.append(t)
            }
        }
    }

    /// Adds `p` to the accumulator of `key` in `groups` (made, named `group()`, while `groups`
    /// holds fewer than ``AnalysisOptions/maxPhaseGroups``), or else to `other`. The extra lookup
    /// runs only once the bound is reached.
    @inline(__always)
    private func addPhases<K: OpenTableKey>(_ p: PhaseLatencies, _ key: K, to groups: inout OpenTable<K, PhaseAccumulator>,
                                            else other: inout PhaseAccumulator, group: () -> String) {
        if groups.count < options.maxPhaseGroups || groups[key] != nil {
            groups.update(key, orInsert: { PhaseAccumulator(group: group()) }) { $0.add(p) }
        } else {
            other.add(p)
        }
    }

    /// While every complete I/O so far came from one process (`tgid`) and one file (`key`), that
    /// process's and that file's phase accumulators would receive exactly the samples `overall`
    /// does: only `overall` is fed, and the two are made as copies of it when an I/O of another
    /// process or file first comes (``endPhaseMirror()``), or at the end. Adding every sample to
    /// three accumulators was a sixth of the analysis's instructions for the usual trace of one
    /// workload on one file.
    @exclusivity(unchecked) private var phaseMirror = PhaseMirror.none

    private enum PhaseMirror {
        /// No complete I/O yet.
        case none
        /// Every complete I/O so far was this process's, on this file.
        case one(tgid: UInt32, key: InodeKey)
        /// All three accumulators are fed.
        case ended
    }

    /// Makes the mirrored process's and file's accumulators real (copies of `overall`, which holds
    /// exactly their samples), and feeds all three from now on.
    private func endPhaseMirror() {
        if case .one(let tgid, let key) = phaseMirror {
            var process = overall
            var file = overall
            if options.maxPhaseGroups > 0 {
                process.group = "pid \(tgid)"
                byProcess[tgid] = process
                file.group = "ino \(key.dev)/\(key.ino)"
                byInode[key] = file
            } else {
                process.group = otherProcesses.group
                otherProcesses = process
                file.group = otherFiles.group
                otherFiles = file
            }
        }
        phaseMirror = .ended
    }

    /// I/Os emitted per (api, op), index api.rawValue * 2 + (write ? 1 : 0): turned into
    /// `counts.byAPI` ("libaio write") by buildResult; a String key built per I/O cost more than
    /// the rest of emit.
    @exclusivity(unchecked) private var apiOpCounts = [UInt64](repeating: 0, count: 8)

    /// Inconclusive timelines kept so far when not keeping all (see AnalysisOptions).
    @exclusivity(unchecked) private var keptInconclusive = 0

    /// Sizes of the engine's collections (diagnostics: DIOSCOPE_DEBUG_MEMORY).
    func collectionSizes() -> [(String, Int)] {
        var inflight = 0, history = 0, ops = 0, openOps = 0
        for (_, s) in inodes.table {
            inflight += s.inflight.count; history += s.history.count; ops += s.ops.count; openOps += s.openOps.count
        }
        return [("inodes", inodes.count), ("inflight", inflight), ("history", history), ("ops", ops),
                ("openOps", openOps), ("pendingBios", pendingBios.valuesArray.reduce(0) { $0 + $1.count }),
                ("aioPosted", aioPosted.valuesArray.reduce(0) { $0 + $1.count }),
                ("uringWaiting", uringWaiting.valuesArray.reduce(0) { $0 + $1.count }), ("byKiocb", byKiocb.count),
                ("byUserRef", byUserRef.count), ("uringByReq", uringByReq.count), ("mappedInflight", mappedInflight.count),
                ("ioSlots", slab.slots), ("ioSlotsInUse", slab.inUse),
                ("taskSlots", taskSlab.slots), ("taskSlotsInUse", taskSlab.inUse),
                ("fileSlots", slab.files.slots), ("fileSlotsInUse", slab.files.inUse),
                ("tasks", tasks.count), ("tasksDropped", tasksDropped), ("filesDropped", filesDropped),
                ("tasksExited", tasksExited), ("processesExited", processesExited), ("tidComm", tidComm.count),
                ("tgidComm", tgidComm.count), ("tgidInode", tgidInode.count), ("fdsByProcess", fdsByProcess.count),
                ("timelines", timelines.count),
                ("findings", findings.count),
                ("lostWindows", lostWindows.count), ("spans", emittedSpans.count), ("unresolvedOps", unresolvedOps.count),
                ("pendingShorts", pendingShorts.count), ("pendingSizeRaces", pendingSizeRaces.count),
                ("recentFIFOReaps", recentFIFOReaps.valuesArray.reduce(0) { $0 + $1.count }), ("fdMap", fdMap.count)]
    }

    /// The oldest I/O still in flight, described (diagnostics: DIOSCOPE_DEBUG_MEMORY).
    func oldestInflightDescription() -> String? {
        var oldest: LiveIO?
        for (_, s) in inodes.table { for io in s.inflight where io.t.submittedAt < (oldest?.t.submittedAt ?? .max) { oldest = io } }
        guard let io = oldest else { return nil }
        let age = Double(lastTs &- io.t.submittedAt) / 1e9
        let entries = io.entries
        let last = entries.last.map { "\($0.step) at -\(Double(lastTs &- $0.timestamp) / 1e9)s" } ?? "none"
        return "oldest in flight: io \(io.t.id) \(io.t.api) \(io.t.op) age \(age)s lost \(io.lost) completed \(io.completed) "
            + "retry \(io.awaitingRetry) returned \(io.t.returnedAt != nil) reaped \(io.t.reapedAt != nil) "
            + "cqe \(io.cqeSeen) noSyscall \(io.noSyscall) last \(last) entries \(entries.count)"
    }

    /// Folds spans that ended more than the horizon ago into counters (see ``emittedSpans``).
    private func foldOldSpans() {
        guard lastTs > Self.spanHorizonNs else { return }
        let limit = lastTs - Self.spanHorizonNs
        let kept = options.keepAllTimelines
        var rest: [(id: UInt64, start: UInt64, end: UInt64, status: IOStatus)] = []
        rest.reserveCapacity(emittedSpans.count / 2)
        for span in emittedSpans {
            if span.end >= limit {
                rest.append(span)
                continue
            }
            let lost = lostWindows.overlaps(start: span.start, end: span.end)
            if (lost || isMissVictim(span)) && findingIOs.contains(span.id) { foldedLostIDs.insert(span.id) }
            // kept timelines are judged from `timelines` itself at the end
            guard span.status == .complete, !kept, !findingIOs.contains(span.id) else { continue }
            if lost { foldedLost += 1 } else { foldedClean += 1 }
        }
        emittedSpans = rest
    }

    /// I/O ids named by findings so far (to keep their timelines).
    @exclusivity(unchecked) var findingIOs: Set<UInt64> = []

    // MARK: - finish

    func finish(summary: SourceSummary?) -> AnalysisResult {
        for tid in pendingFIFOReap.keysArray { applyPendingReap(tid: tid) }
        finishing = true
        let complete = (summary?.isComplete ?? true) && !sawLostEvents
        traceComplete = complete
        // I/Os still open at the end were cut off (or never finished).
        for (_, s) in inodes.table {
            for io in s.inflight {
                if io.suspect { confirmMiss(io) }
                let reason: InconclusiveCause?
                if io.awaitingRetry {
                    reason = .cutOffRefused
                } else if !io.completed && io.t.returnedAt == nil {
                    reason = .cutOffNoCompletion
                } else if io.t.api == .libaio && io.t.reapedAt == nil && !io.ownerExited && sawSyscalls {
                    reason = .cutOffNotReaped
                } else if io.t.api == .ioUring && !io.cqeSeen {
                    reason = io.t.postedAt == nil && complete ? nil : .cutOffNoCQE
                } else if io.t.api == .sync && io.t.returnedAt == nil && !io.noSyscall {
                    reason = .cutOffNoReturn
                } else if io.t.needsConversion && !io.fullyConverted {
                    // Judged by the completion-before-conversion detector (no conversion by the end).
                    reason = complete ? nil : .noConversionTraceIncomplete
                } else {
                    reason = nil
                }
                if let reason {
                    io.t.status = .inconclusive
                    io.t.inconclusiveCause = reason
                }
                if io.t.api == .ioUring && !io.cqeSeen && io.completed && io.t.postedAt == nil {
                    io.t.postedAt = io.t.completedAt  // CQE not traced: the kernel completion is the best bound
                }
                io.settled = true
                s.history.append(io)
            }
            s.removeAllInflight()
            for live in s.openOps { s.ops.append(live) }
            s.openOps.removeAll()
        }
        for (_, s) in inodes.table where !s.history.isEmpty || !s.ops.isEmpty {
            for io in s.history where io.t.op == .write && io.t.status == .complete { checkShortWrite(io) }
            flush(s)
        }
        flushPendingShorts()
        flushSizeRaces()
        let result = buildResult(summary: summary)
        releaseHolders()
        return result
    }

    /// Lets every holder go of the I/Os it names, once all are emitted: then no slot may be in
    /// use (``ioSlotsInUse``), which tests check after each analysis (a hold without its drop
    /// would leave its slot in use; a drop too many traps).
    private func releaseHolders() {
        for (_, list) in aioPosted { for io in list { slab.drop(io) } }
        aioPosted.removeAll()
        for (_, list) in uringWaiting { for io in list { slab.drop(io) } }
        uringWaiting.removeAll()
        for (_, list) in pendingBios { for b in list { slab.drop(b.io) } }
        pendingBios.removeAll()
        for io in byKiocb.ios { slab.drop(io) }
        byKiocb.removeAll()
        for io in byUserRef.ios { slab.drop(io) }
        byUserRef.removeAll()
        for io in uringByReq.ios { slab.drop(io) }
        uringByReq.removeAll()
        for (_, task) in tasks.table {
            for io in task.callIOs { slab.drop(io) }
            task.callIOs.removeAll()
            setCurrent(task, nil)
        }
        mappedInflight.removeAll()
        slab.drain()
        taskSlab.drain()
    }

    /// Task slots holding a task (as many as the task table holds), and slots ever made.
    var taskSlotsInUse: Int { taskSlab.inUse }
    var taskSlots: Int { taskSlab.slots }
    var taskCount: Int { tasks.count }

    /// Slots holding an I/O (0 after ``finish(summary:)``), and slots ever made.
    var ioSlotsInUse: Int { slab.inUse }
    var ioSlots: Int { slab.slots }
    /// Slots holding a file (as many as the file table holds once no I/O slot is in use).
    var fileSlotsInUse: Int { slab.files.inUse }
    /// Holds on the table's files beyond the table's own: those of I/O slots in use (0 once none
    /// is, after ``finish(summary:)``).
    var fileHoldsOfIOs: Int { inodes.table.valuesArray.reduce(0) { $0 + Int($1.s.pointee.holds) - 1 } }

    private func buildResult(summary: SourceSummary?) -> AnalysisResult {
        for (i, n) in apiOpCounts.enumerated() where n > 0 {
            let api = IOAPI(rawValue: UInt8(i / 2))!, op: IOOperation = i % 2 == 1 ? .write : .read
            counts.byAPI["\(api) \(op)", default: 0] += n
        }
        apiOpCounts = [UInt64](repeating: 0, count: 8)
        // Lost windows reported late can cover I/Os already emitted: re-mark them.
        var lostIDs = foldedLostIDs.union(missVictims)
        for span in emittedSpans where isMissVictim(span) { lostIDs.insert(span.id) }
        if !lostWindows.isEmpty {
            for span in emittedSpans where lostWindows.overlaps(start: span.start, end: span.end) { lostIDs.insert(span.id) }
            for t in timelines where lostWindows.overlaps(start: t.submittedAt, end: t.endedAt) { lostIDs.insert(t.id) }
        }
        var problems = (summary?.problems ?? []).map(\.description)
        if lateEvents > 0 {
            problems.append("note: \(lateEvents) events arrived later than the \(Self.milliseconds(options.reorderWindowNs)) ms "
                + "reorder window and were analyzed out of time order (--reorder-window widens it)")
        }
        let sourceIncomplete = !(summary?.isComplete ?? true)
        let incompleteReason: String? = {
            guard let summary, sourceIncomplete else { return nil }
            if summary.dropped > 0 && !sawLostEvents { return "the source dropped \(summary.dropped) events" }
            if summary.damaged { return "the input is damaged" }
            return nil  // truncated: only I/Os cut off at the end are affected (already marked)
        }()
        // The same marks for the kept timelines here as for spilled ones when they are read back.
        finalMark = TimelineFinalMark(lostWindows: lostWindows, lostIDs: lostIDs, incompleteReason: incompleteReason,
                                      findingIOs: findingIOs)
        if finalMark.canMarkComplete {
            for i in timelines.indices where finalMark.apply(to: &timelines[i]) { counts.inconclusive += 1 }
        }
        if !options.keepAllTimelines {
            // the same marking for I/Os whose timelines were not kept
            let kept = Set(timelines.map(\.id))
            let extra = emittedSpans.filter {
                $0.status == .complete && !kept.contains($0.id)
                    && finalMark.reason(id: $0.id, start: $0.start, end: $0.end) != nil
            }.count
            counts.inconclusive += UInt64(extra) + foldedLost + (incompleteReason != nil ? foldedClean : 0)
        }
        // Findings resting on I/Os inside lost windows are not proven.
        findings.removeAll { f in f.ios.contains { lostIDs.contains($0) } }
        findings.sort { ($0.evidence.first?.timestamp ?? 0, $0.kind.rawValue) < ($1.evidence.first?.timestamp ?? 0, $1.kind.rawValue) }
        timelines.sort { $0.id < $1.id }

        endPhaseMirror()
        let tables = PhaseTables(
            overall: overall.table(),
            byProcess: byProcess.sorted { $0.key < $1.key }.map { tgid, acc in
                var t = acc.table()
                if let c = tgidComm[tgid] { t.group += " (\(c))" }
                return t
            } + (otherProcesses.ios > 0 ? [otherProcesses.table()] : []),
            byInode: byInode.sorted { ($0.key.dev, $0.key.ino) < ($1.key.dev, $1.key.ino) }.map { $0.value.table() }
                + (otherFiles.ios > 0 ? [otherFiles.table()] : []))
        // Both kinds of window, in the order they were reported.
        var windows = lostWindows.windows
        if !missWindows.isEmpty {
            windows += missWindows.windows
            windows.sort { ($0.until, $0.since) < ($1.until, $1.since) }
        }
        let verdict: Verdict = !findings.isEmpty ? .findings
            : (counts.inconclusive > 0 || sourceIncomplete || sawLostEvents ? .inconclusive : .clean)
        return AnalysisResult(
            sourceFormat: summary?.format ?? "events", eventsRead: summary?.eventsRead ?? eventsAnalyzed,
            eventsAnalyzed: eventsAnalyzed, sourceComplete: !sourceIncomplete && !sawLostEvents,
            sourceProblems: problems, eventsDropped: max(summary?.dropped ?? 0, windows.reduce(0) { $0 + $1.dropped }),
            lostWindows: windows, counts: counts, timelines: timelines, findings: findings, phaseTables: tables,
            unmatched: unmatchedCounts, verdict: verdict)
    }

    /// ``unmatched`` with the unneeded conversions under their sources' names.
    private var unmatchedCounts: [String: UInt64] {
        var u = unmatched
        for source in ConversionSource.allCases where unmatchedConversions[source.rawValue] > 0 {
            u[source.name, default: 0] += unmatchedConversions[source.rawValue]
        }
        return u
    }
}
