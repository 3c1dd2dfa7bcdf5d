/// Formats events as one line of text (ftrace-like, for people) or one
/// line of JSON (NDJSON, every field named, for tools). Used by `dioscope
/// dump` and reusable by anything that prints events.
///
/// Text: `<s>.<ns> cpu<N> <tgid>/<tid> <event> dev <maj:min> ino 0x<ino> <fields>`,
/// where file offsets, sizes and addresses are hex and counts, return
/// values and errors are decimal, as ftrace prints them.
///
/// JSON: `ts` (ns), `cpu`, `tgid`, `tid`, `event` (the event name), `dev`
/// ("maj:min"), `ino`, then the payload's fields named as in the ABI header
/// (`dioscope_abi.h`). Kernel and user addresses (kiocb, ptr, user_ref, ctx,
/// req, obj, data, user_data, addr, buf, iov, iocbpp) are hex strings, since
/// they exceed JSON's exact integer range; flag sets are arrays of names.
///
/// Appends bytes to a reused buffer: no per-field String is created.
public struct EventFormatter {
    /// The formatted output so far (UTF-8).
    public var bytes: [UInt8] = []

    public init(capacity: Int = 1 << 16) { bytes.reserveCapacity(capacity) }

    /// Empties the buffer, keeping its capacity.
    public mutating func reset() { bytes.removeAll(keepingCapacity: true) }

    /// One event as a text line (no newline).
    public static func text(_ e: Event) -> String {
        var f = EventFormatter(capacity: 256)
        f.appendText(e)
        return String(decoding: f.bytes, as: UTF8.self)
    }

    /// One event as a JSON object (no newline).
    public static func json(_ e: Event) -> String {
        var f = EventFormatter(capacity: 512)
        f.appendJSON(e)
        return String(decoding: f.bytes, as: UTF8.self)
    }

    // MARK: - Text

    /// Appends `e` as a text line, without the newline.
    public mutating func appendText(_ e: Event) {
        timestamp(e.timestamp)
        raw(" cpu"); dec(UInt64(e.cpu))
        raw(" "); dec(UInt64(e.tgid)); raw("/"); dec(UInt64(e.tid))
        raw(" "); str(e.type.description)
        raw(" dev "); device(e.dev)
        raw(" ino "); hex(e.ino)
        switch e.payload {
        case .dioBegin(let p):
            t("pos", p.pos); tx("count", p.count); t("isize", p.isize); tx("done_before", p.doneBefore)
            raw(" ki_flags "); flags(UInt64(p.kiFlags.rawValue), Self.kiFlagNames)
            raw(" dio_flags "); flags(UInt64(p.dioFlags.rawValue), Self.dioFlagNames)
            raw(" api "); str(p.api.description)
            tx("kiocb", p.kiocb); tx("user_ref", p.userRef); td("blkbits", Int64(p.blkbits))
        case .dioQueued(let p):
            t("offset", p.offset); tx("length", p.length); t("isize", p.isize)
        case .dioComplete(let p):
            t("pos", p.pos); t("isize", p.isize); td("ret", p.ret); td("error", Int64(p.error))
            raw(" ki_flags "); flags(UInt64(p.kiFlags.rawValue), Self.kiFlagNames)
            raw(" api "); str(p.api.description)
            tx("kiocb", p.kiocb); tx("user_ref", p.userRef)
        case .iomapDstmap(let p):
            raw(" addr ")
            if p.addr == IomapMapping.nullAddress { raw("NULL") } else { hex(p.addr) }
            t("offset", p.offset); tx("length", p.length)
            raw(" type "); str(p.type.description)
            raw(" flags "); flags(UInt64(p.flags.rawValue), Self.iomapFlagNames)
            raw(" bdev "); device(p.bdev)
            td("blkbits", Int64(p.blkbits))
        case .dioSteps(let p):
            tx("kiocb", p.kiocb); tx("map_addr", p.mapAddr); t("map_offset", p.mapOffset)
            tx("map_length", UInt64(p.mapLength)); td("bio_sector", Int64(bitPattern: p.bioSector))
            raw(" map_flags "); flags(UInt64(p.mapFlags.rawValue), Self.iomapFlagNames)
            raw(" bdev "); device(p.bdev)
            raw(" rwbs "); rwbs(p.bioOp, p.bioFlags)
            raw(" steps "); flags(UInt64(p.stepMask), Self.stepNames)
            for s in DIOSteps.Step.allCases where p.has(s) { td(Self.stepAgoNames[s.rawValue], Int64(p.ago(s))) }
            td("rq_error", Int64(p.requestError)); td("blkbits", Int64(p.blkbits))
        case .block(_, let p):
            raw(" "); dec(p.sector); raw(" + "); dec(UInt64(p.nrSector))
            raw(" rwbs "); rwbs(p.op, p.flags)
            td("bytes", Int64(p.bytes)); td("error", Int64(p.error)); tx("ptr", p.ptr)
            if p.flags.contains(.iomapDIO) || p.kiocb != 0 { tx("kiocb", p.kiocb) }
        case .xfs(let kind, let p):
            t("isize", p.isize); t("disize", p.disize); t("offset", p.offset); tx("count", p.count)
            if kind == .directWrite { tx("kiocb", p.kiocb) }
        case .ext4MapBlocksEnter(let p), .ext4HandleUnwritten(let p):
            td("lblk", Int64(p.lblk)); td("len", Int64(p.len))
            raw(" flags "); flags(UInt64(p.flags.rawValue), Self.ext4FlagNames)
            td("allocated", Int64(p.allocated)); tdu("pblk", p.pblk); tdu("newblk", p.newblk)
            td("blkbits", Int64(p.blkbits))
        case .ioUringComplete(let p):
            tx("ctx", p.ctx); tx("req", p.req); tx("user_data", p.userData); td("res", Int64(p.res))
            tx("cflags", UInt64(p.cflags))
        case .fsSpaceOp(let p):
            raw(" op "); str(p.kind.description)
            t("offset", p.offset); t("len", p.len); t("isize", p.isize); td("mode", Int64(p.mode))
        case .sysEnter(let p):
            raw(" "); str(p.sysno.description); td("fd", Int64(p.fd))
            let names = Self.argNames(p.sysno)
            let args = [p.args.0, p.args.1, p.args.2]
            for i in 0..<3 where !names[i].name.isEmpty {
                if names[i].hex { t(names[i].name, args[i]) } else { td(names[i].name, args[i]) }
            }
            t("isize", p.isize)
            raw(" comm "); str(p.comm.description)
        case .sysExit(let p):
            raw(" "); str(p.sysno.description); td("fd", Int64(p.fd)); td("ret", p.ret); t("isize", p.isize)
            raw(" enter_ts ")
            if p.enterTimestamp == 0 { raw("?") } else { timestamp(p.enterTimestamp) }
        case .aioReap(let p):
            tx("ctx", p.ctx); tx("data", p.data); tx("obj", p.obj); td("res", p.res); td("res2", p.res2)
            raw(" "); dec(UInt64(p.index)); raw("/"); dec(UInt64(p.total))
        case .taskExit(let p):
            if let code = p.exitCode { td("exit_code", Int64(code)) } else { raw(" exit_code ?") }
            raw(p.groupDead ? " group_dead" : " thread")
        case .lost(let p):
            tdu("dropped", p.dropped); raw(" since "); timestamp(p.sinceNs)
            if p.untilNs != 0 { raw(" until "); timestamp(p.untilNs) }
            raw(" probe ")
            if p.probe == UInt32.max { raw("any") } else { dec(UInt64(p.probe)) }
            if p.recursionMiss { raw(" recursion_misses") }
        }
    }

    // MARK: - JSON

    /// Appends `e` as a JSON object, without the newline.
    public mutating func appendJSON(_ e: Event) {
        raw("{\"ts\":"); dec(e.timestamp)
        raw(",\"cpu\":"); dec(UInt64(e.cpu))
        raw(",\"tgid\":"); dec(UInt64(e.tgid))
        raw(",\"tid\":"); dec(UInt64(e.tid))
        raw(",\"event\":\""); str(e.type.description)
        raw("\",\"dev\":\""); device(e.dev)
        raw("\",\"ino\":"); dec(e.ino)
        switch e.payload {
        case .dioBegin(let p):
            jx("kiocb", p.kiocb); j("pos", p.pos); ju("count", p.count); j("isize", p.isize)
            ju("done_before", p.doneBefore); jx("user_ref", p.userRef)
            jflags("ki_flags", UInt64(p.kiFlags.rawValue), Self.kiFlagNames)
            jflags("dio_flags", UInt64(p.dioFlags.rawValue), Self.dioFlagNames)
            js("api", p.api.description); ju("blkbits", UInt64(p.blkbits))
        case .dioQueued(let p):
            j("offset", p.offset); ju("length", p.length); j("isize", p.isize)
        case .dioComplete(let p):
            jx("kiocb", p.kiocb); j("pos", p.pos); j("isize", p.isize); j("ret", p.ret); jx("user_ref", p.userRef)
            j("error", Int64(p.error)); jflags("ki_flags", UInt64(p.kiFlags.rawValue), Self.kiFlagNames)
            js("api", p.api.description)
        case .iomapDstmap(let p):
            if p.addr == IomapMapping.nullAddress { raw(",\"addr\":null") } else { jx("addr", p.addr) }
            j("offset", p.offset); ju("length", p.length); js("type", p.type.description)
            jflags("flags", UInt64(p.flags.rawValue), Self.iomapFlagNames)
            raw(",\"bdev\":\""); device(p.bdev); raw("\"")
            ju("blkbits", UInt64(p.blkbits))
        case .dioSteps(let p):
            jx("kiocb", p.kiocb); jx("map_addr", p.mapAddr); j("map_offset", p.mapOffset)
            ju("map_length", UInt64(p.mapLength)); ju("bio_sector", p.bioSector)
            jflags("map_flags", UInt64(p.mapFlags.rawValue), Self.iomapFlagNames)
            raw(",\"bdev\":\""); device(p.bdev); raw("\"")
            jflags("bio_flags", UInt64(p.bioFlags.rawValue), Self.blockFlagNames)
            js("bio_op", p.bioOp.description)
            jflags("steps", UInt64(p.stepMask), Self.stepNames)
            for s in DIOSteps.Step.allCases where p.has(s) { ju(Self.stepAgoNames[s.rawValue], UInt64(p.ago(s))) }
            ju("rq_error", UInt64(p.requestError)); ju("blkbits", UInt64(p.blkbits))
        case .block(_, let p):
            ju("sector", p.sector); ju("nr_sector", UInt64(p.nrSector)); ju("bytes", UInt64(p.bytes))
            jx("ptr", p.ptr); jx("kiocb", p.kiocb); j("error", Int64(p.error))
            jflags("flags", UInt64(p.flags.rawValue), Self.blockFlagNames)
            js("op", p.op.description)
            raw(",\"rwbs\":\""); rwbs(p.op, p.flags); raw("\"")
        case .xfs(_, let p):
            j("isize", p.isize); j("disize", p.disize); j("offset", p.offset); ju("count", p.count)
            jx("kiocb", p.kiocb)
        case .ext4MapBlocksEnter(let p), .ext4HandleUnwritten(let p):
            ju("lblk", UInt64(p.lblk)); ju("len", UInt64(p.len))
            jflags("flags", UInt64(p.flags.rawValue), Self.ext4FlagNames)
            ju("allocated", UInt64(p.allocated)); ju("pblk", p.pblk); ju("newblk", p.newblk)
            ju("blkbits", UInt64(p.blkbits))
        case .ioUringComplete(let p):
            jx("ctx", p.ctx); jx("req", p.req); jx("user_data", p.userData); j("res", Int64(p.res))
            ju("cflags", UInt64(p.cflags))
        case .fsSpaceOp(let p):
            js("op", p.kind.description); j("offset", p.offset); j("len", p.len); j("isize", p.isize)
            j("mode", Int64(p.mode))
        case .sysEnter(let p):
            js("sysno", p.sysno.description); j("fd", Int64(p.fd))
            raw(",\"args\":["); sdec(p.args.0); raw(","); sdec(p.args.1); raw(","); sdec(p.args.2); raw("]")
            let names = Self.argNames(p.sysno)
            let args = [p.args.0, p.args.1, p.args.2]
            for i in 0..<3 where !names[i].name.isEmpty {
                if names[i].address { jx(names[i].name, UInt64(bitPattern: args[i])) } else { j(names[i].name, args[i]) }
            }
            j("isize", p.isize)
            raw(",\"comm\":"); jsonString(p.comm.description)
        case .sysExit(let p):
            js("sysno", p.sysno.description); j("fd", Int64(p.fd)); j("ret", p.ret); j("isize", p.isize)
            ju("enter_ts", p.enterTimestamp)
        case .aioReap(let p):
            jx("ctx", p.ctx); jx("data", p.data); jx("obj", p.obj); j("res", p.res); j("res2", p.res2)
            ju("index", UInt64(p.index)); ju("total", UInt64(p.total))
        case .taskExit(let p):
            if let code = p.exitCode { j("exit_code", Int64(code)) } else { raw(",\"exit_code\":null") }
            raw(",\"group_dead\":"); raw(p.groupDead ? "true" : "false")
        case .lost(let p):
            ju("dropped", p.dropped); ju("since_ns", p.sinceNs)
            if p.untilNs != 0 { ju("until_ns", p.untilNs) }
            if p.probe == UInt32.max { raw(",\"probe\":null") } else { ju("probe", UInt64(p.probe)) }
            if p.recursionMiss { raw(",\"recursion_misses\":true") }
        }
        raw("}")
    }

    // MARK: - Names

    /// Argument names of `sys_enter.args[0..2]` per call ("" = unused);
    /// `hex`: printed in hex in text; `address`: a pointer (hex string in JSON).
    public static func argNames(_ s: Syscall) -> [(name: String, hex: Bool, address: Bool)] {
        switch s {
        case .pread64, .pwrite64, .read, .write:
            [("buf", true, true), ("count", true, false), ("offset", true, false)]
        case .preadv2, .pwritev2:
            [("iov", true, true), ("count", true, false), ("offset", true, false)]
        case .ioSubmit:
            [("ctx", true, true), ("nr", false, false), ("iocbpp", true, true)]
        case .ioGetevents, .ioPgetevents:
            [("ctx", true, true), ("min_nr", false, false), ("nr", false, false)]
        case .ioUringEnter:
            [("to_submit", false, false), ("min_complete", false, false), ("flags", true, false)]
        case .fallocate:
            [("mode", true, false), ("offset", true, false), ("len", true, false)]
        case .ftruncate:
            [("length", true, false), ("", false, false), ("", false, false)]
        case .fsync, .fdatasync:
            [("", false, false), ("", false, false), ("", false, false)]
        }
    }

    static let kiFlagNames: [(UInt64, String)] = [
        (1 << 1, "DSYNC"), (1 << 2, "SYNC"), (1 << 3, "NOWAIT"), (1 << 4, "APPEND"), (1 << 17, "DIRECT"),
        (1 << 18, "WRITE"),
    ]
    static let dioFlagNames: [(UInt64, String)] = [(1, "FORCE_WAIT"), (2, "OVERWRITE_ONLY"), (4, "PARTIAL"),
                                                   (0x8000, "X_WRITE")]
    static let iomapFlagNames: [(UInt64, String)] = [(1, "NEW"), (2, "DIRTY"), (4, "SHARED")]
    static let blockFlagNames: [(UInt64, String)] = [
        (1, "SYNC"), (2, "FUA"), (4, "PREFLUSH"), (8, "META"), (16, "AHEAD"), (256, "IOMAP_DIO"),
    ]
    static let stepNames: [(UInt64, String)] = [
        (1, "MAP"), (2, "BIO"), (4, "ISSUE"), (8, "RQ_DONE"), (128, "PARTIAL"),
    ]
    /// Field names of the step times, by ``DIOSteps/Step`` (ns before the record's timestamp).
    static let stepAgoNames = ["map_ago", "bio_ago", "issue_ago", "rq_done_ago"]
    static let ext4FlagNames: [(UInt64, String)] = [
        (0x1, "CREATE"), (0x2, "UNWRIT"), (0x4, "DELALLOC"), (0x8, "PRE_IO"), (0x10, "CONVERT"),
        (0x100, "CONVERT_UNWRITTEN"), (0x200, "ZERO"), (0x400, "IO_SUBMIT"),
    ]

    // MARK: - Primitives

    @inline(__always) private mutating func raw(_ s: StaticString) {
        s.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    @inline(__always) private mutating func str(_ s: String) {
        var s = s
        s.withUTF8 { bytes.append(contentsOf: $0) }
    }

    private mutating func dec(_ v: UInt64) {
        if v < 10 {
            bytes.append(0x30 + UInt8(v))
            return
        }
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes ≥ 20 digits
        withUnsafeMutableBytes(of: &digits) { buf in
            var v = v
            var i = buf.count
            while v > 0 {
                i -= 1
                buf[i] = 0x30 + UInt8(v % 10)
                v /= 10
            }
            bytes.append(contentsOf: buf[i...])
        }
    }

    private mutating func sdec(_ v: Int64) {
        if v < 0 {
            bytes.append(0x2D)
            dec(v.magnitude)
        } else {
            dec(UInt64(v))
        }
    }

    private mutating func hex(_ v: UInt64) {
        bytes.append(0x30)
        bytes.append(0x78)
        if v == 0 {
            bytes.append(0x30)
            return
        }
        let digits = (64 - v.leadingZeroBitCount + 3) / 4
        for i in stride(from: digits - 1, through: 0, by: -1) {
            let d = UInt8((v >> (UInt64(i) * 4)) & 0xF)
            bytes.append(d < 10 ? 0x30 + d : 0x57 + d)
        }
    }

    private mutating func shex(_ v: Int64) {
        if v < 0 {
            bytes.append(0x2D)
            hex(v.magnitude)
        } else {
            hex(UInt64(v))
        }
    }

    private mutating func timestamp(_ ns: UInt64) {
        dec(ns / 1_000_000_000)
        bytes.append(0x2E)
        let frac = ns % 1_000_000_000
        var div: UInt64 = 100_000_000
        while div > 0 {
            bytes.append(0x30 + UInt8((frac / div) % 10))
            div /= 10
        }
    }

    private mutating func device(_ d: DeviceNumber) {
        dec(UInt64(d.major)); bytes.append(0x3A); dec(UInt64(d.minor))
    }

    private mutating func flags(_ v: UInt64, _ names: [(UInt64, String)]) {
        if v == 0 {
            bytes.append(0x30)
            return
        }
        var rest = v
        var first = true
        for (bit, name) in names where v & bit != 0 {
            if !first { bytes.append(0x7C) }
            str(name)
            first = false
            rest &= ~bit
        }
        if rest != 0 {
            if !first { bytes.append(0x7C) }
            hex(rest)
        }
    }

    private mutating func rwbs(_ op: BlockOp, _ f: BlockFlags) {
        if f.contains(.preflush) { raw("F") }
        str(op.description)
        if f.contains(.fua) { raw("F") }
        if f.contains(.ahead) { raw("A") }
        if f.contains(.sync) { raw("S") }
        if f.contains(.meta) { raw("M") }
    }

    // text fields: " name value"
    private mutating func t(_ name: String, _ v: Int64) { bytes.append(0x20); str(name); bytes.append(0x20); shex(v) }
    private mutating func tx(_ name: String, _ v: UInt64) { bytes.append(0x20); str(name); bytes.append(0x20); hex(v) }
    private mutating func td(_ name: String, _ v: Int64) { bytes.append(0x20); str(name); bytes.append(0x20); sdec(v) }
    private mutating func tdu(_ name: String, _ v: UInt64) { bytes.append(0x20); str(name); bytes.append(0x20); dec(v) }

    // JSON fields: ,"name":value
    private mutating func key(_ name: String) { raw(",\""); str(name); raw("\":") }
    private mutating func j(_ name: String, _ v: Int64) { key(name); sdec(v) }
    private mutating func ju(_ name: String, _ v: UInt64) { key(name); dec(v) }
    private mutating func jx(_ name: String, _ v: UInt64) { key(name); bytes.append(0x22); hex(v); bytes.append(0x22) }
    private mutating func js(_ name: String, _ v: String) { key(name); jsonString(v) }

    private mutating func jflags(_ name: String, _ v: UInt64, _ names: [(UInt64, String)]) {
        key(name)
        bytes.append(0x5B)
        var rest = v
        var first = true
        for (bit, n) in names where v & bit != 0 {
            if !first { bytes.append(0x2C) }
            bytes.append(0x22); str(n); bytes.append(0x22)
            first = false
            rest &= ~bit
        }
        if rest != 0 {
            if !first { bytes.append(0x2C) }
            bytes.append(0x22); hex(rest); bytes.append(0x22)
        }
        bytes.append(0x5D)
    }

    /// Appends `s` as a JSON string literal, escaping as RFC 8259 requires.
    private mutating func jsonString(_ s: String) {
        bytes.append(0x22)
        for b in s.utf8 {
            switch b {
            case 0x22: raw("\\\"")
            case 0x5C: raw("\\\\")
            case 0x0A: raw("\\n")
            case 0x0D: raw("\\r")
            case 0x09: raw("\\t")
            case 0..<0x20:
                raw("\\u00")
                let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)
                bytes.append(hexDigits[Int(b >> 4)])
                bytes.append(hexDigits[Int(b & 0xF)])
            default: bytes.append(b)
            }
        }
        bytes.append(0x22)
    }
}
