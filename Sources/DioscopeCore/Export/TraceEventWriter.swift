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
        append(",\"pid\":"); append(String(pid))
        append(",\"tid\":"); append(String(tid))
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
        append(",\"ts\":0,\"pid\":"); append(String(pid))
        append(",\"tid\":"); append(String(tid))
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
            case .int(let n): append(String(n))
            case .uint(let n): append(String(n))
            case .bool(let b): append(b ? "true" : "false")
            case .strings(let a):
                append("[")
                for (j, s) in a.enumerated() {
                    if j > 0 { append(",") }
                    appendString(s)
                }
                append("]")
            case .uints(let a):
                append("[" + a.map(String.init).joined(separator: ",") + "]")
            }
        }
        append("}")
    }

    private mutating func append(_ s: String) { bytes.append(contentsOf: s.utf8) }

    private mutating func appendMicros(_ ns: UInt64) {
        let frac = ns % 1000
        append(String(ns / 1000))
        bytes.append(0x2E)
        bytes.append(0x30 + UInt8(frac / 100))
        bytes.append(0x30 + UInt8(frac / 10 % 10))
        bytes.append(0x30 + UInt8(frac % 10))
    }

    private mutating func appendString(_ s: String) {
        bytes.append(0x22)
        for b in s.utf8 {
            switch b {
            case 0x22: bytes.append(0x5C); bytes.append(0x22)
            case 0x5C: bytes.append(0x5C); bytes.append(0x5C)
            case 0x0A: bytes.append(0x5C); bytes.append(0x6E)
            case 0x0D: bytes.append(0x5C); bytes.append(0x72)
            case 0x09: bytes.append(0x5C); bytes.append(0x74)
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: Array("\\u00".utf8))
                bytes.append(hex[Int(b >> 4)])
                bytes.append(hex[Int(b & 0xF)])
            default: bytes.append(b)
            }
        }
        bytes.append(0x22)
    }
}
