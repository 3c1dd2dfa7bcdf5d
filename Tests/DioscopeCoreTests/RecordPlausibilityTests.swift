import Testing
@testable import DioscopeCore

/// The record decoder checks each payload as it builds it (`RecordCodec.decodeFirst`), not the
/// finished event. It must still refuse exactly the events ``EventPlausibility/implausibleField(_:)``
/// refuses, naming the same field (the event's time first, then the payload's fields in order),
/// and give every other event back unchanged.
struct RecordPlausibilityTests {
    typealias P = EventPlausibility

    /// Values at, just inside and just outside each kind of bound, and the extremes.
    static let offsets: [Int64] = [0, 4096, -1, P.maxBytes, P.maxBytes + 1, -P.maxBytes, -P.maxBytes - 1, .max, .min]
    static let lengths: [UInt64] = [0, 8192, UInt64(P.maxBytes), UInt64(P.maxBytes) + 1, .max]
    static let sectors: [UInt64] = [0, 2048, UInt64(P.maxBytes) >> 9, (UInt64(P.maxBytes) >> 9) + 1, .max, .max - 1]
    static let blockBits: [UInt8] = [0, 12, P.maxBlockBits, P.maxBlockBits + 1, .max]
    static let times: [UInt64] = [0, 1_000_000, P.maxTimestamp, P.maxTimestamp + 1, .max]
    static let drops: [UInt64] = [0, 3, P.maxDropped, P.maxDropped + 1, .max]

    /// Sets each bounded field of `e` (and its time) to one of the values above, each with
    /// probability 1/3 (the time 1/6), so that events with none, one and several fields out of
    /// bounds all come up.
    static func scramble(_ e: inout Event, _ rng: inout SplitMix) {
        func maybe<T>(_ v: inout T, _ from: [T], _ oneIn: UInt64 = 3) {
            if rng.next() % oneIn == 0 { v = from.randomElement(using: &rng)! }
        }
        maybe(&e.timestamp, times, 6)
        switch e.payload {
        case .dioBegin(var p):
            maybe(&p.pos, offsets); maybe(&p.count, lengths); maybe(&p.isize, offsets)
            maybe(&p.doneBefore, lengths); maybe(&p.blkbits, blockBits)
            e.payload = .dioBegin(p)
        case .dioQueued(var p):
            maybe(&p.offset, offsets); maybe(&p.length, lengths); maybe(&p.isize, offsets)
            e.payload = .dioQueued(p)
        case .dioComplete(var p):
            maybe(&p.pos, offsets); maybe(&p.isize, offsets); maybe(&p.ret, offsets)
            e.payload = .dioComplete(p)
        case .iomapDstmap(var p):
            maybe(&p.offset, offsets); maybe(&p.length, lengths); maybe(&p.blkbits, blockBits)
            maybe(&p.addr, lengths + [IomapMapping.nullAddress])
            e.payload = .iomapDstmap(p)
        case .dioSteps(var p):
            maybe(&p.mapOffset, offsets); maybe(&p.bioSector, sectors); maybe(&p.mapAddr, lengths)
            maybe(&p.blkbits, blockBits); maybe(&p.stepMask, [0x0f, 0x0e, 0x1f, 0x4f, 0xff])
            e.payload = .dioSteps(p)
        case .block(let kind, var p):
            maybe(&p.sector, sectors)
            e.payload = .block(kind, p)
        case .xfs(let kind, var p):
            maybe(&p.isize, offsets); maybe(&p.disize, offsets); maybe(&p.offset, offsets); maybe(&p.count, lengths)
            e.payload = .xfs(kind, p)
        case .ext4MapBlocksEnter(var p):
            maybe(&p.blkbits, blockBits)
            e.payload = .ext4MapBlocksEnter(p)
        case .ext4HandleUnwritten(var p):
            maybe(&p.blkbits, blockBits)
            e.payload = .ext4HandleUnwritten(p)
        case .fsSpaceOp(var p):
            maybe(&p.offset, offsets); maybe(&p.len, offsets); maybe(&p.isize, offsets)
            e.payload = .fsSpaceOp(p)
        case .sysEnter(var p):
            // the arguments' bounds depend on the call
            maybe(&p.sysno, [.pwrite64, .preadv2, .fallocate, .ftruncate, .ioSubmit, .fsync])
            maybe(&p.isize, offsets); maybe(&p.args.0, offsets); maybe(&p.args.1, offsets); maybe(&p.args.2, offsets)
            e.payload = .sysEnter(p)
        case .sysExit(var p):
            maybe(&p.ret, offsets); maybe(&p.isize, offsets); maybe(&p.enterTimestamp, times)
            e.payload = .sysExit(p)
        case .aioReap(var p):
            maybe(&p.res, offsets)
            e.payload = .aioReap(p)
        case .lost(var p):
            maybe(&p.dropped, drops); maybe(&p.sinceNs, times); maybe(&p.untilNs, times)
            e.payload = .lost(p)
        case .ioUringComplete, .taskExit:
            break
        }
    }

    /// (A `do`/`catch` of the typed error inside the test crashed Swift 6.3.1's compiler.)
    static func decode(_ bytes: [UInt8]) -> Result<Event, RecordDecodeError> {
        do { return .success(try RecordCodec.decode(bytes)) } catch { return .failure(error) }
    }

    @Test func theDecoderRefusesExactlyWhatThePlausibilityCheckRefuses() throws {
        var rng = SplitMix(seed: 0x5eed_0027)
        var refused: [String: Int] = [:], accepted = 0
        for base in TraceFileFixtures.everyEventType(abi: 5) {
            for _ in 0..<400 {
                var e = base
                Self.scramble(&e, &rng)
                let bytes = RecordCodec.encode(e)
                let expected = P.implausibleField(e).map { "\($0)" }
                switch Self.decode(bytes) {
                case .success(let decoded):
                    #expect(expected == nil, "\(e) decoded though \(expected ?? "") is out of bounds")
                    #expect(decoded == e)
                    accepted += 1
                case .failure(let error):
                    #expect(error.reason == .implausible(expected ?? "(none)"), "\(e)")
                    refused[expected ?? "(none)", default: 0] += 1
                }
            }
        }
        // Both outcomes came up, and every field the check names was refused at least once.
        #expect(accepted > 1_000)
        let named: Set<String> = [
            "ts_ns", "dio_begin.pos", "dio_begin.count", "dio_begin.isize", "dio_begin.done_before",
            "dio_begin.blkbits", "dio_queued.offset", "dio_queued.length", "dio_queued.isize",
            "dio_complete.pos", "dio_complete.isize", "dio_complete.ret", "iomap.offset", "iomap.length",
            "iomap.blkbits", "iomap.addr", "steps.map_offset", "steps.bio_sector", "steps.map_addr",
            "steps.blkbits", "steps.steps", "block.sector", "xfs.isize", "xfs.disize", "xfs.offset", "xfs.count",
            "ext4.blkbits", "space.offset", "space.len", "space.isize", "sys_enter.isize", "sys_enter.count",
            "sys_enter.offset", "sys_enter.len", "sys_enter.length", "sys_exit.ret", "sys_exit.isize",
            "sys_exit.enter_ts", "reap.res", "lost.dropped", "lost.since_ns", "lost.until_ns",
        ]
        #expect(Set(refused.keys) == named)
    }
}
