import Testing
@testable import DioscopeCore

/// ``RecentTable`` answers as its table does, whatever it remembers: random insertions, removals
/// and lookups over a few keys (so that the remembered key is often the one changed) against a
/// `Dictionary`.
@Suite struct RecentTableTests {
    @Test func answersAsADictionaryDoes() {
        var rng = SystemRandomNumberGenerator()
        var table = RecentTable<UInt32, Int>()
        var model: [UInt32: Int] = [:]
        var removedRemembered = 0, hits = 0
        for step in 0..<50_000 {
            let key = UInt32.random(in: 0..<6, using: &rng)
            switch Int.random(in: 0..<10, using: &rng) {
            case 0..<3:
                table.insert(step, forKey: key)
                model[key] = step
            case 3..<5:
                // Remember `key` first half the time, so that its removal must forget it.
                if Bool.random(using: &rng), table.lookup(key) != nil { removedRemembered += 1 }
                #expect(table.removeValue(forKey: key) == model.removeValue(forKey: key), "step \(step)")
            default:
                let found = table.lookup(key)
                #expect(found == model[key], "step \(step): key \(key)")
                if found != nil { hits += 1 }
            }
            #expect(table.count == model.count)
        }
        #expect(removedRemembered > 1_000 && hits > 10_000, "\(removedRemembered) \(hits)")
        for (k, v) in table.table { #expect(model[k] == v) }
    }
}
