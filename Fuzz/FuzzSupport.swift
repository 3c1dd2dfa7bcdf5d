// Shared by the libFuzzer targets (scripts/fuzz.sh compiles each target
// together with Sources/DioscopeCore into one module, so internal API is
// visible). Not part of the SwiftPM package.
#if canImport(Glibc)
import Glibc
#endif

enum FuzzSupport {
    /// Crashes the fuzzer with `message`: an invariant the input broke.
    static func fail(_ message: String) -> Never {
        fputs("FUZZ INVARIANT BROKEN: \(message)\n", stderr)
        abort()
    }

    /// A source that was damaged, truncated or lossy must never be called clean.
    static func checkVerdict(_ result: AnalysisResult, _ summary: SourceSummary, _ what: String) {
        if !summary.isComplete && result.verdict == .clean {
            fail("\(what): incomplete source (damaged \(summary.damaged), truncated \(summary.truncated), "
                + "dropped \(summary.dropped)) but verdict clean")
        }
        if !summary.isComplete && result.exitStatus(sourceDamaged: summary.damaged) == .clean {
            fail("\(what): incomplete source but exit status clean")
        }
        if summary.damaged && result.exitStatus(sourceDamaged: true) != .badInput {
            fail("\(what): damaged source but exit status not 3")
        }
    }

    /// Everything a command does with an analysis: text report (with
    /// timelines), Perfetto export, the timelines' JSON. Must not trap.
    static func render(_ result: AnalysisResult) {
        _ = AnalysisReport.text(result, timelines: true)
        _ = PerfettoExporter.encode(result)
        var json = JSONBytes(pretty: true, escapeSlashes: true, indent: 4)
        for t in result.timelines { t.appendJSON(to: &json) }
    }

    /// Rewrites every checksum a dioscope trace holds so that mutated
    /// inputs get past the CRC checks into the parsing behind them: the
    /// file header and metadata CRCs, and for every chunk, footer and
    /// trailer magic found anywhere, that block's CRCs. Returns whether a
    /// byte changed.
    static func repairChecksums(_ b: inout [UInt8]) -> Bool {
        typealias F = TraceFileFormat
        let n = b.count
        var changed = false
        func u32(_ at: Int) -> Int {
            Int(b[at]) | Int(b[at + 1]) << 8 | Int(b[at + 2]) << 16 | Int(b[at + 3]) << 24
        }
        func store(_ v: UInt32, _ at: Int) {
            for i in 0..<4 {
                let byte = UInt8(truncatingIfNeeded: v >> (8 * UInt32(i)))
                if b[at + i] != byte { b[at + i] = byte; changed = true }
            }
        }
        func crc(_ from: Int, _ count: Int) -> UInt32 {
            b.withUnsafeBytes { CRC32C.update(0, $0.baseAddress! + from, count: count) }
        }
        func magic(_ at: Int) -> UInt64 {
            var w: UInt64 = 0
            for i in 0..<8 { w |= UInt64(b[at + i]) << (8 * UInt64(i)) }
            return w
        }
        if n >= F.fileHeaderSize && magic(0) == F.fileMagicWord {
            let m = u32(F.fhMetadataLength)
            if F.fileHeaderSize + m <= n { store(crc(F.fileHeaderSize, m), F.fhMetadataCRC) }
            store(crc(0, F.fhHeaderCRC), F.fhHeaderCRC)
        }
        var p = 8
        while p + 8 <= n {
            if b[p] != 0x89 { p += 1; continue }
            let w = magic(p)
            if w == F.chunkMagicWord && p + F.chunkHeaderSize <= n {
                let length = u32(p + F.chPayloadLength)
                if p + F.chunkHeaderSize + length <= n {
                    store(crc(p + F.chunkHeaderSize, length), p + F.chPayloadCRC)
                }
                store(crc(p, F.chHeaderCRC), p + F.chHeaderCRC)
            } else if w == F.footerMagicWord && p + F.footerHeaderSize <= n {
                let length = u32(p + F.ftLength)
                if p + F.footerHeaderSize + length <= n { store(crc(p + F.footerHeaderSize, length), p + F.ftCRC) }
            } else if w == F.trailerMagicWord && p + F.trailerSize <= n {
                store(crc(p, F.trCRC), p + F.trCRC)
            }
            p += 1
        }
        return changed
    }
}
