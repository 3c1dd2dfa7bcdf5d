/// An attempt of an I/O in flight as the engine holds it (``IOState``): ``IOAttempt``'s fields
/// under the same names, with the dio flags as their bits instead of an array of names, and
/// without the offset and length: every attempt of an I/O has the I/O's own (the engine takes a
/// begin for a retry only when it names the same range), so the state's are the attempts'.
///
/// No field holds a reference, so copying, storing and dropping one is a plain copy of bytes:
/// with the array inside, every copy retained it, and dropping the list's inline record went
/// through the runtime's generic destroy (callgrind: a few percent of the analysis). The public
/// record is made only for a timeline something receives (``record``).
struct AttemptState {
    var beganAt: UInt64
    var kiocb: UInt64
    private var completedAtBits: UInt64 = 0
    private var retBits: Int64 = 0
    var tid: UInt32
    private var errorBits: Int32 = 0
    /// DIO_FORCE_WAIT, DIO_OVERWRITE_ONLY, DIO_PARTIAL (``IOAttempt/dioFlags`` names them).
    var dioFlags: DIOFlags
    var nowait: Bool
    var retried = false
    /// Which of completedAt (1), error (2) and ret (4) are present.
    private var present = PresenceMask<UInt8>()

    init(beganAt: UInt64, tid: UInt32, kiocb: UInt64, dioFlags: DIOFlags, nowait: Bool) {
        self.beganAt = beganAt
        self.tid = tid
        self.kiocb = kiocb
        self.dioFlags = DIOFlags(rawValue: dioFlags.rawValue & DIOFlags.kernelNamedBits)
        self.nowait = nowait
    }

    var completedAt: UInt64? {
        get { present.get(1, completedAtBits) }
        set { present.set(1, newValue, in: &completedAtBits) }
    }
    var error: Int32? {
        get { present.get(2, errorBits) }
        set { present.set(2, newValue, in: &errorBits) }
    }
    var ret: Int64? {
        get { present.get(4, retBits) }
        set { present.set(4, newValue, in: &retBits) }
    }

    /// The public record, with its I/O's `offset` and `length`.
    func record(offset: Int64, length: UInt64) -> IOAttempt {
        var a = IOAttempt(beganAt: beganAt, tid: tid, kiocb: kiocb, offset: offset, length: length,
                          dioFlags: AnalysisEngine.flagNames(dioFlags), nowait: nowait)
        a.completedAt = completedAt
        a.error = error
        a.ret = ret
        a.retried = retried
        return a
    }
}

/// A bio of an I/O in flight as the engine holds it (``IOState``): ``BioRecord``'s fields under
/// the same names, with the operation as its enum instead of its letters and the zeroed ranges
/// as two lengths instead of an array. Like ``AttemptState``, it holds no reference; 64 bytes
/// instead of 80.
///
/// The engine only ever zeroes the bio's file range before the I/O's start (its head) and after
/// the I/O's end (its tail): a zeroed range starts where the bio's does, or ends where it ends,
/// and is at most a filesystem block long (a longer one marks the bio misattributed and is
/// dropped, ``AnalysisEngine``'s `applyBio`).
struct BioState {
    var queuedAt: UInt64
    private var issuedAtBits: UInt64 = 0
    private var completedAtBits: UInt64 = 0
    var sector: UInt64
    private var fileOffsetBits: Int64 = 0
    var dev: DeviceNumber
    var nrSector: UInt32
    private var errorBits: Int32 = 0
    /// Bytes zeroed at the start and at the end of the bio's file range.
    private var zeroedHead: UInt32 = 0
    private var zeroedTail: UInt32 = 0
    var op: BlockOp
    var role: BioRole
    /// Joined exactly through the kiocb (else by disk range, task and time).
    var exactJoin: Bool
    /// Which of issuedAt (1), completedAt (2), error (4) and fileOffset (8) are present.
    private var present = PresenceMask<UInt8>()

    /// `zeroedRanges` as the engine computes them: each must start at `fileOffset` or end at the
    /// bio's file range's end, and be shorter than 4 GiB.
    init(queuedAt: UInt64, dev: DeviceNumber, sector: UInt64, nrSector: UInt32, op: BlockOp, role: BioRole,
         fileOffset: Int64?, zeroedRanges: [FileRange], exactJoin: Bool) {
        self.queuedAt = queuedAt
        self.dev = dev
        self.sector = sector
        self.nrSector = nrSector
        self.op = op
        self.role = role
        self.exactJoin = exactJoin
        self.fileOffset = fileOffset
        for r in zeroedRanges {
            guard let range = fileRange, r.start <= r.end, r.end - r.start <= Int64(UInt32.max) else {
                preconditionFailure("a zeroed range outside its bio: \(r)")
            }
            let n = UInt32(r.end - r.start)
            if r.start == range.start && zeroedHead == 0 {
                zeroedHead = n
            } else if r.end == range.end && zeroedTail == 0 {
                zeroedTail = n
            } else {
                preconditionFailure("a zeroed range that is not the bio's head or tail: \(r) in \(range)")
            }
        }
    }

    var issuedAt: UInt64? {
        get { present.get(1, issuedAtBits) }
        set { present.set(1, newValue, in: &issuedAtBits) }
    }
    var completedAt: UInt64? {
        get { present.get(2, completedAtBits) }
        set { present.set(2, newValue, in: &completedAtBits) }
    }
    var error: Int32? {
        get { present.get(4, errorBits) }
        set { present.set(4, newValue, in: &errorBits) }
    }
    /// File offset of the bio's first byte, if the mapping is known.
    var fileOffset: Int64? {
        get { present.get(8, fileOffsetBits) }
        set { present.set(8, newValue, in: &fileOffsetBits) }
    }

    /// ``BioRecord/fileRange``.
    var fileRange: FileRange? {
        guard let fileOffset else { return nil }
        return FileRange(start: fileOffset, end: fileOffset + Int64(nrSector) * 512)
    }

    /// ``BioRecord/zeroedRanges``: the head, then the tail.
    var zeroedRanges: [FileRange] {
        guard let range = fileRange, zeroedHead != 0 || zeroedTail != 0 else { return [] }
        var out: [FileRange] = []
        if zeroedHead != 0 { out.append(FileRange(start: range.start, end: range.start + Int64(zeroedHead))) }
        if zeroedTail != 0 { out.append(FileRange(start: range.end - Int64(zeroedTail), end: range.end)) }
        return out
    }

    /// The public record.
    var record: BioRecord {
        var b = BioRecord(queuedAt: queuedAt, dev: dev, sector: sector, nrSector: nrSector, op: op.description,
                          role: role, fileOffset: fileOffset, zeroedRanges: zeroedRanges, exactJoin: exactJoin)
        b.issuedAt = issuedAt
        b.completedAt = completedAt
        b.error = error
        return b
    }
}
