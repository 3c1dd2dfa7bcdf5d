/// One user-visible direct I/O from submission to the moment the user
/// learned its result, with every kernel step the analyzer could join to it.
///
/// Retries the kernel makes on its own (XFS overwrite-only → force-wait,
/// io_uring NOWAIT → io-wq) are ``attempts`` of one timeline, never separate
/// I/Os. Times are the trace's clock in nanoseconds.
public struct IOTimeline: Sendable, Codable, Equatable {
    /// Stable within one analysis: I/Os are numbered in order of submission.
    public var id: UInt64
    public var op: IOOperation
    public var api: IOAPI
    /// The submitting process and thread, even for work done in kworkers/irq.
    public var tgid: UInt32
    public var tid: UInt32
    public var comm: String
    /// Filesystem device (kernel dev_t) and inode.
    public var dev: DeviceNumber
    public var ino: UInt64
    /// The file range of the first attempt.
    public var offset: Int64
    public var length: UInt64
    /// The byte count the user asked for in the system call, when the call
    /// carries one (pread64/pwrite64); nil otherwise.
    public var requested: UInt64?
    /// The system call that submitted the I/O (pwrite64, io_submit, ...), if seen.
    public var syscall: String?
    /// i_size when the I/O began.
    public var isizeAtBegin: Int64
    /// Filesystem block size used for block-level reasoning.
    public var blockSize: UInt64

    public var attempts: [IOAttempt] = []
    public var mappings: [IOMappingRecord] = []
    public var bios: [BioRecord] = []
    public var conversions: [ConversionRecord] = []
    /// Every joined event, in time order.
    public var entries: [TimelineEntry] = []

    /// sys_enter of the submitting call (or the first DIO_BEGIN if not seen).
    public var submittedAt: UInt64
    /// DIO_QUEUED (-EIOCBQUEUED) of the last attempt.
    public var queuedAt: UInt64?
    /// sys_exit of the submitting call (io_submit/io_uring_enter; sync: the return).
    public var submitReturnedAt: UInt64?
    /// The write needed unwritten-extent conversion (it wrote into UNWRITTEN extents).
    public var needsConversion: Bool = false
    /// When the conversion covering the whole written range was seen.
    public var convertedAt: UInt64?
    /// i_size update (xfs_setfilesize, or DIO_COMPLETE with a larger isize).
    public var sizeUpdatedAt: UInt64?
    /// Last i_size the I/O's own events reported.
    public var isizeAtEnd: Int64?
    /// DIO_COMPLETE of the final attempt (kernel side completion).
    public var completedAt: UInt64?
    /// The completion was posted to the user (libaio: DIO_COMPLETE;
    /// io_uring: the CQE; sync: nil, the return is the completion).
    public var postedAt: UInt64?
    /// libaio: io_getevents returned it; io_uring: not traced (nil).
    public var reapedAt: UInt64?
    /// sync I/O: sys_exit of the call.
    public var returnedAt: UInt64?
    /// Bytes transferred or -errno, as the user saw it (or the kernel posted it).
    public var result: Int64?

    public var status: IOStatus = .complete
    /// Why the timeline is inconclusive (events lost, cut off by the trace).
    public var inconclusiveReason: String?

    /// Phase latencies (nil where a phase was not observed).
    public var phases: PhaseLatencies = PhaseLatencies()

    public init(id: UInt64, op: IOOperation, api: IOAPI, tgid: UInt32, tid: UInt32, comm: String,
                dev: DeviceNumber, ino: UInt64, offset: Int64, length: UInt64, requested: UInt64?,
                syscall: String?, isizeAtBegin: Int64, blockSize: UInt64, submittedAt: UInt64) {
        self.id = id
        self.op = op
        self.api = api
        self.tgid = tgid
        self.tid = tid
        self.comm = comm
        self.dev = dev
        self.ino = ino
        self.offset = offset
        self.length = length
        self.requested = requested
        self.syscall = syscall
        self.isizeAtBegin = isizeAtBegin
        self.blockSize = blockSize
        self.submittedAt = submittedAt
    }

    /// The moment the user could first observe the I/O as done: completion
    /// posted, reaped, or the synchronous call returned — whichever is first.
    public var userVisibleAt: UInt64? {
        // Written out (no temporary arrays): called per I/O on the analyzer's hot path.
        var m = postedAt
        if let r = reapedAt, m == nil || r < m! { m = r }
        if let r = returnedAt, m == nil || r < m! { m = r }
        return m
    }

    /// The last moment the timeline knows of.
    public var endedAt: UInt64 {
        // Written out (no temporary array): called per I/O on the analyzer's hot path.
        var t = submittedAt
        @inline(__always) func later(_ v: UInt64?) { if let v, v > t { t = v } }
        later(queuedAt); later(submitReturnedAt); later(convertedAt); later(sizeUpdatedAt)
        later(completedAt); later(postedAt); later(reapedAt); later(returnedAt)
        later(entries.last?.timestamp)
        return t
    }

    /// The file range of the I/O as [start, end).
    public var range: Range<Int64> { offset..<(offset + Int64(length)) }

    /// The write extends the file (its end lies beyond i_size at begin).
    public var isExtending: Bool { op == .write && offset + Int64(length) > isizeAtBegin && isizeAtBegin >= 0 }
}

public enum IOOperation: String, Sendable, Codable, CustomStringConvertible {
    case read, write
    public var description: String { rawValue }
}

public enum IOStatus: String, Sendable, Codable, CustomStringConvertible {
    /// Every step from submission to the user's result was seen.
    case complete
    /// Events were lost or the trace cut the I/O off: no verdict possible.
    case inconclusive
    public var description: String { rawValue }
}

/// One kernel attempt of an I/O (one `iomap_dio_rw_begin`).
public struct IOAttempt: Sendable, Codable, Equatable {
    public var beganAt: UInt64
    public var tid: UInt32
    public var kiocb: UInt64
    public var offset: Int64
    public var length: UInt64
    /// DIO_FORCE_WAIT, DIO_OVERWRITE_ONLY, DIO_PARTIAL as printed by ftrace.
    public var dioFlags: [String]
    public var nowait: Bool
    public var completedAt: UInt64?
    public var error: Int32?
    public var ret: Int64?
    /// The attempt was refused with -EAGAIN and retried by the kernel.
    public var retried: Bool = false

    public init(beganAt: UInt64, tid: UInt32, kiocb: UInt64, offset: Int64, length: UInt64, dioFlags: [String],
                nowait: Bool) {
        self.beganAt = beganAt
        self.tid = tid
        self.kiocb = kiocb
        self.offset = offset
        self.length = length
        self.dioFlags = dioFlags
        self.nowait = nowait
    }
}

/// An `iomap_iter_dstmap` the I/O got.
public struct IOMappingRecord: Sendable, Codable, Equatable {
    public var timestamp: UInt64
    public var offset: Int64
    public var length: UInt64
    /// Disk byte address, nil for IOMAP_NULL_ADDR.
    public var addr: UInt64?
    public var type: ExtentType
    public var new: Bool
    public var bdev: DeviceNumber

    public init(timestamp: UInt64, offset: Int64, length: UInt64, addr: UInt64?, type: ExtentType, new: Bool,
                bdev: DeviceNumber) {
        self.timestamp = timestamp
        self.offset = offset
        self.length = length
        self.addr = addr
        self.type = type
        self.new = new
        self.bdev = bdev
    }

    /// The 512-byte sector holding file offset `fileOffset` (inside the mapping).
    public func sector(forFileOffset fileOffset: Int64) -> UInt64? {
        guard let addr, fileOffset >= offset, fileOffset < offset + Int64(length) else { return nil }
        return (addr + UInt64(fileOffset - offset)) / 512
    }

    /// The file offset of disk byte `diskByte`, if the mapping covers it.
    public func fileOffset(forDiskByte diskByte: UInt64) -> Int64? {
        guard let addr, diskByte >= addr, diskByte < addr + length else { return nil }
        return offset + Int64(diskByte - addr)
    }
}

/// What a bio wrote for its I/O.
public enum BioRole: String, Sendable, Codable {
    /// Only bytes of the I/O's own range.
    case data
    /// Bytes outside the I/O's range inside a filesystem block it touches:
    /// sub-block zeroing (possibly together with data).
    case subBlockZeroing = "sub-block-zeroing"
    /// The bio could not be mapped back to file offsets.
    case unknown
}

/// One bio of an I/O with its request-level times.
public struct BioRecord: Sendable, Codable, Equatable {
    public var queuedAt: UInt64
    public var issuedAt: UInt64?
    public var completedAt: UInt64?
    public var dev: DeviceNumber
    public var sector: UInt64
    public var nrSector: UInt32
    public var op: String
    public var error: Int32?
    public var role: BioRole
    /// File range the bio covers, if the mapping is known.
    public var fileOffset: Int64?
    /// Zeroed file ranges (outside the I/O's range), as [start, end) pairs.
    public var zeroedRanges: [FileRange]
    /// Joined exactly through the kiocb (else by disk range, task and time).
    public var exactJoin: Bool

    public init(queuedAt: UInt64, dev: DeviceNumber, sector: UInt64, nrSector: UInt32, op: String, role: BioRole,
                fileOffset: Int64?, zeroedRanges: [FileRange], exactJoin: Bool) {
        self.queuedAt = queuedAt
        self.dev = dev
        self.sector = sector
        self.nrSector = nrSector
        self.op = op
        self.role = role
        self.fileOffset = fileOffset
        self.zeroedRanges = zeroedRanges
        self.exactJoin = exactJoin
    }

    public var fileRange: FileRange? {
        guard let fileOffset else { return nil }
        return FileRange(start: fileOffset, end: fileOffset + Int64(nrSector) * 512)
    }
}

/// A half-open byte range of a file.
public struct FileRange: Sendable, Codable, Equatable, Hashable, CustomStringConvertible {
    public var start: Int64
    public var end: Int64

    public init(start: Int64, end: Int64) {
        self.start = start
        self.end = end
    }

    public var isEmpty: Bool { end <= start }
    public func overlaps(_ o: FileRange) -> Bool { start < o.end && o.start < end }
    public func contains(_ o: FileRange) -> Bool { start <= o.start && o.end <= end }
    public func intersection(_ o: FileRange) -> FileRange? {
        let r = FileRange(start: max(start, o.start), end: min(end, o.end))
        return r.isEmpty ? nil : r
    }
    /// The range widened to whole blocks of `blockSize` bytes.
    public func roundedOut(to blockSize: UInt64) -> FileRange {
        let b = Int64(max(blockSize, 1))
        return FileRange(start: (start / b) * b, end: ((end + b - 1) / b) * b)
    }

    public var description: String { "0x\(String(start, radix: 16))..0x\(String(end, radix: 16))" }
}

/// Unwritten-extent conversion work seen for the I/O's range.
public struct ConversionRecord: Sendable, Codable, Equatable {
    public var timestamp: UInt64
    /// "xfs_unwritten_convert", "ext4_ext_map_blocks_enter", "ext4_ext_handle_unwritten_extents"
    public var source: String
    public var offset: Int64
    public var length: UInt64
    public var tid: UInt32

    public init(timestamp: UInt64, source: String, offset: Int64, length: UInt64, tid: UInt32) {
        self.timestamp = timestamp
        self.source = source
        self.offset = offset
        self.length = length
        self.tid = tid
    }
}

/// Per-I/O phase latencies in nanoseconds.
public struct PhaseLatencies: Sendable, Codable, Equatable {
    /// submission → first bio queued
    public var submitToFirstBio: UInt64?
    /// first bio queued → last bio completed by the device
    public var device: UInt64?
    /// device done → unwritten conversion done
    public var deviceToConversion: UInt64?
    /// conversion done (or device done) → completion posted / returned
    public var conversionToPosted: UInt64?
    /// posted → reaped by the user (libaio)
    public var postedToReaped: UInt64?
    /// submission → the user had the result
    public var total: UInt64?

    public init() {}

    public func value(_ p: Phase) -> UInt64? {
        switch p {
        case .submitToFirstBio: submitToFirstBio
        case .device: device
        case .deviceToConversion: deviceToConversion
        case .conversionToPosted: conversionToPosted
        case .postedToReaped: postedToReaped
        case .total: total
        }
    }
}

/// The phases of ``PhaseLatencies``, in table order.
public enum Phase: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
    case submitToFirstBio = "submit->bio"
    case device = "device"
    case deviceToConversion = "device->conv"
    case conversionToPosted = "conv->posted"
    case postedToReaped = "posted->reaped"
    case total = "total"
    public var description: String { rawValue }
}

/// One joined event on a timeline. Stored compactly (no strings built per
/// event); ``description`` renders it.
public struct TimelineEntry: Sendable, Codable, Equatable, CustomStringConvertible {
    public var timestamp: UInt64
    public var step: TimelineStep
    /// Which of offset/length/value are present (bits 0, 1, 2).
    private var present: UInt8
    public var cpu: UInt16
    /// The task the event ran in (a kworker/irq for completion work).
    public var tid: UInt32
    // The optional fields are stored without their Optional tags and with a presence mask, and
    // the note as a number: 48 bytes per entry instead of 88 (three `Int64?` are 9 bytes each,
    // padded to 16; a `String?` is 16). An I/O reserves room for a dozen entries when it begins;
    // they are a third of its memory in flight.
    private var offsetBits: Int64
    private var lengthBits: UInt64
    private var valueBits: Int64
    /// Step-specific detail, as its number in ``TimelineNote``'s table (0: none). A number rather
    /// than a `String?`: the entry then has no reference-counted field (see TimelineNote).
    private(set) var noteID: UInt32

    /// Step-specific detail.
    public var note: String? {
        get { TimelineNote.text(noteID) }
        set { noteID = TimelineNote.id(newValue) }
    }

    public var offset: Int64? {
        get { present & 1 != 0 ? offsetBits : nil }
        set { offsetBits = newValue ?? 0; present = newValue == nil ? present & ~1 : present | 1 }
    }
    public var length: UInt64? {
        get { present & 2 != 0 ? lengthBits : nil }
        set { lengthBits = newValue ?? 0; present = newValue == nil ? present & ~2 : present | 2 }
    }
    /// Step-specific value: ret/error, sector, isize, extent type...
    public var value: Int64? {
        get { present & 4 != 0 ? valueBits : nil }
        set { valueBits = newValue ?? 0; present = newValue == nil ? present & ~4 : present | 4 }
    }

    public init(timestamp: UInt64, step: TimelineStep, tid: UInt32, cpu: UInt16 = 0, offset: Int64? = nil,
                length: UInt64? = nil, value: Int64? = nil, note: String? = nil) {
        self.init(timestamp: timestamp, step: step, tid: tid, cpu: cpu, offset: offset, length: length, value: value,
                  noteID: TimelineNote.id(note))
    }

    /// The engine's initializer: the note already as its ``TimelineNote`` number.
    init(timestamp: UInt64, step: TimelineStep, tid: UInt32, cpu: UInt16 = 0, offset: Int64? = nil,
         length: UInt64? = nil, value: Int64? = nil, noteID: UInt32) {
        self.timestamp = timestamp
        self.step = step
        self.tid = tid
        self.cpu = cpu
        self.present = (offset == nil ? 0 : 1) | (length == nil ? 0 : 2) | (value == nil ? 0 : 4)
        self.offsetBits = offset ?? 0
        self.lengthBits = length ?? 0
        self.valueBits = value ?? 0
        self.noteID = noteID
    }

    /// Equal notes have equal numbers (texts are interned once).
    public static func == (a: TimelineEntry, b: TimelineEntry) -> Bool {
        a.timestamp == b.timestamp && a.step == b.step && a.tid == b.tid && a.cpu == b.cpu && a.offset == b.offset
            && a.length == b.length && a.value == b.value && a.noteID == b.noteID
    }

    // The JSON form is that of the plain optional fields (absent when nil), as before the packing.
    private enum CodingKeys: String, CodingKey { case timestamp, step, tid, cpu, offset, length, value, note }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(timestamp: try c.decode(UInt64.self, forKey: .timestamp),
                  step: try c.decode(TimelineStep.self, forKey: .step), tid: try c.decode(UInt32.self, forKey: .tid),
                  cpu: try c.decode(UInt16.self, forKey: .cpu), offset: try c.decodeIfPresent(Int64.self, forKey: .offset),
                  length: try c.decodeIfPresent(UInt64.self, forKey: .length),
                  value: try c.decodeIfPresent(Int64.self, forKey: .value),
                  note: try c.decodeIfPresent(String.self, forKey: .note))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(timestamp, forKey: .timestamp)
        try c.encode(step, forKey: .step)
        try c.encode(tid, forKey: .tid)
        try c.encode(cpu, forKey: .cpu)
        try c.encodeIfPresent(offset, forKey: .offset)
        try c.encodeIfPresent(length, forKey: .length)
        try c.encodeIfPresent(value, forKey: .value)
        try c.encodeIfPresent(note, forKey: .note)
    }

    public var description: String {
        var s = step.rawValue
        if let offset { s += " off 0x" + String(offset, radix: 16) }
        if let length { s += " len 0x" + String(length, radix: 16) }
        if let value { s += " " + step.valueName + " " + String(value) }
        if let note { s += " " + note }
        return s
    }
}

/// The kinds of steps on an I/O timeline.
public enum TimelineStep: String, Sendable, Codable {
    case syscallEnter = "syscall-enter"
    case begin = "dio-begin"
    case mapping = "mapping"
    case bioQueued = "bio-queued"
    case rqIssued = "rq-issued"
    case rqCompleted = "rq-completed"
    case queued = "dio-queued"
    case submitReturned = "submit-returned"
    case endIO = "end-io"
    case conversion = "conversion"
    case sizeUpdate = "size-update"
    case completed = "dio-complete"
    case posted = "completion-posted"
    case reaped = "reaped"
    case returned = "returned"
    case retry = "retry"
    case lost = "events-lost"

    /// What ``TimelineEntry/value`` means for this step.
    public var valueName: String {
        switch self {
        case .bioQueued, .rqIssued, .rqCompleted: "sector"
        case .mapping: "type"
        case .sizeUpdate: "isize"
        case .completed, .posted, .reaped, .returned, .submitReturned: "ret"
        case .syscallEnter: "count"
        case .begin: "isize"
        default: "value"
        }
    }
}

extension DeviceNumber: Codable {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let raw = try? c.decode(UInt32.self) {
            self.init(raw: raw)
            return
        }
        let s = try c.decode(String.self)
        let parts = s.split(whereSeparator: { $0 == ":" || $0 == "," })
        guard parts.count == 2, let ma = UInt32(parts[0]), let mi = UInt32(parts[1]) else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "device \(s) is not major:minor")
        }
        self.init(major: ma, minor: mi)
    }

    /// Encoded as "major:minor".
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}

extension Array where Element == TimelineEntry {
    /// Puts the entries in timestamp order, keeping the order of equal timestamps (insertion
    /// sort: a timeline has about a dozen entries, nearly all already in order).
    mutating func sortByTimestampStable() {
        guard count > 1 else { return }
        // Through one buffer pointer: each array subscript assignment checked uniqueness and bounds
        // (2 % of the live consumer, which sorts every assembled I/O's entries).
        withUnsafeMutableBufferPointer { b in
            for i in 1..<b.count {
                let x = b[i]
                var j = i
                while j > 0 && b[j - 1].timestamp > x.timestamp {
                    b[j] = b[j - 1]
                    j -= 1
                }
                if j != i { b[j] = x }
            }
        }
    }
}
