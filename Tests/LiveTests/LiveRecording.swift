import DioscopeCore
import DioscopeLoader
import Foundation

/// Records a command in-process through the loader and decodes the
/// records into events.
struct LiveRecording {
    var events: [Event]
    /// Records read from the ring buffer: fewer than `events` when some carry two (ABI 3).
    var records: Int
    var result: Recorder.Result
    var statuses: [ProbeStatus]
    var decodeErrors: Int

    var drops: UInt64 { result.drops }
    var lostRecords: [Event] { events.filter { $0.type == .lost } }

    static func run(
        _ command: [String], devices: [String], forcedMethod: AttachMethod? = nil, timeout: Double = 60,
        ringBufferBytes: Int = 16 << 20, cgroupID: UInt64? = nil, followProcess: Bool = true, assemble: Bool = true
    ) throws -> LiveRecording {
        let resolved = try devices.map { arg throws(LoaderError) in try TracedDevice.resolve(arg) }
        var config = TraceConfiguration()
        config.devices = resolved.flatMap(\.filterDevices)
        config.ringBufferBytes = ringBufferBytes
        config.wakeupBytes = max(4096, ringBufferBytes / 8)
        config.forcedMethod = forcedMethod
        config.assemble = assemble
        let process = try GatedProcess(arguments: command)
        if followProcess { config.pids = [process.pid] }
        config.cgroupID = cgroupID
        let tracer: Tracer
        do {
            tracer = try Tracer(configuration: config)
        } catch {
            process.abandon()
            _ = process.wait()
            throw error
        }
        defer { tracer.close() }
        let recorder = Recorder(tracer: tracer, process: process)
        recorder.duration = timeout
        var events: [Event] = []
        var decodeErrors = 0
        var records = 0
        let result = recorder.run { buf in
            var off = 0
            while off + 96 <= buf.count {
                records += 1
                do {
                    try RecordCodec.forEachEvent(inRecord: buf.baseAddress! + off) { events.append($0) }
                } catch {
                    decodeErrors += 1
                }
                off += 96
            }
        }
        if case .commandExited = result.stopReason {} else {
            process.kill(SIGKILL)
            _ = process.wait()
        }
        events.sort { $0.timestamp < $1.timestamp }
        return LiveRecording(events: events, records: records, result: result, statuses: tracer.statuses, decodeErrors: decodeErrors)
    }

    /// A compact listing for failure messages.
    func dump(ino: UInt64? = nil) -> String {
        events.filter { ino == nil || $0.ino == ino! || $0.ino == 0 }.prefix(200).map {
            "\($0.timestamp) \($0.tgid)/\($0.tid) \($0.type) dev=\($0.dev) ino=\($0.ino) \($0.payload)"
        }.joined(separator: "\n")
    }
}
