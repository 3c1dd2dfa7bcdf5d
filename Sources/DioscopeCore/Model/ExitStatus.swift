/// The documented exit codes of every dioscope command.
public enum DioscopeExitStatus: Int32, Sendable, CaseIterable {
    /// Everything seen, nothing flagged.
    case clean = 0
    /// At least one race finding.
    case findings = 1
    /// No finding, but events were lost or cut off: the run cannot be called clean.
    case inconclusive = 2
    /// The trace could not be read, or was damaged (intact parts were still analyzed).
    case badInput = 3
    /// Tracing is impossible here: privileges, BTF, tracefs, or a missing tracepoint.
    case tracingUnavailable = 4
    /// `dioscope run`: the traced command failed, and no finding was made.
    case commandFailed = 5
    /// The command line was wrong.
    case usage = 64
}
