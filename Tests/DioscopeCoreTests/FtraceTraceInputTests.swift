import Foundation
import Testing
@testable import DioscopeCore

/// Content detection of `analyze`/`export` inputs.
@Suite struct FtraceTraceInputTests {
    static var dioscopeTrace: String {
        ExportFixtures.packageRoot.appendingPathComponent("Tests/DioscopeCoreTests/Fixtures/tracefile/v1-abi2-every-type.dsc").path
    }

    @Test func detectsDioscopeTracesAndFtraceText() throws {
        #expect(try TraceInput.detect(path: Self.dioscopeTrace) == .dioscopeTrace)
        for name in ["xfs-aio-hole.trace", "xfs-aio-hole.pipe", "xfs-aio-hole.trace-cmd", "ext4-misc.trace"] {
            #expect(try TraceInput.detect(path: try FtraceFixtures.path(name)) == .ftraceText, "\(name)")
        }
        let notATrace = ExportFixtures.packageRoot.appendingPathComponent("Package.swift").path
        #expect(try TraceInput.detect(path: notATrace) == nil)
        #expect(throws: TraceInputError.unrecognized(path: notATrace)) { _ = try TraceInput(path: notATrace) }
        #expect(throws: TraceInputError.self) { _ = try TraceInput(path: "/nonexistent/trace") }
        #expect(throws: TraceInputError.self) { _ = try TraceInput(path: "/tmp") }
    }

    @Test func readsEitherKindAndExportsValidJSON() throws {
        var bin = try TraceInput(path: Self.dioscopeTrace)
        #expect(bin.kind == .dioscopeTrace)
        let (r1, s1) = try Analyzer.analyze(&bin)
        #expect(s1.format == "dioscope-trace" && s1.eventsRead > 0)
        let v1 = try ExportFixtures.validate(try JSONExporter.encode(r1, source: s1))
        #expect(v1.valid, "\(v1.output)")

        var text = try TraceInput(path: try FtraceFixtures.path("xfs-aio-hole.trace"))
        #expect(text.kind == .ftraceText)
        let (r2, s2) = try Analyzer.analyze(&text)
        #expect(s2.format == "ftrace-trace" && r2.counts.total == 4)
    }
}
