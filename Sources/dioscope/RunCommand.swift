import ArgumentParser

// STUB: owned by the helper implementing `dioscope run`; replaced wholesale.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "(not built yet)")
    func run() async throws { throw ExitCode(64) }
}
