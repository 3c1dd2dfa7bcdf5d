/// An ``OpenTable`` that keeps the last entry a lookup found (or an insertion made) beside it.
///
/// The engine's task and file tables are looked up several times per I/O, nearly always for the
/// task or file of the event before: a table lookup cost about 45 instructions (callgrind), the
/// kept entry a comparison. Every change to the table goes through this type, so the kept entry
/// is always the table's: a removal forgets it. (Kept past a removal, it would be a freed slot,
/// or an old state where the engine makes a new one: `AnalysisMemoryTests` drops the very file
/// looked up last and shows it again.)
struct RecentTable<Key: OpenTableKey, Value> {
    /// The table itself, for counting and iterating; changed only through this type.
    private(set) var table = OpenTable<Key, Value>()
    private var lastKey = Key.tableFiller
    private var last: Value?

    /// The value under `key`, if any; remembered when found.
    @inline(__always)
    mutating func lookup(_ key: Key) -> Value? {
        if let v = last, lastKey == key { return v }
        guard let v = table[key] else { return nil }
        (lastKey, last) = (key, v)
        return v
    }

    /// Stores `value` under `key` (and remembers it).
    mutating func insert(_ value: Value, forKey key: Key) {
        table[key] = value
        (lastKey, last) = (key, value)
    }

    /// Removes `key`'s entry, forgetting it if it was the one remembered.
    @discardableResult
    mutating func removeValue(forKey key: Key) -> Value? {
        if lastKey == key { last = nil }
        return table.removeValue(forKey: key)
    }

    var count: Int { table.count }
}
