/// The five race detectors. They run when a file is quiescent (nothing in
/// flight, no open fsync/fallocate), over the I/Os and operations that
/// overlapped in time since the file was last quiescent — every pair a race
/// needs is in that set, because a race needs both sides in flight at once.
/// Short writes are judged when the write settles and linked to a fallback
/// write that may come later.
extension AnalysisEngine {

    // MARK: evidence helpers

    private func evidence(_ io: LiveIO, _ step: TimelineStep, prefix: String = "", last: Bool = false) -> Evidence? {
        let entries = io.entries
        let e = last ? entries.last(where: { $0.step == step }) : entries.first(where: { $0.step == step })
        guard let e else { return nil }
        return Evidence(timestamp: e.timestamp, io: io.t.id, tid: e.tid, what: prefix + e.description)
    }

    private func visibleEvidence(_ io: LiveIO) -> Evidence? {
        guard let vis = io.t.userVisibleAt else { return nil }
        let step: TimelineStep = vis == io.t.postedAt ? .posted : (vis == io.t.reapedAt ? .reaped : .returned)
        return evidence(io, step, prefix: "user-visible: ")
    }

    private func opEvidence(_ op: FileOperation) -> [Evidence] {
        var out = [Evidence(timestamp: op.startedAt, io: nil, tid: op.tid,
                            what: "\(op.kind.rawValue) enter" + (op.kind == .fallocate || op.kind == .ftruncate
                                ? " 0x\(String(op.offset, radix: 16))+0x\(String(op.length, radix: 16))" : "")
                                + (op.inodeInferred ? " (file inferred)" : ""))]
        for t in op.internalAt where t != op.startedAt {
            out.append(Evidence(timestamp: t, io: nil, tid: op.tid, what: "\(op.kind.rawValue): filesystem space/size change"))
        }
        if let end = op.endedAt, end != op.startedAt {
            out.append(Evidence(timestamp: end, io: nil, tid: op.tid,
                                what: "\(op.kind.rawValue) returned \(op.result.map { String($0) } ?? "?")"))
        }
        return out
    }

    func addFinding(_ f: Finding, key: String) {
        guard findingKeys.insert(key).inserted else { return }
        findings.append(f)
        for id in f.ios { findingIOs.insert(id) }
        onFinding?(f)
    }

    private static func hex(_ v: Int64) -> String { "0x" + String(v, radix: 16) }

    // MARK: - run

    func runDetectors(_ s: InodeState, ios: [LiveIO], ops liveOps: [LiveOp]) {
        // Every detector needs one of: a write into unwritten extents (1, 4), a sub-block zeroing
        // bio (2), a size or space change (3). A file busy with plain overwrites (a benchmark's
        // random writes) has none, and the detectors' passes over its held I/Os were most of the
        // cost of a partial flush.
        let sizeOps = liveOps.contains { $0.op.kind == .fallocate || $0.op.kind == .ftruncate || $0.op.kind == .spaceOp }
        guard sizeOps || ios.first(where: { $0.t.needsConversion || $0.zeroes }) != nil else { return }
        let live = ios.filter { !$0.lost && $0.t.status == .complete }
        let ops = liveOps.map(\.op)
        completionBeforeConversion(s, live, ops)
        subblockZeroing(s, live)
        sizeExtension(s, live, liveOps)
        fsyncBeforeConversion(s, live, ops)
    }

    /// End of an I/O's kernel activity for overlap tests.
    private func kernelEnd(_ io: LiveIO) -> UInt64 {
        max(io.t.completedAt ?? 0, io.lastBioDoneAt ?? 0, io.t.returnedAt ?? 0, io.t.postedAt ?? 0)
    }

    // MARK: 1. completion before conversion

    private func completionBeforeConversion(_ s: InodeState, _ ios: [LiveIO], _ ops: [FileOperation]) {
        for w in ios where w.t.op == .write && w.t.needsConversion {
            guard let vis = w.t.userVisibleAt else { continue }
            let conv: UInt64? = w.fullyConverted ? w.t.convertedAt : nil
            if let conv, conv <= vis { continue }
            if conv == nil && !traceComplete { continue }  // marked inconclusive at finish
            let windowEnd = conv ?? (lastTs &+ 1)
            let need = w.needRanges
            let reads = ios.filter { r in
                r.t.op == .read && r.beganAt < windowEnd && kernelEnd(r) >= vis
                    && need.contains { $0.overlaps(r.range) }
            }
            let bufReads = ops.filter { op in
                op.kind == .bufferedRead && op.startedAt < windowEnd && (op.endedAt ?? op.startedAt) >= vis
                    && need.contains { $0.overlaps(FileRange(start: op.offset, end: op.offset &+ max(op.length, 1))) }
            }
            let severity: FindingSeverity = reads.isEmpty && bufReads.isEmpty ? .warning : .error
            var ev: [Evidence] = []
            if let b = evidence(w, .begin) { ev.append(b) }
            for m in w.entries where m.step == .mapping && (m.note ?? "").hasPrefix("UNWRITTEN") {
                ev.append(Evidence(timestamp: m.timestamp, io: w.t.id, tid: m.tid, what: m.description))
            }
            if let c = evidence(w, .completed, last: true) { ev.append(c) }
            if let v = visibleEvidence(w) { ev.append(v) }
            if let r = evidence(w, .reaped), r.timestamp != vis { ev.append(r) }
            if conv != nil {
                for c in w.entries where c.step == .conversion {
                    ev.append(Evidence(timestamp: c.timestamp, io: w.t.id, tid: c.tid, what: c.description))
                }
            } else {
                ev.append(Evidence(timestamp: lastTs, io: w.t.id, tid: 0, what: "trace ends: no conversion of the range seen"))
            }
            for r in reads {
                if let b = evidence(r, .begin, prefix: "read ") { ev.append(b) }
                if let c = evidence(r, .completed, prefix: "read ", last: true) { ev.append(c) }
            }
            for op in bufReads {
                ev.append(Evidence(timestamp: op.startedAt, io: nil, tid: op.tid, what: "buffered read enter"))
            }
            let rng = need.map(\.description).joined(separator: ",")
            let convText = conv.map { "conversion finished \(formatDuration($0 - vis)) later" }
                ?? "no conversion by the end of the trace"
            var msg = "\(w.t.api) write io#\(w.t.id) into unwritten extents \(rng) became user-visible before "
                + "its extent conversion (\(convText))"
            if severity == .error {
                msg += "; \(reads.count + bufReads.count) read(s) of the range ran in that window and can return zeros"
            }
            let f = Finding(kind: .completionBeforeConversion, severity: severity,
                            ios: [w.t.id] + reads.map(\.t.id), subjects: [IOSubject(w)] + reads.map { IOSubject($0) },
                            operations: bufReads, message: msg, evidence: ev, dev: s.key.dev, ino: s.key.ino)
            addFinding(f, key: "cbc:\(w.t.id)")
        }
    }

    // MARK: 2. sub-block zeroing overlap

    private func subblockZeroing(_ s: InodeState, _ ios: [LiveIO]) {
        // A write with a zeroing bio has `zeroes` set (``applyBio``): without one there is
        // nothing to judge, and the passes over every write's bios were most of this detector's
        // cost on writes into unwritten extents (a partial flush's detectors run for them).
        guard ios.contains(where: { $0.zeroes && $0.t.op == .write }) else { return }
        let writes = ios.filter { $0.t.op == .write }
        guard writes.count > 1 else { return }
        for a in writes where a.zeroes {
            for z in a.t.bios where z.role == .subBlockZeroing {
                for zr in z.zeroedRanges {
                    let blocks = zr.roundedOut(to: a.t.blockSize)
                    for b in writes where b != a {
                        // Both in flight at once.
                        guard a.beganAt < kernelEnd(b), b.beganAt < kernelEnd(a) else { continue }
                        for bb in b.t.bios {
                            guard let br = bb.fileRange else { continue }
                            var targets: [FileRange] = []
                            if let d = br.intersection(b.range) { targets.append(d) }
                            if bb.role == .subBlockZeroing { targets += bb.zeroedRanges }
                            guard let hit = targets.first(where: { $0.overlaps(blocks) }) else { continue }
                            // Serialized: the zeroing had reached the disk before the other bio was queued.
                            if let zc = z.completedAt, zc <= bb.queuedAt { continue }
                            if bb.role == .subBlockZeroing, let bc = bb.completedAt, bc <= z.queuedAt,
                               hit.overlaps(zr) == false, b.range.overlaps(blocks) == false { continue }
                            let lo = min(a.t.id, b.t.id), hi = max(a.t.id, b.t.id)
                            let what = bb.role == .subBlockZeroing && br.intersection(b.range).map({ $0.overlaps(blocks) }) != true
                                ? "zeroes" : "writes data to"
                            var ev: [Evidence] = []
                            if let x = evidence(a, .begin) { ev.append(x) }
                            if let x = evidence(b, .begin) { ev.append(x) }
                            ev.append(Evidence(timestamp: z.queuedAt, io: a.t.id, tid: a.t.tid,
                                               what: "sub-block zeroing bio sector \(z.sector)+\(z.nrSector) zeroes \(zr)"))
                            if let zc = z.completedAt {
                                ev.append(Evidence(timestamp: zc, io: a.t.id, tid: 0, what: "zeroing bio completed"))
                            }
                            ev.append(Evidence(timestamp: bb.queuedAt, io: b.t.id, tid: b.t.tid,
                                               what: "bio sector \(bb.sector)+\(bb.nrSector) \(what) \(hit)"))
                            if let bc = bb.completedAt {
                                ev.append(Evidence(timestamp: bc, io: b.t.id, tid: 0, what: "bio completed"))
                            }
                            let msg = "writes io#\(a.t.id) and io#\(b.t.id) were in flight together; io#\(a.t.id)'s "
                                + "sub-block zeroing of \(zr) hits block \(blocks) that io#\(b.t.id) \(what) (\(hit)): "
                                + "the block can end up with zeros instead of data"
                            addFinding(Finding(kind: .subblockZeroingOverlap, severity: .error, ios: [a.t.id, b.t.id],
                                               subjects: [IOSubject(a), IOSubject(b)], message: msg, evidence: ev,
                                               dev: s.key.dev, ino: s.key.ino),
                                       key: "szo:\(lo):\(hi)")
                        }
                    }
                }
            }
        }
    }

    // MARK: 3. size extension race

    private func sizeExtension(_ s: InodeState, _ ios: [LiveIO], _ ops: [LiveOp]) {
        for live in ops where live.op.kind == .fallocate || live.op.kind == .ftruncate || live.op.kind == .spaceOp {
            let op = live.op
            for w in ios where w.t.op == .write && w.t.isExtending {
                guard let wDone = w.t.completedAt else { continue }
                let wBegin = w.beganAt
                // The call mapped (to zero) part of the range the write was writing: it sampled the size
                // before the write extended it. Then it may even have entered just before the write began
                // (seen on 6.18: ftruncate enters, the AIO write begins, the truncate zeroes from size 0).
                let clobbered = live.touched.first { $0.ts >= wBegin && $0.range.overlaps(w.range) }
                if clobbered != nil {
                    guard op.startedAt < wDone, (op.endedAt ?? UInt64.max) > wBegin else { continue }
                } else {
                    guard op.startedAt >= wBegin, op.startedAt < wDone else { continue }
                }
                let exitedEarly = op.endedAt.map { $0 < wDone } ?? false
                let changedEarly = op.internalAt.contains { $0 >= wBegin && $0 < wDone }
                guard exitedEarly || changedEarly || clobbered != nil else { continue }
                let wEnd = w.t.offset + Int64(w.t.length)
                let deliberate = op.kind == .ftruncate && op.offset < wEnd
                var ev: [Evidence] = []
                if let x = evidence(w, .begin) { ev.append(x) }
                ev += opEvidence(op)
                if let x = evidence(w, .completed, last: true) { ev.append(x) }
                if let x = evidence(w, .sizeUpdate) { ev.append(x) }
                var msg = "\(op.kind.rawValue) on ino \(s.key.ino) "
                    + (op.startedAt >= wBegin ? "started while" : "was running when")
                    + " extending \(w.t.api) write io#\(w.t.id) "
                    + "(\(Self.hex(w.t.offset))..\(Self.hex(wEnd)), i_size \(Self.hex(w.t.isizeAtBegin)) at begin) was in "
                    + "flight and "
                if let c = clobbered {
                    msg += "then mapped \(c.range) of the write's range itself (zeroing from the stale size): the "
                        + "written data can be replaced by zeros"
                    ev.append(Evidence(timestamp: c.ts, io: nil, tid: op.tid,
                                       what: "\(op.kind.rawValue) maps \(c.range) (iomap_iter_dstmap)"))
                } else {
                    msg += (changedEarly ? "changed the file's space/size" : "returned")
                        + " before the write completed (it did not wait for the direct I/O)"
                }
                let key = "ser:\(w.t.id):\(op.tid):\(op.startedAt)"
                if clobbered != nil {
                    // Zeroing over the write's range is an error whatever the final size: report it now
                    // (live use prints it as soon as the size change has been seen).
                    addFinding(Finding(kind: .sizeExtensionRace, severity: .error, ios: [w.t.id],
                                       subjects: [IOSubject(w)], operations: [op], message: msg, evidence: ev,
                                       dev: s.key.dev, ino: s.key.ino), key: key)
                    continue
                }
                // Otherwise the severity depends on the file's final size: judged at the end of the trace.
                let f = Finding(kind: .sizeExtensionRace, severity: .warning, ios: [w.t.id], subjects: [IOSubject(w)],
                                operations: [op], message: msg, evidence: ev, dev: s.key.dev, ino: s.key.ino)
                pendingSizeRaces.append(PendingSizeRace(finding: f, key: key,
                                                        inode: s.key, writeEnd: wEnd, deliberate: deliberate,
                                                        clobbered: clobbered != nil))
            }
        }
    }

    /// Emits size-extension races with the file's final size known.
    func flushSizeRaces() {
        for p in pendingSizeRaces {
            var f = p.finding
            let finalSize = inodes.table[p.inode]?.lastIsize ?? -1
            if p.clobbered {
                f.severity = .error
            } else if finalSize >= 0 && finalSize < p.writeEnd && !p.deliberate {
                f.severity = .error
                f.message += "; the file ends at \(Self.hex(finalSize)), below the write's end \(Self.hex(p.writeEnd)): "
                    + "the written data was cut off"
            } else if finalSize >= 0 {
                f.message += "; final size \(Self.hex(finalSize))" + (p.deliberate ? " (truncated on request)" : "")
            }
            addFinding(f, key: p.key)
        }
        pendingSizeRaces = []
    }

    // MARK: 4. fsync before conversion

    private func fsyncBeforeConversion(_ s: InodeState, _ ios: [LiveIO], _ ops: [FileOperation]) {
        for op in ops where op.kind == .fsync || op.kind == .fdatasync {
            guard let end = op.endedAt, (op.result ?? 0) >= 0 else { continue }
            for w in ios where w.t.op == .write && w.t.needsConversion {
                guard let vis = w.t.userVisibleAt, vis < op.startedAt else { continue }
                let conv: UInt64? = w.fullyConverted ? w.t.convertedAt : nil
                if let conv, conv <= end { continue }
                if conv == nil && !traceComplete { continue }
                var ev: [Evidence] = []
                if let v = visibleEvidence(w) { ev.append(v) }
                ev += opEvidence(op)
                if conv != nil {
                    for c in w.entries where c.step == .conversion {
                        ev.append(Evidence(timestamp: c.timestamp, io: w.t.id, tid: c.tid, what: c.description))
                    }
                } else {
                    ev.append(Evidence(timestamp: lastTs, io: w.t.id, tid: 0, what: "trace ends: no conversion seen"))
                }
                let msg = "\(op.kind.rawValue) returned while completed \(w.t.api) write io#\(w.t.id) "
                    + "(\(w.needRanges.map(\.description).joined(separator: ","))) still had unconverted extents: "
                    + "after a crash the range reads back as zeros"
                addFinding(Finding(kind: .fsyncBeforeConversion, severity: .error, ios: [w.t.id], subjects: [IOSubject(w)],
                                   operations: [op], message: msg, evidence: ev, dev: s.key.dev, ino: s.key.ino),
                           key: "fbc:\(w.t.id):\(op.tid):\(op.startedAt)")
            }
        }
    }

    // MARK: 5. short DIO writes

    /// A write settled: if it moved fewer bytes than asked, wait for a fallback write of the rest.
    func checkShortWrite(_ io: LiveIO) {
        // Runs for every settled write: decide from single fields first, copy the timeline only
        // for an actual short write.
        guard io.t.op == .write, !io.lost, let result = io.t.result, io.state.attemptCount > 0 else { return }
        // The first attempt's length is the I/O's (AttemptState).
        let requested = io.t.requested ?? io.t.length
        let done: Int64
        if result >= 0 {
            guard UInt64(result) < requested else { return }
            done = result
        } else {
            let partialBytes = io.t.attempts.compactMap(\.ret).filter { $0 > 0 }.max() ?? 0
            guard partialBytes > 0 else { return }  // failed whole: an error, not a short write
            done = partialBytes
        }
        let t = io.timeline()
        guard !pendingShorts.contains(where: { $0.io.id == t.id }) else { return }
        pendingShorts.append(PendingShort(io: t, restStart: t.offset + done, restEnd: t.offset + Int64(requested),
                                          key: io.key))
    }

    /// A write on `key` by `tgid` starting at `start`: the fallback of a pending short write?
    /// `fallback` describes the write for the finding; built only when a short write is pending
    /// (every direct write passes through here).
    func resolveShortWrites(key: InodeKey?, tgid: UInt32, start: Int64, at: UInt64, done: UInt64?,
                            fallback: @autoclosure () -> String, fallbackIO: LiveIO?) {
        guard !pendingShorts.isEmpty else { return }
        var i = 0
        while i < pendingShorts.count {
            let p = pendingShorts[i]
            if key == nil || p.key == key, p.io.tgid == tgid, start == p.restStart, at >= (p.io.userVisibleAt ?? p.io.submittedAt) {
                pendingShorts.remove(at: i)
                emitShort(p, fallbackAt: at, fallback: fallback(), fallbackIO: fallbackIO)
            } else {
                i += 1
            }
        }
    }

    func flushPendingShorts() {
        let all = pendingShorts
        pendingShorts = []
        for p in all { emitShort(p, fallbackAt: nil, fallback: nil, fallbackIO: nil) }
    }

    private func emitShort(_ p: PendingShort, fallbackAt: UInt64?, fallback: String?, fallbackIO: LiveIO?) {
        let t = p.io
        let async = t.api != .sync
        // An async completion posted before the rest was written (or with no fallback at all).
        let postedEarly = async && t.postedAt != nil && (fallbackAt.map { $0 > t.postedAt! } ?? true)
        let severity: FindingSeverity = postedEarly ? .error : .warning
        let requested = t.requested ?? t.attempts.first?.length ?? t.length
        var ev: [Evidence] = []
        func add(_ step: TimelineStep, _ prefix: String = "", last: Bool = false) {
            let e = last ? t.entries.last(where: { $0.step == step }) : t.entries.first(where: { $0.step == step })
            if let e { ev.append(Evidence(timestamp: e.timestamp, io: t.id, tid: e.tid, what: prefix + e.description)) }
        }
        add(.syscallEnter)
        add(.begin)
        add(.completed, last: true)
        add(.posted)
        add(.reaped)
        add(.returned)
        if let fallbackAt, let fallback {
            ev.append(Evidence(timestamp: fallbackAt, io: fallbackIO?.t.id, tid: fallbackIO?.t.tid ?? t.tid,
                               what: "fallback of the rest: " + fallback))
        }
        let res = t.result.map { $0 >= 0 ? Self.hex($0) : String($0) } ?? "?"
        var msg = "\(t.api) direct write io#\(t.id) asked for \(Self.hex(Int64(requested))) bytes at "
            + "\(Self.hex(t.offset)) and got \(res)"
        msg += fallback.map { "; the rest (\(Self.hex(p.restStart))..\(Self.hex(p.restEnd))) was written by \($0)" }
            ?? "; no write of the rest (\(Self.hex(p.restStart))..\(Self.hex(p.restEnd))) followed"
        if postedEarly { msg += "; the async completion was posted before the rest of the data was written" }
        var ids = [t.id]
        var subjects = [IOSubject(t)]
        if let f = fallbackIO { ids.append(f.t.id); subjects.append(IOSubject(f)) }
        addFinding(Finding(kind: .shortDIOWrite, severity: severity, ios: ids, subjects: subjects, message: msg,
                           evidence: ev, dev: p.key.dev, ino: p.key.ino),
                   key: "short:\(t.id)")
    }
}

/// "12.3us", "4.56ms", "1.2s".
public func formatDuration(_ ns: UInt64) -> String {
    if ns < 1_000 { return "\(ns)ns" }
    if ns < 1_000_000 { return fixed(ns, unit: 1_000, digits: 1) + "us" }
    if ns < 1_000_000_000 { return fixed(ns, unit: 1_000_000, digits: 2) + "ms" }
    return fixed(ns, unit: 1_000_000_000, digits: 3) + "s"
}

/// `ns / unit` with `digits` decimals, truncated (no Foundation formatting).
private func fixed(_ ns: UInt64, unit: UInt64, digits: Int) -> String {
    var scale: UInt64 = 1
    for _ in 0..<digits { scale *= 10 }
    // whole and fraction apart: ns * scale overflows past ~200 days of ns (a damaged trace's span)
    let frac = String((ns % unit) * scale / unit)
    return "\(ns / unit)." + String(repeating: "0", count: digits - frac.count) + frac
}
