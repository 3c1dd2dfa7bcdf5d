import ArgumentParser

// STUB: owned by the helper implementing `dioscope live`; replaced wholesale.
struct LiveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "live", abstract: "(not built yet)")
    func run() async throws { throw ExitCode(64) }
}
