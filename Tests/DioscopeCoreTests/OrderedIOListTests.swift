import Testing

@testable import DioscopeCore

/// `OrderedIOList`, the engine's lists of I/Os in order (a process's posted, unreaped libaio
/// I/Os; the mapped I/Os a bio without identity may join): against a plain array, changed as the
/// engine changed the arrays before the lists kept holes.
@Suite struct OrderedIOListTests {
    /// `n` libaio writes of 4 KiB, one after the other on one file, in `slab`.
    static func writes(_ n: Int, in slab: IOSlab) -> [LiveIO] {
        let file = IOIndexTests.file(in: slab)
        return (0..<n).map { k in
            let t = IOState(id: UInt64(k + 1), op: .write, api: .libaio, tgid: 10, tid: 11, comm: Comm("fio"),
                            offset: Int64(k) * 4096, length: 4096, requested: nil,
                            syscall: .ioSubmit, isizeAtBegin: 1 << 40, blockSize: 4096, submittedAt: 1)
            return slab.make(t: t, file: file, kiocb: UInt64(k + 1), userRef: 0)
        }
    }

    /// Random postings (appended, a few inserted by posting time, some of an I/O already listed),
    /// reaps of one I/O (mostly the oldest, as io_getevents goes, and anywhere), reaps of every
    /// listing of an I/O, FIFO reaps of the oldest matching ones, and prunes, with the list short
    /// and long: after every step the listings in order, and every answer, equal the array's.
    @Test func agreesWithAnArray() {
        let slab = IOSlab()
        var list = OrderedIOList()
        var model: [LiveIO] = []
        var rng = SplitMix(seed: 25)
        let ios = Self.writes(400, in: slab)
        var postedAt: [UInt: UInt64] = [:]
        var clock: UInt64 = 1_000
        func time(_ io: LiveIO) -> UInt64 { postedAt[io.identity] ?? 0 }
        var holes = 0, inserts = 0, fifo = 0, pruned = 0, missed = 0
        for step in 0..<80_000 {
            // the target length goes between a few listings and a few hundred
            let target = step % 16_000 < 8_000 ? 12 : 350
            var tookOut = true
            switch rng.next() % 12 {
            case 0...4 where model.count < target:
                tookOut = false
                // usually a new I/O; sometimes one listed already (its completion seen twice)
                let io = rng.next() % 16 == 0 && !model.isEmpty
                    ? model[Int(rng.next() % UInt64(model.count))] : ios[Int(rng.next() % UInt64(ios.count))]
                clock += 1 + rng.next() % 3
                if rng.next() % 10 == 0 {
                    // posted earlier than it became known (a read at the end of the file)
                    let at = clock - rng.next() % 40
                    postedAt[io.identity] = at
                    list.insert(io, at: at, postedAt: time)
                    var i = model.endIndex
                    while i > 0, time(model[i - 1]) > at { i -= 1 }
                    model.insert(io, at: i)
                    inserts += 1
                } else {
                    postedAt[io.identity] = clock
                    list.append(io)
                    model.append(io)
                }
            case 0...6 where !model.isEmpty:
                let io = rng.next() % 5 == 0 ? model[Int(rng.next() % UInt64(model.count))] : model[0]
                let wasThere = model.firstIndex(of: io).map { model.remove(at: $0) } != nil
                let removed = list.removeFirst(of: io)
                #expect(removed == wasThere)
                tookOut = removed
                if io != model.first { holes += 1 }
            case 7:
                // an I/O not listed changes nothing
                let io = ios[Int(rng.next() % UInt64(ios.count))]
                let wasThere = model.contains(io)
                if !wasThere { missed += 1 }
                let n = model.count
                model.removeAll { $0 == io }
                let removed = list.removeAll(of: io)
                #expect(removed == n - model.count)
            case 8:
                let n = Int(rng.next() % 6), parity = rng.next() % 3
                let matches: (LiveIO) -> Bool = { parity == 0 || $0.identity % 3 != parity }
                var taken: [LiveIO] = [], rest: [LiveIO] = []
                for io in model {
                    if taken.count < n && matches(io) { taken.append(io) } else { rest.append(io) }
                }
                model = rest
                let got = list.takeOldest(n, where: matches)
                #expect(got == taken)
                fifo += 1
            case 9 where rng.next() % 8 == 0:
                let cut = ios[Int(rng.next() % UInt64(ios.count))].identity
                let matches: (LiveIO) -> Bool = { $0.identity < cut }
                let taken = model.filter(matches)
                model.removeAll(where: matches)
                let got = list.removeAll(where: matches)
                #expect(got == taken)
                pruned += 1
            default:
                tookOut = false
            }
            #expect(list.count == model.count && list.isEmpty == model.isEmpty)
            // after a removal, holes are compacted once they outnumber the listings
            #expect(!tookOut || list.storage <= max(2 * list.count, 31), "step \(step): \(list.storage) places for \(list.count)")
            if step % 97 == 0 || list.count < 4 {
                #expect(Array(list) == model, "step \(step)")
                if Array(list) != model { return }
            }
        }
        #expect(holes > 1_000 && inserts > 500 && fifo > 2_000 && pruned > 50 && missed > 100,
                "every operation was tried: \(holes) \(inserts) \(fifo) \(pruned) \(missed)")
    }

    /// Removals in the order of listing (the usual case: reaps, settling) leave no holes behind:
    /// the storage does not grow with the number of I/Os ever listed. `removeAll` empties it.
    @Test func removalsInOrderKeepTheListSmall() {
        let slab = IOSlab()
        var list = OrderedIOList()
        let ios = Self.writes(64, in: slab)
        for round in 0..<10_000 {
            list.append(ios[round % 64])
            if round >= 16 {
                let removed = list.removeFirst(of: ios[(round - 16) % 64])
                #expect(removed)
            }
        }
        #expect(list.count == 16)
        #expect(list.storage <= 64, "places kept: \(list.storage)")
        list.removeAll()
        #expect(list.isEmpty && list.storage == 0 && Array(list).isEmpty)
        list.append(ios[0])
        #expect(Array(list) == [ios[0]])
    }
}
