/// Which field of an I/O's slot an ``IOIndex`` is keyed by. The key is read from the slot, so
/// the index need not store it.
protocol IOIndexKind {
    associatedtype Key: OpenTableKey
    static func key(of slot: UnsafeMutablePointer<LiveIOStorage>) -> Key
}

/// The I/O's current kiocb (`byKiocb`), or the io_uring request it stands for (`uringByReq`).
enum KiocbIndexKind: IOIndexKind {
    @inline(__always)
    static func key(of slot: UnsafeMutablePointer<LiveIOStorage>) -> UInt64 { slot.pointee.kiocb }
}

/// The process and the user's reference of the request (`byUserRef`).
enum UserRefIndexKind: IOIndexKind {
    @inline(__always)
    static func key(of slot: UnsafeMutablePointer<LiveIOStorage>) -> UserRefKey {
        UserRefKey(tgid: slot.pointee.t.tgid, ref: slot.pointee.userRef)
    }
}

/// A hash index from a key to the in-flight I/O that holds it, 8 bytes an entry: the slot's
/// address (48 bits) and 16 bits of the key's hash. The key itself is compared through the slot
/// (``IOIndexKind``), which the engine keeps alive while an index names it (``IOSlab/hold(_:)``).
///
/// This replaced ``OpenTable`` for the kiocb, user-ref and io_uring request indexes, which hold
/// every I/O in flight: a state byte, the key and the handle were 17 bytes an entry for a kiocb
/// and 25 for a user ref, 2.6 entries per I/O at the table's usual load (`BENCHMARKS.md`,
/// Memory). The 16 hash bits spare most probes the load of a slot whose key differs.
///
/// Open addressing with linear probing, capacity a power of two, at most three quarters full;
/// removal shifts the rest of the run back into the hole, so there are no tombstones.
///
/// **Shaped for the engine's per-I/O path** (each I/O is indexed and unindexed under its kiocb
/// and its user ref):
/// - The entries are memory the index owns (it is `~Copyable` and frees them itself), not an
///   `Array`: every write to an array paid a call to the runtime's uniqueness check, and a
///   removal writes once per entry it shifts back.
/// - An entry's home position takes its low 16 bits from the 16 hash bits the entry keeps, so
///   while the table has at most 2^16 positions (49 152 I/Os) the home of an entry is read from
///   the entry itself: a removal's shift and a doubling load no slot to rehash its key.
///
/// **The caller's rule:** an I/O's key must not change while the index names it under that key
/// (the engine unindexes a retried I/O's old kiocb before it takes the new one).
struct IOIndex<Kind: IOIndexKind>: ~Copyable {
    private static var addressBits: UInt64 { (1 << 48) - 1 }
    private var entries: UnsafeMutablePointer<UInt64>
    private var mask: Int
    /// Entries in use.
    private(set) var count = 0

    init() {
        self.init(capacity: 16)
    }

    private init(capacity: Int) {
        entries = .allocate(capacity: capacity)
        entries.initialize(repeating: 0, count: capacity)
        mask = capacity - 1
    }

    deinit { entries.deallocate() }

    /// Entries allocated (tests; diagnostics).
    var capacity: Int { mask + 1 }

    /// The key's hash: the 16 bits kept in the entry from bits 48-63, the rest of the home from
    /// bits 16-47.
    @inline(__always)
    private static func hash(_ k: Kind.Key) -> UInt64 {
        var x = k.tableBits
        x ^= x >> 33
        x &*= 0xFF51_AFD7_ED55_8CCD
        x ^= x >> 33
        return x
    }

    /// The home position of hash `h`: bits 0-15 are the entry's 16 hash bits (`h`'s 48-63), the
    /// higher ones `h`'s 16-47.
    @inline(__always)
    private func home(_ h: UInt64) -> Int {
        Int(truncatingIfNeeded: h >> 48 | h & 0xFFFF_FFFF_0000) & mask
    }

    /// The home position of the entry `v` holds: from its own bits while they are enough, else
    /// from its key, read through its slot.
    @inline(__always)
    private func home(ofEntry v: UInt64) -> Int {
        mask <= 0xFFFF ? Int(truncatingIfNeeded: v >> 48) & mask : home(Self.hash(Kind.key(of: Self.slot(v))))
    }

    @inline(__always)
    private static func slot(_ entry: UInt64) -> UnsafeMutablePointer<LiveIOStorage> {
        UnsafeMutablePointer(bitPattern: UInt(entry & addressBits)).unsafelyUnwrapped
    }

    /// Where the probe for `key` stops: its entry's position (`found`), or the empty position
    /// ending its run, where an insertion goes.
    @inline(__always)
    private func probe(_ key: Kind.Key, _ h: UInt64) -> (at: Int, found: Bool) {
        let tag = h & ~Self.addressBits
        var i = home(h)
        while true {
            let v = entries[i]
            if v == 0 { return (i, false) }
            if v & ~Self.addressBits == tag && Kind.key(of: Self.slot(v)) == key { return (i, true) }
            i = (i &+ 1) & mask
        }
    }

    /// The position of `key`'s entry, if the index holds it.
    @inline(__always)
    private func find(_ key: Kind.Key, _ h: UInt64) -> Int? {
        let (i, found) = probe(key, h)
        return found ? i : nil
    }

    /// The I/O indexed under `key`.
    subscript(key: Kind.Key) -> LiveIO? {
        @inline(__always) get {
            guard let i = find(key, Self.hash(key)) else { return nil }
            return LiveIO(Self.slot(entries[i]))
        }
    }

    /// Indexes `io` under `key`, which must be its key (``IOIndexKind``), returning the I/O it
    /// replaced.
    @inline(__always) @discardableResult
    mutating func updateValue(_ io: LiveIO, forKey key: Kind.Key) -> LiveIO? {
        assert(Kind.key(of: io.slot) == key, "IOIndex: an I/O indexed under a key it does not hold")
        let address = UInt64(UInt(bitPattern: io.slot))
        precondition(address & ~Self.addressBits == 0, "IOIndex: a slot address above 48 bits")
        if (count + 1) * 4 > capacity * 3 { grow() }
        let h = Self.hash(key)
        let entry = address | (h & ~Self.addressBits)
        let (i, found) = probe(key, h)
        let old = found ? LiveIO(Self.slot(entries[i])) : nil
        entries[i] = entry
        if !found { count += 1 }
        return old
    }

    /// Removes the entry for `key` if it names `io` itself; whether it did.
    @inline(__always)
    mutating func removeValue(forKey key: Kind.Key, ifIdenticalTo io: LiveIO) -> Bool {
        guard let i = find(key, Self.hash(key)), Self.slot(entries[i]) == io.slot else { return false }
        vacate(i)
        return true
    }

    /// Empties position `i` and moves the entries after it in its run back where their probes
    /// will find them.
    private mutating func vacate(_ i: Int) {
        var hole = i
        var j = (i &+ 1) & mask
        while entries[j] != 0 {
            // An entry may move back into the hole unless its home lies cyclically in (hole, j]:
            // then the hole is not on its probe path.
            let h = home(ofEntry: entries[j])
            let stays = hole <= j ? (hole < h && h <= j) : (hole < h || h <= j)
            if !stays {
                entries[hole] = entries[j]
                hole = j
            }
            j = (j &+ 1) & mask
        }
        entries[hole] = 0
        count -= 1
    }

    private mutating func grow() {
        var new = IOIndex(capacity: capacity * 2)
        for i in 0...mask where entries[i] != 0 {
            let v = entries[i]
            var j = new.home(ofEntry: v)
            while new.entries[j] != 0 { j = (j &+ 1) & new.mask }
            new.entries[j] = v
        }
        new.count = count
        self = new
    }

    /// Every I/O indexed (in no particular order).
    var ios: [LiveIO] {
        UnsafeBufferPointer(start: entries, count: capacity).filter { $0 != 0 }.map { LiveIO(Self.slot($0)) }
    }

    mutating func removeAll() { self = IOIndex() }
}
