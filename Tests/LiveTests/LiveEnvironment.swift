import DioscopeLoader
import Foundation
import Testing

/// Whether live tracing tests can run here. They run when tracing is
/// possible, and also in CI (env CI set), where being unable to trace is
/// a failure rather than a reason to skip.
enum LiveEnvironment {
    static let isCI = ProcessInfo.processInfo.environment["CI"] != nil

    /// Why tracing is impossible here, or nil if it is possible.
    static let unavailableReason: String? = {
        do {
            try TracingEnvironment().verify()
            return nil
        } catch {
            return "\(error)"
        }
    }()

    /// Test trait condition: run if tracing works or if in CI.
    static var shouldRun: Bool { unavailableReason == nil || isCI }

    /// Fails the test (CI) when tracing is impossible; returns false then.
    static func require(sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
        if let reason = unavailableReason {
            Issue.record("live tracing impossible in CI: \(reason)", sourceLocation: sourceLocation)
            return false
        }
        return true
    }

    /// Repository root (two levels above this file's directory).
    static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Path of a workload binary, building the workloads if it is missing.
    static func workload(_ name: String) throws -> String {
        let path = repositoryRoot.appendingPathComponent(".build/workloads/\(name)").path
        if !FileManager.default.isExecutableFile(atPath: path) {
            try Shell.run(repositoryRoot.appendingPathComponent("scripts/build-workloads.sh").path)
        }
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw Shell.Failure(command: name, status: -1, output: "workload \(name) was not built")
        }
        return path
    }
}
