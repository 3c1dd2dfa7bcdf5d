/// The five races dioscope detects.
public enum FindingKind: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
    /// A write into unwritten extents became user-visible before its conversion.
    case completionBeforeConversion = "completion-before-conversion"
    /// Two in-flight writes' sub-block zeroing and data hit one filesystem block.
    case subblockZeroingOverlap = "subblock-zeroing-overlap"
    /// fallocate/ftruncate/size change did not wait for an extending write.
    case sizeExtensionRace = "size-extension-race"
    /// fsync/fdatasync returned while a completed write was still unconverted.
    case fsyncBeforeConversion = "fsync-before-conversion"
    /// A direct write transferred fewer bytes than asked.
    case shortDIOWrite = "short-dio-write"

    public var description: String { rawValue }
}

public enum FindingSeverity: String, Sendable, Codable, Comparable, CustomStringConvertible {
    case warning, error
    public var description: String { rawValue }
    public static func < (a: FindingSeverity, b: FindingSeverity) -> Bool { a == .warning && b == .error }
}

/// A race found in the trace, with the I/Os involved and the events that prove it.
public struct Finding: Sendable, Codable, Equatable {
    public var kind: FindingKind
    public var severity: FindingSeverity
    /// ``IOTimeline/id`` of every I/O involved (the I/O at fault first).
    public var ios: [UInt64]
    /// Identity of those I/Os independent of numbering, same order as ``ios``.
    public var subjects: [IOSubject]
    /// Non-DIO operations involved (fsync, fallocate, buffered reads...).
    public var operations: [FileOperation]
    public var message: String
    /// The events that show the race, in time order.
    public var evidence: [Evidence]
    public var dev: DeviceNumber
    public var ino: UInt64

    public init(kind: FindingKind, severity: FindingSeverity, ios: [UInt64], subjects: [IOSubject],
                operations: [FileOperation] = [], message: String, evidence: [Evidence], dev: DeviceNumber,
                ino: UInt64) {
        self.kind = kind
        self.severity = severity
        self.ios = ios
        self.subjects = subjects
        self.operations = operations
        self.message = message
        self.evidence = evidence.sorted { $0.timestamp < $1.timestamp }
        self.dev = dev
        self.ino = ino
    }
}

/// Who did an I/O and on what, independent of the analyzer's numbering.
public struct IOSubject: Sendable, Codable, Equatable, Hashable, CustomStringConvertible {
    public var op: IOOperation
    public var api: IOAPI
    public var tgid: UInt32
    public var tid: UInt32
    public var ino: UInt64
    public var offset: Int64
    public var length: UInt64

    public init(op: IOOperation, api: IOAPI, tgid: UInt32, tid: UInt32, ino: UInt64, offset: Int64, length: UInt64) {
        self.op = op
        self.api = api
        self.tgid = tgid
        self.tid = tid
        self.ino = ino
        self.offset = offset
        self.length = length
    }

    public init(_ t: IOTimeline) {
        self.init(op: t.op, api: t.api, tgid: t.tgid, tid: t.tid, ino: t.ino, offset: t.offset, length: t.length)
    }

    public var description: String {
        "\(api) \(op) pid \(tgid)/\(tid) ino \(ino) 0x\(String(offset, radix: 16))+0x\(String(length, radix: 16))"
    }
}

/// One event cited as evidence.
public struct Evidence: Sendable, Codable, Equatable, CustomStringConvertible {
    public var timestamp: UInt64
    /// The I/O the event belongs to, if any.
    public var io: UInt64?
    public var tid: UInt32
    /// What happened, e.g. "completion posted ret 4096".
    public var what: String

    public init(timestamp: UInt64, io: UInt64?, tid: UInt32, what: String) {
        self.timestamp = timestamp
        self.io = io
        self.tid = tid
        self.what = what
    }

    public var description: String {
        "\(formatSeconds(timestamp))  " + (io.map { "io#\($0) " } ?? "") + "[\(tid)] \(what)"
    }
}

/// A file operation that is not a direct I/O but matters to a race: fsync,
/// fdatasync, fallocate, ftruncate, a filesystem size/space change, or a
/// buffered read/write.
public struct FileOperation: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable {
        case fsync, fdatasync, fallocate, ftruncate
        /// Filesystem-internal space/size change seen without its syscall.
        case spaceOp = "space-op"
        case bufferedRead = "buffered-read"
        case bufferedWrite = "buffered-write"
    }

    public var kind: Kind
    public var tgid: UInt32
    public var tid: UInt32
    public var dev: DeviceNumber
    public var ino: UInt64
    public var startedAt: UInt64
    public var endedAt: UInt64?
    /// Range the call names (fallocate offset/len, ftruncate: length as offset, reads/writes).
    public var offset: Int64
    public var length: Int64
    /// Return value (syscalls), nil if not seen.
    public var result: Int64?
    /// Filesystem space-op events seen inside the call (xfs_alloc_file_space, ...).
    public var internalAt: [UInt64]
    /// The inode was inferred (fd not resolvable from the trace).
    public var inodeInferred: Bool

    public init(kind: Kind, tgid: UInt32, tid: UInt32, dev: DeviceNumber, ino: UInt64, startedAt: UInt64,
                endedAt: UInt64? = nil, offset: Int64 = 0, length: Int64 = 0, result: Int64? = nil,
                internalAt: [UInt64] = [], inodeInferred: Bool = false) {
        self.kind = kind
        self.tgid = tgid
        self.tid = tid
        self.dev = dev
        self.ino = ino
        self.startedAt = startedAt
        self.endedAt = endedAt
        self.offset = offset
        self.length = length
        self.result = result
        self.internalAt = internalAt
        self.inodeInferred = inodeInferred
    }
}

/// "123.456789" from nanoseconds, as ftrace prints times.
public func formatSeconds(_ ns: UInt64) -> String {
    let s = ns / 1_000_000_000, us = (ns % 1_000_000_000) / 1000
    let frac = String(us)
    return "\(s)." + String(repeating: "0", count: 6 - frac.count) + frac
}
