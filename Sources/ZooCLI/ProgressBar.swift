import Foundation
import Zoo

/// Download progress on standard error: a redrawn bar on a terminal, a plain line every few
/// seconds otherwise (logs, CI).
final class ProgressBar: @unchecked Sendable {
    private let isTerminal = isatty(STDERR_FILENO) == 1
    private var lastPlainLine = Date.distantPast
    private var drew = false
    /// The latest plain line not yet printed (not a terminal).
    private var pending: String?

    func update(_ progress: TransferProgress) {
        let rate = progress.elapsed > 0 ? Double(progress.received) / progress.elapsed : 0
        var text = "\(Self.bytes(Double(progress.received)))"
        if let total = progress.total, total > 0 {
            let fraction = min(1, Double(progress.received) / Double(total))
            let eta = rate > 0 ? Double(total - progress.received) / rate : 0
            let width = 30, filled = Int(fraction * Double(width))
            let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
            text =
                String(format: "%3.0f%% ", fraction * 100) + (isTerminal ? "\(bar) " : "")
                + "\(Self.bytes(Double(progress.received))) / \(Self.bytes(Double(total)))"
                + "  \(Self.bytes(rate))/s  ETA \(Self.duration(eta))"
        } else {
            text += "  \(Self.bytes(rate))/s"
        }
        if isTerminal {
            FileHandle.standardError.write(("\r\u{1B}[K" + text).data(using: .utf8)!)
            drew = true
        } else if Date().timeIntervalSince(lastPlainLine) >= 5 {
            lastPlainLine = Date()
            FileHandle.standardError.write((text + "\n").data(using: .utf8)!)
            pending = nil
        } else {
            pending = text
        }
    }

    /// Counted work (images evaluated, ...): the same bar with a count instead of bytes.
    func update(done: Int, total: Int, unit: String, elapsed: Double) {
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        let fraction = total > 0 ? min(1, Double(done) / Double(total)) : 0
        let eta = rate > 0 ? Double(total - done) / rate : 0
        let width = 30, filled = Int(fraction * Double(width))
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
        let text =
            String(format: "%3.0f%% ", fraction * 100) + (isTerminal ? "\(bar) " : "")
            + "\(done) / \(total) \(unit)  " + String(format: "%.1f", rate) + " \(unit)/s  ETA \(Self.duration(eta))"
        show(text)
    }

    private func show(_ text: String) {
        if isTerminal {
            FileHandle.standardError.write(("\r\u{1B}[K" + text).data(using: .utf8)!)
            drew = true
        } else if Date().timeIntervalSince(lastPlainLine) >= 5 {
            lastPlainLine = Date()
            FileHandle.standardError.write((text + "\n").data(using: .utf8)!)
            pending = nil
        } else {
            pending = text
        }
    }

    /// Ends the bar's line (or prints the last plain line) so later output starts clean.
    func finish() {
        if drew { FileHandle.standardError.write("\n".data(using: .utf8)!); drew = false }
        if let line = pending { FileHandle.standardError.write((line + "\n").data(using: .utf8)!); pending = nil }
    }

    static func bytes(_ value: Double) -> String {
        let units = ["B", "KB", "MB", "GB", "TB"]
        var v = value, unit = 0
        while v >= 1000 && unit < units.count - 1 { v /= 1000; unit += 1 }
        return unit == 0 ? "\(Int(v)) B" : String(format: "%.1f %@", v, units[unit])
    }

    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600
            ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }
}

func printError(_ line: String) { FileHandle.standardError.write((line + "\n").data(using: .utf8)!) }
