import Foundation

/// Kernel text addresses the BPF programs compare function pointers
/// against, resolved from /proc/kallsyms (needs root to see real values).
public struct KernelSymbols: Sendable, Equatable {
    /// fs/aio.c completion callback of libaio kiocbs.
    public var aioCompleteRW: UInt64 = 0
    /// io_uring read/write completion callbacks.
    public var ioCompleteRW: UInt64 = 0
    public var ioCompleteRWIopoll: UInt64 = 0
    /// bi_end_io of every bio an iomap direct I/O submits.
    public var iomapDioBioEndIO: UInt64 = 0

    public init() {}

    /// The names looked up, in field order.
    public static let names = ["aio_complete_rw", "io_complete_rw", "io_complete_rw_iopoll", "iomap_dio_bio_end_io"]

    /// Reads /proc/kallsyms (or `path`). Addresses shown as zero (no
    /// privilege, kptr_restrict) stay zero.
    public static func load(path: String = "/proc/kallsyms") -> KernelSymbols {
        var syms = KernelSymbols()
        guard let data = FileManager.default.contents(atPath: path) else { return syms }
        var found = [String: UInt64]()
        data.withUnsafeBytes { (buf: UnsafeRawBufferPointer) in
            var lineStart = 0
            let n = buf.count
            while lineStart < n && found.count < names.count {
                var end = lineStart
                while end < n && buf[end] != 0x0A { end += 1 }
                // "<hex address> <type> <name>[\t[module]]"
                if let line = String(bytes: buf[lineStart..<end], encoding: .utf8) {
                    let parts = line.split(separator: " ", maxSplits: 2)
                    if parts.count == 3 {
                        let name = String(parts[2].split(separator: "\t").first ?? "")
                        if names.contains(name), found[name] == nil, let addr = UInt64(parts[0], radix: 16) {
                            found[name] = addr
                        }
                    }
                }
                lineStart = end + 1
            }
        }
        syms.aioCompleteRW = found["aio_complete_rw"] ?? 0
        syms.ioCompleteRW = found["io_complete_rw"] ?? 0
        syms.ioCompleteRWIopoll = found["io_complete_rw_iopoll"] ?? 0
        syms.iomapDioBioEndIO = found["iomap_dio_bio_end_io"] ?? 0
        return syms
    }
}
