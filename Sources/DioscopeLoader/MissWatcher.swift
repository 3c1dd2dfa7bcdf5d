import CLibbpf
import DioscopeCore
import Glibc

/// Reads the attached programs' recursion misses on a thread of its own, on
/// ``RecursionMissWatch``'s schedule, and keeps the lost windows their new misses make until the
/// tracer takes them (``takeLost()``).
///
/// A thread, not the consumer's loop: the consumer runs the analysis inline and, under a load
/// that saturates the CPUs, went up to 270 ms between two readings (measured with the readings
/// in its loop), and every I/O in flight in such a window is inconclusive. A sleeping thread that
/// wakes every 2 ms is scheduled promptly (measured: windows of 2.1 to 4.3 ms under that load).
/// Its CPU time (schedstat, 2-vCPU VM): 3.3 ms per second idle (a reading of the 23 programs of
/// a system-wide trace every 50 ms, about 150 µs each: the calls are slower cold than in a tight
/// loop), 9 ms per second while it watches a program.
///
/// `@unchecked Sendable`: the watch and the windows found are only touched under `mutex`;
/// `programs` is immutable.
final class MissWatcher: @unchecked Sendable {
    /// The attached programs' fds (the watch's program indexes).
    private let programs: [Int32]
    // A pthread mutex and a condition on CLOCK_MONOTONIC: the thread sleeps until its next
    // reading is due (NSCondition's wait takes a wall-clock Date).
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let wake = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var watch: RecursionMissWatch
    private var found: [LostTally] = []
    private var stopping = false
    /// (Started, stopped and asked about on the tracer's thread only: not under the mutex.)
    private var thread: pthread_t?

    init(programs: [(fd: Int32, probe: Int)], now: UInt64) {
        self.programs = programs.map(\.fd)
        watch = RecursionMissWatch(probes: programs.map(\.probe), now: now)
        pthread_mutex_init(mutex, nil)
        var attr = pthread_condattr_t()
        pthread_condattr_init(&attr)
        pthread_condattr_setclock(&attr, CLOCK_MONOTONIC)
        pthread_cond_init(wake, &attr)
        pthread_condattr_destroy(&attr)
    }

    deinit {
        stop()
        pthread_cond_destroy(wake)
        pthread_mutex_destroy(mutex)
        wake.deallocate()
        mutex.deallocate()
    }

    private func locked<T>(_ body: () -> T) -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return body()
    }

    /// Starts the thread; without one (pthread_create failed) the tracer's drop checks still read
    /// every program (``readUnlessWatching(now:)``), at their own pace.
    func start() {
        guard thread == nil, !programs.isEmpty else { return }
        thread = startJoinableThread { self.loop() }
    }

    /// Stops and joins the thread. Safe to call more than once.
    func stop() {
        guard let t = thread else { return }
        locked {
            stopping = true
            pthread_cond_signal(wake)
        }
        pthread_join(t, nil)
        thread = nil
    }

    /// Reads every program now if the thread is not running: stopped (the tracer detached, and a
    /// program may have missed since the thread's last reading) or never started
    /// (`pthread_create` failed). The tracer's drop checks call it; while the thread runs, its own
    /// readings are the only ones.
    func readUnlessWatching(now: UInt64) {
        guard thread == nil else { return }
        locked { apply(.all, now: now) }
    }

    /// The lost windows found since the last call.
    func takeLost() -> [LostTally] {
        locked {
            let out = found
            found.removeAll()
            return out
        }
    }

    /// Each probe's misses as last read (`probeCount` probe ids).
    func missesByProbe(probeCount: Int) -> [UInt64] {
        locked { watch.missesByProbe(probeCount: probeCount) }
    }

    /// The `recursion_misses` of the program with `fd`, nil if the kernel does not answer. About
    /// a microsecond (one `BPF_OBJ_GET_INFO_BY_FD`).
    static func misses(fd: Int32) -> UInt64? {
        var info = bpf_prog_info()
        var len = UInt32(MemoryLayout<bpf_prog_info>.size)
        return bpf_obj_get_info_by_fd(fd, &info, &len) == 0 ? info.recursion_misses : nil
    }

    // (under `mutex`)
    private func apply(_ reading: RecursionMissWatch.Reading, now: UInt64) {
        let programs = self.programs
        found += watch.apply(reading, start: now, read: { Self.misses(fd: programs[$0]) }, end: monotonicNow)
    }

    private func loop() {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        while !stopping {
            let now = monotonicNow()
            if let reading = watch.due(now: now) {
                apply(reading, now: now)
                continue
            }
            let due = watch.nextDue
            var until = timespec(tv_sec: Int(due / 1_000_000_000), tv_nsec: Int(due % 1_000_000_000))
            _ = pthread_cond_timedwait(wake, mutex, &until)
        }
    }
}
