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

    @Test func removeOnlyTheIdenticalObject() {
        final class Box { let n: Int; init(_ n: Int) { self.n = n } }
        var t = OpenTable<UInt64, Box>()
        let a = Box(1), twin = Box(1), b = Box(2)
        t[5] = a
        t[6] = b
        weak let weakA = a
        t.removeValue(forKey: 5, ifIdenticalTo: twin)  // equal contents, another object: kept
        #expect(t[5] === a && t.count == 2)
        t.removeValue(forKey: 7, ifIdenticalTo: a)  // absent key: nothing happens
        #expect(t.count == 2)
        t.removeValue(forKey: 6, ifIdenticalTo: a)  // another key's object: kept
        #expect(t[6] === b && t.count == 2)
        t.removeValue(forKey: 5, ifIdenticalTo: a)
        #expect(t[5] == nil && t[6] === b && t.count == 1)
        // the table let go of the object (a released reference, not a leaked one)
        _ = consume a
        #expect(weakA == nil)
        t[5] = Box(3)  // the tombstone's slot is usable again
        #expect(t[5]?.n == 3 && t.count == 2)
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
