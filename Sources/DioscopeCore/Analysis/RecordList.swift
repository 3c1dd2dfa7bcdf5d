/// The attempts, mappings or bios of an I/O in flight (``IOState``), as read: nearly always one
/// of each, so the slot stores the first inline and the others in its side box (``IOExtras``).
/// A view made on each read from the two; ``IOState``'s methods change the records in place.
///
/// As three arrays, each I/O allocated a buffer per kind: the record plus a 32-byte array header,
/// rounded up to the allocator's block (112 + 80 + 128 bytes for one of each). Inline, the three
/// records add their own 192 bytes to the I/O's object and nothing else.
///
/// Reads go through the collection's subscript (a copy of the record, which the optimizer
/// reduces to the fields read).
struct RecordList<Element>: RandomAccessCollection {
    /// The first record, nil while there is none. `Optional` adds no byte: each record type has
    /// a reference or an enum whose spare values mark `nil`.
    private let head: Element?
    /// The records after the first.
    private let rest: [Element]

    @inline(__always)
    init(head: Element?, rest: [Element]) {
        self.head = head
        self.rest = rest
    }

    var startIndex: Int { 0 }
    var endIndex: Int {
        @inline(__always) get { head == nil ? 0 : 1 + rest.count }
    }
    var isEmpty: Bool {
        @inline(__always) get { head == nil }
    }

    subscript(i: Int) -> Element {
        @inline(__always) get { i == 0 ? head! : rest[i - 1] }
    }

    // The collection's requirements and accessors the engine uses, written out: the defaults
    // went through the generic `Strideable` index witnesses and copied each record once more.
    @inline(__always) func index(after i: Int) -> Int { i + 1 }
    @inline(__always) func index(before i: Int) -> Int { i - 1 }
    var count: Int {
        @inline(__always) get { endIndex }
    }
    var first: Element? {
        @inline(__always) get { head }
    }
    var last: Element? {
        @inline(__always) get { rest.isEmpty ? head : rest.last }
    }
    @inline(__always)
    func last(where predicate: (Element) -> Bool) -> Element? {
        if let r = rest.last(where: predicate) { return r }
        guard let head, predicate(head) else { return nil }
        return head
    }

    /// The records as an array (what the public ``IOTimeline`` holds).
    var array: [Element] {
        guard let head else { return [] }
        if rest.isEmpty { return [head] }
        var out = [head]
        out.reserveCapacity(1 + rest.count)
        out += rest
        return out
    }
}

