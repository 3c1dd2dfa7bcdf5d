import ArgumentParser

// STUB: owned by the helper implementing `dioscope analyze`; replaced wholesale.
struct AnalyzeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "analyze", abstract: "(not built yet)")
    func run() async throws { throw ExitCode(64) }
}
