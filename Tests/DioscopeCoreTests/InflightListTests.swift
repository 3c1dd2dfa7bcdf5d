import Testing

@testable import DioscopeCore

/// `InflightList`, a file's unsettled I/Os: against a plain array in order of begin, scanned as
/// the engine scanned it before the list kept holes and a region index.
@Suite struct InflightListTests {
    /// Random appends, removals (oldest first mostly, as completions go, and anywhere), reads that
    /// turn out to be writes, and queries, with the list short and long (the index built and
    /// dropped several times): order, count, `last(where:)` and every query's answer equal the
    /// array's. Writes are 4 KiB to 40 MiB (past the index's widest span), some of no length;
    /// queries are 1 byte to 200 MiB (past the widest the index answers).
    @Test func agreesWithAnArrayScan() {
        let slab = IOSlab(); let file = IOIndexTests.file(in: slab)
        var list = InflightList()
        var model: [LiveIO] = []
        var rng = SplitMix(seed: 11)
        var nextID: UInt64 = 1
        var indexed = 0, unindexed = 0, queries = 0, found = 0
        func newIO() -> LiveIO {
            let op: IOOperation = rng.next() % 8 == 0 ? .read : .write
            let offset = Int64(rng.next() % 4096) * 65_536
            let length: UInt64 = switch rng.next() % 20 {
            case 0: 0
            case 1: 40 << 20
            case 2, 3: 1 << 20
            default: 4096
            }
            let t = IOState(id: nextID, op: op, api: .libaio, tgid: 10, tid: 11, comm: Comm("fio"), 
                            offset: offset, length: length, requested: nil, syscall: .ioSubmit,
                            isizeAtBegin: 1 << 40, blockSize: 4096, submittedAt: nextID)
            nextID += 1
            return slab.make(t: t, file: file, kiocb: nextID, userRef: 0)
        }
        func scan(_ r: FileRange, _ pred: (LiveIO) -> Bool) -> LiveIO? {
            model.first { io in
                let w = io.t.op == .write ? io.range : InflightList.noRange
                return w.start < r.end && r.start < w.end && pred(io)
            }
        }
        for step in 0..<60_000 {
            // the target length goes between a few I/Os and a few hundred
            let target = step % 12_000 < 6_000 ? 20 : 300
            switch rng.next() % 10 {
            case 0...3 where model.count < target, 0 where model.isEmpty:
                let io = newIO()
                list.append(io)
                model.append(io)
            case 0...4 where !model.isEmpty:
                let at = rng.next() % 4 == 0 ? Int(rng.next() % UInt64(model.count)) : 0
                list.remove(model.remove(at: at))
            case 5 where !model.isEmpty:
                let io = model[Int(rng.next() % UInt64(model.count))]
                if io.t.op == .read {
                    io.t.op = .write
                    list.directionChanged(io)
                }
            case 6:
                // an I/O not in the list changes nothing
                list.remove(newIO())
            default:
                let start = Int64(rng.next() % (300 << 20))
                let len: Int64 = rng.next() % 10 == 0 ? 200 << 20 : Int64(1 + rng.next() % (2 << 20))
                let r = FileRange(start: start, end: start + len)
                let parity = rng.next() % 3
                let pred: (LiveIO) -> Bool = { parity == 0 || $0.t.id % parity == 0 }
                let got = list.oldestWrite(overlapping: r, where: pred), want = scan(r, pred)
                queries += 1
                if want != nil { found += 1 }
                if got != want {
                    Issue.record("step \(step): query \(r) gives io \(String(describing: got?.t.id)), the scan \(String(describing: want?.t.id))")
                    return
                }
            }
            if list.isIndexed { indexed += 1 } else { unindexed += 1 }
            #expect(list.count == model.count)
            if step % 500 == 0 {
                #expect(Array(list) == model)
                let pick = rng.next() % 5
                #expect(list.last { $0.t.id % 5 == pick } == model.last { $0.t.id % 5 == pick })
            }
        }
        #expect(indexed > 10_000 && unindexed > 10_000, "the list was both short and long: \(indexed) steps indexed, \(unindexed) not")
        #expect(found > queries / 4 && found < queries, "queries both found and missed writes")
    }

    /// Removing the oldest I/O again and again (completions in order) keeps the list's storage
    /// bounded: the holes are compacted away.
    @Test func holesAreCompacted() {
        let slab = IOSlab(); let file = IOIndexTests.file(in: slab)
        var list = InflightList()
        var queue: [LiveIO] = []
        for i in 0..<30_000 {
            let io = slab.make(t: IOSlabTests.timeline(id: UInt64(i), offset: Int64(i % 1000) * 4096), file: file,
                               kiocb: UInt64(i + 1), userRef: 0)
            list.append(io)
            queue.append(io)
            if queue.count > 200 { list.remove(queue.removeFirst()) }
        }
        #expect(list.count == 200)
        #expect(list.places <= 2 * 200 + 16)
        #expect(Array(list) == queue)
    }
}
