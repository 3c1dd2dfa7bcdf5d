import Testing
@testable import DioscopeCore

/// `Comm`'s text: the bytes up to the first NUL, decoded as UTF-8 with invalid bytes repaired.
/// The engine keeps an I/O's task name as a `Comm` and makes the text only for a timeline, so
/// the text must be what the kernel's 16 bytes say, whatever they hold.
@Suite struct CommTests {
    /// The text the bytes stand for, computed byte by byte.
    static func expected(_ c: Comm) -> String {
        var bytes: [UInt8] = []
        for i in 0..<16 {
            let word = i < 8 ? c.lo : c.hi
            let b = UInt8(truncatingIfNeeded: word >> (8 * UInt64(i % 8)))
            if b == 0 { break }
            bytes.append(b)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test func namesOfEveryLengthRoundTrip() {
        let letters = Array("abcdefghijklmnopqrstuvwxyz0123456789-_/")
        for n in 0...20 {
            let name = String((0..<n).map { letters[($0 * 7 + n) % letters.count] })
            let c = Comm(name)
            #expect(c.description == String(name.prefix(15)), "length \(n)")
            #expect(c.description == Self.expected(c))
        }
        #expect(Comm.empty.description == "")
        #expect(Comm("iou-wrk-4242").description == "iou-wrk-4242")
    }

    /// Random bytes, with NULs in the middle, high bytes and invalid UTF-8 sequences.
    @Test func randomBytesDecodeAsTheKernelsNameWould() {
        var g = SystemRandomNumberGenerator()
        var nulInside = 0, invalid = 0
        for round in 0..<20_000 {
            var lo = UInt64.random(in: .min ... .max, using: &g), hi = UInt64.random(in: .min ... .max, using: &g)
            // Some rounds keep ASCII only; some put a NUL at a random place.
            if round % 3 == 0 { lo &= 0x7f7f_7f7f_7f7f_7f7f; hi &= 0x7f7f_7f7f_7f7f_7f7f }
            if round % 4 == 0 {
                let at = UInt64.random(in: 0..<16, using: &g)
                if at < 8 { lo &= ~(0xff << (8 * at)) } else { hi &= ~(0xff << (8 * (at - 8))) }
            }
            let c = Comm(lo: lo, hi: hi)
            let text = c.description
            #expect(text == Self.expected(c), "\(String(lo, radix: 16)) \(String(hi, radix: 16))")
            if text.unicodeScalars.contains("\u{FFFD}") { invalid += 1 }
            if (0..<16).contains(where: { i in UInt8(truncatingIfNeeded: (i < 8 ? lo : hi) >> (8 * UInt64(i % 8))) == 0 }) {
                nulInside += 1
            }
        }
        #expect(nulInside > 1_000 && invalid > 1_000, "\(nulInside) \(invalid)")
    }
}
