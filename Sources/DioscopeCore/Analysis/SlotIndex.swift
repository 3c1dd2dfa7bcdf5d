/// How a ``SlotIndex`` learns the key of the slot an entry names. A generic parameter rather than
/// a closure, so that each index's probe loop is specialized with its key's load inlined.
public protocol SlotKey {
    /// The key `slot` is indexed under (never 0 while it is in the index).
    func of(_ slot: UInt32) -> UInt64
}

/// A hash index from nonzero 64-bit keys to slot numbers that stores only the slot numbers:
/// 4 bytes an entry, the key compared through the slot it names (``SlotKey``). The index half of
/// the layout `docs/slot-engine.md` plans (step 1); `dioscope-bench bound` measures it.
///
/// Open addressing with linear probing, capacity a power of two, at most three quarters full.
/// Entries are slot + 1 (0: empty). Removal shifts the rest of the run back into the hole (no
/// tombstones, so lookups never slow down with churn).
///
/// The caller's rule: a slot's key must not change while the index holds it, and an entry must be
/// removed before its slot is reused for another key. Otherwise the entry sits where its new key
/// does not hash to, and lookups of other keys in the same run can miss.
public struct SlotIndex {
    @usableFromInline var entries: [UInt32]
    @usableFromInline var mask: Int
    @usableFromInline var stored = 0
    /// Keys indexed.
    public var count: Int { stored }

    public init(capacity: Int = 1024) {
        var c = 16
        while c * 3 < capacity * 4 { c <<= 1 }
        entries = [UInt32](repeating: 0, count: c)
        mask = c - 1
    }

    /// Entries allocated (for memory accounting).
    public var capacity: Int { entries.count }

    @inlinable @inline(__always)
    func home(_ k: UInt64) -> Int { Int(truncatingIfNeeded: (k &* 0x9E37_79B9_7F4A_7C15) >> 32) & mask }

    /// The slot indexed under `k`, if any.
    @inlinable @inline(__always)
    public func find<K: SlotKey>(_ k: UInt64, _ key: K) -> UInt32? {
        if k == 0 { return nil }
        var i = home(k)
        while true {
            let v = entries[i]
            if v == 0 { return nil }
            if key.of(v &- 1) == k { return v &- 1 }
            i = (i &+ 1) & mask
        }
    }

    /// Indexes `slot` under `k`, replacing the slot `k` named before (if any).
    @inlinable @inline(__always)
    public mutating func set<K: SlotKey>(_ k: UInt64, _ slot: UInt32, _ key: K) {
        precondition(k != 0, "SlotIndex: key 0 cannot be indexed")
        if (stored + 1) * 4 > entries.count * 3 { grow(key) }
        var i = home(k)
        while entries[i] != 0 && key.of(entries[i] &- 1) != k { i = (i &+ 1) & mask }
        if entries[i] == 0 { stored += 1 }
        entries[i] = slot &+ 1
    }

    /// Removes `k`'s entry and returns the slot it named (nil if `k` is not indexed).
    @discardableResult @inlinable @inline(__always)
    public mutating func remove<K: SlotKey>(_ k: UInt64, _ key: K) -> UInt32? {
        if k == 0 { return nil }
        var i = home(k)
        while true {
            let v = entries[i]
            if v == 0 { return nil }
            if key.of(v &- 1) == k { break }
            i = (i &+ 1) & mask
        }
        let found = entries[i] &- 1
        var hole = i
        var j = (i &+ 1) & mask
        while entries[j] != 0 {
            // An entry may move back into the hole unless its home lies after the hole and at or
            // before its own place (cyclically): then the hole is not on its probe path.
            let h = home(key.of(entries[j] &- 1))
            let stays = hole <= j ? (hole < h && h <= j) : (hole < h || h <= j)
            if !stays {
                entries[hole] = entries[j]
                hole = j
            }
            j = (j &+ 1) & mask
        }
        entries[hole] = 0
        stored -= 1
        return found
    }

    @usableFromInline
    mutating func grow<K: SlotKey>(_ key: K) {
        let old = entries
        entries = [UInt32](repeating: 0, count: old.count * 2)
        mask = entries.count - 1
        stored = 0
        for v in old where v != 0 { set(key.of(v &- 1), v &- 1, key) }
    }
}
