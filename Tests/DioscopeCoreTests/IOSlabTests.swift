import Foundation
import Testing
@testable import DioscopeCore

/// The engine keeps its I/Os in the slots of an ``IOSlab`` and reuses the slots of emitted I/Os:
/// a reused slot must be indistinguishable from a new one, and a slot a holder still names must
/// not be reused.
@Suite struct IOSlabTests {
    static let dev = DeviceNumber(major: 7, minor: 0)

    static func timeline(id: UInt64, offset: Int64) -> IOState {
        IOState(id: id, op: .write, api: .libaio, tgid: 10, tid: 11, comm: Comm("fio"), offset: offset,
                length: 4096, requested: nil, syscall: .ioSubmit, isizeAtBegin: 1 << 20,
                blockSize: 4096, submittedAt: 1_000 + UInt64(id))
    }

    /// Every stored property of `io`'s slot as text (objects by identity), by name, but the
    /// slab's own bookkeeping (holds, generation); the timeline's properties one by one, as `t.name`.
    static func fields(_ io: LiveIO) -> [String: String] {
        var out: [String: String] = [:]
        for child in Mirror(reflecting: io.s.pointee).children {
            guard let name = child.label, name != "holds", name != "generation" else { continue }
            if name == "t" {
                for field in Mirror(reflecting: io.t).children {
                    out["t.\(field.label ?? "?")"] = String(reflecting: field.value)
                }
                // The slab keeps an emptied side box with the slot: compared by what it holds
                // (no box holds what an empty one does).
                let x = io.t.extras ?? IOExtras()
                out["t.extras"] = String(reflecting: (x.attempts, x.mappings, x.bios, x.conversions, x.needRanges))
            } else if Mirror(reflecting: child.value).displayStyle == .class {
                out[name] = "object \(ObjectIdentifier(child.value as AnyObject))"
            } else {
                out[name] = String(reflecting: child.value)
            }
        }
        return out
    }

    /// Restarts `io`'s timeline as `timeline(id: 2, offset: 8192)`, then reuses the object.
    static func reuseAsSecond(_ io: LiveIO, file: InodeState, slab: IOSlab) {
        io.t.restart(id: 2, op: .write, api: .libaio, tgid: 10, tid: 11, comm: Comm("fio"), offset: 8192,
                     length: 4096, requested: nil, syscall: .ioSubmit, isizeAtBegin: 1 << 20,
                     blockSize: 4096, submittedAt: 1_002)
        slab.reuse(io, file: file, kiocb: 0xbeef, userRef: 0xcafe)
    }

    /// An I/O with every field changed from what a new slot has, emitted, freed and reused: the
    /// result equals a new slot field by field. A stored property added later without a reset
    /// in `reuse` fails the first check until this test changes it too.
    @Test func reusedSlotEqualsANewOne() {
        let slab = IOSlab()
        let oldFile = IOIndexTests.file(in: slab, ino: 0x99)
        let newFile = IOIndexTests.file(in: slab)
        let fresh = slab.make(t: Self.timeline(id: 2, offset: 8192), file: newFile, kiocb: 0xbeef, userRef: 0xcafe)
        let used = slab.make(t: Self.timeline(id: 1, offset: 0), file: oldFile, kiocb: 0x1111, userRef: 0x2222)
        let usedSlot = used.slot
        do {
            used.add(TimelineEntry(timestamp: 5, step: .begin, tid: 11))
            // Two attempts and two bios: the second of each goes to the side box, which the slab
            // keeps with the slot.
            for k: UInt64 in [1, 2] {
                used.t.appendAttempt(AttemptState(beganAt: 5, tid: 11, kiocb: k, dioFlags: [],
                                                 nowait: false))
                used.t.appendBio(BioState(queuedAt: 7, dev: Self.dev, sector: 8 * k, nrSector: 8, op: .write,
                                             role: .data, fileOffset: 0, zeroedRanges: [], exactJoin: true))
            }
            used.t.appendMapping(IOMappingRecord(timestamp: 6, offset: 0, length: 4096, addr: 0, type: .mapped,
                                                   new: false, bdev: Self.dev))
            used.t.appendBio(BioState(queuedAt: 7, dev: Self.dev, sector: 8, nrSector: 8, op: .write, role: .data,
                                         fileOffset: 0, zeroedRanges: [], exactJoin: true))
            used.t.appendConversion(ConversionRecord(timestamp: 9, source: "xfs", offset: 0, length: 4096, tid: 12))
            // The header fields `restart` sets, each to something a new second timeline has not.
            used.t.op = .read
            used.t.api = .sync
            used.t.tgid = 20
            used.t.tid = 21
            used.t.comm = Comm("dd")
            used.t.length = 512
            used.t.requested = 512
            used.t.syscall = .pwrite64
            used.t.isizeAtBegin = 0
            used.t.blockSize = 1024
            // The fields `restart` resets.
            used.t.queuedAt = 1
            used.t.submitReturnedAt = 2
            used.t.needsConversion = true
            used.t.convertedAt = 3
            used.t.sizeUpdatedAt = 4
            used.t.isizeAtEnd = 5
            used.t.completedAt = 6
            used.t.postedAt = 7
            used.t.reapedAt = 8
            used.t.returnedAt = 9
            used.t.result = 10
            used.t.status = .inconclusive
            used.t.inconclusiveCause = .lostInFlight
            used.awaitingRetry = true
            used.zeroes = true
            used.inMappedList = true
            used.cqeSeen = true
            used.postedListings = 1
            used.t.setNeedRanges([FileRange(start: 0, end: 4096)])
            used.lost = true
            used.suspect = true
            used.settled = true
            used.noSyscall = true
            used.ownerExited = true
            used.aioCtx = 0x7f00_0000_1000
            used.s.pointee.inflightPosition = 3
        }
        slab.emitted(used)
        let before = Self.fields(used), reference = Self.fields(fresh)
        #expect(Set(before.keys) == Set(reference.keys))
        for (name, value) in reference {
            #expect(before[name] != value, "the test leaves \(name) as a new slot has it")
        }
        #expect(oldFile.awaitingRetry == 1)

        #expect(slab.takeFreed() == nil, "freed only at the end of the event")
        slab.drain()
        guard let again = slab.takeFreed() else {
            Issue.record("an emitted slot nothing holds was not freed")
            return
        }
        #expect(again.slot == usedSlot)
        #expect(again.t.attempts.isEmpty && (again.t.extras?.attempts.capacity ?? 0) >= 1,
                "the side box is kept, emptied")
        Self.reuseAsSecond(again, file: newFile, slab: slab)
        #expect(again.t.bios.isEmpty && (again.t.extras?.bios.capacity ?? 0) >= 1, "the new state took over the box")
        #expect(again.log.isEmpty && again.log.capacity >= 1,
                "the entries' storage is kept, emptied")
        let after = Self.fields(again)
        for (name, value) in reference {
            #expect(after[name] == value, "\(name) after reuse")
        }
        // The old file no longer counts it as awaiting a retry; the new one never did.
        #expect(oldFile.awaitingRetry == 0 && newFile.awaitingRetry == 0)
    }

    /// A slot is freed only once its I/O is emitted and no holder names it, at the end of the
    /// event; a held one stays readable as it was.
    @Test func onlyEmittedUnheldSlotsAreFreed() {
        let slab = IOSlab()
        let file = IOIndexTests.file(in: slab)
        let held = slab.make(t: Self.timeline(id: 1, offset: 0), file: file, kiocb: 1, userRef: 1)
        let other = slab.make(t: Self.timeline(id: 2, offset: 4096), file: file, kiocb: 2, userRef: 2)
        let inFlight = slab.make(t: Self.timeline(id: 3, offset: 8192), file: file, kiocb: 3, userRef: 3)
        slab.hold(held)  // a pending bio, say
        slab.hold(inFlight)
        slab.emitted(held)
        slab.emitted(other)
        slab.drain()
        #expect(slab.inUse == 2 && slab.slots == 3)
        #expect(slab.takeFreed()?.slot == other.slot)
        #expect(slab.takeFreed() == nil)
        #expect(held.t.id == 1 && held.kiocb == 1, "a held I/O keeps its state")
        slab.drop(inFlight)
        slab.drop(held)
        #expect(slab.takeFreed() == nil, "freed at the end of the event")
        slab.drain()
        #expect(slab.takeFreed()?.slot == held.slot)
        #expect(slab.inUse == 3, "the two reused slots and the unemitted one")

        // A slot whose side box grew large (a big I/O's many bios) loses it; a small one keeps it,
        // emptied, with its arrays' storage.
        let bio = BioState(queuedAt: 1, dev: Self.dev, sector: 0, nrSector: 8, op: .write, role: .data,
                            fileOffset: 0, zeroedRanges: [], exactJoin: true)
        for bios in [IOSlab.maxRecords, IOSlab.maxRecords + 1] {
            let io = slab.make(t: Self.timeline(id: 4, offset: 0), file: file, kiocb: 4, userRef: 4)
            // The first bio is held inline, the others in the side box.
            for _ in 0..<(bios + 1) { io.t.appendBio(bio) }
            #expect(io.t.bios.count == bios + 1)
            let small = (io.t.extras?.bios.capacity ?? 0) <= IOSlab.maxRecords
            #expect(small == (bios <= IOSlab.maxRecords), "both sides of the limit are tried")
            slab.emitted(io)
            slab.drain()
            guard let r = slab.takeFreed() else {
                Issue.record("not freed")
                continue
            }
            #expect(r.slot == io.slot && r.t.bios.isEmpty && r.t.extras?.isEmpty ?? true)
            #expect((r.t.extras != nil) == small, "\(bios) bios: the box kept only when small")
            #expect(((r.t.extras?.bios.capacity ?? 0) > 0) == small, "\(bios) bios: its storage kept only when small")
        }
    }

    /// A freed slot whose entry log grew past ``IOSlab/maxLogBytes`` (a large I/O's hundreds of
    /// entries, some kept whole) starts over with the usual room; one that stayed small keeps
    /// its room as it is.
    /// The last bio's completion is read from the bios' records (the slot keeps no copy): the
    /// latest completion time of those completed, whatever order the bios are in, nil while none
    /// is (or there is no bio).
    @Test func lastBioDoneIsTheLatestCompletionOfTheBios() {
        let slab = IOSlab()
        let file = IOIndexTests.file(in: slab)
        func bio(_ k: UInt64, done: UInt64?) -> BioState {
            var b = BioState(queuedAt: 1_000 + k, dev: Self.dev, sector: 8 * k, nrSector: 8, op: .write, role: .data,
                             fileOffset: Int64(k) * 4096, zeroedRanges: [], exactJoin: true)
            b.completedAt = done
            return b
        }
        let cases: [([UInt64?], UInt64?)] = [
            ([], nil), ([nil], nil), ([3], 3), ([0], 0), ([nil, nil, nil], nil),
            ([5, nil, 9, 7], 9), ([9, 5], 9), ([5, 9], 9), ([nil, 4], 4), ([4, nil], 4), ([7, 7], 7),
        ]
        for (k, (done, expected)) in cases.enumerated() {
            let io = slab.make(t: Self.timeline(id: UInt64(k + 1), offset: 0), file: file, kiocb: 1, userRef: 1)
            for (i, d) in done.enumerated() { io.t.appendBio(bio(UInt64(i), done: d)) }
            #expect(io.lastBioDoneAt == expected, "bios completed at \(done)")
            slab.emitted(io)
            slab.drain()
        }
    }

    @Test func aLargeEntryLogIsTrimmedWhenItsSlotIsFreed() {
        let slab = IOSlab()
        let file = IOIndexTests.file(in: slab)
        let usual = StepLog.typicalItems * MemoryLayout<StepLog.Item>.stride
        for entries in [4, 200] {
            let io = slab.make(t: Self.timeline(id: 7, offset: 0), file: file, kiocb: 7, userRef: 7)
            io.log.reserveCapacity(StepLog.typicalItems)
            for k in 0..<entries {
                // Every tenth carries a text note past the items' 255 notes: kept whole.
                io.add(TimelineEntry(timestamp: io.t.submittedAt + UInt64(k), step: .reaped, tid: 11, value: Int64(k),
                                     noteID: k % 10 == 0 ? 1000 : 0))
            }
            let grown = io.log.capacity
            #expect((grown > IOSlab.maxLogBytes) == (entries == 200), "both sides of the limit are tried")
            #expect(io.log.loggedCount == (entries + 9) / 10)
            slab.emitted(io)
            slab.drain()
            guard let r = slab.takeFreed() else {
                Issue.record("not freed")
                continue
            }
            #expect(r.slot == io.slot)
            #expect(r.log.capacity == (entries == 200 ? usual : grown), "\(entries) entries: room after the free")
            #expect(entries == 4 || (r.log.isEmpty && r.log.loggedCount == 0), "a trimmed log starts empty")
        }
    }

    /// A file's slot lives while the file table or an I/O slot in use holds it: an emitted I/O
    /// that a pending bio keeps still reads its file after the idle sweep dropped the file; the
    /// slot is freed with the last hold, at the end of the event, and comes back as a new
    /// file's state.
    @Test func aFileSlotIsFreedWithItsLastHold() {
        let slab = IOSlab()
        let file = IOIndexTests.file(in: slab, ino: 0x99)
        let io = slab.make(t: Self.timeline(id: 1, offset: 0), file: file, kiocb: 1, userRef: 1)
        file.lastIsize = 4096
        file.blkbits = 10
        file.nextPartialFlush = 1000
        file.ops.append(LiveOp(op: FileOperation(kind: .fsync, tgid: 10, tid: 11, dev: Self.dev, ino: 0x99, startedAt: 1), resolved: true))
        file.history.append(io)
        file.history.removeAll()
        slab.hold(io)  // a pending bio
        slab.emitted(io)
        slab.files.drop(file)  // the idle sweep took it out of the table
        slab.drain()
        #expect(slab.files.inUse == 1, "the held I/O keeps its file")
        #expect(io.key == InodeKey(dev: Self.dev, ino: 0x99) && io.file.lastIsize == 4096)
        slab.drop(io)
        #expect(slab.files.inUse == 1, "freed at the end of the event")
        slab.drain()
        #expect(slab.files.inUse == 0 && slab.files.slots == 1)
        let next = slab.files.make(key: InodeKey(dev: Self.dev, ino: 0x83))
        #expect(next == file, "the slot is reused")
        #expect(next.key.ino == 0x83 && next.lastIsize == -1 && next.lastIsizeAt == 0 && next.blkbits == 0
                && next.nextPartialFlush == InodeState.partialFlushMinimum && next.ops.isEmpty
                && next.history.isEmpty && next.openOps.isEmpty && next.inflight.isEmpty
                && next.awaitingRetry == 0 && next.s.pointee.holds == 0, "as a new file's state")
    }

    /// After an analysis every slot is free again: the engine's holders dropped every I/O they
    /// held, and only the files the engine's table holds keep a slot. Run on every bundled trace and test fixture (libaio, io_uring, sync; lost windows,
    /// process exits, refused attempts, bios without completions): a hold without its drop leaves a
    /// slot in use, a drop too many traps.
    @Test func everySlotIsFreeAfterEachBundledTrace() throws {
        var analyzed = 0, maxSlots = 0
        for url in BundledTraceFiles.all() {
            guard var input = try? TraceInput(path: url.path) else { continue }
            guard let (_, _, a) = try? Analyzer.analyzeKeepingAnalyzer(&input) else { continue }
            #expect(a.ioSlotsInUse == 0, "\(url.lastPathComponent): \(a.ioSlotsInUse) slots still in use")
            #expect(a.fileSlotsInUse == a.fileCount,
                    "\(url.lastPathComponent): \(a.fileSlotsInUse) file slots in use for \(a.fileCount) files")
            #expect(a.fileHoldsOfIOs == 0, "\(url.lastPathComponent): \(a.fileHoldsOfIOs) file holds of freed I/Os")
            maxSlots = max(maxSlots, a.ioSlots)
            analyzed += 1
        }
        #expect(analyzed >= 20, "only \(analyzed) traces analyzed")
        #expect(maxSlots > 0)
    }

    /// A task's current I/O is a holder that can outlive the I/O: here a write whose completion
    /// was lost is evicted and emitted while its task's call is still open, its slot's neighbours
    /// are reused by 300 writes begun at once, and then the task maps a range. The event must
    /// find the emitted I/O (settled: the event is unmatched), not whatever I/O took its slot.
    /// Without the task's hold the slot is freed while the task still names it: in a debug build
    /// (the tests') the stale handle traps (checked); in a release build an I/O that took the slot
    /// would take the mapping.
    /// With `syscall`, the task's open call holds the I/O too (its call list); without (a
    /// read(2) or an ftrace capture without system calls), only its current I/O does.
    @Test(arguments: [true, false])
    func aTasksCurrentIOKeepsItsSlotPastEmission(syscall: Bool) {
        let dev = DeviceNumber(major: 7, minor: 0), base: UInt64 = 1_000_000_000
        func ev(_ ts: UInt64, tid: UInt32, _ p: Event.Payload) -> Event {
            Event(timestamp: ts, tgid: tid, tid: tid, cpu: 0, dev: dev, ino: 0x83, payload: p)
        }
        func begin(_ ts: UInt64, tid: UInt32, kiocb: UInt64, off: Int64, syscall: Bool = true) -> [Event] {
            (syscall ? [ev(ts, tid: tid, .sysEnter(SysEnter(sysno: .pwrite64, fd: 3, args: (0, 4096, off),
                                                             isize: 64 << 20)))] : [])
            + [ev(ts + 500, tid: tid, .dioBegin(DIOBegin(kiocb: kiocb, pos: off, count: 4096, isize: 64 << 20,
                                                       kiFlags: [.direct], dioFlags: [.dioscopeWrite], api: .sync,
                                                       blkbits: 12)))]
        }
        let a = Analyzer(options: AnalysisOptions())
        // Task 100's write: begun, then its events are lost.
        for e in begin(base, tid: 100, kiocb: 0xaaaa_0000, off: 0x800000, syscall: syscall) { a.consume(e) }
        a.consume(Event(timestamp: base + 100_000_000, payload: .lost(Lost(dropped: 2, sinceNs: base + 1_000))))
        // 400 ms of another task's writes, one at a time: the lost write is evicted and emitted.
        for i in 0..<400 {
            for e in AnalysisMemoryTests.syncWrite(i, base: base + 101_000_000) { a.consume(e) }
        }
        // 300 writes begun at once by other tasks take the freed slots.
        let t1 = base + 600_000_000
        for k in 0..<300 {
            for e in begin(t1 + UInt64(k) * 1_000, tid: 1_000 + UInt32(k), kiocb: 0xbbbb_0000 + UInt64(k) * 0x100,
                           off: 0x1000000 + Int64(k) * 4096) { a.consume(e) }
        }
        // Task 100, its call still open, maps a range.
        a.consume(ev(t1 + 400_000, tid: 100, .iomapDstmap(IomapMapping(addr: 0x5000 << 9, offset: 0x800000,
                                                                       length: 4096, type: .mapped, flags: [],
                                                                       bdev: dev, blkbits: 12))))
        let r = a.finish(summary: nil)
        #expect(r.unmatched["lost I/O evicted without completion"] == 1, "\(r.unmatched)")
        #expect(r.unmatched["iomap_iter_dstmap"] == 1, "the mapping went to an I/O: \(r.unmatched)")
        let mapped = r.timelines.filter { t in (1_000..<1_300).contains(t.tid) && t.entries.contains { $0.step == .mapping } }
        #expect(mapped.isEmpty, "writes of tasks 1000+ given task 100's mapping: \(mapped.map(\.id).prefix(5))")
        #expect(r.counts.total == 701)
        #expect(a.ioSlotsInUse == 0)
    }
}
