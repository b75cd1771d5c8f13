#if canImport(Glibc)
import Glibc
#endif

/// A one-line progress bar on standard error (count, rate, ETA), drawn only on a terminal.
final class ProgressBar {
    private let enabled: Bool
    private let label: String
    private let clock = ContinuousClock()
    private let start: ContinuousClock.Instant
    private var lastDraw: ContinuousClock.Instant?
    private var drawn = false

    init(enabled: Bool, label: String) {
        self.enabled = enabled
        self.label = label
        start = clock.now
    }

    func update(done: Int, total: Int, failed: Int, doneThisRun: Int) {
        guard enabled else { return }
        let now = clock.now
        if let lastDraw, now - lastDraw < .milliseconds(100), done < total { return }
        lastDraw = now
        let elapsed = Double((now - start).components.seconds) + Double((now - start).components.attoseconds) * 1e-18
        let rate = elapsed > 0 ? Double(doneThisRun) / elapsed : 0
        let remaining = rate > 0 ? Double(total - done) / rate : 0
        let width = 30
        let filled = total > 0 ? width * done / total : width
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
        var line = "\r\(label) \(bar) \(done)/\(total)  \(Int(rate))/s  ETA \(Int(remaining.rounded())) s"
        if failed > 0 { line += "  failed \(failed)" }
        line += "\u{1B}[K"
        line.withUTF8 { _ = write(STDERR_FILENO, $0.baseAddress, $0.count) }
        drawn = true
    }

    func finish() {
        guard enabled, drawn else { return }
        var line = "\n"
        line.withUTF8 { _ = write(STDERR_FILENO, $0.baseAddress, $0.count) }
        drawn = false
    }
}

/// Ctrl-C and SIGTERM set a flag that long jobs poll between steps, so they stop at a safe point.
enum Interrupt {
    nonisolated(unsafe) private static var flag: sig_atomic_t = 0

    static var requested: Bool { flag != 0 }

    /// Installs the handlers and unblocks the two signals (a parent may have started this process with
    /// them blocked, and threads started later inherit the calling thread's mask).
    static func install() {
        signal(SIGINT) { _ in Interrupt.flag = 1 }
        signal(SIGTERM) { _ in Interrupt.flag = 1 }
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }
}
