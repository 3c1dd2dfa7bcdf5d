import Foundation
import Testing
@testable import DioscopeCore

/// Large files stream through a fixed-size window, and the formatter's
/// output is exact.
@Suite struct TraceFileStreamingTests {
    typealias Fx = TraceFileFixtures

    /// Writes `count` records in ring-buffer-sized batches of raw bytes.
    static func writeLarge(_ path: String, count: Int, perChunk: Int = 4096) throws {
        let w = try TraceWriter(path: path, metadata: Fx.metadata(), recordsPerChunk: perChunk)
        w.maxChunkAge = nil
        let batch = 1000
        var buf = [UInt8](repeating: 0, count: batch * RecordLayout.recordSize)
        let template = RecordCodec.encode(Fx.numbered(0))
        var written = 0
        while written < count {
            let n = Swift.min(batch, count - written)
            buf.withUnsafeMutableBytes { b in
                for i in 0..<n {
                    let r = b.baseAddress! + i * RecordLayout.recordSize
                    r.copyMemory(from: template, byteCount: RecordLayout.recordSize)
                    let seq = UInt64(written + i)
                    r.storeBytes(of: (10_000 + seq).littleEndian, toByteOffset: RecordLayout.ts, as: UInt64.self)
                    r.storeBytes(of: seq.littleEndian, toByteOffset: RecordLayout.ino, as: UInt64.self)
                }
            }
            try buf.withUnsafeBytes { try w.append(records: UnsafeRawBufferPointer(rebasing: $0[0..<(n * 96)])) }
            written += n
        }
        try w.finish(footer: Fx.footer())
    }

    static func maxRSSKiB() -> Int {
        var u = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &u)
        return u.ru_maxrss
    }

    @Test func largeMultiChunkFileStreamsInBoundedMemory() throws {
        let dir = try Fx.scratchDirectory()
        defer { Fx.cleanup(dir) }
        let path = dir + "/large.dsc"
        let count = 500_000  // 48 MB of records, 123 chunks
        try Self.writeLarge(path, count: count)
        let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as! Int
        #expect(size > count * RecordLayout.recordSize)

        let before = Self.maxRSSKiB()
        var r = try TraceReader(path: path)
        var n = 0
        var inOrder = true
        var chunks = 0
        let s = try r.forEachRecord { p in
            let ino = UInt64(littleEndian: p.loadUnaligned(fromByteOffset: RecordLayout.ino, as: UInt64.self))
            if ino != UInt64(n) { inOrder = false }
            n += 1
        }
        _ = try r.forEachChunk { buf, info in
            #expect(buf.count == info.recordCount * 96)
            chunks += 1
        }
        let grown = Self.maxRSSKiB() - before
        #expect(n == count && inOrder)
        #expect(s.eventsRead == UInt64(count) && s.problems.isEmpty && s.isComplete)
        #expect(chunks == (count + 4095) / 4096)
        #expect(s.firstTimestamp == 10_000 && s.lastTimestamp == 10_000 + UInt64(count) - 1)
        #expect(r.footer?.totalRecords == UInt64(count))
        // The file is 48 MB; reading it must not hold it. What the reader holds is its one read
        // window, still its default 1 MiB. The process's peak RSS is checked too, but it also
        // counts the tests running beside this one (it once grew 24 MB with nothing held here),
        // so its bound is only below what holding the file would take.
        #expect(r.windowBytes == TraceFileInput.defaultCapacity)
        #expect(grown < 40 * 1024, "max RSS grew by \(grown) KiB while reading a \(size / 1024) KiB file")
    }

    @Test func textFormatIsFtraceLike() {
        let e = Event(timestamp: 12_345_678_901, tgid: 1234, tid: 1235, cpu: 1, dev: DeviceNumber(major: 7, minor: 0),
                      ino: 0x87, payload: .dioBegin(DIOBegin(kiocb: 0xffff_8880_0000_1000, pos: 0, count: 0x1000,
                                                              isize: 0, kiFlags: [.direct, .write], api: .libaio)))
        #expect(EventFormatter.text(e) == "12.345678901 cpu1 1234/1235 iomap_dio_rw_begin dev 7:0 ino 0x87 pos 0x0 "
            + "count 0x1000 isize 0x0 done_before 0x0 ki_flags DIRECT|WRITE dio_flags 0 api libaio "
            + "kiocb 0xffff888000001000 user_ref 0x0 blkbits 0")
        let bio = Event(timestamp: 5, dev: DeviceNumber(major: 7, minor: 0), payload: .block(.bioQueue, BlockIO(
            sector: 65808, nrSector: 8, bytes: 4096, ptr: 0xabc, kiocb: 0xffff_8880_0000_1000,
            flags: [.sync, .iomapDIO], op: .write)))
        #expect(EventFormatter.text(bio) == "0.000000005 cpu0 0/0 block_bio_queue dev 7:0 ino 0x0 65808 + 8 rwbs WS "
            + "bytes 4096 error 0 ptr 0xabc kiocb 0xffff888000001000")
        let exit = Event(timestamp: 2_000_000_000, payload: .sysExit(SysExit(sysno: .fallocate, fd: 4, ret: -28,
                                                                             isize: -1, enterTimestamp: 1_999_999_999)))
        #expect(EventFormatter.text(exit) == "2.000000000 cpu0 0/0 sys_exit dev 0:0 ino 0x0 fallocate fd 4 ret -28 "
            + "isize -0x1 enter_ts 1.999999999")
        let unknownBits = Event(timestamp: 0, payload: .iomapDstmap(IomapMapping(
            addr: IomapMapping.nullAddress, offset: 0, length: 4096, type: .hole, flags: IomapFlags(rawValue: 0x11),
            bdev: DeviceNumber(major: 8, minor: 16))))
        #expect(EventFormatter.text(unknownBits).hasSuffix("addr NULL offset 0x0 length 0x1000 type HOLE flags NEW|0x10 "
            + "bdev 8:16 blkbits 0"))
    }

    @Test func ndjsonNamesEveryFieldAndParses() throws {
        var f = EventFormatter()
        for e in Fx.everyEventType() {
            f.reset()
            f.appendJSON(e)
            let obj = try #require(try JSONSerialization.jsonObject(with: Data(f.bytes)) as? [String: Any],
                                   "not a JSON object: \(String(decoding: f.bytes, as: UTF8.self))")
            #expect(obj["ts"] as? Int == Int(e.timestamp))
            #expect(obj["event"] as? String == e.type.description)
            #expect(obj["dev"] as? String == "7:0")
            #expect(obj["ino"] as? Int == 0x87)
            #expect(obj["tgid"] as? Int == 4242 && obj["cpu"] != nil && obj["tid"] != nil)
            #expect(obj.count > 7, "\(e.type) has no payload fields")
        }
        let enter = Event(timestamp: 1, payload: .sysEnter(SysEnter(
            sysno: .pwrite64, fd: 3, args: (0x7ffd_0000_3000, 4096, -1), isize: 4096, comm: Comm("a\"b\\c"))))
        f.reset()
        f.appendJSON(enter)
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(f.bytes)) as? [String: Any])
        #expect(obj["comm"] as? String == "a\"b\\c")
        #expect(obj["buf"] as? String == "0x7ffd00003000")
        #expect(obj["count"] as? Int == 4096)
        #expect(obj["offset"] as? Int == -1)
        #expect(obj["args"] as? [Int] == [0x7ffd_0000_3000, 4096, -1])
        #expect(obj["sysno"] as? String == "pwrite64")
    }
}
