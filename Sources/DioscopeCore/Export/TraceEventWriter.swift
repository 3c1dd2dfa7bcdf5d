import Foundation

/// A value of a trace event's `args`.
enum TraceArg {
    case string(String)
    case int(Int64)
    case uint(UInt64)
    case bool(Bool)
    case strings([String])
    case uints([UInt64])
}

/// Appends Chrome trace-event JSON objects to a byte buffer (no
/// intermediate dictionaries; timestamps written exactly as µs with three
/// decimals from nanoseconds).
struct TraceEventWriter {
    private(set) var bytes: [UInt8] = []
    private var count = 0

    init() {
        append("{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n")
    }

    /// Hands what was written so far to `sink` once it makes a piece (the writer goes on from
    /// there).
    mutating func handOver(to sink: (Data) throws -> Void) rethrows {
        try bytes.handOver(to: sink)
    }

    /// The last bytes: the metadata and the closing brackets.
    mutating func finish(metadata: [(String, TraceArg)]) -> [UInt8] {
        append("\n],\"metadata\":")
        appendArgs(metadata)
        append("}\n")
        return bytes
    }

    /// One event. `ts`/`dur` in nanoseconds.
    mutating func event(ph: String, name: String, cat: String? = nil, ts: UInt64, dur: UInt64? = nil, pid: Int, tid: Int,
                        id: String? = nil, scope: String? = nil, bindingPoint: String? = nil,
                        args: [(String, TraceArg)] = []) {
        if count > 0 { append(",\n") }
        count += 1
        append("{\"ph\":"); appendString(ph)
        append(",\"name\":"); appendString(name)
        if let cat { append(",\"cat\":"); appendString(cat) }
        append(",\"ts\":"); appendMicros(ts)
        if let dur { append(",\"dur\":"); appendMicros(dur) }
        append(",\"pid\":"); bytes.appendDecimal(Int64(pid))
        append(",\"tid\":"); bytes.appendDecimal(Int64(tid))
        if let id { append(",\"id\":"); appendString(id) }
        if let scope { append(",\"s\":"); appendString(scope) }
        if let bindingPoint { append(",\"bp\":"); appendString(bindingPoint) }
        if !args.isEmpty { append(",\"args\":"); appendArgs(args) }
        append("}")
    }

    /// A metadata event (`ph` "M"): process_name, thread_name, process_sort_index.
    mutating func metadata(_ name: String, pid: Int, tid: Int, args: [(String, TraceArg)]) {
        if count > 0 { append(",\n") }
        count += 1
        append("{\"ph\":\"M\",\"name\":"); appendString(name)
        append(",\"ts\":0,\"pid\":"); bytes.appendDecimal(Int64(pid))
        append(",\"tid\":"); bytes.appendDecimal(Int64(tid))
        append(",\"args\":"); appendArgs(args)
        append("}")
    }

    private mutating func appendArgs(_ args: [(String, TraceArg)]) {
        append("{")
        for (i, (k, v)) in args.enumerated() {
            if i > 0 { append(",") }
            appendString(k)
            append(":")
            switch v {
            case .string(let s): appendString(s)
            case .int(let n): bytes.appendDecimal(n)
            case .uint(let n): bytes.appendDecimal(n)
            case .bool(let b): append(b ? "true" : "false")
            case .strings(let a):
                append("[")
                for (j, s) in a.enumerated() {
                    if j > 0 { append(",") }
                    appendString(s)
                }
                append("]")
            case .uints(let a):
                append("[")
                for (j, n) in a.enumerated() {
                    if j > 0 { append(",") }
                    bytes.appendDecimal(n)
                }
                append("]")
            }
        }
        append("}")
    }

    private mutating func append(_ s: String) { bytes.append(contentsOf: s.utf8) }

    private mutating func appendMicros(_ ns: UInt64) {
        let frac = ns % 1000
        bytes.appendDecimal(ns / 1000)
        bytes.append(0x2E)
        bytes.append(0x30 + UInt8(frac / 100))
        bytes.append(0x30 + UInt8(frac / 10 % 10))
        bytes.append(0x30 + UInt8(frac % 10))
    }

    /// `"`, `\`, newline, return and tab escaped by name, other control characters as `\u00xx`.
    private mutating func appendString(_ s: String) {
        bytes.appendJSONString(s, escapeSlashes: false, namedBackspaceFormFeed: false)
    }
}
