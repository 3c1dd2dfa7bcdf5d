/// The attempts, mappings or bios of an I/O in flight (``IOState``): nearly always one of each,
/// so the first is stored inline and only the others in an array.
///
/// As three arrays, each I/O allocated a buffer per kind: the record plus a 32-byte array header,
/// rounded up to the allocator's block (112 + 80 + 128 bytes for one of each). Inline, the three
/// records add their own 192 bytes to the I/O's object and nothing else.
///
/// Reads go through the collection's subscript (a copy of the record, which the optimizer
/// reduces to the fields read). Changes go through ``modify(_:_:)`` and ``modifyLast(_:)``, which
/// lend the stored record itself: a `_modify` accessor here cost a coroutine frame per access
/// when this was first tried (session 11), and a get-then-set would copy the record's strings.
struct RecordList<Element>: RandomAccessCollection {
    /// The first record, nil while there is none. `Optional` adds no byte: each record type has
    /// a reference or an enum whose spare values mark `nil`.
    private var head: Element?
    /// The records after the first.
    private var rest: [Element] = []

    init() {}

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

    /// Room the array of the records after the first has (``IOSlab`` gives a slot whose lists grew
    /// large new, empty ones).
    var spareCapacity: Int { rest.capacity }

    @inline(__always)
    mutating func append(_ e: Element) {
        if head == nil { head = e } else { rest.append(e) }
    }

    /// Lends record `i` to `body` to change in place.
    @inline(__always)
    mutating func modify<R>(_ i: Int, _ body: (inout Element) -> R) -> R {
        precondition(i >= 0 && i < endIndex, "record index out of range")
        return i == 0 ? body(&head!) : body(&rest[i - 1])
    }

    /// Lends the last record to `body` to change in place; the list must not be empty.
    @inline(__always)
    mutating func modifyLast<R>(_ body: (inout Element) -> R) -> R {
        precondition(head != nil, "no record to change")
        return rest.isEmpty ? body(&head!) : body(&rest[rest.count - 1])
    }

    /// Empties the list, keeping the array's storage for the next I/O (``IOSlab``).
    @inline(__always)
    mutating func removeAllKeepingStorage() {
        head = nil
        rest.removeAllKeepingStorage()
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

