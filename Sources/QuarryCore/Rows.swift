// Quarry — what the transform stage hands to the load stage: typed rows of named tables.

/// Column types of the published tables; the manifest names them with `rawValue`.
public enum ColumnType: String, Sendable, Codable, Equatable {
    case string
    case integer
    case boolean
    /// Seconds since 1970 UTC, written `YYYY-MM-DDTHH:MM:SSZ`.
    case timestamp
    /// A list of strings: a JSON array in NDJSON, compact JSON text in one CSV cell.
    case stringList = "list<string>"
}

public struct Column: Sendable, Equatable, Codable {
    public var name: String
    public var type: ColumnType

    public init(_ name: String, _ type: ColumnType) {
        self.name = name
        self.type = type
    }
}

/// A published table: its name, columns and key.
public struct TableSchema: Sendable, Equatable, Codable {
    public var name: String
    public var columns: [Column]
    public var key: [String]

    public init(name: String, columns: [Column], key: [String]) {
        self.name = name
        self.columns = columns
        self.key = key
    }

    public func index(of column: String) -> Int? { columns.firstIndex { $0.name == column } }
}

/// One cell. `null` is written as an empty CSV cell and a JSON `null`.
public enum Value: Sendable, Equatable, Hashable {
    case null
    case string(String)
    case integer(Int64)
    case boolean(Bool)
    case timestamp(Int64)
    case list([String])

    public var isNull: Bool { if case .null = self { return true } else { return false } }

    public var stringValue: String? { if case .string(let s) = self { return s } else { return nil } }
    public var listValue: [String]? { if case .list(let l) = self { return l } else { return nil } }
}

/// A row: cells in the order of its table's columns.
public typealias Row = [Value]

/// Rows of one table, the unit that travels from transform to load.
public struct RowBatch: Sendable, Equatable {
    public var table: String
    public var rows: [Row]

    public init(table: String, rows: [Row]) {
        self.table = table
        self.rows = rows
    }
}
