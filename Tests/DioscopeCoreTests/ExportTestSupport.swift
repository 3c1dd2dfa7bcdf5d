import Foundation
@testable import DioscopeCore

/// Inputs and the schema validator for the exporter tests.
enum ExportFixtures {
    static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    static var schemaPath: String { packageRoot.appendingPathComponent("schema/dioscope-analysis.schema.json").path }

    /// Analyzes an ftrace fixture.
    static func analyze(ftrace name: String) throws -> (AnalysisResult, SourceSummary) {
        var source = FtraceImporter(path: try FtraceFixtures.path(name))
        return try Analyzer.analyze(&source)
    }

    /// The ftrace fixture's analysis with its timelines repeated, each copy under an id of its
    /// own, until there are at least `count`: an output large enough to be written in pieces.
    static func analyze(ftrace name: String, repeatedTo count: Int) throws -> AnalysisResult {
        var (result, _) = try analyze(ftrace: name)
        let one = result.timelines
        precondition(!one.isEmpty, "\(name) has timelines")
        var id: UInt64 = 1_000_000
        while result.timelines.count < count {
            for var t in one {
                id += 1
                t.id = id
                result.timelines.append(t)
            }
        }
        return result
    }

    /// The XFS AIO fixture with the first unwritten conversion moved after the
    /// write was reaped and read back: the shape of race 1 (seed 000).
    static func analyzeSimulatedRace() throws -> (AnalysisResult, SourceSummary) {
        let text = try String(contentsOfFile: try FtraceFixtures.path("xfs-aio-hole.trace"), encoding: .utf8)
        let moved = text.replacingOccurrences(of: "509.554946: xfs_unwritten_convert", with: "509.554990: xfs_unwritten_convert")
        precondition(moved != text)
        var source = FtraceImporter(text: moved)
        return try Analyzer.analyze(&source)
    }

    struct Validation {
        var valid: Bool
        var output: String
    }

    /// Validates `document` against the schema with python3's `jsonschema`
    /// (Draft 2020-12, format checks off). Throws if the validator cannot run.
    static func validate(_ document: Data) throws -> Validation {
        let script = """
            import json, sys
            from jsonschema import Draft202012Validator
            schema = json.load(open(sys.argv[1]))
            Draft202012Validator.check_schema(schema)
            doc = json.load(sys.stdin)
            errors = sorted(Draft202012Validator(schema).iter_errors(doc), key=lambda e: list(e.path))
            for e in errors[:20]:
                print("/".join(str(p) for p in e.path), ":", e.message[:300])
            sys.exit(1 if errors else 0)
            """
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", script, schemaPath]
        let input = Pipe(), output = Pipe()
        p.standardInput = input
        p.standardOutput = output
        p.standardError = output
        try p.run()
        let writer = Thread {
            input.fileHandleForWriting.write(document)
            try? input.fileHandleForWriting.close()
        }
        writer.start()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let text = String(decoding: out, as: UTF8.self)
        guard p.terminationStatus == 0 || p.terminationStatus == 1 else {
            throw ValidatorError(message: "validator failed to run (status \(p.terminationStatus)): \(text)")
        }
        if p.terminationStatus == 1 && text.isEmpty {
            throw ValidatorError(message: "validator exited 1 without reporting an error")
        }
        return Validation(valid: p.terminationStatus == 0, output: text)
    }

    struct ValidatorError: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    /// Applies `edit` to the JSON object tree of `document` and re-encodes it.
    static func mutate(_ document: Data, _ edit: (inout [String: Any]) -> Void) throws -> Data {
        var obj = try JSONSerialization.jsonObject(with: document) as! [String: Any]
        edit(&obj)
        return try JSONSerialization.data(withJSONObject: obj)
    }
}
