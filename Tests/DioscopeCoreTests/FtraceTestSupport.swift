import Foundation
@testable import DioscopeCore

/// Fixture access and collection helpers for the ftrace importer tests.
enum FtraceFixtures {
    static func path(_ name: String) throws -> String {
        let dot = name.lastIndex(of: ".")!
        guard let url = Bundle.module.url(forResource: String(name[..<dot]), withExtension: String(name[name.index(after: dot)...]),
                                          subdirectory: "Fixtures/ftrace") else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: name])
        }
        return url.path
    }

    static func importFile(_ name: String) throws -> ([Event], SourceSummary) {
        var source = FtraceImporter(path: try path(name))
        var events: [Event] = []
        let summary = try source.forEachEvent { events.append($0) }
        return (events, summary)
    }

    static func importText(_ text: String) throws -> ([Event], SourceSummary) {
        var source = FtraceImporter(text: text)
        var events: [Event] = []
        let summary = try source.forEachEvent { events.append($0) }
        return (events, summary)
    }

    /// Event lines of a fixture (lines that are not header or comment lines).
    static func eventLineCount(_ name: String) throws -> Int {
        let text = try String(contentsOfFile: try path(name), encoding: .utf8)
        return text.split(separator: "\n").filter { line in
            let t = line.drop(while: { $0 == " " })
            return !t.hasPrefix("#") && !t.hasPrefix("cpus=") && !t.isEmpty
        }.count
    }
}

extension Array where Element == Event {
    func first(_ type: EventType, at ts: UInt64) -> Event? {
        first { $0.type == type && $0.timestamp == ts }
    }
}
