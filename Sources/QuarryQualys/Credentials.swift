// Quarry — Qualys API credentials from the environment or an owner-only file.

import Foundation
import QuarryCore

/// A Qualys API user. `description` never shows the password.
public struct Credentials: Sendable, Equatable, CustomStringConvertible {
    public var username: String
    public var password: String

    public init(username: String, password: String) {
        self.username = username
        self.password = password
    }

    public var description: String { "Credentials(username: \(username), password: ***)" }

    /// `QUALYS_USERNAME` + `QUALYS_PASSWORD` when both are set and non-empty; otherwise
    /// `settings.credentialsFile`, which must be readable by its owner only (mode & 0o077
    /// == 0). The file holds either `username=…` and `password=…` lines or two bare lines
    /// (username, then password); blank lines and `#` comments are skipped, and the value
    /// is taken as is after the first `=` (no quotes, no trimming of inner spaces).
    ///
    /// - Throws: `ExtractError.credentials` saying what is missing or wrong (never the password).
    public static func resolve(settings: QualysSettings, environment: [String: String]) throws -> Credentials {
        if let user = environment["QUALYS_USERNAME"], let pass = environment["QUALYS_PASSWORD"],
           !user.isEmpty, !pass.isEmpty {
            return Credentials(username: user, password: pass)
        }
        guard let path = settings.credentialsFile else {
            throw ExtractError.credentials(
                "set QUALYS_USERNAME and QUALYS_PASSWORD, or give qualys.credentialsFile in the pipeline file")
        }
        return try load(file: path)
    }

    /// Reads a credentials file (see `resolve`).
    public static func load(file path: String) throws -> Credentials {
        let attributes: [FileAttributeKey: Any]
        do {
            attributes = try FileManager.default.attributesOfItem(atPath: path)
        } catch {
            throw ExtractError.credentials("cannot read the credentials file \(path) (does it exist?)")
        }
        let mode = (attributes[.posixPermissions] as? NSNumber)?.intValue ?? 0o777
        if mode & 0o077 != 0 {
            throw ExtractError.credentials(
                "the credentials file \(path) is readable by group or others (mode \(String(mode, radix: 8))); "
                    + "run chmod 600 on it")
        }
        guard let data = FileManager.default.contents(atPath: path),
              let text = String(data: data, encoding: .utf8) else {
            throw ExtractError.credentials("cannot read the credentials file \(path) as UTF-8 text")
        }
        var user: String?, pass: String?
        var bare: [String] = []
        for raw in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            let line = raw.hasSuffix("\r") ? String(raw.dropLast()) : String(raw)
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            if let eq = line.firstIndex(of: "=") {
                let key = line[..<eq].trimmingCharacters(in: .whitespaces).lowercased()
                let value = String(line[line.index(after: eq)...])
                if key == "username" { user = value; continue }
                if key == "password" { pass = value; continue }
            }
            bare.append(line)
        }
        if user == nil && pass == nil && bare.count == 2 {
            user = bare[0].trimmingCharacters(in: .whitespaces)
            pass = bare[1]
        }
        guard let user, !user.isEmpty else {
            throw ExtractError.credentials("the credentials file \(path) has no username (expected username=…)")
        }
        guard let pass, !pass.isEmpty else {
            throw ExtractError.credentials("the credentials file \(path) has no password (expected password=…)")
        }
        return Credentials(username: user, password: pass)
    }

    /// The `Authorization: Basic …` value.
    var basicAuthorization: String {
        "Basic " + Data("\(username):\(password)".utf8).base64EncodedString()
    }
}
