import Testing
@testable import DioscopeCore

/// The SSE4.2 path (DioscopeCRC) against the table-driven one, over lengths
/// that hit every branch: bytes only, one stream, three streams plus a tail.
@Suite struct CRC32CHardwareTests {
    @Test func hardwareMatchesSoftware() {
        var rng = SystemRandomNumberGenerator()
        let data = (0..<(3 * 4096 + 77)).map { _ in UInt8.random(in: 0...255, using: &rng) }
        data.withUnsafeBytes { b in
            for len in [0, 1, 7, 8, 9, 95, 96, 767, 768, 769, 1000, 4095, 4096, 4097, 3 * 4096 + 77] {
                for start: UInt32 in [0, 0xDEAD_BEEF] {
                    let sw = CRC32C.software(start, b.baseAddress!, count: len)
                    #expect(CRC32C.update(start, b.baseAddress!, count: len) == sw, "length \(len)")
                }
            }
        }
        #expect(CRC32C.checksum("123456789") == 0xE306_9283)
    }
}
