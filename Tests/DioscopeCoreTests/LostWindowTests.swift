import Foundation
import Testing
@testable import DioscopeCore

/// A lost window ends at its last drop (`Lost.untilNs`, noted by the programs since session 17)
/// rather than at the consumer's drop check, 200 ms or more later: an I/O that began after the
/// last drop lost nothing and stays conclusive.
@Suite struct LostWindowTests {
    static let dev = DeviceNumber(major: 7, minor: 0)

    /// One pwrite64 of 4 KiB at `offset` by task `tid`, begun at `begin` and returned at `end`.
    static func write(tid: UInt32, offset: Int64, begin: UInt64, end: UInt64) -> [Event] {
        func ev(_ t: UInt64, _ p: Event.Payload, ino: UInt64 = 0x83) -> Event {
            Event(timestamp: t, tgid: tid, tid: tid, cpu: 0, dev: dev, ino: ino, payload: p)
        }
        return [
            ev(begin, .sysEnter(SysEnter(sysno: .pwrite64, fd: 3, args: (0x1000, 4096, offset), comm: Comm("w")))),
            ev(begin + 10, .dioBegin(DIOBegin(kiocb: 0xffff_c900_0000_0000 + UInt64(tid), pos: offset, count: 4096,
                                              isize: 1 << 20, kiFlags: [.direct, .write], api: .sync, blkbits: 12))),
            ev(end - 10, .dioComplete(DIOComplete(kiocb: 0xffff_c900_0000_0000 + UInt64(tid), pos: offset + 4096,
                                                  isize: 1 << 20, ret: 4096, error: 0, kiFlags: [.direct, .write],
                                                  api: .sync))),
            ev(end, .sysExit(SysExit(sysno: .pwrite64, fd: 3, ret: 4096))),
        ]
    }

    static func analyze(lost: Lost, at ts: UInt64) -> AnalysisResult {
        // A: in flight from 1 ms to 9 ms; B: begins at 3 ms, after the last drop (2 ms), ends at
        // 8 ms; the drop check reports at 5 ms
        let events = (write(tid: 10, offset: 0, begin: 1_000_000, end: 9_000_000)
            + write(tid: 11, offset: 8192, begin: 3_000_000, end: 8_000_000)
            + [Event(timestamp: ts, payload: .lost(lost))]).sorted { $0.timestamp < $1.timestamp }
        return Analyzer.analyze(events: events)
    }

    @Test func anIOBegunAfterTheLastDropStaysConclusive() throws {
        let r = Self.analyze(lost: Lost(dropped: 2, sinceNs: 500_000, probe: 0, untilNs: 2_000_000), at: 5_000_000)
        let a = try #require(r.timelines.first { $0.offset == 0 }), b = try #require(r.timelines.first { $0.offset == 8192 })
        #expect(a.status == .inconclusive, "in flight during the drops")
        #expect(b.status == .complete, "begun after the last drop")
        #expect(r.lostWindows == [LostWindow(since: 500_000, until: 2_000_000, dropped: 2)])
        #expect(r.verdict == .inconclusive)
    }

    @Test func withoutItsEndTheWindowEndsAtTheRecord() throws {
        let r = Self.analyze(lost: Lost(dropped: 2, sinceNs: 500_000, probe: 0), at: 5_000_000)
        #expect(r.timelines.allSatisfy { $0.status == .inconclusive })
        #expect(r.lostWindows == [LostWindow(since: 500_000, until: 5_000_000, dropped: 2)])
    }

    /// An end before the start, or long after the record (damaged values), is not trusted: the
    /// record's own time is.
    @Test func anEndNoConsumerWritesIsNotTrusted() throws {
        for until: UInt64 in [1_000_000, 5_000_000 + 1_000_000_001] {
            let r = Self.analyze(lost: Lost(dropped: 2, sinceNs: 4_000_000, probe: 0, untilNs: until), at: 5_000_000)
            #expect(r.lostWindows == [LostWindow(since: 4_000_000, until: 5_000_000, dropped: 2)], "until \(until)")
        }
    }

    @Test func theEndRoundTripsThroughARecord() throws {
        let e = Event(timestamp: 5_000_000, payload: .lost(Lost(dropped: 3, sinceNs: 100, probe: 1, untilNs: 150)))
        let back = try RecordCodec.decode(RecordCodec.encode(e))
        #expect(back == e)
        #expect(EventFormatter.text(e).contains(" until "))
    }
}
