/// The optional times and values of an I/O's timeline, packed: each value's bits (0 when
/// absent) and one bit of a presence mask, instead of an `Optional` each (an `UInt64?` takes 16
/// bytes in a struct). Both the public ``IOTimeline`` and the in-flight ``IOState`` store them
/// this way, so that emitting an I/O copies the block as it is.
///
/// The mask is the last field: a struct that stores this one first puts its 1-byte fields in the
/// 6 bytes after the mask (Swift lays a field out after the previous one's size, not its stride).
struct TimelineTimes: Sendable, Equatable {
    private var requestedBits: UInt64 = 0
    private var queuedAtBits: UInt64 = 0
    private var submitReturnedAtBits: UInt64 = 0
    private var convertedAtBits: UInt64 = 0
    private var sizeUpdatedAtBits: UInt64 = 0
    private var isizeAtEndBits: Int64 = 0
    private var completedAtBits: UInt64 = 0
    private var postedAtBits: UInt64 = 0
    private var reapedAtBits: UInt64 = 0
    private var returnedAtBits: UInt64 = 0
    private var resultBits: Int64 = 0
    private var present = PresenceMask<UInt16>()

    /// Bits of `present`.
    private enum Bit {
        static let requested: UInt16 = 0x1, queuedAt: UInt16 = 0x2, submitReturnedAt: UInt16 = 0x4
        static let convertedAt: UInt16 = 0x8, sizeUpdatedAt: UInt16 = 0x10, isizeAtEnd: UInt16 = 0x20
        static let completedAt: UInt16 = 0x40, postedAt: UInt16 = 0x80, reapedAt: UInt16 = 0x100
        static let returnedAt: UInt16 = 0x200, result: UInt16 = 0x400
    }

    var requested: UInt64? {
        get { present.get(Bit.requested, requestedBits) }
        set { present.set(Bit.requested, newValue, in: &requestedBits) }
    }
    var queuedAt: UInt64? {
        get { present.get(Bit.queuedAt, queuedAtBits) }
        set { present.set(Bit.queuedAt, newValue, in: &queuedAtBits) }
    }
    var submitReturnedAt: UInt64? {
        get { present.get(Bit.submitReturnedAt, submitReturnedAtBits) }
        set { present.set(Bit.submitReturnedAt, newValue, in: &submitReturnedAtBits) }
    }
    var convertedAt: UInt64? {
        get { present.get(Bit.convertedAt, convertedAtBits) }
        set { present.set(Bit.convertedAt, newValue, in: &convertedAtBits) }
    }
    var sizeUpdatedAt: UInt64? {
        get { present.get(Bit.sizeUpdatedAt, sizeUpdatedAtBits) }
        set { present.set(Bit.sizeUpdatedAt, newValue, in: &sizeUpdatedAtBits) }
    }
    var isizeAtEnd: Int64? {
        get { present.get(Bit.isizeAtEnd, isizeAtEndBits) }
        set { present.set(Bit.isizeAtEnd, newValue, in: &isizeAtEndBits) }
    }
    var completedAt: UInt64? {
        get { present.get(Bit.completedAt, completedAtBits) }
        set { present.set(Bit.completedAt, newValue, in: &completedAtBits) }
    }
    var postedAt: UInt64? {
        get { present.get(Bit.postedAt, postedAtBits) }
        set { present.set(Bit.postedAt, newValue, in: &postedAtBits) }
    }
    var reapedAt: UInt64? {
        get { present.get(Bit.reapedAt, reapedAtBits) }
        set { present.set(Bit.reapedAt, newValue, in: &reapedAtBits) }
    }
    var returnedAt: UInt64? {
        get { present.get(Bit.returnedAt, returnedAtBits) }
        set { present.set(Bit.returnedAt, newValue, in: &returnedAtBits) }
    }
    var result: Int64? {
        get { present.get(Bit.result, resultBits) }
        set { present.set(Bit.result, newValue, in: &resultBits) }
    }

    /// The first of posted, reaped and returned (``IOTimeline/userVisibleAt``).
    var userVisibleAt: UInt64? {
        Self.userVisibleAt(posted: postedAt, reaped: reapedAt, returned: returnedAt)
    }

    /// The first of the three present (``IOTimeline/userVisibleAt``; ``IOState`` holds its times
    /// packed and asks here too).
    @inline(__always)
    static func userVisibleAt(posted: UInt64?, reaped: UInt64?, returned: UInt64?) -> UInt64? {
        // Written out (no temporary arrays): called per I/O on the analyzer's hot path.
        var m = posted
        if let r = reaped, m == nil || r < m! { m = r }
        if let r = returned, m == nil || r < m! { m = r }
        return m
    }

    /// The latest of `t` and every time here (``IOTimeline/endedAt``).
    @inline(__always)
    func latest(_ t: UInt64) -> UInt64 {
        // Written out (no temporary array): called per I/O on the analyzer's hot path.
        var t = t
        @inline(__always) func later(_ v: UInt64?) { if let v, v > t { t = v } }
        later(queuedAt); later(submitReturnedAt); later(convertedAt); later(sizeUpdatedAt)
        later(completedAt); later(postedAt); later(reapedAt); later(returnedAt)
        return t
    }
}
