import Testing
@testable import DioscopeCore

/// The in-flight state of an I/O (``IOState``) becomes the public timeline only when something
/// receives it (``IOState/timeline(key:entries:phases:)``): every field must arrive.
@Suite struct IOStateTests {
    static let dev = DeviceNumber(major: 7, minor: 0)
    static let key1 = InodeKey(dev: dev, ino: 1)

    /// A state with every field changed from what `init` leaves.
    static func fullState() -> IOState {
        var s = IOState(id: 7, op: .write, api: .libaio, tgid: 10, tid: 11, comm: Comm("fio"), offset: 8192,
                        length: 4096, requested: 4096, syscall: .ioSubmit, isizeAtBegin: 1 << 20,
                        blockSize: 1024, submittedAt: 1_000)
        s.queuedAt = 1_001
        s.submitReturnedAt = 1_002
        s.convertedAt = 1_003
        s.sizeUpdatedAt = 1_004
        s.isizeAtEnd = 1 << 21
        s.completedAt = 1_005
        s.postedAt = 1_006
        s.reapedAt = 1_007
        s.returnedAt = 1_008
        s.result = 4096
        s.status = .inconclusive
        s.needsConversion = true
        s.inconclusiveCause = .lostInFlight
        s.appendAttempt(AttemptState(beganAt: 1_000, tid: 11, kiocb: 1, dioFlags: [],
                                    nowait: false))
        s.appendMapping(IOMappingRecord(timestamp: 1_001, offset: 8192, length: 4096, addr: 0, type: .unwritten,
                                          new: true, bdev: dev))
        s.appendBio(BioState(queuedAt: 1_001, dev: dev, sector: 8, nrSector: 8, op: .write, role: .data,
                                fileOffset: 8192, zeroedRanges: [], exactJoin: true))
        s.appendConversion(ConversionRecord(timestamp: 1_003, source: "xfs", offset: 8192, length: 4096, tid: 12))
        return s
    }

    /// Each stored property of `value` as text, by name.
    static func fields(_ value: Any) -> [String: String] {
        var out: [String: String] = [:]
        for child in Mirror(reflecting: value).children {
            if let name = child.label { out[name] = String(reflecting: child.value) }
        }
        return out
    }

    /// A conversion's source is kept as its note's number: each source's number names it.
    @Test func conversionSourcesNameTheirNotes() {
        let names = ConversionSource.allCases.map(\.name)
        #expect(Set(names).count == names.count)
        for source in ConversionSource.allCases {
            #expect(TimelineNote.text(source.note) == source.name, "\(source)")
            let step = ConversionStep(timestamp: 1, source: source.note, offset: 0, length: 4096, tid: 2)
            #expect(step.record.source == source.name && ConversionStep(step.record) == step)
        }
    }

    /// The records an I/O in flight holds (``AttemptState``, ``BioState``: nothing reference
    /// counted) give the public ones with every field: compared by name, the flags' bits as their
    /// names and the zeroed head and tail lengths as ranges.
    @Test func recordStatesCarryEveryField() {
        var a = AttemptState(beganAt: 1_000, tid: 11, kiocb: 0xffff_8880_0000_1000,
                             dioFlags: [.overwriteOnly, .partial, .dioscopeWrite], nowait: true)
        a.completedAt = 1_005
        a.error = -11
        a.ret = -11
        a.retried = true
        let ar = a.record(offset: 8192, length: 4096)
        #expect(ar.dioFlags == ["DIO_OVERWRITE_ONLY", "DIO_PARTIAL"])
        // The range is the I/O's, given: every attempt of an I/O has the I/O's own.
        #expect(ar.offset == 8192 && ar.length == 4096)
        let aState = Self.fields(a), aRecord = Self.fields(ar)
        #expect(Set(aState.keys).subtracting(aRecord.keys).isEmpty
                && Set(aRecord.keys).subtracting(aState.keys) == ["offset", "length"])
        for (name, value) in aRecord where !["dioFlags", "offset", "length"].contains(name) {
            #expect(aState[name] == value, "attempt \(name): the record has \(value), the state \(aState[name] ?? "nothing")")
        }
        // the check can fail: a fresh attempt's fields differ
        let plain = Self.fields(IOAttempt(beganAt: 1_000, tid: 11, kiocb: 0xffff_8880_0000_1000, offset: 8192,
                                          length: 4096, dioFlags: [], nowait: false))
        #expect(["completedAtBits", "retBits", "errorBits", "nowait", "retried", "present"].allSatisfy { plain[$0] != aRecord[$0] })

        // a bio zeroing 512 bytes before the I/O and 1 KiB after it, in a 16 KiB bio at file offset 4096
        let head = FileRange(start: 4096, end: 4608), tail = FileRange(start: 19_456, end: 20_480)
        var b = BioState(queuedAt: 1_001, dev: Self.dev, sector: 64, nrSector: 32, op: .write, role: .subBlockZeroing,
                         fileOffset: 4096, zeroedRanges: [head, tail], exactJoin: true)
        b.issuedAt = 1_002
        b.completedAt = 1_003
        b.error = -5
        let br = b.record
        #expect(br.zeroedRanges == [head, tail] && b.zeroedRanges == [head, tail] && br.op == "W")
        #expect(br.fileRange == b.fileRange && br.fileRange == FileRange(start: 4096, end: 20_480))
        let bState = Self.fields(b), bRecord = Self.fields(br)
        #expect(Set(bRecord.keys).subtracting(bState.keys) == ["zeroedRanges"])
        #expect(Set(bState.keys).subtracting(bRecord.keys) == ["zeroedHead", "zeroedTail"])
        for (name, value) in bRecord where name != "zeroedRanges" && name != "op" {
            #expect(bState[name] == value, "bio \(name): the record has \(value), the state \(bState[name] ?? "nothing")")
        }
        // only a tail, and none
        let tailOnly = BioState(queuedAt: 1, dev: Self.dev, sector: 64, nrSector: 32, op: .write, role: .subBlockZeroing,
                                fileOffset: 4096, zeroedRanges: [tail], exactJoin: false)
        #expect(tailOnly.record.zeroedRanges == [tail])
        let none = BioState(queuedAt: 1, dev: Self.dev, sector: 64, nrSector: 32, op: .read, role: .data,
                            fileOffset: nil, zeroedRanges: [], exactJoin: false)
        #expect(none.record.zeroedRanges.isEmpty && none.record.op == "R" && none.record.fileOffset == nil)
    }

    /// Every field of the state reaches the timeline; a field added to either type and not
    /// carried over fails here (the check compares every stored property by name).
    @Test func timelineCarriesEveryField() {
        let s = Self.fullState()
        let entries = [TimelineEntry(timestamp: 1_000, step: .begin, tid: 11)]
        var phases = PhaseLatencies()
        phases.total = 8
        let t = s.timeline(key: InodeKey(dev: Self.dev, ino: 0x83), entries: entries, phases: phases)

        let state = Self.fields(s), timeline = Self.fields(t)
        // What the timeline has and the state keeps in another form or not at all.
        let special: Set = ["syscall", "blockSize", "inconclusiveReason", "entries", "phases", "attempts", "mappings",
                            "bios", "conversions", "dev", "ino", "status", "needsConversion", "times", "comm"]
        for (name, value) in timeline where !special.contains(name) {
            #expect(state[name] == value, "\(name): the timeline has \(value), the state \(state[name] ?? "nothing")")
        }
        // What the state has beyond the timeline's fields: the block size's log, the reason's
        // cause, the times packed as distances from the submission, the records as the first
        // of each kind inline and the rest in the side box, and the first range needing
        // conversion (the engine's, not the timeline's).
        #expect(Set(state.keys).subtracting(timeline.keys) == ["blockBits", "inconclusiveCause", "statusBits", "packed",
                                                               "attemptHead", "mappingHead", "bioHead", "extras",
                                                               "needHead"])
        #expect(t.times == s.times && t.completedAt == 1_005 && t.returnedAt == 1_008 && t.isizeAtEnd == 2 << 20)
        #expect(t.syscall == "io_submit" && t.blockSize == 1024)
        #expect(t.comm == "fio" && s.comm == Comm("fio"), "the task's name, kept as its 16 bytes")
        #expect(t.dev == Self.dev && t.ino == 0x83, "the device and inode numbers are the file's, given")
        #expect(t.status == s.status && t.status == .inconclusive && t.needsConversion == s.needsConversion
                && t.needsConversion, "status and needsConversion share a byte")
        #expect(t.inconclusiveReason == "events lost while the I/O was in flight")
        #expect(t.attempts == s.attempts.map { $0.record(offset: s.offset, length: s.length) } && t.mappings == s.mappings.array && t.bios == s.bios.map(\.record))
        #expect(t.attempts.count == 1 && t.mappings.count == 1 && t.bios.count == 1)
        #expect(t.conversions == s.conversions && t.conversions.count == 1)
        #expect(t.entries == entries && t.phases == phases)
        #expect(t.requested == 4096 && t.userVisibleAt == 1_006 && t.endedAt == 1_008)
        #expect(s.userVisibleAt == t.userVisibleAt && s.isExtending == t.isExtending)

        // The check can fail: a timeline made with the same header, nothing else set, differs in
        // every field the state sets.
        let plain = Self.fields(IOTimeline(id: 7, op: .write, api: .libaio, tgid: 10, tid: 11, comm: "fio",
                                           dev: Self.dev, ino: 0x83, offset: 8192, length: 4096, requested: nil,
                                           syscall: "io_submit", isizeAtBegin: 1 << 20, blockSize: 1024,
                                           submittedAt: 1_000))
        for name in ["times", "status", "needsConversion", "inconclusiveReason", "attempts", "mappings", "bios",
                     "conversions"] {
            #expect(plain[name] != timeline[name], "\(name) is set by the state")
        }
    }

    /// The state's end counts every time it holds, as the timeline's does without entries.
    @Test func endedAtIsTheLatestTime() {
        var s = IOState(id: 1, op: .read, api: .sync, tgid: 1, tid: 1, comm: Comm("dd"), offset: 0,
                        length: 512, requested: nil, syscall: nil, isizeAtBegin: 0, blockSize: 4096,
                        submittedAt: 50)
        #expect(s.endedAt == 50)
        s.completedAt = 70
        s.queuedAt = 60
        #expect(s.endedAt == 70)
        s.returnedAt = 90
        #expect(s.endedAt == 90 && s.timeline(key: Self.key1, entries: [], phases: PhaseLatencies()).endedAt == 90)
        #expect(s.timeline(key: Self.key1, entries: [TimelineEntry(timestamp: 95, step: .returned, tid: 1)],
                           phases: PhaseLatencies()).endedAt == 95)
    }
}

extension IOStateTests {
    /// Each cause's text is the reason a timeline gives, and no two causes share one.
    @Test func causesHaveDistinctTexts() {
        let all: [InconclusiveCause] = [.lostInFlight, .lostNoCompletion, .resultWithoutCompletion, .cutOffRefused,
                                        .cutOffNoCompletion, .cutOffNotReaped, .cutOffNoCQE, .cutOffNoReturn,
                                        .noConversionTraceIncomplete]
        #expect(Set(all.map(\.text)).count == all.count)
        #expect(all.allSatisfy { !$0.text.isEmpty && $0.text.first!.isLowercase })
        var s = IOStateTests.fullState()
        for c in all {
            s.inconclusiveCause = c
            #expect(s.timeline(key: Self.key1, entries: [], phases: PhaseLatencies()).inconclusiveReason == c.text)
        }
    }
}
