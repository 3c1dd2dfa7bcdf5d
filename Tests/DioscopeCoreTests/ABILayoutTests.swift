import DioscopeABI
import Testing
@testable import DioscopeCore

@Suite struct ABILayoutTests {
    @Test func recordSizeAndVersionMatchTheCHeader() {
        #expect(dsc_abi_record_size() == RecordLayout.recordSize)
        #expect(UInt32(dsc_abi_version()) == RecordLayout.abiVersion)
    }

    @Test func theLostRecordsFlagAndProbeIdMatchTheCHeader() {
        #expect(DSC_LOST_F_RECURSION.rawValue == RecordLayout.lostFlagRecursion)
        #expect(DSC_P_DIO_COMPLETE.rawValue == Lost.dioCompleteProbe)
    }

    @Test func everyCFieldHasTheSameOffsetAndSizeInSwift() throws {
        let n = dsc_abi_field_count()
        #expect(n > 50)
        var seen = Set<String>()
        for i in 0..<n {
            let f = try #require(dsc_abi_field_at(i))
            let name = String(cString: f.pointee.name)
            seen.insert(name)
            let swift = try #require(RecordLayout.fields[name], "Swift decoder lacks \(name)")
            #expect(swift.offset == f.pointee.offset, "offset of \(name)")
            #expect(swift.size == f.pointee.size, "size of \(name)")
        }
        // and the Swift side names no field that C does not have
        #expect(Set(RecordLayout.fields.keys) == seen)
    }
}
