/// Why a field of an ftrace line could not be read. Carries a static name so
/// that throwing it never allocates.
struct FtraceFieldError: Error {
    var field: StaticString
}

/// A cursor over the bytes of one ftrace text line (or a part of it).
///
/// All parsing is byte-level: no `String` is created per field. Keys are
/// looked up as whole words (`key` preceded by the start or a space and
/// followed by a space or `:`), searching forward from the cursor first and
/// then from the start, so fields added by a newer kernel do not break
/// parsing.
struct FtraceFields {
    let base: UnsafePointer<UInt8>
    let start: Int
    let end: Int
    var pos: Int

    init(base: UnsafePointer<UInt8>, start: Int, end: Int) {
        self.base = base
        self.start = start
        self.end = end
        pos = start
    }

    @inline(__always) subscript(i: Int) -> UInt8 { base[i] }

    @inline(__always) var atEnd: Bool { pos >= end }

    @inline(__always) mutating func skipSpaces() {
        while pos < end && (base[pos] == 0x20 || base[pos] == 0x09) { pos += 1 }
    }

    /// Moves past `key` (a whole word) and the one separator after it.
    @inline(__always)
    mutating func seek(_ key: StaticString) throws(FtraceFieldError) {
        if let p = next(key) ?? find(key, from: pos) ?? find(key, from: start) {
            pos = p
            return
        }
        throw FtraceFieldError(field: key)
    }

    /// True and moves past `key` if it is present.
    @inline(__always)
    mutating func seekIfPresent(_ key: StaticString) -> Bool {
        if let p = next(key) ?? find(key, from: pos) ?? find(key, from: start) {
            pos = p
            return true
        }
        return false
    }

    /// The fast path of `seek`: the kernel prints fields in a fixed order and
    /// the value parsers stop at the space before the next key, so `key` is
    /// nearly always at the cursor or one space after it. Same result as
    /// `find(key, from: pos)` when not nil (a key never starts with a space,
    /// so that search would fail at `pos` and try `pos + 1` first too).
    @inline(__always)
    private func next(_ key: StaticString) -> Int? {
        var i = pos
        if i < end && base[i] == 0x20 { i += 1 }
        return match(key, at: i)
    }

    private func find(_ key: StaticString, from: Int) -> Int? {
        var i = from
        let last = end - key.utf8CodeUnitCount
        while i <= last {
            if let p = match(key, at: i) { return p }
            i += 1
        }
        return nil
    }

    /// If `key` is a whole word at `i` (start of the range or after a space,
    /// followed by the end, a space, or `:` and an optional space): the
    /// position after it and its separator.
    @inline(__always)
    private func match(_ key: StaticString, at i: Int) -> Int? {
        let k = key.utf8Start
        let n = key.utf8CodeUnitCount
        guard i + n <= end, base[i] == k[0], i == start || base[i - 1] == 0x20 else { return nil }
        var j = 1
        while j < n && base[i + j] == k[j] { j += 1 }
        guard j == n else { return nil }
        let after = i + n
        if after == end { return after }
        let c = base[after]
        if c == 0x20 { return after + 1 }
        if c == 0x3A { // "key: value"
            var q = after + 1
            if q < end && base[q] == 0x20 { q += 1 }
            return q
        }
        return nil
    }

    /// Unsigned decimal.
    @inline(__always)
    mutating func decimal(_ field: StaticString) throws(FtraceFieldError) -> UInt64 {
        skipSpaces()
        var v: UInt64 = 0
        let s = pos
        while pos < end {
            let d = base[pos] &- 0x30
            if d > 9 { break }
            v = v &* 10 &+ UInt64(d)
            pos += 1
        }
        if pos == s { throw FtraceFieldError(field: field) }
        return v
    }

    /// Signed decimal (`-28`).
    @inline(__always)
    mutating func signedDecimal(_ field: StaticString) throws(FtraceFieldError) -> Int64 {
        skipSpaces()
        var neg = false
        if pos < end && base[pos] == 0x2D { neg = true; pos += 1 }
        let v = try decimal(field)
        return neg ? -Int64(bitPattern: v) : Int64(bitPattern: v)
    }

    /// Hexadecimal with or without `0x`.
    @inline(__always)
    mutating func hex(_ field: StaticString) throws(FtraceFieldError) -> UInt64 {
        skipSpaces()
        if pos + 1 < end && base[pos] == 0x30 && (base[pos + 1] | 0x20) == 0x78 { pos += 2 }
        var v: UInt64 = 0
        let s = pos
        while pos < end {
            let c = base[pos]
            let d: UInt8
            if c &- 0x30 <= 9 { d = c &- 0x30 }
            else if (c | 0x20) &- 0x61 <= 5 { d = (c | 0x20) &- 0x61 &+ 10 }
            else { break }
            v = (v << 4) | UInt64(d)
            pos += 1
        }
        if pos == s { throw FtraceFieldError(field: field) }
        return v
    }

    /// `0x…` as hex, else signed decimal.
    mutating func number(_ field: StaticString) throws(FtraceFieldError) -> Int64 {
        skipSpaces()
        if pos + 1 < end && base[pos] == 0x30 && (base[pos + 1] | 0x20) == 0x78 {
            return Int64(bitPattern: try hex(field))
        }
        return try signedDecimal(field)
    }

    /// `major:minor` (iomap, xfs) or `major,minor` (ext4, block).
    @inline(__always)
    mutating func device(_ field: StaticString) throws(FtraceFieldError) -> DeviceNumber {
        let major = try decimal(field)
        guard pos < end && (base[pos] == 0x3A || base[pos] == 0x2C) else { throw FtraceFieldError(field: field) }
        pos += 1
        let minor = try decimal(field)
        return DeviceNumber(major: UInt32(truncatingIfNeeded: major), minor: UInt32(truncatingIfNeeded: minor))
    }

    /// The word at the cursor, up to a space or the end (may be empty when
    /// the kernel printed an empty flag set).
    @inline(__always)
    mutating func word() -> Range<Int> {
        let s = pos
        while pos < end && base[pos] != 0x20 && base[pos] != 0x2C { pos += 1 }
        return s..<pos
    }

    /// Expects `c` at the cursor (after spaces) and moves past it.
    @inline(__always)
    mutating func expect(_ c: UInt8, _ field: StaticString) throws(FtraceFieldError) {
        skipSpaces()
        guard pos < end && base[pos] == c else { throw FtraceFieldError(field: field) }
        pos += 1
    }

    /// Moves just past the next `c`.
    mutating func skip(past c: UInt8, _ field: StaticString) throws(FtraceFieldError) {
        while pos < end && base[pos] != c { pos += 1 }
        guard pos < end else { throw FtraceFieldError(field: field) }
        pos += 1
    }
}
