import ArgumentParser

// STUB: owned by the helper implementing `dioscope dump`; replaced wholesale.
struct DumpCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "dump", abstract: "(not built yet)")
    func run() async throws { throw ExitCode(64) }
}
