import CLibbpf
import DioscopeABI
import DioscopeBPFObject
import Glibc

/// A live tracing session: the embedded BPF object loaded with one
/// variant per probe, attached, and a ring buffer consumer handing out
/// raw 96-byte records (`struct dsc_event`) in batches.
///
/// Everything is detached and closed by `close()`, which `deinit` also
/// calls; nothing is pinned, so the kernel cleans up if the process dies.
public final class Tracer {
    /// What was asked for.
    public let configuration: TraceConfiguration
    /// Per-probe decision actually used (after fallbacks and attach results).
    public private(set) var statuses: [ProbeStatus]
    /// Optional mechanisms as probed at start (fentry, kprobes, ring buffer).
    public let features: FeatureReport
    /// Kernel addresses written into the programs.
    public let symbols: KernelSymbols
    /// In-kernel assembly is on: asked for, and the two bio callbacks it tells bios by are known
    /// (without `bio_chain_endio` a part split off a held bio could not be recognized).
    public var assembling: Bool {
        configuration.assemble && symbols.iomapDioBioEndIO != 0 && symbols.bioChainEndIO != 0
    }

    private var object: OpaquePointer?
    private var links: [OpaquePointer] = []
    /// Attached programs' fds with their probe id: the kernel skips a
    /// program that fires while the same program already runs on that CPU
    /// (an interrupt completing a read while a kworker completes a write)
    /// and only counts it in the program's `recursion_misses`. Those lost
    /// events are drops like a full ring buffer's.
    private var attachedPrograms: [(fd: Int32, probe: Int)] = []
    /// Reads the programs' recursion misses on its own thread (set once attached).
    private var missWatcher: MissWatcher?
    private var ringBuffer: OpaquePointer?
    private var countersMap: OpaquePointer?
    /// `dsc_drop_epoch`: bumped at each drop check; the programs note when their drops of the
    /// current epoch happened (``checkDrops(now:)``).
    private var dropEpochMap: OpaquePointer?
    /// (Epochs start at 1: a counter's `drop_epoch` is 0 until its first drop.)
    private var dropEpoch: UInt64 = 1
    private var tgidsMap: OpaquePointer?
    private let batch = RecordBatch(capacity: 4096)
    private let cpuCount: Int
    /// Ring-buffer drops already reported, by probe id (the recursion misses: ``missWatcher``).
    private var reportedDrops: [UInt64]
    private var lastDropCheckNs: UInt64
    /// How often the ring-buffer drop counters are read (with every program's misses).
    static let dropCheckIntervalNs: UInt64 = 200_000_000
    private var detached = false
    /// CLOCK_MONOTONIC time at the start of the last consume that emptied the
    /// ring: every record stamped before it has been handed out (a record
    /// still being written then follows within microseconds). Nil while the
    /// consumer is behind. A live analyzer may act on time passing up to
    /// here, never up to the wall clock: when it lags, the ring still holds
    /// seconds of older events.
    public private(set) var caughtUpAt: UInt64?
    /// Devices the programs compare inline (`DSC_DEV_SLOTS`).
    static let deviceSlots = 4
    /// Records handed out per poll at most (about 0.1 s of a busy run).
    static let consumeBudget = 1 << 17

    /// Checks the environment, loads and attaches every available probe.
    public init(configuration: TraceConfiguration, environment: TracingEnvironment = TracingEnvironment())
        throws(LoaderError)
    {
        self.configuration = configuration
        try environment.verify()
        LibbpfLog.install()
        let report = FeatureProber(environment: environment).run()
        features = report
        guard report.ringBuffer.available else {
            throw .map(what: "creating a BPF ring buffer", errno: ENOTSUP)
        }
        symbols = KernelSymbols.load()
        cpuCount = max(1, Int(libbpf_num_possible_cpus()))
        reportedDrops = Array(repeating: 0, count: ProbeCatalog.count)
        lastDropCheckNs = monotonicNow()

        var plan = report.probes.map { status -> ProbeStatus in
            var s = status
            if configuration.excludedProbes.contains(s.probe.name) {
                s.method = .unavailable
                s.reason = "excluded by configuration"
            } else if !s.probe.enabledByDefault && !configuration.includedProbes.contains(s.probe.name) {
                s.method = .unavailable
                s.reason = "off by default: \(s.probe.offByDefaultReason) (--enable-probe \(s.probe.name))"
            } else if configuration.classicSyscalls, s.probe.kind == .syscall, s.method != .unavailable,
                s.probe.eventDirectories.allSatisfy({ environment.hasEvent($0) })
            {
                s.method = .tracepoint
                s.reason = "classic syscalls tracepoints (by configuration)"
            } else if let forced = configuration.forcedMethod, s.method == .tpBTF, forced == .rawTP
            {
                s.method = .rawTP
                s.reason = "raw_tp forced by configuration"
            }
            return s
        }
        if let missing = plan.first(where: { !$0.probe.optional && $0.method == .unavailable
            && !configuration.excludedProbes.contains($0.probe.name) })
        {
            throw .tracepointMissing(missing.probe.displayName)
        }
        statuses = plan

        // Load; if the kernel rejects tp_btf programs, retry with raw_tp.
        do {
            try open(plan: plan)
        } catch let error {
            guard case .load = error, plan.contains(where: { $0.method == .tpBTF }) else { throw error }
            closeObject()
            plan = plan.map { s in
                var s = s
                if s.method == .tpBTF {
                    s.method = .rawTP
                    s.reason = "tp_btf load failed; raw tracepoint"
                }
                return s
            }
            statuses = plan
            try open(plan: plan)
        }
        do {
            try populateFilters()
            // (before attaching: a miss's window starts no later than its program could run)
            let attaching = monotonicNow()
            try attachAll()
            missWatcher = MissWatcher(programs: attachedPrograms, now: attaching)
            missWatcher?.start()
            try startRingBuffer()
        } catch let error {
            close()
            throw error
        }
    }

    deinit { close() }

    // MARK: - Loading

    private func open(plan: [ProbeStatus]) throws(LoaderError) {
        let obj = try EmbeddedObject.open()
        object = obj
        // Autoload exactly the chosen variant of each probe.
        try EmbeddedObject.autoloadOnly(obj, plan.filter { $0.method != .unavailable }.flatMap {
            $0.probe.programNames(for: $0.method)
        })

        guard let rb = bpf_object__find_map_by_name(obj, "dsc_events") else {
            throw .map(what: "finding the ring buffer map", errno: ENOENT)
        }
        let rc = bpf_map__set_max_entries(rb, UInt32(configuration.ringBufferBytes))
        if rc != 0 { throw .map(what: "sizing the ring buffer", errno: rc) }

        var rodata = try RodataPatch(object: obj)
        try rodata.set("dsc_addr_aio_complete_rw", symbols.aioCompleteRW)
        try rodata.set("dsc_addr_io_complete_rw", symbols.ioCompleteRW)
        try rodata.set("dsc_addr_io_complete_rw_iopoll", symbols.ioCompleteRWIopoll)
        try rodata.set("dsc_addr_iomap_dio_bio_end_io", symbols.iomapDioBioEndIO)
        try rodata.set("dsc_addr_bio_chain_endio", symbols.bioChainEndIO)
        try rodata.set("dsc_filter_dev", !configuration.devices.isEmpty)
        // a few devices are compared inline in the programs; more go to the dsc_devs hash
        let devices = Array(Set(configuration.devices)).sorted()
        if devices.count <= Self.deviceSlots {
            try rodata.set("dsc_dev_slots", u32Array: devices)
        } else {
            try rodata.set("dsc_devs_in_map", true)
        }
        try rodata.set("dsc_filter_pid", !configuration.pids.isEmpty)
        try rodata.set("dsc_filter_cgroup", configuration.cgroupID != nil)
        try rodata.set("dsc_cgroup_id", configuration.cgroupID ?? 0)
        try rodata.set("dsc_wakeup_bytes", UInt64(configuration.wakeupBytes))
        try rodata.set("dsc_assemble", assembling)
        // the system calls the shared raw syscall programs report
        var rawSyscalls: UInt64 = 0
        for s in plan where s.probe.kind == .syscall && (s.method == .tpBTF || s.method == .rawTP) {
            if let n = ProbeCatalog.syscallNumber(s.probe.name) { rawSyscalls |= 1 << UInt64(n) }
        }
        try rodata.set("dsc_sys_raw_mask", rawSyscalls)
        try rodata.apply()

        LibbpfLog.reset()
        let err = bpf_object__load(obj)
        if err != 0 { throw .load(errno: err, log: LibbpfLog.tail()) }
        countersMap = bpf_object__find_map_by_name(obj, "dsc_counters")
        dropEpochMap = bpf_object__find_map_by_name(obj, "dsc_drop_epoch")
        tgidsMap = bpf_object__find_map_by_name(obj, "dsc_tgids")
        var zero: UInt32 = 0, firstEpoch = dropEpoch
        guard countersMap != nil, tgidsMap != nil, let epochs = dropEpochMap,
              bpf_map__update_elem(epochs, &zero, 4, &firstEpoch, 8, 0) == 0
        else { throw .map(what: "finding the counter maps", errno: ENOENT) }
    }

    private func populateFilters() throws(LoaderError) {
        guard let obj = object, let devs = bpf_object__find_map_by_name(obj, "dsc_devs") else {
            throw .map(what: "finding the device filter map", errno: ENOENT)
        }
        var one: UInt8 = 1
        for dev in Set(configuration.devices) {
            var key = dev
            let rc = bpf_map__update_elem(devs, &key, 4, &one, 1, 0)
            if rc != 0 { throw .map(what: "adding device \(dev >> 20):\(dev & 0xfffff) to the filter", errno: rc) }
        }
        for pid in configuration.pids { try addTracedProcess(pid) }
    }

    /// Adds a process (and, through fork tracking, its future children) to
    /// the traced set. Only meaningful when the configuration has pids.
    public func addTracedProcess(_ pid: Int32) throws(LoaderError) {
        guard let map = tgidsMap else { return }
        var key = UInt32(bitPattern: pid)
        var one: UInt8 = 1
        let rc = bpf_map__update_elem(map, &key, 4, &one, 1, 0)
        if rc != 0 { throw .map(what: "adding pid \(pid) to the traced processes", errno: rc) }
    }

    private func attachAll() throws(LoaderError) {
        guard let obj = object else { return }
        var attached: Set<String> = []
        for i in statuses.indices where statuses[i].method != .unavailable {
            let status = statuses[i]
            // the raw syscall programs serve every syscall probe: attach them once
            for name in status.probe.programNames(for: status.method) where !attached.contains(name) {
                guard let p = bpf_object__find_program_by_name(obj, name) else { continue }
                attached.insert(name)
                if let link = bpf_program__attach(p) {
                    links.append(link)
                    attachedPrograms.append((bpf_program__fd(p), status.probe.id))
                } else {
                    let e = errno
                    if !status.probe.optional { throw .attach(probe: status.probe.displayName, errno: e) }
                    statuses[i].method = .unavailable
                    statuses[i].reason = "attach failed: " + LoaderError.errnoText(e)
                }
            }
        }
    }

    private func startRingBuffer() throws(LoaderError) {
        guard let obj = object, let map = bpf_object__find_map_by_name(obj, "dsc_events") else {
            throw .map(what: "finding the ring buffer map", errno: ENOENT)
        }
        let ctx = Unmanaged.passUnretained(batch).toOpaque()
        guard
            let rb = ring_buffer__new(
                bpf_map__fd(map),
                { ctx, data, size -> Int32 in
                    // Borrowed, not retained: the tracer owns the batch for as long as the ring
                    // buffer exists, and a retain/release pair per record was 6 % of the live
                    // consumer's CPU.
                    Unmanaged<RecordBatch>.fromOpaque(ctx!)._withUnsafeGuaranteedRef { batch in
                        batch.add(UnsafeRawPointer(data!), size: size)
                        return batch.budget <= 0 ? RecordBatch.consumeBudgetExhausted : 0
                    }
                }, ctx, nil)
        else { throw .map(what: "opening the ring buffer", errno: errno) }
        ringBuffer = rb
    }

    // MARK: - Consuming

    /// Waits up to `timeoutMs` for records and hands everything available
    /// to `sink` in batches (the buffer is only valid during the call).
    /// Injects a DSC_EV_LOST record when drop counters grew. Returns the
    /// number of records handed out.
    @discardableResult
    public func poll(timeoutMs: Int32, into sink: (UnsafeRawBufferPointer) -> Void) throws(LoaderError) -> Int {
        guard let rb = ringBuffer else { return 0 }
        return try withoutActuallyEscaping(sink) { (sink) throws(LoaderError) -> Int in
            batch.sink = sink
            defer { batch.sink = nil }
            let before = batch.delivered + UInt64(batch.count)
            if !detached {
                // poll processes the ring like consume does: it gets a budget too
                batch.budget = Self.consumeBudget
                let rc = ring_buffer__poll(rb, timeoutMs)
                if rc < 0 && rc != -EINTR && rc != RecordBatch.consumeBudgetExhausted {
                    throw .map(what: "polling the ring buffer", errno: rc)
                }
            }
            // at most one budget per call, so the caller's loop keeps running under load
            batch.budget = Self.consumeBudget
            let consumeStart = monotonicNow()
            let rc = ring_buffer__consume(rb)
            batch.budget = Int.max
            if rc < 0 && rc != -EINTR && rc != RecordBatch.consumeBudgetExhausted {
                throw .map(what: "reading the ring buffer", errno: rc)
            }
            caughtUpAt = rc == RecordBatch.consumeBudgetExhausted ? nil : consumeStart
            let now = monotonicNow()
            if detached || now &- lastDropCheckNs >= Self.dropCheckIntervalNs {
                checkDrops(now: now)
            } else {
                reportMisses(at: now)
            }
            batch.flush()
            return Int(batch.delivered - before)
        }
    }

    /// Detaches every probe (no new records), then hands out everything
    /// still in the ring buffer and a final DSC_EV_LOST if needed.
    @discardableResult
    public func drain(into sink: (UnsafeRawBufferPointer) -> Void) throws(LoaderError) -> Int {
        detach()
        var total = 0
        while true {
            let n = try poll(timeoutMs: 0, into: sink)
            total += n
            if n == 0 { break }
        }
        return total
    }

    /// Per-probe counters summed over CPUs; a probe's drops include its programs' recursion misses
    /// as the watcher last read them (``MissWatcher``: at most 50 ms ago while attached, and after
    /// detaching at each drop check).
    public func counters() -> [ProbeCounters] {
        var dropTimes = DropTimes(epochs: 0...0)  // (not needed here)
        let misses = missWatcher?.missesByProbe(probeCount: ProbeCatalog.count)
            ?? Array(repeating: 0, count: ProbeCatalog.count)
        return counters(misses: misses, dropTimes: &dropTimes)
    }

    /// When the drops of some drop epochs happened, over every probe and CPU: the first and the
    /// last, and whether a CPU's noted times had moved on to a later epoch (``checkDrops(now:)``).
    private struct DropTimes {
        var epochs: ClosedRange<UInt64>
        var first = UInt64.max, last: UInt64 = 0
        var sawLater = false
    }

    /// ``counters()`` with the recursion misses `misses` (by probe id), also gathering into
    /// `dropTimes` the drop times of its epochs.
    private func counters(misses: [UInt64], dropTimes t: inout DropTimes) -> [ProbeCounters] {
        guard let map = countersMap else { return [] }
        // struct dsc_counter per CPU: emitted, dropped, absorbed, drop_epoch, drop_first_ns,
        // drop_last_ns
        let fields = 6
        var values = [UInt64](repeating: 0, count: fields * cpuCount)
        return ProbeCatalog.all.map { probe in
            var key = UInt32(probe.id)
            let rc = values.withUnsafeMutableBytes {
                bpf_map__lookup_elem(map, &key, 4, $0.baseAddress, $0.count, 0)
            }
            var emitted: UInt64 = 0, dropped: UInt64 = 0, absorbed: UInt64 = 0
            if rc == 0 {
                for cpu in 0..<cpuCount {
                    emitted &+= values[fields * cpu]
                    dropped &+= values[fields * cpu + 1]
                    absorbed &+= values[fields * cpu + 2]
                    let epoch = values[fields * cpu + 3]
                    if values[fields * cpu + 1] != 0 {
                        if t.epochs.contains(epoch) {
                            t.first = min(t.first, values[fields * cpu + 4])
                            t.last = max(t.last, values[fields * cpu + 5])
                        }
                        if epoch > t.epochs.lowerBound { t.sawLater = true }
                    }
                }
            }
            dropped &+= misses[probe.id]
            return ProbeCounters(probe: probe, emitted: emitted, dropped: dropped, absorbed: absorbed)
        }
    }

    /// Total records handed out so far (including synthetic ones).
    public var recordsDelivered: UInt64 { batch.delivered }

    /// Reports the drops since the last check as `DSC_EV_LOST` records, each window (since, until]
    /// spanning the drops it counts.
    ///
    /// The analyzer marks the I/Os a lost window may have touched: every I/O in flight in it, or,
    /// for a window of `iomap_dio_complete`'s recursion misses alone (`DSC_LOST_F_RECURSION`), the
    /// I/Os left without a completion. Two kinds of drops, timed two ways:
    /// - **The ring buffer was full.** The programs note, per probe and CPU, when their first and
    ///   last drop of the current epoch happened; the check bumps the epoch first, then reads
    ///   them: the drops it counts happened in the old epoch, or in the new one after the bump.
    ///   The window runs from the first noted time of either (less one, the window being open at
    ///   its start) to the last. A CPU whose drops moved on to the new epoch has overwritten the
    ///   old epoch's first time, so the window then starts at the last check.
    /// - **The kernel's recursion guard skipped a program** (``RecursionMissWatch``, read by
    ///   ``MissWatcher``'s thread every 2 or 50 ms, and here once it has stopped).
    /// Each kind goes in its own record, so that a precise window stays apart from a wide one.
    private func checkDrops(now: UInt64) {
        // the epoch the drops since the last check were noted in, and the one from now on
        let closing = dropEpoch
        dropEpoch &+= 1
        var key: UInt32 = 0, next = dropEpoch
        let bumped = dropEpochMap.map { bpf_map__update_elem($0, &key, 4, &next, 8, 0) == 0 } ?? false
        var times = DropTimes(epochs: closing...dropEpoch)
        // the misses, reported as such: the watcher's thread reads them, and once it has stopped
        // (detached: a program may have missed since its last reading) the checks do
        missWatcher?.readUnlessWatching(now: now)
        reportMisses(at: now)
        // the ring's drops alone (the misses left out)
        let counts = counters(misses: Array(repeating: 0, count: reportedDrops.count), dropTimes: &times)
        let readEnd = monotonicNow()
        var ring = LostTally()
        for c in counts where c.dropped > reportedDrops[c.probe.id] {
            ring.add(c.dropped &- reportedDrops[c.probe.id], probe: c.probe.id)
            reportedDrops[c.probe.id] = c.dropped
        }
        // (the counted drops came after the last check's read, so after lastDropCheckNs; one
        // between this check's `now` and its read ends the window after `now`)
        if ring.dropped > 0 {
            ring.since = lastDropCheckNs
            ring.until = readEnd
            if bumped, times.first <= times.last {
                if !times.sawLater && times.first > lastDropCheckNs { ring.since = times.first - 1 }
                ring.until = max(times.last, ring.since + 1)
            }
            reportLost(ring, at: readEnd)
        }
        lastDropCheckNs = now
    }

    /// Hands out the windows of the recursion misses the watcher found (``MissWatcher``),
    /// each as a `DSC_EV_LOST` stamped `now`: at least its window's end, and no earlier than the
    /// records already handed out, whatever time the watcher found it.
    private func reportMisses(at now: UInt64) {
        guard let watcher = missWatcher else { return }
        for tally in watcher.takeLost() { reportLost(tally, at: max(now, tally.until)) }
    }

    /// Hands out a `DSC_EV_LOST` record stamped `ts` for `tally`.
    private func reportLost(_ tally: LostTally, at ts: UInt64) {
        var e = dsc_event()
        e.hdr.ts_ns = ts
        e.hdr.type = UInt16(DSC_EV_LOST.rawValue)
        e.lost.dropped = tally.dropped
        e.lost.since_ns = tally.since
        e.lost.until_ns = tally.until
        e.lost.probe = tally.probe
        e.lost.flags = tally.onlyMissesOfProbe ? DSC_LOST_F_RECURSION.rawValue : 0
        batch.add(event: &e)
    }

    // MARK: - Teardown

    /// Detaches all probes; the maps and ring buffer stay readable.
    public func detach() {
        // (the drop checks after it still read every program's misses, on this thread)
        missWatcher?.stop()
        for link in links { bpf_link__destroy(link) }
        links.removeAll()
        detached = true
    }

    /// Detaches and frees everything. Safe to call more than once.
    public func close() {
        detach()
        if let rb = ringBuffer { ring_buffer__free(rb) }
        ringBuffer = nil
        closeObject()
    }

    private func closeObject() {
        if let obj = object { bpf_object__close(obj) }
        object = nil
        countersMap = nil
        tgidsMap = nil
    }
}

/// CLOCK_MONOTONIC in nanoseconds (the clock bpf_ktime_get_ns reads).
func monotonicNow() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}
