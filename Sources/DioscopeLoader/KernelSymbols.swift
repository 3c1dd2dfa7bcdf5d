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
    /// bi_end_io of the front part the block layer splits off a bio (its bi_private is the bio).
    public var bioChainEndIO: UInt64 = 0

    public init() {}

    /// The names looked up, in field order.
    public static let names = ["aio_complete_rw", "io_complete_rw", "io_complete_rw_iopoll", "iomap_dio_bio_end_io",
                               "bio_chain_endio"]

    /// Reads /proc/kallsyms (or `path`). Addresses shown as zero (no
    /// privilege, kptr_restrict) stay zero.
    public static func load(path: String = "/proc/kallsyms") -> KernelSymbols {
        var syms = KernelSymbols()
        // procfs reports size 0, so read it as a stream, line by line.
        guard let file = fopen(path, "r") else { return syms }
        defer { fclose(file) }
        // ~200k lines: compare names in the C buffer, make no String per line
        // (the String version took ~0.6 s of a debug build's start-up)
        let wanted = names.map { Array($0.utf8) }
        var found = [UInt64?](repeating: nil, count: names.count)
        var remaining = names.count
        var line: UnsafeMutablePointer<CChar>?
        var cap = 0
        defer { free(line) }
        while remaining > 0, getline(&line, &cap, file) > 0, let l = line {
            // "<hex address> <type> <name>[\t[module]]"
            guard let s1 = strchr(l, 0x20), let s2 = strchr(s1 + 1, 0x20) else { continue }
            let name = UnsafeRawPointer(s2 + 1).assumingMemoryBound(to: UInt8.self)
            var len = 0
            while name[len] != 0 && name[len] != 0x09 && name[len] != 0x0a { len += 1 }
            for i in wanted.indices where found[i] == nil && wanted[i].count == len
                && wanted[i].withUnsafeBufferPointer({ memcmp($0.baseAddress!, name, len) == 0 })
            {
                found[i] = strtoull(l, nil, 16)
                remaining -= 1
            }
        }
        syms.aioCompleteRW = found[0] ?? 0
        syms.ioCompleteRW = found[1] ?? 0
        syms.ioCompleteRWIopoll = found[2] ?? 0
        syms.iomapDioBioEndIO = found[3] ?? 0
        syms.bioChainEndIO = found[4] ?? 0
        return syms
    }
}
