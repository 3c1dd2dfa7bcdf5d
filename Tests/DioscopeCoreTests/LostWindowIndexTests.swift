import Testing
@testable import DioscopeCore

/// The lost-window overlap query (binary search on back-to-back windows, scan otherwise)
/// answers exactly as checking every window does.
@Suite struct LostWindowIndexTests {
    private func bruteForce(_ ws: [LostWindow], _ start: UInt64, _ end: UInt64) -> Bool {
        ws.contains { end >= $0.since && start <= $0.until }
    }

    private func check(_ ws: [LostWindow], seed: UInt64) {
        var index = LostWindowIndex()
        for w in ws { index.append(w) }
        #expect(index.count == ws.count)
        var x = seed
        for _ in 0..<5000 {
            x = x &* 6364136223846793005 &+ 1442695040888963407
            let start = (x >> 20) % 12_000
            let end = start + (x >> 50) % 300
            #expect(index.overlaps(start: start, end: end) == bruteForce(ws, start, end),
                    "span \(start)...\(end)")
        }
        // the windows' own edges
        for w in ws {
            #expect(index.overlaps(start: w.until, end: w.until + 5))
            #expect(index.overlaps(start: w.since &- 5, end: w.since))
        }
    }

    @Test func backToBackWindowsAnswerAsAScanDoes() {
        // like the live consumer: each window starts where the last drop check ended, some gaps
        var ws: [LostWindow] = []
        var t: UInt64 = 100
        var x: UInt64 = 7
        while t < 10_000 {
            x = x &* 6364136223846793005 &+ 1442695040888963407
            let len = 20 + (x >> 40) % 200
            if (x >> 33) % 3 != 0 { ws.append(LostWindow(since: t, until: t + len, dropped: 1)) }
            t += len
        }
        #expect(ws.count > 20)
        check(ws, seed: 1)
    }

    @Test func windowsOutOfOrderFallBackToAScan() {
        let ws = [LostWindow(since: 5000, until: 5100, dropped: 1), LostWindow(since: 100, until: 9000, dropped: 1),
                  LostWindow(since: 200, until: 300, dropped: 1), LostWindow(since: 9500, until: 9600, dropped: 3)]
        check(ws, seed: 2)
        var index = LostWindowIndex()
        for w in ws { index.append(w) }
        // inside the long second window only
        #expect(index.overlaps(start: 7000, end: 7001))
        #expect(!index.overlaps(start: 9001, end: 9499))
    }

    @Test func noWindowsOverlapNothing() {
        let index = LostWindowIndex()
        #expect(index.isEmpty && !index.overlaps(start: 0, end: .max))
    }
}
