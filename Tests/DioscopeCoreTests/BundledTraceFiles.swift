import Foundation

/// Every bundled trace and test fixture the analyzer reads (`traces/` and the fixtures), sorted
/// by path: the tests that must hold on all of them (`IOSlabTests`, `StepLogTests`) run over these.
enum BundledTraceFiles {
    static func all() -> [URL] {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        var files: [URL] = []
        for dir in ["traces", "Tests/DioscopeCoreTests/Fixtures"] {
            let base = root.appendingPathComponent(dir)
            guard let e = FileManager.default.enumerator(at: base, includingPropertiesForKeys: nil) else { continue }
            for case let u as URL in e where !["json", "md", "sh", "py", "keep", ""].contains(u.pathExtension) { files.append(u) }
        }
        return files.sorted { $0.path < $1.path }
    }
}
