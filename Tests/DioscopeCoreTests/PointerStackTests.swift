import Testing

@testable import DioscopeCore

/// `PointerStack`, the slabs' lists of freed slots and of slots to free: against an `Array`.
@Suite struct PointerStackTests {
    /// Random pushes, pops and emptyings past several doublings of the stack's memory: the
    /// stack gives back what an array would, in the same order, and keeps its bottom entries
    /// across the doublings.
    @Test func agreesWithAnArray() {
        let slots = UnsafeMutablePointer<Int>.allocate(capacity: 1_000)
        defer { slots.deallocate() }
        var stack = PointerStack<Int>()
        var model: [UnsafeMutablePointer<Int>] = []
        var rng = SplitMix(seed: 3)
        var mismatches = 0, most = 0
        for step in 0..<50_000 {
            switch rng.next() % 8 {
            case 0, 1, 2, 3, 4:
                let p = slots + Int(rng.next() % 1_000)
                stack.append(p)
                model.append(p)
            case 5, 6:
                if stack.popLast() != model.popLast() { mismatches += 1 }
            default:
                if step % 64 == 0 {
                    stack.removeAll()
                    model.removeAll()
                }
            }
            most = max(most, stack.count)
            if stack.count != model.count { mismatches += 1 }
            if step % 1_000 == 999 {
                for i in 0..<model.count where stack[i] != model[i] { mismatches += 1 }
            }
        }
        #expect(mismatches == 0)
        #expect(most > 64, "the stack doubled its memory several times")
        while let p = model.popLast() { if stack.popLast() != p { mismatches += 1 } }
        #expect(mismatches == 0 && stack.isEmpty && stack.popLast() == nil)
    }
}
