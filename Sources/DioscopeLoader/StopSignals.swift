import Glibc

/// SIGINT/SIGTERM turned into a flag the recording loop checks, so a
/// stop request ends the recording cleanly instead of killing it.
public enum StopSignals {
    nonisolated(unsafe) private static var received: Int32 = 0
    nonisolated(unsafe) private static var installed = false

    /// Installs the handlers (without SA_RESTART: a blocked poll returns).
    public static func install() {
        guard !installed else { return }
        installed = true
        received = 0
        for sig in [SIGINT, SIGTERM] {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { sig in StopSignals.received = sig }
            sigemptyset(&action.sa_mask)
            action.sa_flags = 0
            sigaction(sig, &action, nil)
        }
    }

    /// Restores the default dispositions.
    public static func uninstall() {
        guard installed else { return }
        installed = false
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }

    /// The signal received since `install()`, or 0.
    public static var pending: Int32 { received }
}
