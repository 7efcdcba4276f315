// Quarry — configuration errors that name the file, the key and what was expected.

import Foundation

/// A problem in a pipeline or schema file, or on the command line. Exit status 2.
public struct ConfigError: Error, Equatable, CustomStringConvertible {
    /// The file (or `command line`).
    public var file: String
    /// Dotted key path inside the file (`qualys.gav.pageSize`), or the option name.
    public var key: String
    /// What is wrong and what was expected, as one sentence fragment.
    public var problem: String

    public init(file: String, key: String, problem: String) {
        self.file = file
        self.key = key
        self.problem = problem
    }

    public var description: String {
        key.isEmpty ? "\(file): \(problem)" : "\(file): \(key): \(problem)"
    }
}

/// Reads a JSON configuration file with key paths in every error and no unknown keys allowed.
///
/// Usage: `let r = try ConfigReader(file:data:)`, then `r.object(...)` and the typed getters;
/// finish with `try reader.rejectUnknownKeys()` on each object you read.
public struct ConfigObject {
    public let file: String
    public let path: String
    private let dict: [String: Any]
    private var seen: Set<String> = []

    init(file: String, path: String, dict: [String: Any]) {
        self.file = file
        self.path = path
        self.dict = dict
    }

    /// Parses `data` as a JSON object, naming `file` in any syntax error.
    public static func parse(file: String, data: Data) throws -> ConfigObject {
        let any: Any
        do {
            any = try JSONSerialization.jsonObject(with: data, options: [])
        } catch {
            let detail = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String
            throw ConfigError(file: file, key: "", problem: "not valid JSON (\(detail ?? "syntax error"))")
        }
        guard let dict = any as? [String: Any] else {
            throw ConfigError(file: file, key: "", problem: "expected a JSON object at the top level")
        }
        return ConfigObject(file: file, path: "", dict: dict)
    }

    func keyPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    public func error(_ key: String, _ problem: String) -> ConfigError {
        ConfigError(file: file, key: keyPath(key), problem: problem)
    }

    public func has(_ key: String) -> Bool { dict[key] != nil && !(dict[key] is NSNull) }

    private mutating func raw(_ key: String) -> Any? {
        seen.insert(key)
        guard let v = dict[key], !(v is NSNull) else { return nil }
        return v
    }

    public mutating func string(_ key: String) throws -> String? {
        guard let v = raw(key) else { return nil }
        guard let s = v as? String else { throw error(key, "expected a string, found \(Self.describe(v))") }
        return s
    }

    public mutating func string(_ key: String, oneOf allowed: [String]) throws -> String? {
        guard let s = try string(key) else { return nil }
        guard allowed.contains(s) else {
            throw error(key, "expected one of \(allowed.joined(separator: ", ")), found \"\(s)\"")
        }
        return s
    }

    public mutating func bool(_ key: String) throws -> Bool? {
        guard let v = raw(key) else { return nil }
        guard let n = v as? NSNumber, Self.isBool(n) else {
            throw error(key, "expected true or false, found \(Self.describe(v))")
        }
        return n.boolValue
    }

    public mutating func int(_ key: String, range: ClosedRange<Int>) throws -> Int? {
        guard let v = raw(key) else { return nil }
        guard let n = v as? NSNumber, !Self.isBool(n), n.doubleValue == n.doubleValue.rounded() else {
            throw error(key, "expected a whole number, found \(Self.describe(v))")
        }
        let i = n.intValue
        guard range.contains(i) else {
            throw error(key, "expected a whole number from \(range.lowerBound) to \(range.upperBound), found \(i)")
        }
        return i
    }

    public mutating func double(_ key: String, range: ClosedRange<Double>) throws -> Double? {
        guard let v = raw(key) else { return nil }
        guard let n = v as? NSNumber, !Self.isBool(n) else {
            throw error(key, "expected a number, found \(Self.describe(v))")
        }
        guard range.contains(n.doubleValue) else {
            throw error(key, "expected a number from \(range.lowerBound) to \(range.upperBound), found \(n)")
        }
        return n.doubleValue
    }

    public mutating func strings(_ key: String) throws -> [String]? {
        guard let v = raw(key) else { return nil }
        guard let a = v as? [Any], let s = a as? [String] else {
            throw error(key, "expected a list of strings, found \(Self.describe(v))")
        }
        return s
    }

    public mutating func object(_ key: String) throws -> ConfigObject? {
        guard let v = raw(key) else { return nil }
        guard let d = v as? [String: Any] else { throw error(key, "expected an object, found \(Self.describe(v))") }
        return ConfigObject(file: file, path: keyPath(key), dict: d)
    }

    /// Objects in a list, each with its index in the key path (`columns[3]`).
    public mutating func objects(_ key: String) throws -> [ConfigObject]? {
        guard let v = raw(key) else { return nil }
        guard let a = v as? [Any] else { throw error(key, "expected a list of objects, found \(Self.describe(v))") }
        return try a.enumerated().map { i, item in
            guard let d = item as? [String: Any] else {
                throw error("\(key)[\(i)]", "expected an object, found \(Self.describe(item))")
            }
            return ConfigObject(file: file, path: "\(keyPath(key))[\(i)]", dict: d)
        }
    }

    /// Throws for the first key that no getter asked for: a typo must not be ignored.
    public func rejectUnknownKeys() throws {
        for key in dict.keys.sorted() where !seen.contains(key) {
            let hint = Self.closest(to: key, in: seen).map { " (did you mean \"\($0)\"?)" } ?? ""
            throw error(key, "unknown key\(hint); known keys here: \(seen.sorted().joined(separator: ", "))")
        }
    }

    static func isBool(_ n: NSNumber) -> Bool {
        String(cString: n.objCType) == "c"
    }

    static func describe(_ v: Any) -> String {
        switch v {
        case let n as NSNumber where isBool(n): return n.boolValue ? "true" : "false"
        case let n as NSNumber: return "the number \(n)"
        case let s as String: return "the string \"\(s.prefix(40))\""
        case is [Any]: return "a list"
        case is [String: Any]: return "an object"
        default: return "null"
        }
    }

    static func closest(to key: String, in candidates: Set<String>) -> String? {
        let scored = candidates.map { ($0, editDistance($0.lowercased(), key.lowercased())) }
        guard let best = scored.min(by: { $0.1 < $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) }) else { return nil }
        return best.1 <= max(2, key.count / 3) ? best.0 : nil
    }

    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var prev = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var cur = [i] + Array(repeating: 0, count: b.count)
            for j in 1...max(b.count, 1) where !b.isEmpty {
                cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            prev = cur
        }
        return prev[b.count]
    }
}
