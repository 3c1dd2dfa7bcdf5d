import Foundation
import Testing
@testable import DioscopeCore

/// Writes a large synthetic dioscope trace for measuring `dioscope analyze`
/// throughput (release build):
///
///     DIOSCOPE_BENCH_TRACE=/tmp/bench.dtrace DIOSCOPE_BENCH_COPIES=40000 \
///       swift test --filter AnalysisBenchmarkSupport
///     swift build -c release --product dioscope
///     time .build/release/dioscope analyze /tmp/bench.dtrace
///
/// Copies of the correct scenarios run on 16 inodes with 4 copies in flight
/// at once; the expected verdict is findings only from the short-write scenario.
@Suite struct AnalysisBenchmarkSupport {
    @Test func writeBenchmarkTrace() throws {
        guard let path = ProcessInfo.processInfo.environment["DIOSCOPE_BENCH_TRACE"] else { return }
        let copies = Int(ProcessInfo.processInfo.environment["DIOSCOPE_BENCH_COPIES"] ?? "") ?? 10000
        let base = [AnalysisScenarios.correctXFSAIOHoleRead(), AnalysisScenarios.correctXFSUnalignedPair(),
                    AnalysisScenarios.correctXFSFallocateWaits(), AnalysisScenarios.correctXFSUringNowaitRetry()]
            .map { $0.events(.identity) }
        let w = try TraceWriter(path: path, metadata: TraceMetadata())
        var n: UInt64 = 0
        var last: UInt64 = 0
        for c in 0..<copies {
            let evs = base[c % base.count]
            // every copy on its own inode slot, pid and kiocb space; 4 overlap in time
            let shift = UInt64(c / 4) * 400_000
            let lane = UInt64(c % 16)
            for var e in evs {
                e.timestamp += shift
                if e.ino != 0 { e.ino += lane << 16 }
                e.tgid += UInt32(lane) * 10
                if e.tid != 0 { e.tid += UInt32(lane) * 10 }
                switch e.payload {
                case .dioBegin(var p):
                    p.kiocb ^= lane << 40; p.userRef ^= lane << 40; e.payload = .dioBegin(p)
                case .dioComplete(var p):
                    p.kiocb ^= lane << 40; p.userRef ^= lane << 40; e.payload = .dioComplete(p)
                case .block(let k, var p):
                    if p.kiocb != 0 { p.kiocb ^= lane << 40 }
                    p.sector += lane << 24; e.payload = .block(k, p)
                case .iomapDstmap(var p):
                    if p.addr != IomapMapping.nullAddress { p.addr += lane << 33 }
                    e.payload = .iomapDstmap(p)
                case .aioReap(var p):
                    p.obj ^= lane << 40; e.payload = .aioReap(p)
                case .ioUringComplete(var p):
                    p.req ^= lane << 40; p.userData ^= lane << 40; e.payload = .ioUringComplete(p)
                default: break
                }
                try w.append(e)
                n += 1
                last = max(last, e.timestamp)
            }
        }
        try w.finish(footer: TraceFooter(endReason: .init(rawValue: "completed"), endTimestamp: last))
        print("wrote \(n) events to \(path)")
        #expect(n > 0)
    }
}
