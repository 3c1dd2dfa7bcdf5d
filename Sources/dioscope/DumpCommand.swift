import ArgumentParser
import DioscopeCore
import Foundation

/// `dioscope dump`: print a trace file's events, one per line.
struct DumpCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dump",
        abstract: "Print the events of a trace file, one per line.",
        discussion: """
            Text lines look like ftrace: `<s.ns> cpu<N> <tgid>/<tid> <event> dev <maj:min> ino 0x<ino> <fields>`. \
            NDJSON lines name every field (docs/trace-format.md). A summary of the recording (host, kernel, \
            probes, devices, how it ended) goes to stderr as `#` lines, or to stdout first with --header; \
            --quiet drops it. Problems in the file (damaged or cut-off chunks, unknown records) go to stderr \
            with their byte offsets, after every intact event has been printed.

            Exit status: 0 the whole file was read; 2 the file was cut off (no footer: the recording was \
            killed or ran out of space), every event before the cut was printed; 3 the file is not a \
            readable trace, or is damaged (every intact event was still printed); 64 usage error. \
            With --limit, reading stops after N events and later parts of the file are not checked.
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, ndjson }

    @Argument(help: "A trace file written by `dioscope record`.")
    var file: String

    @Option(help: "Output format: text or ndjson.")
    var format: Format = .text

    @Option(help: "Print at most N events.")
    var limit: Int?

    @Option(name: .customLong("type"), parsing: .singleValue,
            help: "Only events of this type (as printed, e.g. iomap_dio_complete); repeatable, or comma-separated.")
    var types: [String] = []

    @Flag(help: "Print the recording summary to stdout before the events (ndjson: a first {\"metadata\":…} line).")
    var header = false

    @Flag(help: "Print no recording summary.")
    var quiet = false

    func validate() throws {
        if let l = limit, l < 0 { throw ValidationError("--limit must be 0 or more") }
        _ = try typeFilter()
    }

    private func typeFilter() throws -> Set<UInt16>? {
        let names = types.flatMap { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
        if names.isEmpty { return nil }
        var set = Set<UInt16>()
        for n in names {
            guard let t = EventType.allCases.first(where: { $0.description == n }) else {
                throw ValidationError("unknown event type '\(n)'; known: "
                    + EventType.allCases.map(\.description).joined(separator: ", "))
            }
            set.insert(t.rawValue)
        }
        return set
    }

    func run() throws {
        let stderr = FileHandle.standardError
        func warn(_ s: String) { stderr.write(Data((s + "\n").utf8)) }

        var reader: TraceReader
        do {
            reader = try TraceReader(path: file)
        } catch let e as TraceFileError {
            warn("dioscope dump: \(e.description)")
            throw ExitCode(DioscopeExitStatus.badInput.rawValue)
        }
        let filter = try typeFilter()
        let out = StdoutBuffer()

        let summaryLines = quiet ? [] : TraceHeaderFormatter.lines(
            path: file, fileSize: reader.fileSize, metadata: reader.metadata, footer: reader.footer,
            createdRealtimeNs: reader.createdRealtimeNs, abiVersion: reader.abiVersion)
        if header && format == .ndjson {
            let enc = JSONEncoder()
            enc.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            var line = Data("{\"metadata\":".utf8)
            line += try enc.encode(reader.metadata)
            line += Data(",\"footer\":".utf8)
            line += reader.footer.map { (try? enc.encode($0)) ?? Data("null".utf8) } ?? Data("null".utf8)
            line += Data("}\n".utf8)
            out.write(line)
        } else if header {
            for l in summaryLines { out.write(Data((l + "\n").utf8)) }
        } else {
            for l in summaryLines { warn(l) }
        }

        var formatter = EventFormatter(capacity: 1 << 17)
        var printed = 0
        let max = limit ?? Int.max
        struct LimitReached: Error {}
        let text = format == .text
        var summary: SourceSummary?
        do {
            if max > 0 {
                summary = try reader.forEachEvent { e in
                    if let f = filter, !f.contains(e.type.rawValue) { return }
                    if text { formatter.appendText(e) } else { formatter.appendJSON(e) }
                    formatter.bytes.append(0x0A)
                    if formatter.bytes.count >= 1 << 16 {
                        out.write(formatter.bytes)
                        formatter.reset()
                    }
                    printed += 1
                    if printed >= max { throw LimitReached() }
                }
            }
        } catch is LimitReached {
            summary = nil
        } catch let e as TraceFileError {
            out.write(formatter.bytes)
            out.flush()
            warn("dioscope dump: \(e.description)")
            throw ExitCode(DioscopeExitStatus.badInput.rawValue)
        }
        out.write(formatter.bytes)
        out.flush()

        guard let s = summary else { return }  // stopped by --limit
        for p in s.problems {
            warn("dioscope dump: \(file): \(p.severity == .warning ? "warning: " : "")\(p.position): \(p.message)")
        }
        if s.dropped > 0 {
            let per = s.droppedByProbe.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            warn("dioscope dump: \(file): \(s.dropped) events were dropped by the kernel (\(per)); "
                + "timelines around them are incomplete")
        }
        if s.damaged { throw ExitCode(DioscopeExitStatus.badInput.rawValue) }
        if s.truncated { throw ExitCode(DioscopeExitStatus.inconclusive.rawValue) }
    }
}

/// Buffered writes to stdout (file descriptor 1).
private final class StdoutBuffer {
    private var pending = [UInt8]()

    func write(_ d: Data) { pending.append(contentsOf: d); if pending.count >= 1 << 16 { flush() } }
    func write(_ b: [UInt8]) {
        if pending.isEmpty { writeOut(b) } else { pending += b; flush() }
    }

    func flush() {
        writeOut(pending)
        pending.removeAll(keepingCapacity: true)
    }

    private func writeOut(_ b: [UInt8]) {
        b.withUnsafeBytes { buf in
            var p = buf.baseAddress
            var left = buf.count
            while left > 0, let base = p {
                let n = Foundation.write(1, base, left)
                if n < 0 { if errno == EINTR { continue }; return }
                p = base + n
                left -= n
            }
        }
    }
}
