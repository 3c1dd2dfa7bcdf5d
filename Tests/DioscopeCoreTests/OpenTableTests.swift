import Testing
@testable import DioscopeCore

/// OpenTable against Dictionary as the model: inserts, lookups, deletes
/// (tombstones), growth, in-place modification, iteration.
@Suite struct OpenTableTests {
    @Test func insertLookupDelete() {
        var t = OpenTable<UInt64, String>()
        #expect(t.isEmpty)
        #expect(t[7] == nil)
        t[7] = "seven"
        t[0] = "zero"  // 0 is an ordinary key
        #expect(t[7] == "seven" && t[0] == "zero" && t.count == 2)
        t[7] = "SEVEN"
        #expect(t[7] == "SEVEN" && t.count == 2)
        #expect(t.removeValue(forKey: 7) == "SEVEN")
        #expect(t.removeValue(forKey: 7) == nil)
        #expect(t[7] == nil && t.count == 1)
        t[0] = nil
        #expect(t.isEmpty)
    }

    @Test func removeOnlyTheIdenticalIOAndReplaceReturnsTheOldOne() {
        let slab = IOSlab()
        let file = IOIndexTests.file(in: slab)
        func io(_ id: UInt64) -> LiveIO {
            slab.make(t: IOSlabTests.timeline(id: id, offset: 0), file: file, kiocb: 1, userRef: 1)
        }
        var t = OpenTable<UInt64, LiveIO>()
        let a = io(1), twin = io(1), b = io(2)
        var replaced = t.updateValue(a, forKey: 5)
        #expect(replaced == nil)
        replaced = t.updateValue(b, forKey: 6)
        #expect(replaced == nil)
        var removed = t.removeValue(forKey: 5, ifIdenticalTo: twin)
        #expect(!removed)  // equal contents, another slot: kept
        #expect(t[5] == a && t.count == 2)
        removed = t.removeValue(forKey: 7, ifIdenticalTo: a)
        #expect(!removed)  // absent key: nothing happens
        #expect(t.count == 2)
        removed = t.removeValue(forKey: 6, ifIdenticalTo: a)
        #expect(!removed)  // another key's I/O: kept
        #expect(t[6] == b && t.count == 2)
        removed = t.removeValue(forKey: 5, ifIdenticalTo: a)
        #expect(removed)
        #expect(t[5] == nil && t[6] == b && t.count == 1)
        replaced = t.updateValue(twin, forKey: 6)
        #expect(replaced == b, "the replaced I/O is returned")
        #expect(t[6] == twin && t.count == 1)
        replaced = t.updateValue(a, forKey: 5)
        #expect(replaced == nil)  // the tombstone's slot is usable again
        #expect(t[5] == a && t.count == 2)
    }

    @Test func growsAndSweepsTombstones() {
        var t = OpenTable<UInt32, Int>()
        for i in 0..<10_000 { t[UInt32(i)] = i }
        #expect(t.count == 10_000 && t.capacity >= 10_000 * 4 / 3)
        for i in stride(from: 0, to: 10_000, by: 2) { t.removeValue(forKey: UInt32(i)) }
        #expect(t.count == 5_000)
        for i in 0..<10_000 { #expect(t[UInt32(i)] == (i % 2 == 0 ? nil : i)) }
        // churn: a bounded live set with many deletions must not grow the table without limit
        var small = OpenTable<UInt64, Int>()
        for i in 0..<200_000 {
            small[UInt64(i)] = i
            if i >= 8 { small.removeValue(forKey: UInt64(i - 8)) }
        }
        #expect(small.count == 8 && small.capacity <= 64)
        for i in 199_992..<200_000 { #expect(small[UInt64(i)] == i) }
    }

    @Test func modifyInPlaceAndUpdate() {
        var t = OpenTable<InodeKey, [Int]>()
        let k = InodeKey(dev: DeviceNumber(raw: 3), ino: 99)
        t.update(k, orInsert: { [] }) { $0.append(1) }
        let n = t.update(k, orInsert: { Issue.record("present key inserted again"); return [] }) { v -> Int in
            v.append(2)
            return v.count
        }
        #expect(n == 2)
        t[k]?.append(3)
        t[InodeKey(dev: DeviceNumber(raw: 4), ino: 99)]?.append(9)  // absent: nothing inserted
        #expect(t[k] == [1, 2, 3] && t.count == 1)
        t[k]!.removeAll()
        #expect(t[k] == [] && t.count == 1)
    }

    @Test func matchesDictionaryUnderRandomOperations() {
        var rng = SystemRandomNumberGenerator()
        var t = OpenTable<UserRefKey, UInt64>()
        var d: [UserRefKey: UInt64] = [:]
        for _ in 0..<50_000 {
            let key = UserRefKey(tgid: UInt32.random(in: 0..<4, using: &rng), ref: UInt64.random(in: 0..<300, using: &rng))
            switch Int.random(in: 0..<4, using: &rng) {
            case 0, 1:
                let v = UInt64.random(in: 0..<1000, using: &rng)
                t[key] = v; d[key] = v
            case 2:
                #expect(t.removeValue(forKey: key) == d.removeValue(forKey: key))
            default:
                t.update(key, orInsert: { 0 }) { $0 += 1 }; d[key, default: 0] += 1
            }
            #expect(t[key] == d[key])
        }
        #expect(t.count == d.count)
        var seen: [UserRefKey: UInt64] = [:]
        for (k, v) in t { seen[k] = v }
        #expect(seen == d)
    }
}
