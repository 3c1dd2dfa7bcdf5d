#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The common prefix of one ftrace event line.
struct FtraceLineContext {
    var timestamp: UInt64
    var tid: UInt32
    var tgid: UInt32
    var cpu: UInt16
    var comm: Comm
    /// The comm starts with `iou-` (io_uring worker threads).
    var commIsIOUring: Bool
}

/// Parses ftrace text line by line into events, keeping the little state
/// that text needs (open system calls per thread, async DIO owners, lost
/// events to report). Formats: the `trace` file (`# tracer:` header,
/// optional irq-info and tgid columns), `trace_pipe`, and `trace-cmd report`
/// (no irq-info column, `sys_enter_*`/`sys_exit_*` event names, optional
/// `instance:` prefix, `cpus=`/`version =`/`CPU n is empty` header lines).
struct FtraceLineParser {
    /// At most this many problems are kept; the rest are counted.
    static let maxProblems = 200

    private(set) var summary = SourceSummary(format: "ftrace-pipe")
    private(set) var lineNumber: UInt64 = 0

    private var sawTracerHeader = false
    private var sawTraceCmdMarker = false
    private var problemsOmitted: UInt64 = 0

    private struct OpenSyscall {
        var sysno: Syscall
        var fd: Int32
        var timestamp: UInt64
    }
    /// System calls entered and not yet exited, by thread.
    private var openSyscalls: [UInt32: OpenSyscall] = [:]
    /// The user_data of each thread's last `io_uring_submit_req` of a read or write not yet given
    /// to a direct I/O. io_uring issues a request right after tracing its submission, in the same
    /// task, before the next one's: a direct I/O that task begins next is that request's, and gets
    /// its user_data, which `io_uring_complete` prints too. Without it a completion could only be
    /// matched by process and result, and went to another ring's I/O when a process had several
    /// (a ring per thread). Taken by the next io_uring begin of the thread, replaced by its next
    /// submission, dropped when its io_uring_enter returns (a request punted to an io-wq worker
    /// begins there, without it: matched as before).
    private var uringSubmits: [UInt32: UInt64] = [:]

    private struct AsyncKey: Hashable {
        var dev: UInt32
        var ino: UInt64
        var endPos: Int64
    }
    /// Async DIOs begun and not yet completed → their API (completions run
    /// in other threads, where the API cannot be told from the context).
    private var asyncOwners: [AsyncKey: IOAPI] = [:]
    private static let maxAsyncOwners = 1 << 16

    /// Lost events reported but not yet emitted (emitted before the next event).
    private var pendingLost: UInt64 = 0
    private var pendingLostCPU: UInt16 = 0
    private var lastTimestamp: UInt64 = 0

    private var skippedCounts: [UInt64: UInt64] = [:]
    private var skippedNames: [UInt64: String] = [:]

    // MARK: lines

    /// Parses the line `base[start..<end]` (without its newline).
    mutating func parse(_ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int,
                        emit: (Event) throws -> Void) throws {
        lineNumber += 1
        var e = end
        while e > start && (base[e - 1] == 0x0D || base[e - 1] == 0x20) { e -= 1 }
        var i = start
        while i < e && (base[i] == 0x20 || base[i] == 0x09) { i += 1 }
        if i == e { return }
        if base[i] == 0x23 { // '#'
            headerLine(base, i, e)
            return
        }
        // The other special lines start with 'C', '=', 'c' or 'v'; event lines
        // (a comm) rarely do, so one byte test spares them the prefix compares.
        let c0 = base[i]
        if c0 == 0x43 || c0 == 0x3D || c0 == 0x63 || c0 == 0x76 {
            if startsWith(base, i, e, "CPU:") {
                lostLine(base, i, e)
                return
            }
            if startsWith(base, i, e, "=>") { // a stack trace under an event (stacktrace option)
                skip(base, i..<i + 2, hash: ftraceHash(base, i..<i + 2))
                return
            }
            if startsWith(base, i, e, "cpus=") || startsWith(base, i, e, "version = ") || isCPUEmptyLine(base, i, e) {
                sawTraceCmdMarker = true
                return
            }
        }
        do {
            try eventLine(base, i, e, emit: emit)
        } catch let error as FtraceFieldError {
            problem("malformed line: cannot read \(error.field)")
        }
    }

    /// The input ended in the middle of a line (no final newline).
    mutating func truncatedLastLine() {
        lineNumber += 1
        summary.truncated = true
        addProblem(SourceProblem(position: "line \(lineNumber)",
                                 message: "input ends inside a line (no final newline); the partial line was not parsed",
                                 severity: .warning))
    }

    /// A line longer than `limit` bytes was skipped without parsing.
    mutating func overlongLine(limit: Int) {
        lineNumber += 1
        problem("line longer than \(limit) bytes skipped (not ftrace text?)")
    }

    /// Flushes what is pending and returns the summary.
    mutating func finish(emit: (Event) throws -> Void) throws -> SourceSummary {
        if pendingLost > 0 { try emitLost(at: lastTimestamp, emit: emit) }
        summary.format = sawTracerHeader ? "ftrace-trace" : (sawTraceCmdMarker ? "trace-cmd-report" : "ftrace-pipe")
        for (h, n) in skippedCounts {
            summary.skipped[skippedNames[h] ?? "?", default: 0] += n
        }
        skippedCounts.removeAll()
        if problemsOmitted > 0 {
            summary.problems.append(SourceProblem(position: "input",
                                                  message: "\(problemsOmitted) more problems not listed"))
            problemsOmitted = 0
        }
        return summary
    }

    // MARK: header and special lines

    private mutating func headerLine(_ base: UnsafePointer<UInt8>, _ i: Int, _ e: Int) {
        var f = FtraceFields(base: base, start: i, end: e)
        if f.seekIfPresent("tracer") {
            sawTracerHeader = true
            return
        }
        // "# entries-in-buffer/entries-written: 599/700   #P:2": the ring buffer overwrote events.
        if f.seekIfPresent("entries-in-buffer/entries-written"),
           let kept = try? f.decimal("entries-in-buffer"),
           (try? f.expect(0x2F, "/")) != nil,
           let written = try? f.decimal("entries-written"), written > kept {
            sawTracerHeader = true
            // capped like the LOST lines' counts: two huge header lines must not overflow the sum
            pendingLost = Swift.min(pendingLost.addingSaturating(written - kept), EventPlausibility.maxDropped)
            pendingLostCPU = UInt16.max
        }
    }

    /// `CPU:1 [LOST 123 EVENTS]` (ftrace) or `CPU:1 [123 EVENTS DROPPED]` (trace-cmd).
    private mutating func lostLine(_ base: UnsafePointer<UInt8>, _ i: Int, _ e: Int) {
        var f = FtraceFields(base: base, start: i + 4, end: e)
        guard let cpu = try? f.decimal("cpu"), (try? f.expect(0x5B, "[")) != nil else {
            problem("malformed line: expected CPU:<n> [LOST <n> EVENTS]")
            return
        }
        if startsWith(base, f.pos, e, "LOST ") { f.pos += 5 }
        if let n = try? f.decimal("lost count") {
            // a count no kernel reaches is capped (sums of drops must not overflow)
            pendingLost = Swift.min(pendingLost.addingSaturating(n), EventPlausibility.maxDropped)
        } else if startsWith(base, f.pos, e, "EVENTS") {
            pendingLost = Swift.min(pendingLost + 1, EventPlausibility.maxDropped)
            addProblem(SourceProblem(position: "line \(lineNumber)",
                                     message: "events were dropped on CPU \(cpu) (count unknown, counted as 1)",
                                     severity: .warning))
        } else {
            problem("malformed lost-events line")
            return
        }
        pendingLostCPU = UInt16(truncatingIfNeeded: cpu)
    }

    private func isCPUEmptyLine(_ base: UnsafePointer<UInt8>, _ i: Int, _ e: Int) -> Bool {
        guard startsWith(base, i, e, "CPU ") else { return false }
        var f = FtraceFields(base: base, start: i + 4, end: e)
        guard (try? f.decimal("cpu")) != nil else { return false }
        return f.seekIfPresent("empty")
    }

    // MARK: event lines

    private mutating func eventLine(_ base: UnsafePointer<UInt8>, _ i: Int, _ e: Int,
                                    emit: (Event) throws -> Void) throws {
        // "[cpu]": the first '[' after a space followed by digits and ']'
        // (memchr: the comm before it is padded with spaces).
        var b = i + 1
        var cpu: UInt64 = 0
        var found = false
        while b < e, let hit = memchr(base + b, 0x5B, e - b) {
            b = UnsafeRawPointer(hit).assumingMemoryBound(to: UInt8.self) - base
            if base[b - 1] == 0x20 {
                var k = b + 1
                var v: UInt64 = 0
                while k < e && base[k] &- 0x30 <= 9 { v = v &* 10 &+ UInt64(base[k] &- 0x30); k += 1 }
                if k > b + 1 && k < e && base[k] == 0x5D {
                    cpu = v
                    found = true
                    break
                }
            }
            b += 1
        }
        guard found else { throw FtraceFieldError(field: "[cpu]") }

        // Task: "comm-tid", optionally "(tgid)" after it and "instance:" before it.
        var te = b - 1
        while te > i && base[te - 1] == 0x20 { te -= 1 }
        var tgid: UInt32?
        if te > i && base[te - 1] == 0x29 { // ')'
            var o = te - 1
            while o > i && base[o] != 0x28 { o -= 1 }
            guard base[o] == 0x28 else { throw FtraceFieldError(field: "(tgid)") }
            var f = FtraceFields(base: base, start: o + 1, end: te - 1)
            tgid = (try? f.decimal("tgid")).map { UInt32(truncatingIfNeeded: $0) }
            te = o
            while te > i && base[te - 1] == 0x20 { te -= 1 }
        }
        var dash = te - 1
        while dash > i && base[dash] != 0x2D { dash -= 1 }
        guard base[dash] == 0x2D, dash + 1 < te else { throw FtraceFieldError(field: "comm-pid") }
        var tf = FtraceFields(base: base, start: dash + 1, end: te)
        let tidValue = try tf.decimal("pid")
        guard tf.atEnd else { throw FtraceFieldError(field: "pid") }
        let tid = UInt32(truncatingIfNeeded: tidValue)
        var cs = i
        // trace-cmd with several buffers prefixes "instance:" (a word ending in ':' followed by spaces).
        var k = i
        while k < dash && base[k] != 0x20 { k += 1 }
        if k < dash && k > i && base[k - 1] == 0x3A {
            cs = k
            while cs < dash && base[cs] == 0x20 { cs += 1 }
            sawTraceCmdMarker = true
        }
        let comm = makeComm(base, cs, dash, lineEnd: e)
        let iou = dash - cs >= 4 && base[cs] == 0x69 && base[cs + 1] == 0x6F && base[cs + 2] == 0x75 && base[cs + 3] == 0x2D

        // Optional irq-info column, then "secs.frac:".
        var p = b + 1
        while base[p] != 0x5D { p += 1 }
        p += 1
        while p < e && base[p] == 0x20 { p += 1 }
        var ts: UInt64
        var after: Int
        if let (t, a) = timestamp(base, p, e) {
            ts = t
            after = a
            if !sawTracerHeader { sawTraceCmdMarker = true }
        } else {
            while p < e && base[p] != 0x20 { p += 1 }
            while p < e && base[p] == 0x20 { p += 1 }
            guard let (t, a) = timestamp(base, p, e) else { throw FtraceFieldError(field: "timestamp") }
            ts = t
            after = a
        }
        while after < e && base[after] == 0x20 { after += 1 }

        // Event name: up to ':' (events), '(' (syscall enter) or " ->" (syscall exit).
        let n = firstOf(0x3A, 0x28, 0x20, base, from: after, end: e)
        guard n > after, n < e else { throw FtraceFieldError(field: "event name") }
        let ctx = FtraceLineContext(timestamp: ts, tid: tid, tgid: tgid ?? tid, cpu: UInt16(truncatingIfNeeded: cpu),
                                    comm: comm, commIsIOUring: iou)
        let event: Event
        switch base[n] {
        case 0x3A: // ':'
            guard let kind = FtraceEventKind.table.lookup(base, after..<n) else {
                skip(base, after..<n, hash: ftraceHash(base, after..<n))
                return
            }
            var f = FtraceFields(base: base, start: n + 1, end: e)
            f.skipSpaces()
            if case .uringSubmit = kind {
                try uringSubmit(&f, ctx)
                return
            }
            event = try decode(kind, &f, ctx)
        case 0x28: // '('
            guard let sys = FtraceEventKind.syscallTable.lookup(base, after..<n) else {
                skip(base, after..<n, hash: ftraceHash(base, after..<n))
                return
            }
            var close = e
            while close > n && base[close - 1] != 0x29 { close -= 1 }
            guard close > n else { throw FtraceFieldError(field: "syscall arguments") }
            var f = FtraceFields(base: base, start: n + 1, end: close - 1)
            event = try sysEnter(sys, &f, ctx)
        default: // ' '
            var f = FtraceFields(base: base, start: n, end: e)
            try f.expect(0x2D, "->")
            try f.expect(0x3E, "->")
            guard let sys = FtraceEventKind.syscallTable.lookup(base, after..<n) else {
                skip(base, after..<n, hash: ftraceHash(base, after..<n))
                return
            }
            event = try sysExit(sys, &f, ctx)
        }
        if let field = EventPlausibility.implausibleField(event) {
            problem("implausible value in \(field) (outside what a kernel can record); line skipped")
            return
        }
        if pendingLost > 0 { try emitLost(at: ts, emit: emit) }
        if summary.firstTimestamp == nil { summary.firstTimestamp = ts }
        if ts > lastTimestamp { lastTimestamp = ts }
        summary.lastTimestamp = lastTimestamp
        summary.eventsRead += 1
        try emit(event)
    }

    /// "509.553775:" (6 or 9 decimals, any from 1 to 9 accepted) or an integer clock "12345:".
    private func timestamp(_ base: UnsafePointer<UInt8>, _ p: Int, _ e: Int) -> (UInt64, Int)? {
        var k = p
        var secs: UInt64 = 0
        while k < e && base[k] &- 0x30 <= 9 { secs = secs &* 10 &+ UInt64(base[k] &- 0x30); k += 1 }
        guard k > p, k < e else { return nil }
        if base[k] == 0x3A { return (secs, k + 1) }
        guard base[k] == 0x2E else { return nil }
        k += 1
        // The trace file prints microseconds ("%6lu"): six digits and ':' taken
        // without the loop below (whose exit is hard to predict).
        if k + 7 <= e && base[k + 6] == 0x3A {
            let d0 = base[k] &- 0x30, d1 = base[k + 1] &- 0x30, d2 = base[k + 2] &- 0x30
            let d3 = base[k + 3] &- 0x30, d4 = base[k + 4] &- 0x30, d5 = base[k + 5] &- 0x30
            if d0 <= 9 && d1 <= 9 && d2 <= 9 && d3 <= 9 && d4 <= 9 && d5 <= 9 {
                var us = UInt64(d0) &* 100_000 &+ UInt64(d1) &* 10_000 &+ UInt64(d2) &* 1000
                us = us &+ UInt64(d3) &* 100 &+ UInt64(d4) &* 10 &+ UInt64(d5)
                return (secs &* 1_000_000_000 &+ us &* 1000, k + 7)
            }
        }
        var frac: UInt64 = 0
        var digits = 0
        while k < e && base[k] &- 0x30 <= 9 {
            if digits < 9 { frac = frac * 10 + UInt64(base[k] &- 0x30); digits += 1 }
            k += 1
        }
        guard digits > 0, k < e, base[k] == 0x3A else { return nil }
        while digits < 9 { frac *= 10; digits += 1 }
        return (secs &* 1_000_000_000 &+ frac, k + 1)
    }

    private mutating func emitLost(at ts: UInt64, emit: (Event) throws -> Void) throws {
        let n = pendingLost
        pendingLost = 0
        summary.dropped = summary.dropped.addingSaturating(n)
        summary.eventsRead += 1
        let cpu = pendingLostCPU == UInt16.max ? 0 : pendingLostCPU
        let since = pendingLostCPU == UInt16.max ? 0 : lastTimestamp
        try emit(Event(timestamp: ts, cpu: cpu, payload: .lost(Lost(dropped: n, sinceNs: since))))
    }

    // MARK: event decoding

    private mutating func decode(_ kind: FtraceEventKind, _ f: inout FtraceFields,
                                 _ c: FtraceLineContext) throws(FtraceFieldError) -> Event {
        var ev = Event(timestamp: c.timestamp, tgid: c.tgid, tid: c.tid, cpu: c.cpu, payload: .lost(Lost(dropped: 0, sinceNs: 0)))
        switch kind {
        case .dioBegin:
            try f.seek("dev"); ev.dev = try f.device("dev")
            try f.seek("ino"); ev.ino = try f.hex("ino")
            try f.seek("size"); let isize = Int64(bitPattern: try f.hex("size"))
            try f.seek("offset"); let pos = Int64(bitPattern: try f.hex("offset"))
            try f.seek("length"); let count = try f.hex("length")
            var doneBefore: UInt64 = 0
            if f.seekIfPresent("done_before") { doneBefore = try f.hex("done_before") }
            try f.seek("flags"); let kf = FtraceTables.kiFlags.flags(f.base, f.word())
            var df: UInt64 = 0
            if f.seekIfPresent("dio_flags") { df = FtraceTables.dioFlags.flags(f.base, f.word()) }
            try f.seek("aio"); let aio = try f.decimal("aio")
            let api = beginAPI(aio: aio, kiFlags: kf, c)
            let userRef = api == .ioUring ? uringSubmits.removeValue(forKey: c.tid) ?? 0 : 0
            if aio != 0 {
                if asyncOwners.count >= Self.maxAsyncOwners { asyncOwners.removeAll(keepingCapacity: true) }
                asyncOwners[AsyncKey(dev: ev.dev.raw, ino: ev.ino, endPos: pos &+ Int64(bitPattern: count))] = api
            }
            ev.payload = .dioBegin(DIOBegin(pos: pos, count: count, isize: isize, doneBefore: doneBefore, userRef: userRef,
                                            kiFlags: KiFlags(rawValue: UInt32(truncatingIfNeeded: kf)),
                                            dioFlags: DIOFlags(rawValue: UInt16(truncatingIfNeeded: df)), api: api))
        case .dioQueued:
            try f.seek("dev"); ev.dev = try f.device("dev")
            try f.seek("ino"); ev.ino = try f.hex("ino")
            try f.seek("size"); let isize = Int64(bitPattern: try f.hex("size"))
            try f.seek("offset"); let off = Int64(bitPattern: try f.hex("offset"))
            try f.seek("length"); let len = try f.hex("length")
            ev.payload = .dioQueued(DIOQueued(offset: off, length: len, isize: isize))
        case .dioComplete:
            try f.seek("dev"); ev.dev = try f.device("dev")
            try f.seek("ino"); ev.ino = try f.hex("ino")
            try f.seek("size"); let isize = Int64(bitPattern: try f.hex("size"))
            try f.seek("offset"); let pos = Int64(bitPattern: try f.hex("offset"))
            try f.seek("flags"); let kf = FtraceTables.kiFlags.flags(f.base, f.word())
            try f.seek("aio"); let aio = try f.decimal("aio")
            try f.seek("error"); let err = try f.signedDecimal("error")
            try f.seek("ret"); let ret = try f.signedDecimal("ret")
            var api: IOAPI = .sync
            if aio != 0 {
                api = asyncOwners.removeValue(forKey: AsyncKey(dev: ev.dev.raw, ino: ev.ino, endPos: pos))
                    ?? beginAPI(aio: aio, kiFlags: kf, c)
                if kf & FtraceTables.iocbAIORW != 0 { api = .libaio }
            }
            ev.payload = .dioComplete(DIOComplete(pos: pos, isize: isize, ret: ret, error: Int32(truncatingIfNeeded: err),
                                                  kiFlags: KiFlags(rawValue: UInt32(truncatingIfNeeded: kf)), api: api))
        case .dstmap:
            try f.seek("dev"); ev.dev = try f.device("dev")
            try f.seek("ino"); ev.ino = try f.hex("ino")
            try f.seek("bdev"); let bdev = try f.device("bdev")
            try f.seek("addr"); let addr = try f.hex("addr")
            try f.seek("offset"); let off = Int64(bitPattern: try f.hex("offset"))
            try f.seek("length"); let len = try f.hex("length")
            try f.seek("type")
            var typeValue = FtraceTables.extentType.lookup(f.base, f.word())
            if (try? f.expect(0x28, "(")) != nil { typeValue = try f.hex("type") }
            guard let tv = typeValue, let type = ExtentType(rawValue: UInt16(truncatingIfNeeded: tv)) else {
                throw FtraceFieldError(field: "type")
            }
            try f.seek("flags")
            var flags = FtraceTables.iomapFlags.flags(f.base, f.word())
            if (try? f.expect(0x28, "(")) != nil { flags = try f.hex("flags") }
            ev.payload = .iomapDstmap(IomapMapping(addr: addr, offset: off, length: len, type: type,
                                                   flags: IomapFlags(rawValue: UInt16(truncatingIfNeeded: flags)),
                                                   bdev: bdev))
        case .block(let bk):
            ev.dev = try f.device("dev")
            f.skipSpaces()
            let (op, bflags) = rwbs(f.base, f.word())
            var bytes: UInt64 = 0
            switch bk {
            case .rqIssue, .ioStart, .ioDone:
                bytes = try f.decimal("bytes")
                try f.expect(0x28, "(cmd)"); try f.skip(past: 0x29, "(cmd)")
            case .rqComplete:
                try f.expect(0x28, "(cmd)"); try f.skip(past: 0x29, "(cmd)")
            case .bioQueue:
                break
            }
            let sector = try f.decimal("sector")
            try f.expect(0x2B, "+")
            let nr = try f.decimal("nr_sector")
            var error: Int64 = 0
            if bk == .rqComplete {
                try f.skip(past: 0x5B, "[error]")
                error = try f.signedDecimal("error")
            }
            ev.payload = .block(bk, BlockIO(sector: sector, nrSector: UInt32(truncatingIfNeeded: nr),
                                            bytes: UInt32(truncatingIfNeeded: bytes),
                                            error: Int32(truncatingIfNeeded: error), flags: bflags, op: op))
        case .xfs(let xk):
            try f.seek("dev"); ev.dev = try f.device("dev")
            try f.seek("ino"); ev.ino = try f.hex("ino")
            var isize: Int64 = -1
            if xk != .directWrite { try f.seek("isize"); isize = Int64(bitPattern: try f.hex("isize")) }
            try f.seek("disize"); let disize = Int64(bitPattern: try f.hex("disize"))
            try f.seek("pos"); let pos = Int64(bitPattern: try f.hex("pos"))
            try f.seek("bytecount"); let count = try f.hex("bytecount")
            ev.payload = .xfs(xk, XFSIO(isize: isize, disize: disize, offset: pos, count: count))
        case .ext4MapBlocksEnter:
            try f.seek("dev"); ev.dev = try f.device("dev")
            try f.seek("ino"); ev.ino = try f.decimal("ino")
            try f.seek("lblk"); let lblk = try f.decimal("lblk")
            try f.seek("len"); let len = try f.decimal("len")
            try f.seek("flags"); let fl = FtraceTables.ext4Flags.flags(f.base, f.word())
            ev.payload = .ext4MapBlocksEnter(Ext4Map(lblk: UInt32(truncatingIfNeeded: lblk), len: UInt32(truncatingIfNeeded: len),
                                                     flags: Ext4MapFlags(rawValue: UInt32(truncatingIfNeeded: fl))))
        case .ext4HandleUnwritten:
            try f.seek("dev"); ev.dev = try f.device("dev")
            try f.seek("ino"); ev.ino = try f.decimal("ino")
            try f.seek("m_lblk"); let lblk = try f.decimal("m_lblk")
            try f.seek("m_pblk"); let pblk = try f.decimal("m_pblk")
            try f.seek("m_len"); let len = try f.decimal("m_len")
            try f.seek("flags"); let fl = FtraceTables.ext4Flags.flags(f.base, f.word())
            try f.seek("allocated"); let alloc = try f.signedDecimal("allocated")
            try f.seek("newblock"); let newblk = try f.decimal("newblock")
            ev.payload = .ext4HandleUnwritten(Ext4Map(lblk: UInt32(truncatingIfNeeded: lblk), len: UInt32(truncatingIfNeeded: len),
                                                      flags: Ext4MapFlags(rawValue: UInt32(truncatingIfNeeded: fl)),
                                                      allocated: UInt32(truncatingIfNeeded: alloc), pblk: pblk, newblk: newblk))
        case .uringComplete:
            try f.seek("ring"); let ring = try f.hex("ring")
            try f.seek("req"); let req = try f.hex("req")
            try f.seek("user_data"); let ud = try f.hex("user_data")
            try f.seek("result"); let res = try f.signedDecimal("result")
            var cflags: UInt64 = 0
            if f.seekIfPresent("cflags") { cflags = try f.hex("cflags") }
            ev.payload = .ioUringComplete(URingComplete(ctx: ring, req: req, userData: ud, res: Int32(truncatingIfNeeded: res),
                                                        cflags: UInt32(truncatingIfNeeded: cflags)))
        case .uringSubmit:
            preconditionFailure("io_uring_submit_req lines are taken before decoding (uringSubmit)")
        case .taskExit:
            // "comm=fio pid=1234 prio=120 group_dead=true": the exiting task's own context. Kernels
            // before group_dead was printed give a thread's exit only (nothing per process is
            // forgotten); the exit code is not printed. The field and its value are one word.
            ev.payload = .taskExit(TaskExit(exitCode: nil, groupDead: f.seekIfPresent("group_dead=true")))
        case .space(let sk):
            try f.seek("dev"); ev.dev = try f.device("dev")
            try f.seek("ino")
            var op = SpaceOp(kind: sk)
            switch sk {
            case .xfsAllocFileSpace, .xfsSetattr:
                ev.ino = try f.hex("ino")
            case .ext4FallocateEnter:
                ev.ino = try f.decimal("ino")
                try f.seek("offset"); op.offset = try f.signedDecimal("offset")
                try f.seek("len"); op.len = try f.signedDecimal("len")
                try f.seek("mode")
                op.mode = Int32(truncatingIfNeeded: FtraceTables.fallocMode.flags(f.base, f.word()))
            case .ext4FallocateExit:
                ev.ino = try f.decimal("ino")
                try f.seek("pos"); op.offset = try f.signedDecimal("pos")
                try f.seek("ret"); op.mode = Int32(truncatingIfNeeded: try f.signedDecimal("ret"))
            case .ext4TruncateEnter:
                ev.ino = try f.decimal("ino")
            case .xfsZeroEof:
                // dev 7:0 ino 0x83 isize 0x10000 disize 0x10000 pos 0x0 bytecount 0x18000
                ev.ino = try f.hex("ino")
                try f.seek("isize"); op.isize = Int64(bitPattern: try f.hex("isize"))
                try f.seek("pos"); op.offset = Int64(bitPattern: try f.hex("pos"))
                try f.seek("bytecount"); op.len = Int64(bitPattern: try f.hex("bytecount"))
            }
            ev.payload = .fsSpaceOp(op)
        case .sysEnter(let s):
            return try sysEnter(s, &f, c)
        case .sysExit(let s):
            return try sysExit(s, &f, c)
        }
        return ev
    }

    /// The API of an iomap DIO from what text shows: `aio 0` is sync;
    /// `AIO_RW` (set only by fs/aio.c) or a thread inside io_submit is
    /// libaio; a thread inside io_uring_enter, an `iou-*` worker or
    /// `ALLOC_CACHE` (set only by io_uring) is io_uring; else async-other.
    private func beginAPI(aio: UInt64, kiFlags kf: UInt64, _ c: FtraceLineContext) -> IOAPI {
        if aio == 0 { return .sync }
        if kf & FtraceTables.iocbAIORW != 0 { return .libaio }
        switch openSyscalls[c.tid]?.sysno {
        case .ioSubmit: return .libaio
        case .ioUringEnter: return .ioUring
        default: break
        }
        if c.commIsIOUring || kf & FtraceTables.iocbAllocCache != 0 { return .ioUring }
        return .asyncOther
    }

    /// Syscall arguments in order (ftrace: `fd: 3, buf: 0x7f.., count: 0x1000, pos: 0`;
    /// values are hexadecimal, `0x` omitted below 10).
    private mutating func sysEnter(_ s: Syscall, _ f: inout FtraceFields,
                                   _ c: FtraceLineContext) throws(FtraceFieldError) -> Event {
        var v: (Int64, Int64, Int64, Int64, Int64, Int64) = (0, 0, 0, 0, 0, 0)
        var n = 0
        while n < 6 {
            // "name: value" pairs separated by ", "
            var k = f.pos
            while k < f.end && f.base[k] != 0x3A { k += 1 }
            if k >= f.end { break }
            f.pos = k + 1
            let x = Int64(bitPattern: try f.hex("syscall argument"))
            switch n {
            case 0: v.0 = x
            case 1: v.1 = x
            case 2: v.2 = x
            case 3: v.3 = x
            case 4: v.4 = x
            default: v.5 = x
            }
            n += 1
        }
        var fd: Int32 = -1
        var args: (Int64, Int64, Int64) = (0, 0, 0)
        let need: Int
        switch s {
        case .pread64, .pwrite64, .preadv2, .pwritev2:
            fd = Int32(truncatingIfNeeded: v.0); args = (v.1, v.2, v.3); need = 4
        case .read, .write:
            fd = Int32(truncatingIfNeeded: v.0); args = (v.1, v.2, 0); need = 3
        case .ioSubmit, .ioGetevents, .ioPgetevents:
            args = (v.0, v.1, v.2); need = 3
        case .ioUringEnter:
            fd = Int32(truncatingIfNeeded: v.0); args = (v.1, v.2, v.3); need = 4
        case .fallocate:
            fd = Int32(truncatingIfNeeded: v.0); args = (v.1, v.2, v.3); need = 4
        case .ftruncate:
            fd = Int32(truncatingIfNeeded: v.0); args = (v.1, 0, 0); need = 2
        case .fsync, .fdatasync:
            fd = Int32(truncatingIfNeeded: v.0); need = 1
        }
        if n < need { throw FtraceFieldError(field: "syscall arguments") }
        openSyscalls[c.tid] = OpenSyscall(sysno: s, fd: fd, timestamp: c.timestamp)
        return Event(timestamp: c.timestamp, tgid: c.tgid, tid: c.tid, cpu: c.cpu,
                     payload: .sysEnter(SysEnter(sysno: s, fd: fd, args: args, comm: c.comm)))
    }

    /// `ring 0x.., req 0x.., user_data 0x.., opcode WRITEV, flags 0x.., sq_thread 0`: a read or
    /// write's user_data is kept for the thread's next io_uring begin (``uringSubmits``).
    private mutating func uringSubmit(_ f: inout FtraceFields, _ c: FtraceLineContext) throws(FtraceFieldError) {
        try f.seek("user_data"); let ud = try f.hex("user_data")
        try f.seek("opcode")
        let op = f.word()
        let isReadWrite = startsWith(f.base, op.lowerBound, op.upperBound, "READ")
            || startsWith(f.base, op.lowerBound, op.upperBound, "WRITE")
        if isReadWrite && ud != 0 {
            uringSubmits[c.tid] = ud
        } else {
            uringSubmits.removeValue(forKey: c.tid)
        }
    }

    /// `-> 0x1000` (ftrace) or `0x1000` (trace-cmd); negative errnos print as 64-bit hex.
    private mutating func sysExit(_ s: Syscall, _ f: inout FtraceFields,
                                  _ c: FtraceLineContext) throws(FtraceFieldError) -> Event {
        let ret = try f.number("return value")
        var fd: Int32 = -1
        var enterTs: UInt64 = 0
        if let open = openSyscalls.removeValue(forKey: c.tid), open.sysno == s {
            fd = open.fd
            enterTs = open.timestamp
        }
        if s == .ioUringEnter { uringSubmits.removeValue(forKey: c.tid) }
        return Event(timestamp: c.timestamp, tgid: c.tgid, tid: c.tid, cpu: c.cpu,
                     payload: .sysExit(SysExit(sysno: s, fd: fd, ret: ret, enterTimestamp: enterTs)))
    }

    /// blktrace's rwbs: [F]{W,R,D[E],F,N}[F][A][S][M]...
    private func rwbs(_ base: UnsafePointer<UInt8>, _ r: Range<Int>) -> (BlockOp, BlockFlags) {
        var i = r.lowerBound
        var flags: BlockFlags = []
        func isOp(_ c: UInt8) -> Bool { c == 0x57 || c == 0x52 || c == 0x44 || c == 0x46 || c == 0x4E }
        if r.count >= 2 && base[i] == 0x46 && isOp(base[i + 1]) { flags.insert(.preflush); i += 1 }
        var op: BlockOp = .other
        if i < r.upperBound {
            switch base[i] {
            case 0x57: op = .write
            case 0x52: op = .read
            case 0x44: op = .discard
            case 0x46: op = .flush
            default: op = .other
            }
            i += 1
            if op == .discard && i < r.upperBound && base[i] == 0x45 { i += 1 } // secure erase "DE"
        }
        while i < r.upperBound {
            switch base[i] {
            case 0x46: flags.insert(.fua)
            case 0x41: flags.insert(.ahead)
            case 0x53: flags.insert(.sync)
            case 0x4D: flags.insert(.meta)
            default: break
            }
            i += 1
        }
        return (op, flags)
    }

    // MARK: helpers

    private mutating func skip(_ base: UnsafePointer<UInt8>, _ r: Range<Int>, hash: UInt64) {
        if let n = skippedCounts[hash] {
            skippedCounts[hash] = n + 1
        } else {
            skippedCounts[hash] = 1
            skippedNames[hash] = String(decoding: UnsafeBufferPointer(start: base + r.lowerBound, count: r.count),
                                        as: UTF8.self)
        }
    }

    private mutating func problem(_ message: String) {
        summary.damaged = true
        addProblem(SourceProblem(position: "line \(lineNumber)", message: message))
    }

    private mutating func addProblem(_ p: SourceProblem) {
        if summary.problems.count < Self.maxProblems {
            summary.problems.append(p)
        } else {
            problemsOmitted += 1
        }
    }

    private func startsWith(_ base: UnsafePointer<UInt8>, _ i: Int, _ e: Int, _ s: StaticString) -> Bool {
        let n = s.utf8CodeUnitCount
        guard e - i >= n else { return false }
        let p = s.utf8Start
        for k in 0..<n where base[i + k] != p[k] { return false }
        return true
    }

    /// The first index in `from..<end` holding `x`, `y` or `z`, else `end`.
    /// Eight bytes at a time (every line's event name is scanned so, 10 to
    /// 30 bytes): in `w ^ repeated(x)` a byte equal to `x` is zero, and
    /// `(v - 0x01…) & ~v & 0x80…` sets the high bit of v's first zero byte
    /// (bits above it may be set too; the lowest one is exact).
    @inline(__always)
    private func firstOf(_ x: UInt8, _ y: UInt8, _ z: UInt8, _ base: UnsafePointer<UInt8>, from: Int, end: Int) -> Int {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        @inline(__always) func zeroBytes(_ v: UInt64) -> UInt64 { (v &- ones) & ~v & highs }
        var i = from
        while i + 8 <= end {
            let w = UInt64(littleEndian: UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self))
            let hits = zeroBytes(w ^ (ones &* UInt64(x))) | zeroBytes(w ^ (ones &* UInt64(y)))
                | zeroBytes(w ^ (ones &* UInt64(z)))
            if hits != 0 { return i + hits.trailingZeroBitCount / 8 }
            i += 8
        }
        while i < end && base[i] != x && base[i] != y && base[i] != z { i += 1 }
        return i
    }

    /// The comm as the kernel stores it (15 bytes max); `<...>` (unknown) is empty.
    private func makeComm(_ base: UnsafePointer<UInt8>, _ s: Int, _ e: Int, lineEnd: Int) -> Comm {
        if e - s == 5 && base[s] == 0x3C && base[s + 1] == 0x2E && base[s + 4] == 0x3E { return .empty }
        let n = min(e - s, 15)
        if s + 16 <= lineEnd {
            // Two 8-byte loads, masked to the comm's length, instead of a loop per byte: the
            // line goes on past the comm ("-pid [cpu] ..."), so 16 bytes are nearly always there.
            func keep(_ bytes: Int) -> UInt64 { bytes >= 8 ? ~0 : bytes <= 0 ? 0 : (1 << (8 * UInt64(bytes))) - 1 }
            let raw = UnsafeRawPointer(base + s)
            let lo = UInt64(littleEndian: raw.loadUnaligned(as: UInt64.self))
            let hi = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
            return Comm(lo: lo & keep(n), hi: hi & keep(n - 8))
        }
        var lo: UInt64 = 0, hi: UInt64 = 0
        for k in 0..<n {
            let b = UInt64(base[s + k])
            if k < 8 { lo |= b << (8 * UInt64(k)) } else { hi |= b << (8 * UInt64(k - 8)) }
        }
        return Comm(lo: lo, hi: hi)
    }
}
