import Testing
@testable import DioscopeCore

/// ``RecordList`` (an I/O's attempts, mappings or bios: the first inline, the rest in an array)
/// behaves as the array it replaced, whatever the mix of appends, changes and emptying.
@Suite struct RecordListTests {
    static let dev = DeviceNumber(major: 7, minor: 0)

    static func bio(_ n: UInt64) -> BioRecord {
        BioRecord(queuedAt: n, dev: dev, sector: n * 8, nrSector: 8, op: n % 2 == 0 ? "W" : "WS",
                  role: n % 3 == 0 ? .subBlockZeroing : .data, fileOffset: Int64(n) * 4096,
                  zeroedRanges: n % 3 == 0 ? [FileRange(start: 0, end: Int64(n))] : [], exactJoin: n % 2 == 1)
    }

    /// Every accessor the engine uses, against an array given the same operations.
    static func check(_ list: RecordList<BioRecord>, _ array: [BioRecord], _ step: String) {
        #expect(list.count == array.count && list.isEmpty == array.isEmpty, "\(step): count")
        #expect(Array(list) == array && list.array == array, "\(step): elements")
        #expect(list.first == array.first && list.last == array.last, "\(step): ends")
        #expect(list.last(where: { $0.role == .subBlockZeroing }) == array.last(where: { $0.role == .subBlockZeroing }),
                "\(step): last(where:)")
        for i in array.indices { #expect(list[i] == array[i], "\(step): [\(i)]") }
    }

    @Test func behavesAsAnArray() {
        var rng = SplitMix(seed: 0x11)
        for seed in 0..<50 {
            var list = RecordList<BioRecord>(), array: [BioRecord] = []
            Self.check(list, array, "seed \(seed) new")
            for step in 0..<40 {
                let r = rng.next() % 10
                switch r {
                case 0..<5:
                    let b = Self.bio(rng.next() % 1000)
                    list.append(b)
                    array.append(b)
                case 5..<7 where !array.isEmpty:
                    let i = Int(rng.next() % UInt64(array.count)), t = rng.next()
                    let got = list.modify(i) { b -> UInt64 in
                        b.completedAt = t
                        return b.sector
                    }
                    array[i].completedAt = t
                    #expect(got == array[i].sector)
                case 7..<9 where !array.isEmpty:
                    let e = Int32(truncatingIfNeeded: rng.next())
                    list.modifyLast { $0.error = e }
                    array[array.count - 1].error = e
                case 9:
                    list.removeAllKeepingStorage()
                    array.removeAll()
                default:
                    continue
                }
                Self.check(list, array, "seed \(seed) step \(step) op \(r)")
            }
        }
    }

    /// The records after the first keep their storage when emptied (``IOPool`` reuses it); one
    /// record alone allocates nothing.
    @Test func storage() {
        var list = RecordList<BioRecord>()
        list.append(Self.bio(1))
        #expect(list.spareCapacity == 0, "the first record is inline")
        list.append(Self.bio(2))
        list.append(Self.bio(3))
        let room = list.spareCapacity
        #expect(room >= 2)
        list.removeAllKeepingStorage()
        #expect(list.isEmpty && list.spareCapacity == room)
        list.append(Self.bio(4))
        #expect(list.count == 1 && list.first == Self.bio(4) && list.last == Self.bio(4))
    }
}
