// libFuzzer target: the ftrace-text importer (tracefs `trace`, trace_pipe,
// trace-cmd report) and the analysis of what it imports. Every input is
// parsed in memory (analyzed, rendered) and through the file reader with
// tiny read blocks (buffer growth and line splicing across blocks); both
// must yield the same events. A third read with a tiny line limit covers
// the overlong-line path.
#if canImport(Glibc)
import Glibc
#endif

enum FtraceFuzz {
    /// A scratch file per fuzzing process, rewritten for each input.
    nonisolated(unsafe) static var scratchFD: Int32 = -1
    nonisolated(unsafe) static var scratchPath = ""

    static func scratch(_ bytes: UnsafeRawBufferPointer) -> String {
        if scratchFD < 0 {
            let dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp"
            let name = "\(dir)/dioscope-fuzz-ftrace-\(getpid())"
            scratchFD = open(name, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
            if scratchFD < 0 { FuzzSupport.fail("cannot create \(name)") }
            // unlinked at once (a crash or ^C leaves nothing behind); read through /proc/self/fd
            unlink(name)
            scratchPath = "/proc/self/fd/\(scratchFD)"
        }
        if ftruncate(scratchFD, 0) != 0 { FuzzSupport.fail("ftruncate") }
        var off = 0
        while off < bytes.count {
            let n = pwrite(scratchFD, bytes.baseAddress! + off, bytes.count - off, off_t(off))
            if n <= 0 { FuzzSupport.fail("pwrite") }
            off += n
        }
        return scratchPath
    }

    static func events(_ importer: inout FtraceImporter) -> (UInt64, SourceSummary) {
        var n: UInt64 = 0
        do {
            let s = try importer.forEachEvent { _ in n += 1 }
            return (n, s)
        } catch {
            FuzzSupport.fail("the ftrace importer threw \(error)")
        }
    }

    static func run(_ bytes: UnsafeRawBufferPointer) {
        let array = Array(bytes)
        _ = FtraceImporter.looksLikeFtraceText(Array(array.prefix(64 * 1024)))

        var memory = FtraceImporter(bytes: array)
        let result: AnalysisResult
        let summary: SourceSummary
        do {
            (result, summary) = try Analyzer.analyze(&memory)
        } catch {
            FuzzSupport.fail("analyzing ftrace text threw \(error)")
        }
        FuzzSupport.checkVerdict(result, summary, "ftrace")
        FuzzSupport.render(result)

        let path = scratch(bytes)
        var blocks = FtraceImporter(path: path, blockSize: 16, maxLineLength: 1 << 20)
        let (n, s) = events(&blocks)
        if n != summary.eventsRead || s.eventsRead != summary.eventsRead {
            FuzzSupport.fail("file read in 16-byte blocks gave \(n) events, memory \(summary.eventsRead)")
        }
        if s.truncated != summary.truncated || s.damaged != summary.damaged {
            FuzzSupport.fail("file and memory reads disagree: truncated \(s.truncated)/\(summary.truncated), "
                + "damaged \(s.damaged)/\(summary.damaged)")
        }
        var short = FtraceImporter(path: path, blockSize: 8, maxLineLength: 8)
        _ = events(&short)
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func ftraceFuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    FtraceFuzz.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
