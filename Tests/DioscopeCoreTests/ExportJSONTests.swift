import Foundation
import Testing
@testable import DioscopeCore

/// The JSON export validates against schema/dioscope-analysis.schema.json,
/// and the validator rejects documents that break it.
@Suite(.serialized) struct ExportJSONTests {
    @Test(arguments: ["xfs-aio-hole.trace", "ext4-aio-hole.trace", "xfs-uring-tgid.trace", "xfs-misc.trace",
                      "ext4-misc.trace", "xfs-aio-hole.trace-cmd", "xfs-aio-hole.pipe"])
    func realAnalysesValidate(fixture: String) throws {
        let (result, summary) = try ExportFixtures.analyze(ftrace: fixture)
        #expect(!result.timelines.isEmpty)
        let data = try JSONExporter.encode(result, source: summary)
        let v = try ExportFixtures.validate(data)
        #expect(v.valid, "\(v.output)")
        // round trip: the document decodes back to what was exported
        let decoded = try JSONDecoder().decode(AnalysisExport.self, from: data)
        #expect(decoded == AnalysisExport(analysis: result, source: summary))
        #expect(decoded.schemaVersion == AnalysisExport.currentVersion && decoded.schema == "dioscope-analysis")
    }

    @Test func findingsAndEveryOptionalPartValidate() throws {
        var (result, summary) = try ExportFixtures.analyzeSimulatedRace()
        try #require(result.findings.count == 1)
        #expect(result.findings[0].kind == .completionBeforeConversion)
        #expect(result.verdict == .findings)
        // add parts a short fixture does not produce, built from the model's own types
        let t = result.timelines[0]
        result.findings.append(Finding(
            kind: .fsyncBeforeConversion, severity: .warning, ios: [t.id], subjects: [IOSubject(t)],
            operations: [FileOperation(kind: .fsync, tgid: t.tgid, tid: t.tid, dev: t.dev, ino: t.ino,
                                       startedAt: t.submittedAt, endedAt: t.submittedAt + 10, result: 0,
                                       internalAt: [t.submittedAt + 5], inodeInferred: true)],
            message: "constructed", evidence: [Evidence(timestamp: t.submittedAt, io: nil, tid: t.tid, what: "x")],
            dev: t.dev, ino: t.ino))
        result.lostWindows.append(LostWindow(since: 1, until: 2, dropped: 3))
        result.timelines[0].status = .inconclusive
        result.timelines[0].inconclusiveReason = "events lost"
        result.timelines[0].requested = 4096
        // every step a timeline entry can have
        for (i, step) in TimelineStep.allCases.enumerated() {
            result.timelines[0].entries.append(TimelineEntry(timestamp: t.submittedAt + UInt64(i), step: step, tid: t.tid,
                                                             value: Int64(i)))
        }
        summary.problems.append(SourceProblem(position: "line 9", message: "m", severity: .warning))
        summary.skipped["x"] = 1
        summary.droppedByProbe["p"] = 2
        let v = try ExportFixtures.validate(try JSONExporter.encode(result, source: summary, pretty: false))
        #expect(v.valid, "\(v.output)")
    }

    @Test func schemaViolationsAreRejected() throws {
        let (result, summary) = try ExportFixtures.analyzeSimulatedRace()
        let good = try JSONExporter.encode(result, source: summary)
        try #require(try ExportFixtures.validate(good).valid)

        let missingVerdict = try ExportFixtures.mutate(good) { doc in
            var a = doc["analysis"] as! [String: Any]
            a.removeValue(forKey: "verdict")
            doc["analysis"] = a
        }
        let r1 = try ExportFixtures.validate(missingVerdict)
        #expect(!r1.valid && r1.output.contains("verdict"))

        let extraTimelineKey = try ExportFixtures.mutate(good) { doc in
            var a = doc["analysis"] as! [String: Any]
            var ts = a["timelines"] as! [[String: Any]]
            ts[0]["surprise"] = 1
            a["timelines"] = ts
            doc["analysis"] = a
        }
        let r2 = try ExportFixtures.validate(extraTimelineKey)
        #expect(!r2.valid && r2.output.contains("surprise"))

        let badKind = try ExportFixtures.mutate(good) { doc in
            var a = doc["analysis"] as! [String: Any]
            var fs = a["findings"] as! [[String: Any]]
            fs[0]["kind"] = "made-up-race"
            a["findings"] = fs
            doc["analysis"] = a
        }
        #expect(!(try ExportFixtures.validate(badKind).valid))

        let negativeTime = try ExportFixtures.mutate(good) { doc in
            var a = doc["analysis"] as! [String: Any]
            var ts = a["timelines"] as! [[String: Any]]
            ts[0]["submittedAt"] = -5
            a["timelines"] = ts
            doc["analysis"] = a
        }
        #expect(!(try ExportFixtures.validate(negativeTime).valid))

        let badDevice = try ExportFixtures.mutate(good) { doc in
            var a = doc["analysis"] as! [String: Any]
            var ts = a["timelines"] as! [[String: Any]]
            ts[0]["dev"] = 7340032
            a["timelines"] = ts
            doc["analysis"] = a
        }
        #expect(!(try ExportFixtures.validate(badDevice).valid))

        let futureVersion = try ExportFixtures.mutate(good) { doc in doc["schemaVersion"] = AnalysisExport.currentVersion + 1 }
        #expect(!(try ExportFixtures.validate(futureVersion).valid))

        let wrongSourceType = try ExportFixtures.mutate(good) { doc in
            var s = doc["source"] as! [String: Any]
            s["damaged"] = "no"
            doc["source"] = s
        }
        #expect(!(try ExportFixtures.validate(wrongSourceType).valid))
    }

    @Test func outputIsDeterministic() throws {
        let (result, summary) = try ExportFixtures.analyze(ftrace: "xfs-uring-tgid.trace")
        #expect(try JSONExporter.encode(result, source: summary) == JSONExporter.encode(result, source: summary))
    }
}
