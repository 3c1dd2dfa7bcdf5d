import Testing
@testable import DioscopeCore

/// The ring-based ReorderBuffer against a naive model (a sorted array, released from the front)
/// on jittered streams with late events, LOST records, ties, both release rules, growth and
/// wrap-around.
@Suite struct ReorderBufferTests {
    /// What the buffer must do, written plainly.
    struct Model {
        var held: [Event] = []
        var newest: UInt64 = 0
        var lastReleased: UInt64 = 0
        var late: UInt64 = 0
        let windowNs: UInt64
        let maxEvents: Int

        mutating func push(_ e: Event) {
            // after every held event with a timestamp not above its own
            let at = held.lastIndex(where: { $0.timestamp <= e.timestamp }).map { $0 + 1 } ?? 0
            held.insert(e, at: at)
            if e.timestamp > newest, e.type != .lost { newest = e.timestamp }
        }

        mutating func popReady() -> Event? {
            guard let first = held.first, held.count > maxEvents || first.timestamp &+ windowNs < newest else { return nil }
            return take()
        }

        mutating func take() -> Event {
            let e = held.removeFirst()
            if e.timestamp < lastReleased { late += 1 } else { lastReleased = e.timestamp }
            return e
        }
    }

    /// An event identifiable by its sequence number (kept in `tid`).
    static func event(_ ts: UInt64, seq: Int, lost: Bool = false) -> Event {
        let payload: Event.Payload = lost
            ? .lost(Lost(dropped: 1, sinceNs: 0)) : .aioReap(AIOReap(obj: UInt64(seq), res: 0))
        return Event(timestamp: ts, tgid: 1, tid: UInt32(seq), payload: payload)
    }

    /// A stream in rough time order: jitter up to `jitter`, some events far behind (released
    /// before they arrive: late), ties, and a LOST record now and then stamped ahead.
    static func stream(_ n: Int, jitter: UInt64, seed: UInt64) -> [Event] {
        var rng = SplitMix(seed: seed)
        var out: [Event] = []
        var t: UInt64 = 1_000_000
        for i in 0..<n {
            t += rng.next() % 1_000
            var ts = t &- rng.next() % (jitter + 1)
            switch rng.next() % 100 {
            case 0: ts = t &- 50_000_000  // far behind the window
            case 1: ts = out.last?.timestamp ?? ts  // a tie with the previous event
            default: break
            }
            out.append(event(ts, seq: i, lost: rng.next() % 500 == 0))
        }
        return out
    }

    @Test(arguments: [(UInt64(20_000), 1 << 20, 4), (UInt64(20_000_000), 1 << 20, 2), (UInt64(1_000), 50, 16),
                      (UInt64(0), 1, 2)])
    func releasesWhatTheModelReleases(windowNs: UInt64, maxEvents: Int, initialCapacity: Int) {
        for seed in UInt64(1)...4 {
            let events = Self.stream(20_000, jitter: 30_000, seed: seed)
            let ring = ReorderBuffer(windowNs: windowNs, maxEvents: maxEvents, initialCapacity: initialCapacity)
            var model = Model(windowNs: windowNs, maxEvents: maxEvents)
            var got: [UInt32] = [], want: [UInt32] = []
            for (i, e) in events.enumerated() {
                ring.push(e)
                model.push(e)
                while let r = ring.popReady() { got.append(r.tid) }
                while let r = model.popReady() { want.append(r.tid) }
                #expect(ring.held == model.held.count)
                if i % 5_000 == 4_999 {
                    // the live path's time-based release
                    let limit = e.timestamp &- windowNs / 2
                    ring.release(before: limit) { got.append($0.tid) }
                    while let first = model.held.first, first.timestamp < limit { want.append(model.take().tid) }
                }
            }
            ring.drain { got.append($0.tid) }
            while !model.held.isEmpty { want.append(model.take().tid) }
            #expect(got.count == events.count)
            // (compared by first difference: printing two 20 000-element arrays helps nobody)
            let firstDifference = zip(got, want).enumerated().first { $0.element.0 != $0.element.1 }?.offset
            #expect(firstDifference == nil && got.count == want.count,
                    "seed \(seed): release order differs from the model at event \(firstDifference ?? -1)")
            #expect(ring.lateEvents == model.late && model.late > 0)
            #expect(ring.isEmpty)
        }
    }

    /// A drain that throws keeps the events after the one it threw on.
    @Test func throwingDrainKeepsTheRest() {
        struct Stop: Error {}
        let ring = ReorderBuffer(windowNs: .max, maxEvents: 1 << 20, initialCapacity: 2)
        for i in 0..<10 { ring.push(Self.event(UInt64(100 - i), seq: i)) }  // all out of order
        var seen: [UInt32] = []
        #expect(throws: Stop.self) {
            try ring.drain { e in
                if seen.count == 3 { throw Stop() }
                seen.append(e.tid)
            }
        }
        #expect(seen == [9, 8, 7])
        #expect(ring.held == 6)
        var rest: [UInt32] = []
        ring.drain { rest.append($0.tid) }
        #expect(rest == [5, 4, 3, 2, 1, 0])
    }
}

/// A small deterministic generator (SplitMix64) for the streams.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
