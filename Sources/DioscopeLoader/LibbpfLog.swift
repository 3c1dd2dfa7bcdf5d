import CLibbpf
import Glibc

/// Captures libbpf's warnings (verifier logs included) so a load failure
/// can be reported with its cause instead of being printed at random.
enum LibbpfLog {
    nonisolated(unsafe) private static var lines: [String] = []
    nonisolated(unsafe) private static var installed = false

    /// Route libbpf's output here (idempotent).
    static func install() {
        guard !installed else { return }
        installed = true
        _ = libbpf_set_print { level, format, args -> Int32 in
            guard level != LIBBPF_DEBUG, let format, let args else { return 0 }
            var buf = [CChar](repeating: 0, count: 4096)
            let n = vsnprintf(&buf, buf.count, format, args)
            let text = buf.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }.trimmingTrailingNewlines()
            if !text.isEmpty {
                LibbpfLog.lines.append(text)
                if LibbpfLog.lines.count > 200 { LibbpfLog.lines.removeFirst(LibbpfLog.lines.count - 200) }
            }
            return n
        }
    }

    /// Forget what was captured so far.
    static func reset() { lines.removeAll() }

    /// The last `limit` captured lines.
    static func tail(_ limit: Int = 40) -> String {
        lines.suffix(limit).joined(separator: "\n")
    }
}

extension String {
    fileprivate func trimmingTrailingNewlines() -> String {
        var s = Substring(self)
        while s.last == "\n" { s = s.dropLast() }
        return String(s)
    }
}
