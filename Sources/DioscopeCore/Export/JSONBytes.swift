import Foundation

/// A JSON text under construction, in the exact layout `JSONEncoder` gives with `.sortedKeys`:
/// indented (`.prettyPrinted`: two spaces per level, `"key" : value`, an empty container as
/// `[`, two newlines, `]`) or compact, with `/` escaped or not (`.withoutEscapingSlashes`).
///
/// It exists for the hand-written timeline encoder (``IOTimeline/appendJSON(to:)``): `JSONEncoder`
/// takes about 420 µs per timeline on this machine, far longer than analysing the I/O took.
/// The caller writes keys in sorted order; `TimelineJSONTests` checks the bytes against
/// `JSONEncoder` for every style.
struct JSONBytes {
    var bytes: [UInt8] = []
    let pretty: Bool
    let escapeSlashes: Bool
    /// Indentation of the current container's members, in spaces.
    private var indent: Int
    /// No member written yet in the current container.
    private var first = true

    /// `indent`: the indentation of the line the first value starts on (pretty only).
    init(pretty: Bool, escapeSlashes: Bool, indent: Int = 0) {
        self.pretty = pretty
        self.escapeSlashes = escapeSlashes
        self.indent = indent
    }

    private static let blanks = [UInt8](repeating: 0x20, count: 64)

    mutating func spaces(_ n: Int) {
        var n = n
        while n > 0 {
            let k = min(n, Self.blanks.count)
            bytes.append(contentsOf: Self.blanks[0..<k])
            n -= k
        }
    }

    /// `{` or `[`.
    mutating func open(_ bracket: UInt8) {
        bytes.append(bracket)
        if pretty { bytes.append(0x0A) }
        indent += 2
        first = true
    }

    /// `}` or `]`. The enclosing container has a member written (this one).
    mutating func close(_ bracket: UInt8) {
        indent -= 2
        if pretty {
            bytes.append(0x0A)
            spaces(indent)
        }
        bytes.append(bracket)
        first = false
    }

    /// Before an array element or an object member.
    mutating func member() {
        if !first {
            bytes.append(0x2C)  // ,
            if pretty { bytes.append(0x0A) }
        }
        first = false
        if pretty { spaces(indent) }
    }

    mutating func key(_ name: StaticString) {
        member()
        bytes.append(0x22)
        name.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(0x22)
        if pretty {
            bytes.append(0x20)
            bytes.append(0x3A)
            bytes.append(0x20)
        } else {
            bytes.append(0x3A)
        }
    }

    mutating func value(_ v: UInt64) { bytes.appendDecimal(v) }
    mutating func value(_ v: Int64) { bytes.appendDecimal(v) }

    mutating func value(_ v: Bool) {
        if v {
            bytes.append(contentsOf: [0x74, 0x72, 0x75, 0x65])
        } else {
            bytes.append(contentsOf: [0x66, 0x61, 0x6C, 0x73, 0x65])
        }
    }

    /// A string, escaped as `JSONEncoder` does: `"` and `\`, `/` unless told not to, `\b \t \n \f
    /// \r`, other control characters as `\u00xx` (lower-case hex); everything else as is.
    mutating func value(_ s: String) {
        bytes.appendJSONString(s, escapeSlashes: escapeSlashes, namedBackspaceFormFeed: true)
    }

    // Members: the key and its value; an optional member is left out when nil (as the
    // synthesized `Encodable` conformances do, through `encodeIfPresent`).

    mutating func field(_ name: StaticString, _ v: UInt64) { key(name); value(v) }
    mutating func field(_ name: StaticString, _ v: Int64) { key(name); value(v) }
    mutating func field(_ name: StaticString, _ v: UInt32) { key(name); value(UInt64(v)) }
    mutating func field(_ name: StaticString, _ v: Int32) { key(name); value(Int64(v)) }
    mutating func field(_ name: StaticString, _ v: UInt16) { key(name); value(UInt64(v)) }
    mutating func field(_ name: StaticString, _ v: Bool) { key(name); value(v) }
    mutating func field(_ name: StaticString, _ v: String) { key(name); value(v) }

    mutating func field(_ name: StaticString, _ v: UInt64?) { if let v { field(name, v) } }
    mutating func field(_ name: StaticString, _ v: Int64?) { if let v { field(name, v) } }
    mutating func field(_ name: StaticString, _ v: Int32?) { if let v { field(name, v) } }
    mutating func field(_ name: StaticString, _ v: String?) { if let v { field(name, v) } }

    /// An array member; `element` writes each element's value (after ``member()``).
    mutating func field<T>(_ name: StaticString, _ elements: [T], _ element: (inout JSONBytes, T) -> Void) {
        key(name)
        open(0x5B)
        for e in elements {
            member()
            element(&self, e)
        }
        close(0x5D)
    }
}

private let jsonHexDigits: [UInt8] = Array("0123456789abcdef".utf8)

extension Array where Element == UInt8 {
    /// Hands the bytes to `sink` and empties the buffer (keeping its storage) once it holds at
    /// least `bytes` (``PrivateFile/pieceBytes`` unless told otherwise; 0: whatever it holds).
    mutating func handOver(to sink: (Data) throws -> Void, atLeast bytes: Int = PrivateFile.pieceBytes) rethrows {
        guard count >= bytes, !isEmpty else { return }
        try sink(Data(self))
        removeAll(keepingCapacity: true)
    }

    /// Appends `v` in decimal (without building a String: JSON writers call this per number).
    mutating func appendDecimal(_ v: UInt64) {
        if v < 10 {
            append(0x30 + UInt8(v))
            return
        }
        // 20 digits at most, written backwards into 24 bytes on the stack
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)
        var n = 0
        var rest = v
        Swift.withUnsafeMutableBytes(of: &digits) { d in
            while rest > 0 {
                d[23 - n] = 0x30 + UInt8(rest % 10)
                rest /= 10
                n += 1
            }
            append(contentsOf: UnsafeRawBufferPointer(rebasing: d[(24 - n)..<24]))
        }
    }

    mutating func appendDecimal(_ v: Int64) {
        if v < 0 { append(0x2D) }  // -
        appendDecimal(v.magnitude)
    }

    /// Appends `s` as a JSON string: `"`, `\` and control characters always escaped (`\t \n \r`
    /// by name, with `namedBackspaceFormFeed` `\b \f` too, the others as `\u00xx` in lower-case
    /// hex), `/` as `\/` with `escapeSlashes`, everything else as is. Runs of bytes that need no
    /// escape are copied at once.
    mutating func appendJSONString(_ s: String, escapeSlashes: Bool, namedBackspaceFormFeed: Bool) {
        append(0x22)
        var s = s
        s.withUTF8 { utf8 in
            var start = 0
            for i in 0..<utf8.count {
                let c = utf8[i]
                let escape: UInt8
                switch c {
                case 0x22: escape = 0x22
                case 0x5C: escape = 0x5C
                case 0x2F where escapeSlashes: escape = 0x2F
                case 0x08 where namedBackspaceFormFeed: escape = 0x62  // b
                case 0x09: escape = 0x74  // t
                case 0x0A: escape = 0x6E  // n
                case 0x0C where namedBackspaceFormFeed: escape = 0x66  // f
                case 0x0D: escape = 0x72  // r
                case 0..<0x20: escape = 0x75  // u
                default: continue
                }
                append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<i]))
                append(0x5C)
                append(escape)
                if escape == 0x75 {
                    append(contentsOf: [0x30, 0x30, jsonHexDigits[Int(c >> 4)], jsonHexDigits[Int(c & 0xF)]])
                }
                start = i + 1
            }
            append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start...]))
        }
        append(0x22)
    }
}
