import Glibc

/// Runs the consume loop of a recording: polls the tracer, hands every
/// record batch to a sink, stops when the traced command exits, a stop
/// signal arrives or the duration elapses, then drains the ring buffer so
/// nothing recorded is lost.
public final class Recorder {
    /// Why recording stopped.
    public enum StopReason: Sendable, Equatable {
        case commandExited(GatedProcess.Termination)
        case duration
        case signal(Int32)
        case error(String)
    }

    /// What a finished recording saw.
    public struct Result: Sendable {
        public var stopReason: StopReason
        /// Records handed to the sink (synthetic DSC_EV_LOST included).
        public var records: UInt64
        /// Final per-probe counters.
        public var counters: [ProbeCounters]
        public var elapsedSeconds: Double
        /// CLOCK_MONOTONIC ns when the loop stopped.
        public var endTimestamp: UInt64

        /// Records lost in the kernel (ring buffer full, reap overflow).
        public var drops: UInt64 { counters.reduce(0) { $0 + $1.dropped } }
    }

    public let tracer: Tracer
    public let process: GatedProcess?
    /// Stop after this many seconds (nil: until the command exits or a signal).
    public var duration: Double?
    /// Print a one-line status on stderr once a second.
    public var statusLine = false
    /// Poll timeout; records are also delivered when the kernel wakes us.
    public var pollTimeoutMs: Int32 = 100
    /// Called about once a second from the consume loop (flush a file,
    /// report findings); an error stops the recording like a sink error.
    public var tick: (() throws -> Void)?
    /// Extra text for the status line (e.g. IOs in flight, findings).
    public var statusDetail: (() -> String)?

    public init(tracer: Tracer, process: GatedProcess?) {
        self.tracer = tracer
        self.process = process
    }

    /// Records until a stop condition; `sink` errors stop the recording.
    public func run(sink: (UnsafeRawBufferPointer) throws -> Void) -> Result {
        StopSignals.install()
        defer { StopSignals.uninstall() }
        let start = monotonicNow()
        var lastStatus = start
        var lastCount: UInt64 = 0
        var sinkError: String?
        let deliver: (UnsafeRawBufferPointer) -> Void = { buf in
            guard sinkError == nil else { return }
            do { try sink(buf) } catch { sinkError = "\(error)" }
        }
        process?.release()
        var reason: StopReason
        while true {
            do {
                try tracer.poll(timeoutMs: pollTimeoutMs, into: deliver)
            } catch {
                reason = .error(error.description)
                break
            }
            if let e = sinkError {
                reason = .error(e)
                break
            }
            if StopSignals.pending != 0 {
                reason = .signal(StopSignals.pending)
                break
            }
            if let p = process, let t = p.poll() {
                reason = .commandExited(t)
                break
            }
            let now = monotonicNow()
            if let d = duration, Double(now - start) / 1e9 >= d {
                reason = .duration
                break
            }
            if now - lastStatus >= 1_000_000_000 {
                if let tick {
                    do { try tick() } catch {
                        reason = .error("\(error)")
                        break
                    }
                }
                if statusLine {
                    let total = tracer.recordsDelivered
                    let rate = Double(total - lastCount) / (Double(now - lastStatus) / 1e9)
                    let drops = tracer.counters().reduce(UInt64(0)) { $0 + $1.dropped }
                    var line = "\r\u{1B}[Krecording: \(total) events, \(Int(rate)) events/s, \(drops) dropped"
                    if let statusDetail { line += ", " + statusDetail() }
                    writeStderr(line)
                }
                lastStatus = now
                lastCount = tracer.recordsDelivered
            }
        }
        let end = monotonicNow()
        do {
            try tracer.drain(into: deliver)
        } catch {
            if case .error = reason {} else { reason = .error(error.description) }
        }
        if let e = sinkError, reason != .error(e) { reason = .error(e) }
        if statusLine { writeStderr("\r\u{1B}[K") }
        return Result(
            stopReason: reason, records: tracer.recordsDelivered, counters: tracer.counters(),
            elapsedSeconds: Double(end - start) / 1e9, endTimestamp: end)
    }
}

/// Writes to fd 2 without stdio buffering.
func writeStderr(_ text: String) {
    var bytes = Array(text.utf8)
    var off = 0
    while off < bytes.count {
        let n = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress! + off, $0.count - off) }
        if n <= 0 { break }
        off += n
    }
}
