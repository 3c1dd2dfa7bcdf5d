// The JSON form of a timeline written by hand: the bytes of `JSONEncoder` with `.sortedKeys`
// (keys here in that order: byte order, so `blockSize` before `comm`, `isizeAtBegin` before
// `isizeAtEnd`), about a hundred times faster. JSON export of a 1.2 M-I/O recording spent 520 s
// in `JSONEncoder`; the analysis itself took under 10 s. `TimelineJSONTests` compares the bytes
// with `JSONEncoder`'s for every timeline of the bundled traces and for generated ones with
// every optional field on and off and strings that need escaping, so a field added to these
// types without its line here fails it.

extension IOTimeline {
    /// Appends the timeline as one JSON value (an object) at `out`'s position.
    func appendJSON(to out: inout JSONBytes) {
        out.open(0x7B)
        out.field("api", UInt64(api.rawValue))
        out.field("attempts", attempts) { $0.attempt($1) }
        out.field("bios", bios) { $0.bio($1) }
        out.field("blockSize", blockSize)
        out.field("comm", comm)
        out.field("completedAt", completedAt)
        out.field("conversions", conversions) { $0.conversion($1) }
        out.field("convertedAt", convertedAt)
        out.field("dev", dev.description)
        out.field("entries", entries) { $0.entry($1) }
        out.field("id", id)
        out.field("inconclusiveReason", inconclusiveReason)
        out.field("ino", ino)
        out.field("isizeAtBegin", isizeAtBegin)
        out.field("isizeAtEnd", isizeAtEnd)
        out.field("length", length)
        out.field("mappings", mappings) { $0.mapping($1) }
        out.field("needsConversion", needsConversion)
        out.field("offset", offset)
        out.field("op", op.rawValue)
        out.key("phases")
        out.phases(phases)
        out.field("postedAt", postedAt)
        out.field("queuedAt", queuedAt)
        out.field("reapedAt", reapedAt)
        out.field("requested", requested)
        out.field("result", result)
        out.field("returnedAt", returnedAt)
        out.field("sizeUpdatedAt", sizeUpdatedAt)
        out.field("status", status.rawValue)
        out.field("submitReturnedAt", submitReturnedAt)
        out.field("submittedAt", submittedAt)
        out.field("syscall", syscall)
        out.field("tgid", tgid)
        out.field("tid", tid)
        out.close(0x7D)
    }
}

extension JSONBytes {
    mutating func attempt(_ a: IOAttempt) {
        open(0x7B)
        field("beganAt", a.beganAt)
        field("completedAt", a.completedAt)
        field("dioFlags", a.dioFlags) { $0.value($1) }
        field("error", a.error)
        field("kiocb", a.kiocb)
        field("length", a.length)
        field("nowait", a.nowait)
        field("offset", a.offset)
        field("ret", a.ret)
        field("retried", a.retried)
        field("tid", a.tid)
        close(0x7D)
    }

    mutating func mapping(_ m: IOMappingRecord) {
        open(0x7B)
        field("addr", m.addr)
        field("bdev", m.bdev.description)
        field("length", m.length)
        field("new", m.new)
        field("offset", m.offset)
        field("timestamp", m.timestamp)
        field("type", m.type.rawValue)
        close(0x7D)
    }

    mutating func bio(_ b: BioRecord) {
        open(0x7B)
        field("completedAt", b.completedAt)
        field("dev", b.dev.description)
        field("error", b.error)
        field("exactJoin", b.exactJoin)
        field("fileOffset", b.fileOffset)
        field("issuedAt", b.issuedAt)
        field("nrSector", b.nrSector)
        field("op", b.op)
        field("queuedAt", b.queuedAt)
        field("role", b.role.rawValue)
        field("sector", b.sector)
        field("zeroedRanges", b.zeroedRanges) { $0.range($1) }
        close(0x7D)
    }

    mutating func range(_ r: FileRange) {
        open(0x7B)
        field("end", r.end)
        field("start", r.start)
        close(0x7D)
    }

    mutating func conversion(_ c: ConversionRecord) {
        open(0x7B)
        field("length", c.length)
        field("offset", c.offset)
        field("source", c.source)
        field("tid", c.tid)
        field("timestamp", c.timestamp)
        close(0x7D)
    }

    mutating func phases(_ p: PhaseLatencies) {
        open(0x7B)
        field("conversionToPosted", p.conversionToPosted)
        field("device", p.device)
        field("deviceToConversion", p.deviceToConversion)
        field("postedToReaped", p.postedToReaped)
        field("submitToFirstBio", p.submitToFirstBio)
        field("total", p.total)
        close(0x7D)
    }

    mutating func entry(_ e: TimelineEntry) {
        open(0x7B)
        field("cpu", e.cpu)
        field("length", e.length)
        field("note", e.note)
        field("offset", e.offset)
        field("step", e.step.rawValue)
        field("tid", e.tid)
        field("timestamp", e.timestamp)
        field("value", e.value)
        close(0x7D)
    }
}
