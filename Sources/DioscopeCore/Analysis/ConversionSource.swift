/// The tracepoint a conversion of unwritten extents was seen by (``ConversionStep/source``).
enum ConversionSource: Int, CaseIterable {
    case xfsUnwrittenConvert, ext4MapBlocksEnter, ext4HandleUnwritten

    /// The tracepoint's name: a conversion record's source, and the key it is counted under in
    /// ``AnalysisResult/unmatched`` when no write needed it.
    var name: String {
        switch self {
        case .xfsUnwrittenConvert: "xfs_unwritten_convert"
        case .ext4MapBlocksEnter: "ext4_ext_map_blocks_enter"
        case .ext4HandleUnwritten: "ext4_ext_handle_unwritten_extents"
        }
    }

    /// The name's ``TimelineNote`` number (constants: interning the name took a lock and a hash
    /// per conversion, about 900 instructions).
    var note: UInt32 {
        switch self {
        case .xfsUnwrittenConvert: TimelineNote.xfsUnwrittenConvert
        case .ext4MapBlocksEnter: TimelineNote.ext4MapBlocksEnter
        case .ext4HandleUnwritten: TimelineNote.ext4HandleUnwritten
        }
    }
}
