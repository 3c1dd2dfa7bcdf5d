/// ``TimelineTimes`` as an I/O in flight holds them (``IOState``): the eight times as 4-byte
/// distances from the I/O's submission instead of 8-byte timestamps, so the block is 66 bytes
/// instead of 90 (the slot 456 bytes instead of 480).
///
/// A time before the submission or 2^32 ns (4.3 s) or more after it does not fit: the eight times
/// then move, whole, to a box of their own (``Wide``), and stay there until the state restarts.
/// Real I/Os nearly never need it (an I/O held 4 s by the device, or a reap 4 s late); damaged or
/// reordered traces may. Every value reads back exactly as stored, in either form (checked by
/// `PackedTimesTests` against ``TimelineTimes``).
struct PackedTimes {
    private var requestedBits: UInt64 = 0
    private var isizeAtEndBits: Int64 = 0
    private var resultBits: Int64 = 0
    /// The eight times whole, once one did not fit as a distance (nil before).
    private var wide: Wide?
    /// The distances from the base, one per ``Time`` (unused once ``wide`` is set). Fields, not
    /// a tuple read through its bytes: `withUnsafeBytes(of:)` copied the tuple on every read.
    private var dQueued: UInt32 = 0, dSubmitReturned: UInt32 = 0, dConverted: UInt32 = 0, dSizeUpdated: UInt32 = 0
    private var dCompleted: UInt32 = 0, dPosted: UInt32 = 0, dReaped: UInt32 = 0, dReturned: UInt32 = 0
    /// ``TimelineTimes``' presence bits: which values are present.
    private var present = PresenceMask<UInt16>()

    /// The times, by their index in ``deltas``, and their bits in ``present`` (those of
    /// ``TimelineTimes``).
    enum Time: Int {
        case queuedAt, submitReturnedAt, convertedAt, sizeUpdatedAt, completedAt, postedAt, reapedAt, returnedAt

        @inline(__always)
        var bit: UInt16 {
            switch self {
            case .queuedAt: 0x2
            case .submitReturnedAt: 0x4
            case .convertedAt: 0x8
            case .sizeUpdatedAt: 0x10
            case .completedAt: 0x40
            case .postedAt: 0x80
            case .reapedAt: 0x100
            case .returnedAt: 0x200
            }
        }
    }
    private enum Bit {
        static let requested: UInt16 = 0x1, isizeAtEnd: UInt16 = 0x20, result: UInt16 = 0x400
        /// The times are in ``wide`` (a bit beside the presence bits: the mask is loaded anyway).
        static let wide: UInt16 = 0x8000
    }

    /// The eight times whole (``PackedTimes``' overflow).
    final class Wide {
        var times: [UInt64] = Array(repeating: 0, count: 8)

        func copy() -> Wide {
            let w = Wide()
            w.times = times
            return w
        }
    }

    init() {}

    var requested: UInt64? {
        @inline(__always) get { present.get(Bit.requested, requestedBits) }
        @inline(__always) set { present.set(Bit.requested, newValue, in: &requestedBits) }
    }
    var isizeAtEnd: Int64? {
        @inline(__always) get { present.get(Bit.isizeAtEnd, isizeAtEndBits) }
        @inline(__always) set { present.set(Bit.isizeAtEnd, newValue, in: &isizeAtEndBits) }
    }
    var result: Int64? {
        @inline(__always) get { present.get(Bit.result, resultBits) }
        @inline(__always) set { present.set(Bit.result, newValue, in: &resultBits) }
    }

    /// Whether time `k` is present (its value unread).
    @inline(__always)
    func has(_ k: Time) -> Bool { present.raw & k.bit != 0 }

    /// Time `k`, the state's submission being `base`.
    @inline(__always)
    func get(_ k: Time, base: UInt64) -> UInt64? {
        let raw = present.raw
        guard raw & k.bit != 0 else { return nil }
        if raw & Bit.wide != 0 { return wide.unsafelyUnwrapped.times[k.rawValue] }
        return base &+ UInt64(delta(k))
    }

    /// Sets time `k` (nil: absent), the state's submission being `base`.
    @inline(__always)
    mutating func set(_ k: Time, _ value: UInt64?, base: UInt64) {
        guard let value else {
            present.raw &= ~k.bit
            if present.raw & Bit.wide != 0 {
                if !isKnownUniquelyReferenced(&wide) { wide = wide.unsafelyUnwrapped.copy() }
                wide.unsafelyUnwrapped.times[k.rawValue] = 0
            } else {
                setDelta(k, 0)
            }
            return
        }
        present.raw |= k.bit
        let d = value &- base  // a time before the base wraps past 2^32 too
        if present.raw & Bit.wide != 0 {
            // A copy of the state shares the box: it is copied before a change.
            if !isKnownUniquelyReferenced(&wide) { wide = wide.unsafelyUnwrapped.copy() }
            wide.unsafelyUnwrapped.times[k.rawValue] = value
        } else if d <= UInt64(UInt32.max) {
            setDelta(k, UInt32(truncatingIfNeeded: d))
        } else {
            widen(base: base)
            wide.unsafelyUnwrapped.times[k.rawValue] = value
        }
    }

    @inline(__always)
    private func delta(_ k: Time) -> UInt32 {
        switch k {
        case .queuedAt: dQueued
        case .submitReturnedAt: dSubmitReturned
        case .convertedAt: dConverted
        case .sizeUpdatedAt: dSizeUpdated
        case .completedAt: dCompleted
        case .postedAt: dPosted
        case .reapedAt: dReaped
        case .returnedAt: dReturned
        }
    }

    @inline(__always)
    private mutating func setDelta(_ k: Time, _ d: UInt32) {
        switch k {
        case .queuedAt: dQueued = d
        case .submitReturnedAt: dSubmitReturned = d
        case .convertedAt: dConverted = d
        case .sizeUpdatedAt: dSizeUpdated = d
        case .completedAt: dCompleted = d
        case .postedAt: dPosted = d
        case .reapedAt: dReaped = d
        case .returnedAt: dReturned = d
        }
    }

    /// Makes these times a new state's (`requested` alone), in place: assigning a new value
    /// released the box's empty reference on every restart.
    @inline(__always)
    mutating func restart(requested: UInt64?) {
        if present.raw & Bit.wide != 0 { wide = nil }
        isizeAtEndBits = 0
        resultBits = 0
        dQueued = 0; dSubmitReturned = 0; dConverted = 0; dSizeUpdated = 0
        dCompleted = 0; dPosted = 0; dReaped = 0; dReturned = 0
        present = PresenceMask()
        self.requested = requested
    }

    /// Moves the present times into a box of their own.
    @inline(never)
    private mutating func widen(base: UInt64) {
        let w = Wide()
        for i in 0..<8 {
            let k = Time(rawValue: i).unsafelyUnwrapped
            if present.raw & k.bit != 0 { w.times[i] = base &+ UInt64(delta(k)) }
        }
        dQueued = 0; dSubmitReturned = 0; dConverted = 0; dSizeUpdated = 0
        dCompleted = 0; dPosted = 0; dReaped = 0; dReturned = 0
        wide = w
        present.raw |= Bit.wide
    }

    /// The times as the public timeline holds them.
    func unpacked(base: UInt64) -> TimelineTimes {
        var t = TimelineTimes()
        t.requested = requested
        t.queuedAt = get(.queuedAt, base: base)
        t.submitReturnedAt = get(.submitReturnedAt, base: base)
        t.convertedAt = get(.convertedAt, base: base)
        t.sizeUpdatedAt = get(.sizeUpdatedAt, base: base)
        t.isizeAtEnd = isizeAtEnd
        t.completedAt = get(.completedAt, base: base)
        t.postedAt = get(.postedAt, base: base)
        t.reapedAt = get(.reapedAt, base: base)
        t.returnedAt = get(.returnedAt, base: base)
        t.result = result
        return t
    }

    /// The latest of `base` and every time (``TimelineTimes/latest(_:)``).
    @inline(__always)
    func latest(base: UInt64) -> UInt64 {
        if present.raw & Bit.wide != 0 { return unpacked(base: base).latest(base) }
        // Absent times' distances are 0, so all eight are taken as they are.
        let m = max(max(max(dQueued, dSubmitReturned), max(dConverted, dSizeUpdated)),
                    max(max(dCompleted, dPosted), max(dReaped, dReturned)))
        return base &+ UInt64(m)
    }

    /// Whether the times moved to their box (for tests).
    var isWide: Bool { present.raw & Bit.wide != 0 }
}
