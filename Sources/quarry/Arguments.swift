// Quarry — command-line parsing: options, flags and positionals, with errors that name the option.

import QuarryCore

/// The words after the subcommand, checked against what that subcommand accepts.
struct Arguments {
    let command: String
    private(set) var values: [String: String] = [:]
    private(set) var flags: Set<String> = []
    private(set) var positionals: [String] = []

    /// Parses `words` given the options that take a value and the flags that do not.
    /// `--opt=value` and `--opt value` are both accepted.
    init(command: String, words: [String], options: Set<String>, flags allowedFlags: Set<String>) throws {
        self.command = command
        var i = 0
        while i < words.count {
            let word = words[i]
            i += 1
            guard word.hasPrefix("--"), word.count > 2 else {
                positionals.append(word)
                continue
            }
            var name = String(word.dropFirst(2))
            var inline: String?
            if let eq = name.firstIndex(of: "=") {
                inline = String(name[name.index(after: eq)...])
                name = String(name[..<eq])
            }
            if allowedFlags.contains(name) {
                guard inline == nil else { throw usage("--\(name) takes no value") }
                flags.insert(name)
            } else if options.contains(name) {
                if let inline {
                    values[name] = inline
                } else {
                    guard i < words.count, !words[i].hasPrefix("--") else {
                        throw usage("--\(name) needs a value")
                    }
                    values[name] = words[i]
                    i += 1
                }
            } else {
                let known = (options.union(allowedFlags)).sorted().map { "--\($0)" }.joined(separator: ", ")
                throw usage("unknown option --\(name); \(command) accepts \(known.isEmpty ? "no options" : known)")
            }
        }
    }

    func usage(_ problem: String) -> ConfigError {
        ConfigError(file: "command line", key: "quarry \(command)", problem: problem)
    }

    func string(_ name: String) -> String? { values[name] }

    func int(_ name: String, range: ClosedRange<Int>) throws -> Int? {
        guard let text = values[name] else { return nil }
        guard let v = Int(text), range.contains(v) else {
            throw usage("--\(name) expects a whole number from \(range.lowerBound) to \(range.upperBound), found \"\(text)\"")
        }
        return v
    }

    func uint64(_ name: String) throws -> UInt64? {
        guard let text = values[name] else { return nil }
        guard let v = UInt64(text) else { throw usage("--\(name) expects a whole number ≥ 0, found \"\(text)\"") }
        return v
    }

    /// A `YYYY-MM-DD` calendar date that exists.
    func date(_ name: String) throws -> String? {
        guard let text = values[name] else { return nil }
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        if parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
           let y = Int64(parts[0]), let m = Int64(parts[1]), let d = Int64(parts[2]), (1...12).contains(m),
           (1...31).contains(d) {
            let days = Timestamp.days(year: y, month: m, day: d)
            let (y2, m2, d2) = Timestamp.civil(fromDays: days)
            if (y2, m2, d2) == (y, m, d) { return text }
        }
        throw usage("--\(name) expects a date YYYY-MM-DD, found \"\(text)\"")
    }

    func choice(_ name: String, _ allowed: [String]) throws -> String? {
        guard let text = values[name] else { return nil }
        guard allowed.contains(text) else {
            throw usage("--\(name) expects one of \(allowed.joined(separator: ", ")), found \"\(text)\"")
        }
        return text
    }

    func onePositional(_ what: String) throws -> String {
        guard positionals.count == 1 else {
            throw usage(positionals.isEmpty ? "missing \(what)" : "expected one \(what), found \(positionals.count) arguments")
        }
        return positionals[0]
    }

    func noPositionals() throws {
        if let extra = positionals.first { throw usage("unexpected argument \"\(extra)\"") }
    }
}
