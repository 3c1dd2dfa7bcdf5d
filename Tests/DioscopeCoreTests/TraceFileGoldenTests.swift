import Foundation
import Testing
@testable import DioscopeCore

/// Committed v1 traces pin the on-disk format: today's reader must read
/// them, and today's writer must produce the same bytes as the newest
/// (apart from the creation time and the header checksum covering it). A
/// format change that breaks either is a format version bump
/// (docs/trace-format.md); a new record type bumps the record ABI version
/// and adds a fixture, and the older fixtures must still read.
///
/// Regenerate (only with a version bump!): DIOSCOPE_REGENERATE_FIXTURES=1 swift test --filter TraceFileGolden
@Suite struct TraceFileGoldenTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/tracefile")
    /// Format 1, record ABI 5 (written by today's writer): every event type, then the two
    /// record types that carry two events each and the one that carries three.
    static let fixture = directory.appendingPathComponent("v1-abi5-every-type.dsc").path
    /// Format 1, record ABI 4 (written by dioscope before DSC_EV_TASK_EXIT).
    static let abi4Fixture = directory.appendingPathComponent("v1-abi4-every-type.dsc").path
    /// Format 1, record ABI 3 (written by dioscope before DSC_EV_SYS_CALL_REAP).
    static let abi3Fixture = directory.appendingPathComponent("v1-abi3-every-type.dsc").path
    /// Format 1, record ABI 2 (written by dioscope before DSC_EV_SYS_CALL and DSC_EV_SYS_EXIT_REAP).
    static let abi2Fixture = directory.appendingPathComponent("v1-abi2-every-type.dsc").path
    /// Format 1, record ABI 1 (written by dioscope before DSC_EV_DIO_STEPS).
    static let abi1Fixture = directory.appendingPathComponent("v1-every-type.dsc").path

    static func writeGolden(_ path: String) throws {
        let w = try TraceWriter(path: path, metadata: TraceFileFixtures.metadata(), recordsPerChunk: 8)
        w.maxChunkAge = nil
        for e in TraceFileFixtures.everyEventType(abi: 5) { try w.append(e) }
        for group in TraceFileFixtures.multiEventRecords() {
            try TraceFileFixtures.record(group).withUnsafeBytes { try w.append(records: $0) }
        }
        try w.finish(footer: TraceFileFixtures.footer())
    }

    @Test func committedV1FileReadsBackEveryEventType() throws {
        if ProcessInfo.processInfo.environment["DIOSCOPE_REGENERATE_FIXTURES"] == "1" {
            try Self.writeGolden(Self.fixture)
        }
        let bytes = try TraceFileFixtures.bytes(Self.fixture)
        #expect(bytes[TraceFileFormat.fhABIVersion] == 5)
        let (events, s, reader) = try TraceFileFixtures.readAll(Self.fixture)
        let groups = TraceFileFixtures.multiEventRecords()
        #expect(groups.map(\.count) == [2, 2, 3])
        #expect(events == TraceFileFixtures.everyEventType(abi: 5) + groups.flatMap { $0 })
        #expect(events.contains { $0.type == .dioSteps } && events.contains { $0.type == .taskExit })
        #expect(reader.metadata == TraceFileFixtures.metadata())
        // three records carry seven events
        #expect(reader.footer?.totalRecords == UInt64(events.count - 4))
        #expect(reader.footer?.chunkCount == 4)
        #expect(s.problems.isEmpty && !s.damaged && !s.truncated)
        // the earliest event is the io_submit's enter, before its record's own time
        #expect(s.firstTimestamp == events.map(\.timestamp).min())
    }

    /// Traces recorded with older record ABIs read unchanged: each committed file gives exactly
    /// the events its version could hold (ABI 1 lacks `dio_steps`, ABI 2 the records that carry
    /// several events, ABI 3 the one that carries three, ABI 4 a task's exit).
    @Test(arguments: [(1, abi1Fixture), (2, abi2Fixture), (3, abi3Fixture), (4, abi4Fixture)])
    func committedOlderFileStillReads(abi: Int, path: String) throws {
        let bytes = try TraceFileFixtures.bytes(path)
        #expect(bytes[TraceFileFormat.fhABIVersion] == UInt8(abi))
        let (events, s, reader) = try TraceFileFixtures.readAll(path)
        let groups = abi >= 3 ? TraceFileFixtures.multiEventRecords(abi: abi).flatMap { $0 } : []
        #expect(events == TraceFileFixtures.everyEventType(abi: abi) + groups)
        #expect(reader.abiVersion == UInt32(abi))
        #expect(s.problems.isEmpty && !s.damaged && !s.truncated)
    }

    @Test(.disabled(if: ProcessInfo.processInfo.environment["DIOSCOPE_REGENERATE_FIXTURES"] == "1"))
    func writerStillProducesTheCommittedBytes() throws {
        let dir = try TraceFileFixtures.scratchDirectory()
        defer { TraceFileFixtures.cleanup(dir) }
        let path = dir + "/golden.dsc"
        try Self.writeGolden(path)
        var fresh = try TraceFileFixtures.bytes(path)
        var golden = try TraceFileFixtures.bytes(Self.fixture)
        #expect(fresh.count == golden.count)
        // creation time (32..<40) and the header CRC (60..<64) differ by design
        for r in [32..<40, 60..<64] {
            fresh.replaceSubrange(r, with: [UInt8](repeating: 0, count: r.count))
            golden.replaceSubrange(r, with: [UInt8](repeating: 0, count: r.count))
        }
        let firstDifference = zip(fresh, golden).enumerated().first { $0.element.0 != $0.element.1 }?.offset
        #expect(firstDifference == nil, "writer output differs from the v1 fixture at byte \(firstDifference ?? -1)")
        // and the magic is what the documentation says
        #expect(Array(golden[0..<8]) == [0x89] + Array("DSCOPE\n".utf8))
    }
}
