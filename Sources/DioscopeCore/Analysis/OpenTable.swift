/// A key of ``OpenTable``: equality plus a cheap 64-bit hash. A plain value (no references):
/// a slot emptied keeps its old key's bits.
protocol OpenTableKey: Equatable {
    /// Any 64 bits that differ between keys; ``OpenTable`` mixes them.
    var tableBits: UInt64 { get }
    /// What an unused slot holds (never compared: a slot's state byte says whether it is used).
    static var tableFiller: Self { get }
}

extension UInt64: OpenTableKey {
    var tableBits: UInt64 { self }
    static var tableFiller: UInt64 { 0 }
}

extension UInt32: OpenTableKey {
    var tableBits: UInt64 { UInt64(self) }
    static var tableFiller: UInt32 { 0 }
}

extension DeviceNumber: OpenTableKey {
    var tableBits: UInt64 { UInt64(raw) }
    static var tableFiller: DeviceNumber { DeviceNumber(raw: 0) }
}

extension InodeKey: OpenTableKey {
    var tableBits: UInt64 { ino ^ (UInt64(dev.raw) &* 0x9E37_79B9_7F4A_7C15) }
    static var tableFiller: InodeKey { InodeKey(dev: .tableFiller, ino: 0) }
}

extension UserRefKey: OpenTableKey {
    var tableBits: UInt64 { ref ^ (UInt64(tgid) &* 0x9E37_79B9_7F4A_7C15) }
    static var tableFiller: UserRefKey { UserRefKey(tgid: 0, ref: 0) }
}

/// A hash table with open addressing (linear probing, power-of-two
/// capacity, tombstones for deletion) for the analyzer's per-event lookups.
///
/// The analyzer looks up tids, files, devices and processes several times per
/// event; `Dictionary` hashes every key with seeded SipHash, which was a
/// tenth of `analyze`. (The indexes of I/Os in flight by kiocb, user ref and
/// io_uring request are ``IOIndex``es: 8 bytes an entry, the key read from the
/// slot.) Keys here are integers the kernel hands out, so a multiply-xorshift
/// mix is enough. The API is the part of `Dictionary` the
/// engine uses (an optional subscript with in-place `_modify`, `update` for insert-or-change,
/// `removeValue`, iteration over (key, value)); iteration order is the
/// slot order, which is deterministic but unspecified.
struct OpenTable<Key: OpenTableKey, Value> {
    // Parallel arrays: a probe reads only `states` and `keys`, and values are
    // read and modified in place through `_read`/`_modify` (copying a slot would
    // retain every reference in it). Keys are stored bare, not as optionals: the state byte
    // tells a used slot, and `Optional` padded each key to the next 8 bytes (a kiocb 16 bytes
    // instead of 8, a user_ref key 24 instead of 16: the two tables hold every I/O in flight).
    private static var empty: UInt8 { 0 }
    private static var deleted: UInt8 { 1 }
    private static var full: UInt8 { 2 }
    private var states: ContiguousArray<UInt8>
    private var keys: ContiguousArray<Key>
    private var values: ContiguousArray<Value?>
    /// Live entries.
    private(set) var count = 0
    /// Live entries plus tombstones: probing cost grows with both.
    private var used = 0

    init() { self.init(capacity: 16) }

    private init(capacity: Int) {
        states = ContiguousArray(repeating: Self.empty, count: capacity)
        keys = ContiguousArray(repeating: Key.tableFiller, count: capacity)
        values = ContiguousArray(repeating: nil, count: capacity)
    }

    var isEmpty: Bool { count == 0 }
    /// Slots allocated (tests; diagnostics).
    var capacity: Int { states.count }

    @inline(__always)
    private static func mix(_ k: Key) -> Int {
        var x = k.tableBits
        x ^= x >> 33
        x &*= 0xFF51_AFD7_ED55_8CCD
        x ^= x >> 33
        return Int(truncatingIfNeeded: x)
    }

    /// The slot holding `key`, or nil; `insertAt` is where it would go (first tombstone or empty slot).
    @inline(__always)
    private func find(_ key: Key) -> (found: Int?, insertAt: Int) {
        let mask = states.count - 1
        var i = Self.mix(key) & mask
        var firstDeleted = -1
        while true {
            let st = states[i]
            if st == Self.full {
                if keys[i] == key { return (i, i) }
            } else if st == Self.empty {
                return (nil, firstDeleted >= 0 ? firstDeleted : i)
            } else if firstDeleted < 0 {
                firstDeleted = i
            }
            i = (i + 1) & mask
        }
    }

    /// Makes room for one more entry: grows (or just sweeps tombstones) at 3/4 use.
    private mutating func reserveOne() {
        guard (used + 1) * 4 > states.count * 3 else { return }
        let newCapacity = (count + 1) * 2 > states.count ? states.count * 2 : states.count
        var fresh = OpenTable(capacity: newCapacity)
        for i in 0..<states.count where states[i] == Self.full {
            let (_, at) = fresh.find(keys[i])
            fresh.states[at] = Self.full
            fresh.keys[at] = keys[i]
            fresh.values[at] = values[i].take()
            fresh.used += 1
            fresh.count += 1
        }
        self = fresh
    }

    subscript(key: Key) -> Value? {
        // A plain getter (inlined) rather than a `_read` coroutine, which the optimizer left as a
        // call plus an indirect resume per lookup.
        @inline(__always) get {
            guard let i = find(key).found else { return nil }
            return values[i]
        }
        _modify {
            reserveOne()
            let (found, at) = find(key)
            let before = states[at]
            if found == nil {
                states[at] = Self.full
                keys[at] = key
            }
            defer {
                if values[at] == nil {
                    // removed, or looked up and left absent
                    if found != nil {
                        states[at] = Self.deleted
                        count -= 1
                    } else {
                        states[at] = before
                    }
                } else if found == nil {
                    count += 1
                    if before == Self.empty { used += 1 }
                }
            }
            yield &values[at]
        }
    }

    /// The value for `key` passed to `body` to change in place, inserted from `make` first when
    /// absent (Dictionary's `self[key, default: make()]` as a plain function).
    ///
    /// Not a `_modify` subscript with an `@autoclosure` default: the coroutine's caller boxed the
    /// autoclosure's captures on the heap, an allocation and a free per call even when the key
    /// was present (four per emitted I/O in `analyze`).
    @inline(__always)
    mutating func update<R>(_ key: Key, orInsert make: () -> Value, _ body: (inout Value) throws -> R) rethrows -> R {
        reserveOne()
        let (found, at) = find(key)
        if found == nil {
            if states[at] == Self.empty { used += 1 }
            count += 1
            states[at] = Self.full
            keys[at] = key
            values[at] = make()
        }
        // Changed in place. (Moving the value out and back, as the coroutine subscript had to,
        // copied it here: a retain and release of each of its references.)
        return try body(&values[at]!)
    }

    /// Passes the value for `key`, if present, to `body` to change in place; nil when absent.
    /// Unlike the optional subscript's `_modify` (`table[key]?.change()`), no room is made for an
    /// insertion and no presence bookkeeping runs after the change.
    @inline(__always)
    mutating func modifyIfPresent<R>(_ key: Key, _ body: (inout Value) throws -> R) rethrows -> R? {
        guard let i = find(key).found else { return nil }
        return try body(&values[i]!)
    }

    /// `table[key] = value`, returning the value it replaced.
    @inline(__always) @discardableResult
    mutating func updateValue(_ value: Value, forKey key: Key) -> Value? {
        reserveOne()
        let (found, at) = find(key)
        if found == nil {
            if states[at] == Self.empty { used += 1 }
            count += 1
            states[at] = Self.full
            keys[at] = key
        }
        let old = values[at].take()
        values[at] = value
        return old
    }

    @discardableResult
    mutating func removeValue(forKey key: Key) -> Value? {
        guard let i = find(key).found else { return nil }
        return vacate(i)
    }

    /// Empties live slot `i` (a tombstone: probes continue past it) and returns its value.
    @inline(__always)
    private mutating func vacate(_ i: Int) -> Value? {
        states[i] = Self.deleted
        count -= 1
        return values[i].take()
    }

    mutating func removeAll() { self = OpenTable() }

    var keysArray: [Key] { map(\.key) }
    var valuesArray: [Value] { map(\.value) }
}

extension OpenTable where Value == LiveIO {
    /// Removes the entry for `key` if it holds `io` itself (one probe); whether it did.
    @inline(__always)
    mutating func removeValue(forKey key: Key, ifIdenticalTo io: LiveIO) -> Bool {
        guard let i = find(key).found, values[i] == io else { return false }
        _ = vacate(i)
        return true
    }
}

extension OpenTable where Value: Equatable {
    /// `table[key] = value`, without the write when the table already holds that value: one probe
    /// instead of the insertion path (room check, probe, bookkeeping) for names and files that
    /// rarely change from one system call to the next.
    @inline(__always)
    mutating func set(_ key: Key, to value: Value) {
        if let i = find(key).found, values[i] == value { return }
        self[key] = value
    }
}

extension OpenTable: Sequence {
    struct Iterator: IteratorProtocol {
        fileprivate let table: OpenTable
        fileprivate var i = 0
        mutating func next() -> (key: Key, value: Value)? {
            while i < table.states.count {
                defer { i += 1 }
                if table.states[i] == OpenTable.full { return (table.keys[i], table.values[i]!) }
            }
            return nil
        }
    }

    func makeIterator() -> Iterator { Iterator(table: self) }
    var underestimatedCount: Int { count }
}
