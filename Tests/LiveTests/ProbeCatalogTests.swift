import DioscopeABI
import DioscopeLoader
import Testing

/// Consistency of the probe table with the ABI and the embedded object
/// (no privileges needed).
@Suite("Probe catalog")
struct ProbeCatalogTests {
    @Test("one probe per dsc_probe_id, in id order")
    func ids() {
        #expect(ProbeCatalog.all.count == Int(DSC_P_MAX.rawValue))
        for (i, p) in ProbeCatalog.all.enumerated() { #expect(p.id == i, "\(p.displayName)") }
        #expect(Set(ProbeCatalog.all.map(\.name)).count == ProbeCatalog.all.count)
    }

    @Test("every probe's programs are in the embedded object, and nothing else is but the blind-task check's")
    func programs() throws {
        let names = Set(try EmbeddedObject.programNames())
        let expected = Set(ProbeCatalog.all.flatMap(\.allProgramNames)).union(BlindTaskCheck.programNames)
        #expect(names == expected, "object-only: \(names.subtracting(expected)), missing: \(expected.subtracting(names))")
    }

    @Test("detector requirements name real probes")
    func detectorNames() {
        let known = Set(ProbeCatalog.all.map(\.name))
        for req in DetectorSupport.requirements {
            for name in req.groups.joined() { #expect(known.contains(name), "\(req.detector): \(name)") }
        }
    }
}
