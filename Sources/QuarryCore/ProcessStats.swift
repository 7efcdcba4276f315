// Quarry — process figures for the run report and the benchmarks.

import Foundation

public enum ProcessStats {
    /// Peak resident set size of this process in bytes (`VmHWM`), or 0 where unknown.
    public static func peakRSSBytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in text.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let digits = line.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
            return digits * 1024
        }
        return 0
    }

    /// User + system CPU seconds used by this process so far.
    public static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let user = Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
        let system = Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
        return user + system
    }
}

/// Finds the read-only `shared/` folder (contract, fixtures, cases) that sits beside the
/// repository: `QUARRY_SHARED` if set, else the first ancestor of `start` with a
/// `shared/CONTRACT.md`. Tests use it to read the real samples where they are.
public enum SharedFolder {
    public static func locate(from start: String = #filePath) -> URL? {
        if let env = ProcessInfo.processInfo.environment["QUARRY_SHARED"], !env.isEmpty {
            return URL(fileURLWithPath: env)
        }
        var dir = URL(fileURLWithPath: start).deletingLastPathComponent()
        while dir.path != "/" {
            let candidate = dir.appendingPathComponent("shared")
            if FileManager.default.fileExists(atPath: candidate.appendingPathComponent("CONTRACT.md").path) {
                return candidate
            }
            dir = dir.deletingLastPathComponent()
        }
        return nil
    }
}
