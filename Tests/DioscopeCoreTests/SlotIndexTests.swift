import Testing

@testable import DioscopeCore

/// `SlotSlab` and `SlotIndex`, the storage and index of the planned slot engine
/// (docs/slot-engine.md, step 1), against plain Swift collections.
@Suite("SlotSlab and SlotIndex")
struct SlotIndexTests {
    /// A key per slot, read through the slab as the engine would read an I/O's kiocb.
    struct Keyed {
        var key: UInt64
        var payload: UInt64
    }

    struct KeyOf: SlotKey {
        let slab: SlotSlab<Keyed>
        func of(_ slot: UInt32) -> UInt64 { slab[slot].pointee.key }
    }

    /// Random inserts, replacements and removals over few keys (long probe runs, many removals
    /// in the middle of runs, several doublings), checked against a Dictionary after every
    /// operation for the key touched and, every 1 000 operations, for every key.
    @Test("an index agrees with a Dictionary through 200 000 random operations")
    func agreesWithDictionary() {
        let slab = SlotSlab<Keyed>()
        var index = SlotIndex(capacity: 4)
        var model: [UInt64: UInt32] = [:]
        var rng = SplitMix(seed: 42)  // (ReorderBufferTests.swift): a failure reproduces
        let keys = 3_000
        var most = 0
        for step in 0..<200_000 {
            let k = rng.next() % UInt64(keys) &* 0x1_0000_0001 + 1  // nonzero, spread over 64 bits
            switch rng.next() % 3 {
            case 0, 1:
                // index a new value under k (the value it replaces leaves the slab)
                if let old = model[k] { slab.remove(old) }
                let s = slab.insert(Keyed(key: k, payload: UInt64(step)))
                index.set(k, s, KeyOf(slab: slab))
                model[k] = s
            default:
                let removed = index.remove(k, KeyOf(slab: slab))
                #expect(removed == model[k], "step \(step): remove(\(k))")
                if let s = model.removeValue(forKey: k) { slab.remove(s) }
            }
            #expect(index.find(k, KeyOf(slab: slab)) == model[k], "step \(step): find(\(k)) after the change")
            most = max(most, model.count)
            if step % 1_000 == 999 {
                #expect(index.count == model.count && slab.count == model.count)
                for (key, s) in model where index.find(key, KeyOf(slab: slab)) != s {
                    Issue.record("step \(step): \(key) not found at slot \(s)")
                    return
                }
            }
        }
        // never more than three quarters full: the capacity it grew to holds the most keys at once
        #expect(most > 1_000 && index.capacity * 3 >= most * 4, "\(most) keys at most, capacity \(index.capacity)")
    }

    /// Keys that all hash to one run: removing from its middle must leave the rest findable.
    @Test("removal inside one long probe run keeps every other key findable")
    func removalInsideARun() {
        let slab = SlotSlab<Keyed>()
        var index = SlotIndex(capacity: 64)  // 128 entries: 40 keys do not make it grow
        // 40 keys with one home, so they form one run of 40
        let home = index.home(1)
        let keys = Array((UInt64(1)...).lazy.filter { index.home($0) == home }.prefix(40))
        var slots: [UInt64: UInt32] = [:]
        for k in keys {
            let s = slab.insert(Keyed(key: k, payload: 0))
            index.set(k, s, KeyOf(slab: slab))
            slots[k] = s
        }
        #expect(index.capacity == 128)
        for (i, k) in keys.enumerated() where i % 3 == 0 {
            #expect(index.remove(k, KeyOf(slab: slab)) == slots[k])
            slots[k] = nil
        }
        for k in keys {
            #expect(index.find(k, KeyOf(slab: slab)) == slots[k], "key \(k)")
        }
        #expect(index.find(0, KeyOf(slab: slab)) == nil && index.remove(0, KeyOf(slab: slab)) == nil)
    }

    /// A freed slot is reused first, with its generation moved on; addresses never move while
    /// the slab grows.
    @Test("a slab reuses freed slots under a new generation, and its values never move")
    func slabReuseAndStability() {
        let slab = SlotSlab<Keyed>()
        let first = slab.insert(Keyed(key: 1, payload: 10))
        let address = slab[first]
        let g0 = slab.generation(first)
        #expect(slab.isCurrent(first, generation: g0))
        for i in 0..<20_000 { _ = slab.insert(Keyed(key: UInt64(i) + 2, payload: 0)) }  // several chunks
        #expect(slab[first] == address && slab[first].pointee.payload == 10)
        slab.remove(first)
        #expect(!slab.isCurrent(first, generation: g0), "a freed slot is not current under its old generation")
        let again = slab.insert(Keyed(key: 99, payload: 20))
        #expect(again == first && slab.generation(again) == g0 &+ 1 && slab[again].pointee.payload == 20)
        #expect(slab.count == 20_001)
        #expect(!slab.isCurrent(UInt32(slab.count + 5), generation: 0), "a slot never handed out is not current")
    }

    /// Values with references are ended when removed and when the slab goes.
    @Test("a slab ends the values it holds: on removal and at its own end")
    func slabEndsValues() {
        final class Counted {
            nonisolated(unsafe) static var live = 0
            init() { Self.live += 1 }
            deinit { Self.live -= 1 }
        }
        do {
            let slab = SlotSlab<Counted>()
            var held: [UInt32] = []
            for _ in 0..<10 { held.append(slab.insert(Counted())) }
            #expect(Counted.live == 10)
            slab.remove(held[3])
            slab.remove(held[7])
            #expect(Counted.live == 8)
        }
        #expect(Counted.live == 0, "the slab's end ends the 8 values still in it, and only those")
    }
}
