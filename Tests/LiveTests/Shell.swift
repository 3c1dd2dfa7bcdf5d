import Foundation

/// Runs setup commands (losetup, mkfs, mount) for the live fixtures.
enum Shell {
    struct Failure: Error, CustomStringConvertible {
        var command: String
        var status: Int32
        var output: String
        var description: String { "\(command) failed (status \(status)): \(output)" }
    }

    /// Runs `executable args...`, returns stdout; throws on a non-zero exit.
    @discardableResult
    static func run(_ executable: String, _ args: String...) throws -> String {
        try run(executable, args)
    }

    @discardableResult
    static func run(_ executable: String, _ args: [String]) throws -> String {
        let p = Process()
        let exe = executable.hasPrefix("/") ? executable : "/usr/bin/env"
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = executable.hasPrefix("/") ? args : [executable] + args
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard p.terminationStatus == 0 else {
            throw Failure(
                command: ([executable] + args).joined(separator: " "), status: p.terminationStatus, output: text)
        }
        return text
    }
}
