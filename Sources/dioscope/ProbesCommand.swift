import ArgumentParser
import DioscopeCore
import DioscopeLoader
import Foundation

/// `dioscope probes`: how each probe attaches on this kernel and what
/// that means for the race detectors.
struct ProbesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probes",
        abstract: "Show how each probe attaches on this kernel and which race detectors it supports.",
        discussion: """
            Without --no-verify (and when privileged), every chosen probe is loaded and attached \
            once, with a filter that matches nothing, so the table reflects what really works.
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json }

    @Option(help: "Output format: text or json.")
    var format: Format = .text

    @Flag(help: "Only inspect BTF and tracefs; do not load anything.")
    var noVerify = false

    @Option(name: .customLong("blind-tasks"), help: ArgumentHelp(
        "Also count interrupts by the task they interrupted for SECONDS, with BPF and with tracefs, and list the tasks BPF programs never run on top of.",
        valueName: "SECONDS"))
    var blindTaskSeconds: Double?

    func validate() throws {
        if let s = blindTaskSeconds, !(s > 0 && s <= 600) {
            throw ValidationError("--blind-tasks takes a number of seconds above 0 and at most 600.")
        }
    }

    func run() throws {
        let environment = TracingEnvironment()
        var report = FeatureProber(environment: environment).run()
        var verified = false
        var verifyError: String?
        if !noVerify && TracingEnvironment.isPrivileged() {
            var config = TraceConfiguration()
            config.pids = [Int32.max]  // attach everything, record nothing
            config.ringBufferBytes = 1 << 16
            do {
                let tracer = try Tracer(configuration: config, environment: environment)
                report.probes = tracer.statuses
                tracer.close()
                verified = true
            } catch {
                verifyError = error.description
            }
        }
        let detectors = DetectorSupport.evaluate(
            attached: { report.isAttached($0) }, ringBuffer: report.ringBuffer.available)
        var blindCheck: BlindTasks.Result?
        var blindError: String?
        if let seconds = blindTaskSeconds {
            do { blindCheck = try BlindTaskCheck.run(seconds: seconds, environment: environment) } catch {
                blindError = error.description
            }
        }
        switch format {
        case .text:
            printText(report, detectors, verified: verified, verifyError: verifyError)
            if blindTaskSeconds != nil { printBlind(blindCheck, error: blindError) }
        case .json:
            try printJSON(report, detectors, verified: verified, verifyError: verifyError, blind: blindCheck,
                          blindError: blindError)
        }
        if let blindError {
            complain("the blind-task check could not run: \(blindError)")
            throw ExitCode(DioscopeExitStatus.tracingUnavailable.rawValue)
        }
        if verifyError != nil || detectors.allSatisfy({ $0.level == .none }) {
            // one sentence on stderr: why nothing (or not everything) can be traced
            do {
                try environment.verify()
                complain(verifyError ?? "no race detector can work on this kernel (see the table above).")
            } catch {
                complain(error.description)
            }
            throw ExitCode(DioscopeExitStatus.tracingUnavailable.rawValue)
        }
        let blind = detectors.filter { $0.level == .none }.map(\.detector)
        if !blind.isEmpty {
            complain("blind detectors on this kernel: \(blind.joined(separator: ", ")) (see the table above).")
        }
    }

    private func printText(
        _ report: FeatureReport, _ detectors: [DetectorSupport], verified: Bool, verifyError: String?
    ) {
        let width = report.probes.map(\.probe.displayName.count).max() ?? 20
        print("probe".padding(toLength: width + 2, withPad: " ", startingAt: 0) + "attach       reason")
        for s in report.probes {
            print(
                s.probe.displayName.padding(toLength: width + 2, withPad: " ", startingAt: 0)
                    + s.method.rawValue.padding(toLength: 13, withPad: " ", startingAt: 0) + s.reason)
        }
        print("")
        for f in [report.ringBuffer, report.fentry, report.kprobes] {
            print("\(f.name): \(f.available ? "available" : "unavailable") (\(f.detail))")
        }
        print("(fentry and kprobes are optional; dioscope does not use them)")
        print(
            verified
                ? "attachment verified: every probe above was loaded and attached once"
                : "attachment not verified" + (verifyError.map { ": " + $0 } ?? " (run as root to verify)"))
        print("")
        print("detector support:")
        for d in detectors {
            let miss = d.missing.isEmpty ? "" : " (missing: " + d.missing.joined(separator: ", ") + ")"
            print("  \(d.detector): \(d.level.rawValue)\(miss)")
        }
        print("A run is only clean if the recording also had zero ring-buffer drops.")
    }

    private func printBlind(_ r: BlindTasks.Result?, error: String?) {
        print("")
        guard let r else {
            print("blind-task check: could not run (\(error ?? "unknown error"))")
            return
        }
        let seconds = r.seconds == r.seconds.rounded() ? String(Int(r.seconds)) : String(r.seconds)
        print("blind-task check (\(seconds) s): interrupt entries tracefs \(r.tracefsTotal), BPF \(r.bpfTotal)"
            + (r.tracefsLost > 0 ? " (tracefs lost \(r.tracefsLost): a blind task may be missed)" : ""))
        if r.blind.isEmpty {
            print("  no task that BPF programs cannot see")
            return
        }
        for t in r.blind { print("  BLIND: \(t.comm)-\(t.tid): tracefs \(t.tracefs), BPF \(t.bpf)") }
        print("The kernel runs no BPF program while these tasks are current: a direct I/O completed in an")
        print("interrupt on top of one is invisible to dioscope and counted as no drop. The analysis still")
        print("never calls such an I/O clean; an ftrace capture (scripts/capture-ftrace.sh) records it.")
    }

    private struct JSONReport: Encodable {
        struct Probe: Encodable {
            var id: Int
            var name: String
            var attach: String
            var reason: String
        }
        var probes: [Probe]
        var optionalFeatures: [OptionalFeature]
        var verified: Bool
        var verifyError: String?
        var detectors: [Detector]
        var blindTasks: BlindTasks.Result?
        var blindTasksError: String?
        struct Detector: Encodable {
            var name: String
            var support: String
            var missing: [String]
        }
    }

    private func printJSON(
        _ report: FeatureReport, _ detectors: [DetectorSupport], verified: Bool, verifyError: String?,
        blind: BlindTasks.Result?, blindError: String?
    ) throws {
        let out = JSONReport(
            probes: report.probes.map {
                .init(id: $0.probe.id, name: $0.probe.displayName, attach: $0.method.rawValue, reason: $0.reason)
            },
            optionalFeatures: [report.ringBuffer, report.fentry, report.kprobes],
            verified: verified, verifyError: verifyError,
            detectors: detectors.map { .init(name: $0.detector, support: $0.level.rawValue, missing: $0.missing) },
            blindTasks: blind, blindTasksError: blindError)
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        print(String(decoding: try enc.encode(out), as: UTF8.self))
    }
}
