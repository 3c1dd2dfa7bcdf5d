import Testing
@testable import DioscopeCore

/// An I/O's entries are held encoded (``EntryLog``) until its timeline is emitted: decoding must
/// give back exactly the entries appended, in the order the engine's array gave.
@Suite struct EntryLogTests {
    static let base = EntryLog.Base(tid: 4242, offset: 1 << 30, timestamp: 5_000_000_000)

    /// Entries with every field absent, present, equal to the base or far from it, at extreme
    /// values, and with timestamps going back as well as forward.
    static func entries(_ n: Int, seed: UInt64) -> [TimelineEntry] {
        var rng = SplitMix(seed: seed)
        let steps = TimelineStep.allCases
        var ts = base.timestamp
        return (0..<n).map { _ in
            func pick<T>(_ choices: [T]) -> T { choices[Int(rng.next() % UInt64(choices.count))] }
            switch rng.next() % 8 {
            case 0: ts = ts &- rng.next() % 1_000_000  // earlier than the previous entry
            case 1: ts = pick([0, .max, base.timestamp, ts])
            default: ts = ts &+ rng.next() % 100_000
            }
            let offset: Int64? = pick([nil, base.offset, base.offset + 4096, base.offset - 512, .min, .max, 0,
                                       Int64(bitPattern: rng.next())])
            let length: UInt64? = pick([nil, 0, 4096, .max, rng.next()])
            let value: Int64? = pick([nil, 0, -11, -529, .min, .max, Int64(bitPattern: rng.next())])
            return TimelineEntry(timestamp: ts, step: pick(steps), tid: pick([base.tid, 0, .max, UInt32(truncatingIfNeeded: rng.next())]),
                                 cpu: pick([0, 1, .max]), offset: offset, length: length, value: value,
                                 noteID: pick([0, 1, TimelineNote.subBlockZeroing, .max]))
        }
    }

    @Test(arguments: [0, 1, 2, 13, 500])
    func decodesWhatWasAppended(count: Int) {
        for seed: UInt64 in 1...20 {
            let expected = Self.entries(count, seed: seed)
            var log = EntryLog()
            defer { log.deallocate() }
            for e in expected { log.append(e, base: Self.base) }
            #expect(Int(log.count) == count)
            #expect(log.decoded(base: Self.base) == expected, "seed \(seed)")
            #expect(log.lastTimestamp == (expected.last?.timestamp ?? 0))
        }
    }

    /// Sorting the log gives what sorting the entries as an array gives (stable: equal timestamps
    /// keep their order), through any sequence of appends and sorts, with the last timestamp
    /// the array's last entry's after each step.
    @Test func sortsLikeTheArray() {
        for seed: UInt64 in 1...200 {
            var rng = SplitMix(seed: seed &* 7919)
            var reference: [TimelineEntry] = []
            var log = EntryLog()
            defer { log.deallocate() }
            for round in 0..<6 {
                let more = Self.entries(Int(rng.next() % 6), seed: seed &* 100 &+ UInt64(round))
                reference += more
                for e in more { log.append(e, base: Self.base) }
                if rng.next() % 3 != 0 {
                    reference.sortByTimestampStable()
                    log.sortByTimestampStable()
                }
                #expect(log.decoded(base: Self.base) == reference, "seed \(seed) round \(round)")
                #expect(log.lastTimestamp == (reference.last?.timestamp ?? 0), "seed \(seed) round \(round)")
            }
        }
    }

    /// A typical I/O's entries are a few bytes each, not the 48 of a ``TimelineEntry``.
    @Test func typicalEntriesAreSmall() {
        let b = Self.base
        let io: [TimelineEntry] = [
            TimelineEntry(timestamp: b.timestamp, step: .syscallEnter, tid: b.tid, value: 1, noteID: TimelineNote.ioSubmit),
            TimelineEntry(timestamp: b.timestamp + 900, step: .begin, tid: b.tid, cpu: 1, offset: b.offset, length: 4096,
                          value: 1 << 28, noteID: 0),
            TimelineEntry(timestamp: b.timestamp + 2100, step: .mapping, tid: b.tid, cpu: 1, offset: b.offset,
                          length: 4096, value: 2, noteID: 0),
            TimelineEntry(timestamp: b.timestamp + 3500, step: .bioQueued, tid: b.tid, cpu: 1, offset: b.offset,
                          length: 4096, value: 0x1234567, noteID: 0),
            TimelineEntry(timestamp: b.timestamp + 48_000, step: .rqCompleted, tid: 0, cpu: 0, offset: b.offset,
                          length: 4096, value: 0x1234567, noteID: 0),
            TimelineEntry(timestamp: b.timestamp + 51_000, step: .completed, tid: 0, offset: b.offset + 4096,
                          value: 4096, noteID: 0),
        ]
        var log = EntryLog()
        defer { log.deallocate() }
        for e in io { log.append(e, base: b) }
        #expect(log.decoded(base: b) == io)
        #expect(log.bytes.count <= 12 * io.count, "\(log.bytes.count) bytes for \(io.count) entries")
    }

    /// The entries of the real fio I/Os (libaio writes, a dozen entries each) fit in the room an
    /// I/O reserves (``EntryLog/typicalBytes``, a 160-byte block of the allocator) without growing,
    /// the last ones appended through the stack (``EntryLog/append(_:base:)``), and read back.
    @Test func realIOsFitTheReservation() throws {
        for name in ["rec-xfs-fio-overwrite-assembled.dscope", "rec-xfs-libaio-aio-hole-read.dscope"] {
            let path = ExportFixtures.packageRoot.appendingPathComponent("traces/real/" + name).path
            let timelines = Analyzer.analyze(events: try TimelineSpillTests.events(path)).timelines
            #expect(timelines.count >= 40)
            var fit = 0
            for t in timelines {
                let base = EntryLog.Base(tid: t.tid, offset: t.offset, timestamp: t.submittedAt)
                var log = EntryLog()
                defer { log.deallocate() }
                log.reserveCapacity(EntryLog.typicalBytes)
                for e in t.entries { log.append(e, base: base) }
                #expect(log.decoded(base: base) == t.entries, "\(name) io#\(t.id)")
                if log.capacity == EntryLog.typicalBytes { fit += 1 }
            }
            #expect(timelines.allSatisfy { $0.entries.count >= 8 })
            #expect(fit == timelines.count, "\(name): \(fit) of \(timelines.count) fit")
        }
    }

    /// A step's code is its position among the cases, and decodes back to it.
    @Test func stepCodes() {
        #expect(MemoryLayout<TimelineStep>.size == 1)
        #expect(TimelineStep.caseCount <= 32, "an entry's header has five bits for its step")
        for (i, step) in TimelineStep.allCases.enumerated() {
            #expect(Int(step.code) == i)
            #expect(TimelineStep(code: UInt8(i)) == step)
        }
    }

    /// Emptying keeps the storage and starts over: the first entry is encoded against the base
    /// again, not against the last entry before emptying.
    @Test func emptiedLogStartsOver() {
        var log = EntryLog()
        defer { log.deallocate() }
        for e in Self.entries(20, seed: 7) { log.append(e, base: Self.base) }
        let capacity = log.capacity
        log.removeAllKeepingStorage()
        #expect(log.isEmpty && log.bytes.isEmpty && log.capacity == capacity && log.lastTimestamp == 0)
        #expect(log.debugDescription == EntryLog().debugDescription, "an emptied log reads as a new one")
        let again = Self.entries(5, seed: 8)
        for e in again { log.append(e, base: Self.base) }
        #expect(log.decoded(base: Self.base) == again)
    }
}
