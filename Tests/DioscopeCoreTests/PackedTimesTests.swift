import Testing

@testable import DioscopeCore

/// `PackedTimes`, the times of an I/O in flight as distances from its submission: every value
/// reads back as ``TimelineTimes`` would hold it, whether it fits as a distance or moves the
/// times to their box.
@Suite struct PackedTimesTests {
    static let times: [PackedTimes.Time] = [.queuedAt, .submitReturnedAt, .convertedAt, .sizeUpdatedAt, .completedAt,
                                            .postedAt, .reapedAt, .returnedAt]

    static func set(_ t: inout TimelineTimes, _ k: PackedTimes.Time, _ v: UInt64?) {
        switch k {
        case .queuedAt: t.queuedAt = v
        case .submitReturnedAt: t.submitReturnedAt = v
        case .convertedAt: t.convertedAt = v
        case .sizeUpdatedAt: t.sizeUpdatedAt = v
        case .completedAt: t.completedAt = v
        case .postedAt: t.postedAt = v
        case .reapedAt: t.reapedAt = v
        case .returnedAt: t.returnedAt = v
        }
    }

    /// Random sets and clears of every field against `TimelineTimes`, checked after each: times
    /// mostly within 4.3 s after the base, some at its edges (the base itself, 2^32 - 1 and
    /// 2^32 ns after it) and some before it or far after it, which move the times to their box.
    @Test func agreesWithTimelineTimes() {
        var x: UInt64 = 0x2545_f491_4f6c_dd1d
        func next() -> UInt64 {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17
            return x
        }
        var widened = 0, narrowOnly = 0
        for round in 0..<400 {
            let base = 1_000_000_000 + next() % 1_000_000_000_000
            var packed = PackedTimes(), reference = TimelineTimes()
            let allowWide = round % 2 == 0
            for _ in 0..<40 {
                let r = next() % 100
                if r < 70 {
                    let k = Self.times[Int(next() % 8)]
                    let v: UInt64?
                    switch next() % 20 {
                    case 0: v = nil
                    case 1: v = base
                    case 2: v = base + UInt64(UInt32.max)
                    case 3 where allowWide: v = base + UInt64(UInt32.max) + 1
                    case 4 where allowWide: v = base - 1 - next() % 1_000_000
                    case 5 where allowWide: v = next()
                    default: v = base + next() % 4_000_000_000
                    }
                    packed.set(k, v, base: base)
                    Self.set(&reference, k, v)
                } else if r < 80 {
                    let v: UInt64? = next() % 4 == 0 ? nil : next()
                    packed.requested = v
                    reference.requested = v
                } else if r < 90 {
                    let v: Int64? = next() % 4 == 0 ? nil : Int64(bitPattern: next())
                    packed.isizeAtEnd = v
                    reference.isizeAtEnd = v
                } else {
                    let v: Int64? = next() % 4 == 0 ? nil : Int64(bitPattern: next())
                    packed.result = v
                    reference.result = v
                }
                #expect(packed.unpacked(base: base) == reference)
                #expect(packed.latest(base: base) == reference.latest(base))
            }
            if packed.isWide { widened += 1 } else if !allowWide { narrowOnly += 1 }
        }
        #expect(widened > 100, "the box is tried: \(widened) rounds")
        #expect(narrowOnly == 200, "times that fit never move to the box")
    }

    /// A copy of a state whose times are in their box changes apart from the original.
    @Test func aCopyOfWideTimesChangesApart() {
        let base: UInt64 = 1_000_000
        var a = PackedTimes()
        a.set(.queuedAt, base - 1, base: base)
        #expect(a.isWide)
        var b = a
        b.set(.queuedAt, base + 5, base: base)
        b.set(.completedAt, nil, base: base)
        a.set(.completedAt, base + 9, base: base)
        #expect(a.get(.queuedAt, base: base) == base - 1 && a.get(.completedAt, base: base) == base + 9)
        #expect(b.get(.queuedAt, base: base) == base + 5 && b.get(.completedAt, base: base) == nil)
    }
}
