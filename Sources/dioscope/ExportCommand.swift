import ArgumentParser

// STUB: owned by the helper implementing `dioscope export`; replaced wholesale.
struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "export", abstract: "(not built yet)")
    func run() async throws { throw ExitCode(64) }
}
