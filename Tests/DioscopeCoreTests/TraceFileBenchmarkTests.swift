import Foundation
import Testing
@testable import DioscopeCore

/// Throughput of the trace file paths. Run in release:
///   DIOSCOPE_BENCH=1 swift test -c release --filter TraceFileBenchmark
@Suite(.enabled(if: ProcessInfo.processInfo.environment["DIOSCOPE_BENCH"] == "1"))
struct TraceFileBenchmarkTests {
    static func seconds(_ body: () throws -> Void) rethrows -> Double {
        let t0 = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
    }

    @Test func throughput() throws {
        let dir = try TraceFileFixtures.scratchDirectory()
        defer { TraceFileFixtures.cleanup(dir) }
        let path = dir + "/bench.dsc"
        let count = 4_000_000
        let mb = Double(count * RecordLayout.recordSize) / 1e6
        let tw = try Self.seconds { try TraceFileStreamingTests.writeLarge(path, count: count) }
        print("write:          \(Int(Double(count) / tw / 1e6)) M records/s (\(Int(mb / tw)) MB/s)")

        let block = [UInt8](repeating: 0x5A, count: 64 << 20)
        var crc: UInt32 = 0
        let tc = Self.seconds { block.withUnsafeBytes { crc = CRC32C.checksum($0) } }
        print("crc32c:         \(Int(64 / tc * 1.048576)) MB/s (\(crc))")

        var r = try TraceReader(path: path)
        var sum: UInt64 = 0
        let tr = try Self.seconds {
            _ = try r.forEachRecord { p in sum &+= p.loadUnaligned(fromByteOffset: RecordLayout.ino, as: UInt64.self) }
        }
        print("forEachRecord:  \(Int(Double(count) / tr / 1e6)) M records/s (\(Int(mb / tr)) MB/s)")
        var chunkSum = 0
        let tk = try Self.seconds { _ = try r.forEachChunk { buf, _ in chunkSum &+= buf.count } }
        print("forEachChunk:   \(Int(Double(count) / tk / 1e6)) M records/s (\(Int(mb / tk)) MB/s)")
        var fast = try TraceReader(path: path, verifyChecksums: false)
        var sum2: UInt64 = 0
        let tf = try Self.seconds {
            _ = try fast.forEachRecord { p in sum2 &+= p.loadUnaligned(fromByteOffset: RecordLayout.ino, as: UInt64.self) }
        }
        print("forEachRecord, no payload CRC: \(Int(Double(count) / tf / 1e6)) M records/s (\(Int(mb / tf)) MB/s)")
        #expect(sum2 == sum)
        var n = 0
        let te = try Self.seconds { _ = try r.forEachEvent { _ in n += 1 } }
        print("forEachEvent:   \(Int(Double(count) / te / 1e6)) M events/s")
        var f = EventFormatter(capacity: 1 << 20)
        let tt = try Self.seconds {
            _ = try r.forEachEvent { e in
                f.appendText(e)
                if f.bytes.count > 1 << 19 { f.reset() }
            }
        }
        print("text format:    \(Int(Double(count) / tt / 1e6)) M events/s")
        #expect(n == count && sum == UInt64(count) * UInt64(count - 1) / 2)
    }
}
