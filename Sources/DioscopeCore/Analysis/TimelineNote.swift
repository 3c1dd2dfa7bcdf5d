import Synchronization

/// Timeline-entry notes stored as numbers.
///
/// A ``TimelineEntry`` keeps its note as an index into one process-wide table of texts, so that
/// the entry holds no reference-counted field: appending, copying and freeing an I/O's dozen
/// entries is then plain memory work. With a `String?` note every entry copy and free went
/// through Swift's value witnesses (about 3 % of `analyze`), although nearly every note is one
/// of a few fixed texts. Those are interned once (the constants below); rarer texts (error
/// numbers, lost-window starts, flag combinations) are interned when used, under a lock.
/// Equal texts get equal numbers, so entries compare notes by number.
enum TimelineNote {
    /// 0 stands for "no note"; the table's slot 0 is never handed out.
    private struct Table {
        var texts: [String] = [""]
        var ids: [String: UInt32] = [:]
    }

    private static let table = Mutex(Table())

    /// The number of `text`, interning it on first use.
    static func id(_ text: String) -> UInt32 {
        table.withLock { t in
            if let id = t.ids[text] { return id }
            let id = UInt32(t.texts.count)
            t.texts.append(text)
            t.ids[text] = id
            return id
        }
    }

    static func id(_ text: String?) -> UInt32 { text.map { id($0) } ?? 0 }

    /// The text of a number from ``id(_:)``; nil for 0.
    static func text(_ id: UInt32) -> String? {
        id == 0 ? nil : table.withLock { $0.texts[Int(id)] }
    }

    /// One more than the highest number handed out: every number below it is valid. The table
    /// only grows, so a count read once stays a valid bound (``TimelineCodec`` checks a spilled
    /// timeline's notes against it).
    static var count: UInt32 { table.withLock { UInt32($0.texts.count) } }

    // MARK: the engine's frequent notes

    static let ioSubmit = id("io_submit")
    static let ioUringEnter = id("io_uring_enter")
    static let aioRing = id("aio ring")
    static let cqe = id("CQE")
    static let subBlockZeroing = id("sub-block zeroing")
    static let eagainRetry = id("EAGAIN, retry expected")
    static let xfsEndIO = id("xfs_end_io_direct_write")
    static let splitBio = id("split across requests")
    static let xfsSetFileSize = id("xfs_setfilesize")
    // The conversions' sources (``ConversionSource/note``), by their names.
    static let xfsUnwrittenConvert = id(ConversionSource.xfsUnwrittenConvert.name)
    static let ext4MapBlocksEnter = id(ConversionSource.ext4MapBlocksEnter.name)
    static let ext4HandleUnwritten = id(ConversionSource.ext4HandleUnwritten.name)
    static let readAtEOF = id("read at or past EOF: iomap ends it without a completion")

    /// A system call's name, by ``Syscall`` raw value.
    private static let syscalls: [UInt32] = {
        var out = [UInt32](repeating: 0, count: Int(Syscall.allCases.map(\.rawValue).max() ?? 0) + 1)
        for s in Syscall.allCases { out[Int(s.rawValue)] = id(s.description) }
        return out
    }()

    static func syscall(_ s: Syscall) -> UInt32 { syscalls[Int(s.rawValue)] }

    /// A mapping's extent type, with " NEW" for a newly allocated extent, at 2 × raw value (+ 1 if new).
    private static let mappings: [UInt32] = {
        var out = [UInt32](repeating: 0, count: 2 * (Int(ExtentType.allCases.map(\.rawValue).max() ?? 0) + 1))
        for type in ExtentType.allCases {
            out[2 * Int(type.rawValue)] = id(type.description)
            out[2 * Int(type.rawValue) + 1] = id(type.description + " NEW")
        }
        return out
    }()

    static func mapping(_ type: ExtentType, new: Bool) -> UInt32 { mappings[2 * Int(type.rawValue) + (new ? 1 : 0)] }
}
