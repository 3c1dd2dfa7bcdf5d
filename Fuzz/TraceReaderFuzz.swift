// libFuzzer target: the dioscope trace reader (header, metadata, chunks,
// records, footer, trailer) and everything `analyze`/`dump` do with what
// it reads. Each input is read as given, then again with its checksums
// repaired (see FuzzSupport.repairChecksums) so that mutations reach the
// code behind the CRC checks.

enum TraceReaderFuzz {
    static func run(_ bytes: UnsafeRawBufferPointer) {
        let reader: TraceReader
        do {
            reader = try TraceReader(bytes: bytes, name: "fuzz")
        } catch let e as TraceFileError {
            if e.description.isEmpty { FuzzSupport.fail("empty error message") }
            return
        } catch {
            FuzzSupport.fail("TraceReader(bytes:) threw a non-TraceFileError: \(error)")
        }
        do {
            // the raw paths (dump --type, bench)
            var r1 = reader
            var chunkRecords = 0
            let s1 = try r1.forEachChunk { buf, info in
                if buf.count != info.recordCount * RecordLayout.recordSize { FuzzSupport.fail("chunk buffer size") }
                chunkRecords += info.recordCount
            }
            if s1.eventsRead != UInt64(chunkRecords) { FuzzSupport.fail("forEachChunk count") }
            var r2 = reader
            var records: UInt64 = 0, laterEvents: UInt64 = 0
            let s2 = try r2.forEachRecord { p in
                records += 1
                laterEvents += UInt64(RecordCodec.laterEvents(p))
            }
            if s2.eventsRead != records || records > UInt64(chunkRecords) { FuzzSupport.fail("forEachRecord count") }
            // dump: every event formatted as text and JSON
            var r3 = reader
            var formatter = EventFormatter()
            var events: UInt64 = 0
            let s3 = try r3.forEachEvent { e in
                events += 1
                formatter.reset()
                formatter.appendText(e)
                formatter.appendJSON(e)
            }
            // a record gives at most its events: two or three for the ABI 3 and 4 records that carry more than one
            if s3.eventsRead != events || events > records + laterEvents { FuzzSupport.fail("forEachEvent count") }
            // dump's `#` summary of header and footer
            _ = TraceHeaderFormatter.lines(path: r3.path, fileSize: r3.fileSize, metadata: r3.metadata,
                                           footer: r3.footer, createdRealtimeNs: r3.createdRealtimeNs)
            // analyze
            var r4 = reader
            let (result, summary) = try Analyzer.analyze(&r4)
            if summary.eventsRead != events { FuzzSupport.fail("analysis read \(summary.eventsRead) of \(events)") }
            FuzzSupport.checkVerdict(result, summary, "trace")
            FuzzSupport.render(result)
        } catch let e as TraceFileError {
            FuzzSupport.fail("reading in memory threw \(e)")
        } catch {
            FuzzSupport.fail("reading threw \(error)")
        }
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func traceReaderFuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    TraceReaderFuzz.run(bytes)
    var copy = Array(bytes)
    if FuzzSupport.repairChecksums(&copy) {
        copy.withUnsafeBytes { TraceReaderFuzz.run($0) }
    }
    return 0
}
