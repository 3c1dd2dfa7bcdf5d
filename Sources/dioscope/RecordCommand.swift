import ArgumentParser

// STUB: owned by the helper implementing `dioscope record`; replaced wholesale.
struct RecordCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "record", abstract: "(not built yet)")
    func run() async throws { throw ExitCode(64) }
}
