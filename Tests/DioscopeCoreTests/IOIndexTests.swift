import Testing

@testable import DioscopeCore

/// `IOIndex`, the engine's kiocb, user-ref and io_uring request indexes, which store a slot's
/// address and compare the key through the slot: against a `Dictionary`.
@Suite struct IOIndexTests {
    /// A file of `slab`'s, held as the engine's file table holds it.
    static func file(in slab: IOSlab, ino: UInt64 = 0x83) -> InodeState {
        let file = slab.files.make(key: InodeKey(dev: IOSlabTests.dev, ino: ino))
        slab.files.hold(file)
        return file
    }

    /// Random indexings (each replacing the I/O the key named), removals of the I/O a key names
    /// and removals of another I/O under that key (which must change nothing), over few keys: long
    /// probe runs, removals in the middle of runs and runs that wrap past the table's end, several
    /// doublings. Checked against a Dictionary after every operation for the key touched and,
    /// every 1 000 operations, for every key and the count.
    @Test func agreesWithADictionary() {
        let slab = IOSlab(); let file = Self.file(in: slab)
        var index = IOIndex<KiocbIndexKind>()
        var model: [UInt64: LiveIO] = [:]
        var spare: [LiveIO] = []  // slots no index names: their key may change
        var rng = SplitMix(seed: 7)
        func io(_ kiocb: UInt64) -> LiveIO {
            if let io = spare.popLast() {
                io.kiocb = kiocb
                return io
            }
            return slab.make(t: IOSlabTests.timeline(id: 1, offset: 0), file: file, kiocb: kiocb, userRef: 0)
        }
        let keys: UInt64 = 2_000
        var most = 0
        for step in 0..<120_000 {
            let k = (rng.next() % keys) &* 0x1_0000_0001 &+ 1
            switch rng.next() % 4 {
            case 0, 1:
                let new = io(k)
                let old = index.updateValue(new, forKey: k)
                #expect(old == model[k])
                if let old { spare.append(old) }
                model[k] = new
            case 2:
                let named = model.removeValue(forKey: k)
                var removed = false
                if let named { removed = index.removeValue(forKey: k, ifIdenticalTo: named) }
                #expect(removed == (named != nil))
                if let named { spare.append(named) }
            default:
                // another I/O holding the same key is not removed in the named one's place
                let other = io(k)
                let removed = index.removeValue(forKey: k, ifIdenticalTo: other)
                #expect(!removed)
                spare.append(other)
            }
            #expect(index[k] == model[k])
            most = max(most, index.count)
            if step % 1_000 == 999 {
                #expect(index.count == model.count)
                for key in 0..<keys {
                    let k = key &* 0x1_0000_0001 &+ 1
                    if index[k] != model[k] {
                        Issue.record("step \(step): key \(k) gives \(String(describing: index[k]?.kiocb))")
                        return
                    }
                }
            }
        }
        #expect(Set(index.ios.map(\.identity)) == Set(model.values.map(\.identity)))
        #expect(most > 600 && index.capacity >= 1_024, "the table doubled several times")
    }

    /// Past 2^16 positions an entry's home needs more bits than the entry keeps, and is found from
    /// its key through the slot: 60 000 keys (the table doubles past 65 536 positions), then
    /// every other one removed in a shuffled order, every key looked up after each phase.
    @Test func largeTableFindsHomesThroughTheSlots() {
        let slab = IOSlab(); let file = Self.file(in: slab)
        var index = IOIndex<KiocbIndexKind>()
        let n = 60_000
        var ios: [LiveIO] = []
        for k in 0..<n {
            let kiocb = UInt64(k) &* 0x9E37_79B9 &+ 0x1000
            let io = slab.make(t: IOSlabTests.timeline(id: UInt64(k), offset: 0), file: file, kiocb: kiocb, userRef: 0)
            ios.append(io)
            let replaced = index.updateValue(io, forKey: kiocb)
            #expect(replaced == nil)
        }
        #expect(index.capacity > 1 << 16, "the table grew past 2^16 positions")
        var wrong = ios.indices.count { index[ios[$0].kiocb] != ios[$0] }
        #expect(wrong == 0, "keys not found after growth")
        var rng = SplitMix(seed: 11)
        var order = Array(stride(from: 0, to: n, by: 2))
        for i in order.indices.reversed() { order.swapAt(i, Int(rng.next() % UInt64(i + 1))) }
        var notRemoved = 0
        for k in order where !index.removeValue(forKey: ios[k].kiocb, ifIdenticalTo: ios[k]) { notRemoved += 1 }
        #expect(notRemoved == 0)
        #expect(index.count == n / 2)
        wrong = ios.indices.count { index[ios[$0].kiocb] != ($0 % 2 == 0 ? nil : ios[$0]) }
        #expect(wrong == 0, "keys wrong after the removals")
    }

    /// A user-ref key is the process and the reference together: two processes' equal references
    /// are two entries, each found through its own slot's fields.
    @Test func userRefKeysTellProcessesApart() {
        let slab = IOSlab(); let file = Self.file(in: slab)
        var index = IOIndex<UserRefIndexKind>()
        var a = IOSlabTests.timeline(id: 1, offset: 0)
        a.tgid = 100
        var b = IOSlabTests.timeline(id: 2, offset: 0)
        b.tgid = 200
        let ioA = slab.make(t: a, file: file, kiocb: 1, userRef: 0x7000)
        let ioB = slab.make(t: b, file: file, kiocb: 2, userRef: 0x7000)
        let replacedA = index.updateValue(ioA, forKey: UserRefKey(tgid: 100, ref: 0x7000))
        let replacedB = index.updateValue(ioB, forKey: UserRefKey(tgid: 200, ref: 0x7000))
        #expect(replacedA == nil && replacedB == nil)
        #expect(index.count == 2)
        #expect(index[UserRefKey(tgid: 100, ref: 0x7000)] == ioA)
        #expect(index[UserRefKey(tgid: 200, ref: 0x7000)] == ioB)
        #expect(index[UserRefKey(tgid: 300, ref: 0x7000)] == nil)
        let removed = index.removeValue(forKey: UserRefKey(tgid: 100, ref: 0x7000), ifIdenticalTo: ioA)
        #expect(removed)
        #expect(index[UserRefKey(tgid: 100, ref: 0x7000)] == nil)
        #expect(index[UserRefKey(tgid: 200, ref: 0x7000)] == ioB)
    }
}
