// Quarry — errors of the load stage: what went wrong, on which file, table or row.

import Foundation

/// An error while writing or publishing a snapshot. `description` is one line naming the
/// file, table or row concerned.
public enum LoadError: Error, Equatable, CustomStringConvertible {
    /// A system call failed on `path` (`errno` kept with its text).
    case io(path: String, operation: String, errno: Int32, message: String)
    /// A batch names a table the writer was not opened with.
    case unknownTable(String)
    /// A row has the wrong number of cells for its table.
    case rowShape(table: String, row: Int, expected: Int, found: Int)
    /// A cell's value does not fit its column's type.
    case wrongType(table: String, row: Int, column: String, expected: String, found: String)
    /// A snapshot date, run id or table name that cannot be used in a path.
    case badName(what: String, value: String, expected: String)
    /// Another writer holds the output folder's lock (`.quarry.lock`).
    case locked(path: String)
    /// A staging folder left by a dead run could not be rolled back; a human must look.
    case recoveryFailed(staging: String, reason: String)
    /// The writer was used after `publish` or `abort`.
    case closed(String)
    /// A crash injected by a test at a publish step; the writer behaves as if the process died.
    case simulatedCrash(PublishStep)

    public var description: String {
        switch self {
        case let .io(path, op, code, message):
            return "\(op) failed on \(path): \(message) (errno \(code))"
        case let .unknownTable(name):
            return "a batch names table \"\(name)\", which the snapshot writer was not opened with"
        case let .rowShape(table, row, expected, found):
            return "table \(table), row \(row): expected \(expected) cells, found \(found)"
        case let .wrongType(table, row, column, expected, found):
            return "table \(table), row \(row), column \(column): expected \(expected), found \(found)"
        case let .badName(what, value, expected):
            return "\(what) \"\(value)\" cannot be used: expected \(expected)"
        case let .locked(path):
            return "another Quarry run is writing to this output folder (lock \(path) is held)"
        case let .recoveryFailed(staging, reason):
            return "could not roll back the interrupted publication in \(staging): \(reason)"
        case let .closed(why):
            return "snapshot writer already \(why)"
        case let .simulatedCrash(step):
            return "simulated crash at publish step \(step.rawValue)"
        }
    }

    /// Builds `.io` from the current `errno`.
    static func posix(_ operation: String, _ path: String) -> LoadError {
        let code = errno
        return .io(path: path, operation: operation, errno: code, message: String(cString: strerror(code)))
    }
}

/// A zlib failure on a gzip file, with zlib's own code and message.
public struct GzipError: Error, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, Equatable {
        /// `Z_DATA_ERROR`: bad header, bad deflate data, CRC or length check failed.
        case corruptData
        /// The file ended before the gzip member's trailer.
        case truncated
        /// `Z_MEM_ERROR`.
        case outOfMemory
        /// `Z_STREAM_ERROR` / `Z_BUF_ERROR` where none is expected: a bug or a bad level.
        case streamState
        /// `Z_VERSION_ERROR`: the zlib library does not match its headers.
        case version
    }

    public var kind: Kind
    public var path: String
    /// zlib's return code (`Z_DATA_ERROR` …), 0 for `truncated`.
    public var code: Int32
    /// zlib's `msg` text, e.g. "incorrect data check".
    public var message: String

    public var description: String { "gzip \(kind.rawValue) in \(path): \(message) (zlib code \(code))" }
}
