import CLibbpf
import DioscopeCore
import Foundation
import Glibc

/// `dioscope probes --blind-tasks SECONDS`: which tasks the kernel runs no BPF program on top of
/// (``BlindTasks``). Loads the embedded object with only its two interrupt counters
/// (`bpf/blind.bpf.h`), attaches them, records the same two tracepoints in a private tracefs
/// instance for `seconds`, and compares the counts by interrupted task. The BPF side starts first
/// and stops last. Nothing is left behind: the instance is removed and the object closed on every
/// path.
public enum BlindTaskCheck {
    static let programs = ["softirq_entry", "irq_handler_entry"]
    /// Its programs in the embedded object (each tracepoint as `_btf` and `_raw`): the object's
    /// only programs that are not a probe's.
    public static let programNames = programs.flatMap { [$0 + "_btf", $0 + "_raw"] }
    static let events = ["irq/softirq_entry", "irq/irq_handler_entry"]

    public static func run(seconds: Double, environment: TracingEnvironment = TracingEnvironment())
        throws(LoaderError) -> BlindTasks.Result
    {
        try environment.verify()
        for e in events where !environment.hasEvent(e) { throw .tracepointMissing(e.replacingOccurrences(of: "/", with: ":")) }

        // the BPF side: load the object with only the counters, tp_btf first, raw_tp if it fails
        var lastError: LoaderError = .objectOpen(errno: ENOENT)
        for variant in ["_btf", "_raw"] {
            let obj = try EmbeddedObject.open()
            defer { bpf_object__close(obj) }
            do throws(LoaderError) {
                let links = try loadAndAttach(obj, variant: variant)
                defer { for l in links { bpf_link__destroy(l) } }
                guard let map = bpf_object__find_map_by_name(obj, "dsc_blind_counts") else {
                    throw .map(what: "finding the blind-task counters", errno: ENOENT)
                }
                let (text, lost) = try recordTracefs(seconds: seconds, environment: environment)
                usleep(100_000)  // BPF counts a little longer than tracefs records
                let bpf = readCounts(map)
                let ft = BlindTasks.countTracefs(text[...])
                return BlindTasks.Result(seconds: seconds, tracefsTotal: ft.values.reduce(0) { $0 + $1.count },
                                         bpfTotal: bpf.values.reduce(0, +), tracefsLost: lost,
                                         blind: BlindTasks.compare(tracefs: ft, bpf: bpf))
            } catch {
                if case .load = error { lastError = error; continue }  // try the other variant
                throw error
            }
        }
        throw lastError
    }

    private static func loadAndAttach(_ obj: OpaquePointer, variant: String) throws(LoaderError) -> [OpaquePointer] {
        let names = programs.map { $0 + variant }
        try EmbeddedObject.autoloadOnly(obj, names)
        let chosen = names.compactMap { bpf_object__find_program_by_name(obj, $0) }
        // the tracing ring buffer is not used: the smallest one
        if let rb = bpf_object__find_map_by_name(obj, "dsc_events") { _ = bpf_map__set_max_entries(rb, 1 << 16) }
        LibbpfLog.reset()
        let err = bpf_object__load(obj)
        if err != 0 { throw .load(errno: err, log: LibbpfLog.tail()) }
        var links: [OpaquePointer] = []
        for (i, p) in chosen.enumerated() {
            guard let link = bpf_program__attach(p) else {
                let e = errno
                for l in links { bpf_link__destroy(l) }
                throw .attach(probe: "irq:" + programs[i], errno: e)
            }
            links.append(link)
        }
        return links
    }

    /// Records the two events in a private instance for `seconds`; its text and the events it lost.
    private static func recordTracefs(seconds: Double, environment: TracingEnvironment)
        throws(LoaderError) -> (String, UInt64)
    {
        let inst = environment.tracefsPath + "/instances/dioscope-blind-\(getpid())"
        guard mkdir(inst, 0o700) == 0 || errno == EEXIST else { throw .map(what: "creating tracefs instance \(inst)", errno: errno) }
        defer {
            _ = write(inst + "/tracing_on", "0")
            for e in events { _ = write(inst + "/events/" + e + "/enable", "0") }
            rmdir(inst)
        }
        guard write(inst + "/tracing_on", "0"), write(inst + "/buffer_size_kb", "32768"),
              events.allSatisfy({ write(inst + "/events/" + $0 + "/enable", "1") }) else {
            throw .map(what: "setting up tracefs instance \(inst)", errno: errno)
        }
        _ = write(inst + "/tracing_on", "1")
        usleep(useconds_t(max(0, min(seconds, 600)) * 1_000_000))
        _ = write(inst + "/tracing_on", "0")
        guard let text = readAll(inst + "/trace") else { throw .map(what: "reading \(inst)/trace", errno: errno) }
        var lost: UInt64 = 0
        for cpu in 0..<Int(sysconf(Int32(_SC_NPROCESSORS_CONF))) {
            guard let stats = readAll(inst + "/per_cpu/cpu\(cpu)/stats") else { continue }
            for line in stats.split(separator: "\n") where line.hasPrefix("dropped events:") || line.hasPrefix("overrun:") {
                lost += UInt64(line.split(separator: " ").last ?? "") ?? 0
            }
        }
        return (text, lost)
    }

    /// The whole of a tracefs file, read until end of file: tracefs files report a size of 0,
    /// and a reader that trusts the size gets one page of them.
    private static func readAll(_ path: String) -> String? {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 { return nil }
            if n == 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func write(_ path: String, _ value: String) -> Bool {
        let fd = open(path, O_WRONLY | O_TRUNC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return value.withCString { Glibc.write(fd, $0, strlen($0)) } >= 0
    }

    private static func readCounts(_ map: OpaquePointer) -> [UInt32: UInt64] {
        var out: [UInt32: UInt64] = [:]
        var key: UInt32 = 0, next: UInt32 = 0
        var first = true
        while true {
            let rc = first ? bpf_map__get_next_key(map, nil, &next, 4) : bpf_map__get_next_key(map, &key, &next, 4)
            first = false
            if rc != 0 { break }  // -ENOENT: no more keys
            var value: UInt64 = 0
            if bpf_map__lookup_elem(map, &next, 4, &value, 8, 0) == 0 { out[next] = value }
            key = next
        }
        return out
    }
}
