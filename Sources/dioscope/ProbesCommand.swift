import ArgumentParser

// STUB: owned by the helper implementing `dioscope probes`; replaced wholesale.
struct ProbesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "probes", abstract: "(not built yet)")
    func run() async throws { throw ExitCode(64) }
}
