import Glibc

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
        // procfs reports size 0, so read it as a stream, line by line.
        guard let file = fopen(path, "r") else { return syms }
        defer { fclose(file) }
        var found = [String: UInt64]()
        var line: UnsafeMutablePointer<CChar>?
        var cap = 0
        defer { free(line) }
        while found.count < names.count, getline(&line, &cap, file) > 0, let l = line {
            // "<hex address> <type> <name>[\t[module]]"
            let text = String(cString: l)
            let parts = text.split(separator: " ", maxSplits: 2)
            guard parts.count == 3 else { continue }
            let name = String(parts[2].prefix { $0 != "\t" && $0 != "\n" })
            if names.contains(name), found[name] == nil, let addr = UInt64(parts[0], radix: 16) {
                found[name] = addr
            }
        }
        syms.aioCompleteRW = found["aio_complete_rw"] ?? 0
        syms.ioCompleteRW = found["io_complete_rw"] ?? 0
        syms.ioCompleteRWIopoll = found["io_complete_rw_iopoll"] ?? 0
        syms.iomapDioBioEndIO = found["iomap_dio_bio_end_io"] ?? 0
        return syms
    }
}
