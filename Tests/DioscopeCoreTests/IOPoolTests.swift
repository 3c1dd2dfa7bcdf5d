import Testing
@testable import DioscopeCore

/// The engine reuses the objects of emitted I/Os (``IOPool``): a reused object must be
/// indistinguishable from a new one, and an object something still refers to must not be reused.
@Suite struct IOPoolTests {
    static let dev = DeviceNumber(major: 7, minor: 0)

    static func timeline(id: UInt64, offset: Int64) -> IOState {
        IOState(id: id, op: .write, api: .libaio, tgid: 10, tid: 11, comm: "fio", dev: dev, ino: 0x83,
                offset: offset, length: 4096, requested: nil, syscall: .ioSubmit, isizeAtBegin: 1 << 20,
                blockSize: 4096, submittedAt: 1_000 + UInt64(id))
    }

    /// Every stored property of `io` as text (objects by identity), by name; the timeline's
    /// properties one by one, as `t.name`.
    static func fields(_ io: LiveIO) -> [String: String] {
        var out: [String: String] = [:]
        for child in Mirror(reflecting: io).children {
            guard let name = child.label else { continue }
            if name == "t" {
                for field in Mirror(reflecting: io.t).children {
                    out["t.\(field.label ?? "?")"] = String(reflecting: field.value)
                }
            } else if Mirror(reflecting: child.value).displayStyle == .class {
                out[name] = "object \(ObjectIdentifier(child.value as AnyObject))"
            } else {
                out[name] = String(reflecting: child.value)
            }
        }
        return out
    }

    /// Restarts `io`'s timeline as `timeline(id: 2, offset: 8192)`, then reuses the object.
    static func reuseAsSecond(_ io: LiveIO, file: InodeState) {
        io.t.restart(id: 2, op: .write, api: .libaio, tgid: 10, tid: 11, comm: "fio", dev: dev, ino: 0x83,
                     offset: 8192, length: 4096, requested: nil, syscall: .ioSubmit, isizeAtBegin: 1 << 20,
                     blockSize: 4096, submittedAt: 1_002)
        io.reuse(file: file, kiocb: 0xbeef, userRef: 0xcafe)
    }

    /// An I/O with every field changed from what `init` gives, reused: the result equals a new
    /// object field by field. A stored property added later without a reset in `reuse` fails the
    /// first check until this test changes it too.
    @Test func reusedObjectEqualsANewOne() {
        let oldFile = InodeState(key: InodeKey(dev: Self.dev, ino: 0x99))
        let newFile = InodeState(key: InodeKey(dev: Self.dev, ino: 0x83))
        let fresh = LiveIO(t: Self.timeline(id: 2, offset: 8192), file: newFile, kiocb: 0xbeef, userRef: 0xcafe)

        // Held only by the array handed to the pool, as the engine's emitted list holds it.
        var emitted = [LiveIO(t: Self.timeline(id: 1, offset: 0), file: oldFile, kiocb: 0x1111, userRef: 0x2222)]
        let usedID = ObjectIdentifier(emitted[0])
        do {
            let used = emitted[0]
            used.add(TimelineEntry(timestamp: 5, step: .begin, tid: 11))
            // Two attempts and two bios: the second of each goes to the list's array, whose storage
            // the pool keeps.
            for k: UInt64 in [1, 2] {
                used.t.attempts.append(AttemptState(beganAt: 5, tid: 11, kiocb: k, offset: 0, length: 1, dioFlags: [],
                                                 nowait: false))
                used.t.bios.append(BioState(queuedAt: 7, dev: Self.dev, sector: 8 * k, nrSector: 8, op: .write,
                                             role: .data, fileOffset: 0, zeroedRanges: [], exactJoin: true))
            }
            used.t.mappings.append(IOMappingRecord(timestamp: 6, offset: 0, length: 4096, addr: 0, type: .mapped,
                                                   new: false, bdev: Self.dev))
            used.t.bios.append(BioState(queuedAt: 7, dev: Self.dev, sector: 8, nrSector: 8, op: .write, role: .data,
                                         fileOffset: 0, zeroedRanges: [], exactJoin: true))
            used.t.conversions.append(ConversionRecord(timestamp: 9, source: "xfs", offset: 0, length: 4096, tid: 12))
            // The header fields `restart` sets, each to something a new second timeline has not.
            used.t.op = .read
            used.t.api = .sync
            used.t.tgid = 20
            used.t.tid = 21
            used.t.comm = "dd"
            used.t.dev = DeviceNumber(major: 8, minor: 1)
            used.t.ino = 0x84
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
            used.needRanges = [FileRange(start: 0, end: 4096)]
            used.convertedRanges = [FileRange(start: 0, end: 512)]
            used.firstBioAt = 7
            used.lastBioDoneAt = 9
            used.lost = true
            used.suspect = true
            used.settled = true
            used.noSyscall = true
            used.ownerExited = true
            used.aioCtx = 0x7f00_0000_1000
        }
        let before = Self.fields(emitted[0]), reference = Self.fields(fresh)
        #expect(Set(before.keys) == Set(reference.keys))
        for (name, value) in reference {
            #expect(before[name] != value, "the test leaves \(name) as a new object has it")
        }
        #expect(oldFile.awaitingRetry == 1)

        var pool = IOPool()
        pool.recycle(&emitted)
        guard let used = pool.take() else {
            Issue.record("an object nothing else refers to was not kept")
            return
        }
        #expect(ObjectIdentifier(used) == usedID)
        #expect(used.t.attempts.isEmpty && used.t.attempts.spareCapacity >= 1, "the arrays are kept, emptied")
        Self.reuseAsSecond(used, file: newFile)
        #expect(used.t.bios.isEmpty && used.t.bios.spareCapacity >= 1, "the new state took over the storage")
        #expect(used.log.isEmpty && used.log.bytes.isEmpty && used.log.capacity >= 1,
                "the encoded entries' storage is kept, emptied")
        let after = Self.fields(used)
        for (name, value) in reference {
            #expect(after[name] == value, "\(name) after reuse")
        }
        // The old file no longer counts it as awaiting a retry; the new one never did.
        #expect(oldFile.awaitingRetry == 0 && newFile.awaitingRetry == 0)
    }

    /// Only objects nothing else refers to are kept; the pool is bounded.
    @Test func onlyUnreferencedObjectsAreKept() {
        let file = InodeState(key: InodeKey(dev: Self.dev, ino: 0x83))
        var pool = IOPool()
        let held = LiveIO(t: Self.timeline(id: 1, offset: 0), file: file, kiocb: 1, userRef: 1)
        var batch = [held, LiveIO(t: Self.timeline(id: 2, offset: 4096), file: file, kiocb: 2, userRef: 2)]
        pool.recycle(&batch)
        #expect(batch.isEmpty)
        let first = pool.take()
        #expect(first != nil && first !== held)
        #expect(first?.t.id == 2)
        #expect(pool.take() == nil)

        // An object carrying a large array (a big I/O's many bios) is freed, not kept.
        // (Built in the array, so that the array holds the only reference, as the engine's does.)
        let bio = BioState(queuedAt: 1, dev: Self.dev, sector: 0, nrSector: 8, op: .write, role: .data,
                            fileOffset: 0, zeroedRanges: [], exactJoin: true)
        for bios in [IOPool.maxRecords, IOPool.maxRecords + 1] {
            var one = [LiveIO(t: Self.timeline(id: 3, offset: 0), file: file, kiocb: 3, userRef: 3)]
            // The first bio is held inline, the others in the list's array.
            for _ in 0..<(bios + 1) { one[0].t.bios.append(bio) }
            let small = one[0].t.bios.spareCapacity <= IOPool.maxRecords
            #expect(small == (bios <= IOPool.maxRecords), "both sides of the limit are tried")
            pool.recycle(&one)
            #expect((pool.take() != nil) == small, "\(bios) bios")
        }

        var many = (0..<(IOPool.capacity + 10)).map {
            LiveIO(t: Self.timeline(id: UInt64($0), offset: 0), file: file, kiocb: 0, userRef: 0)
        }
        pool.recycle(&many)
        var n = 0
        while pool.take() != nil { n += 1 }
        #expect(n == IOPool.capacity)
    }
}
