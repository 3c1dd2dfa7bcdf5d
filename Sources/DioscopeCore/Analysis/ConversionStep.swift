/// A conversion as an I/O in flight keeps it, in its side box (``IOExtras``): a
/// ``ConversionRecord`` whose source, the tracepoint's name, is its ``TimelineNote`` number.
///
/// With the name as a `String` (the public record), each append, copy and emptying of the box's
/// conversions retained or released it, and the box's arrays needed a destroying pass when the
/// slot was freed. Every field here is plain, so emptying is setting a count. The public record
/// is built only for a timeline something receives (``IOState/timeline(key:entries:phases:)``).
struct ConversionStep: Equatable {
    var timestamp: UInt64
    var offset: Int64
    var length: UInt64
    var tid: UInt32
    /// The source's ``TimelineNote`` number.
    var source: UInt32

    init(timestamp: UInt64, source: UInt32, offset: Int64, length: UInt64, tid: UInt32) {
        self.timestamp = timestamp
        self.source = source
        self.offset = offset
        self.length = length
        self.tid = tid
    }

    /// The step of a public record (its source interned).
    init(_ r: ConversionRecord) {
        self.init(timestamp: r.timestamp, source: TimelineNote.id(r.source), offset: r.offset, length: r.length,
                  tid: r.tid)
    }

    /// The public record.
    var record: ConversionRecord {
        ConversionRecord(timestamp: timestamp, source: TimelineNote.text(source) ?? "", offset: offset,
                         length: length, tid: tid)
    }
}
