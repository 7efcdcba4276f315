// Quarry — what the extract stage hands to the transform stage.

/// The three Qualys asset APIs, named as in `source_api`.
public enum SourceAPI: String, Sendable, CaseIterable, Codable, Comparable {
    /// Global AssetView / CSAM (JSON, gateway).
    case gav
    /// Asset Management "hostasset" (QPS XML).
    case qps
    /// VM Host List (XML).
    case vm

    public static func < (a: SourceAPI, b: SourceAPI) -> Bool { a.rawValue < b.rawValue }
}

/// One leaf value of a source record.
///
/// `path` names the value without indices: XML element names joined by `/` below the
/// record element (`DNS_DATA/HOSTNAME`, `networkInterface/list/HostAssetInterface/address`,
/// an attribute as `TAG/@name`), JSON keys joined by `.` (`networkInterfaceListData.networkInterface.addressIpV4`;
/// array elements add no component). `group` numbers the enclosing element or object
/// instance: two values with the same `group` come from the same parent, so the address
/// and the interface name of one network interface can be told from another's.
public struct SourceField: Sendable, Equatable, Hashable {
    public var path: String
    public var value: String
    public var group: Int32

    public init(path: String, value: String, group: Int32 = 0) {
        self.path = path
        self.value = value
        self.group = group
    }
}

/// Where a record or page came from, for quarantine entries and error messages.
public struct Locator: Sendable, Equatable, Hashable, CustomStringConvertible {
    public var api: SourceAPI
    public var page: Int
    /// 1-based position of the record in its page (0 for the page itself).
    public var position: Int

    public init(api: SourceAPI, page: Int, position: Int) {
        self.api = api
        self.page = page
        self.position = position
    }

    public var description: String {
        position == 0 ? "\(api) page \(page)" : "\(api) page \(page) record \(position)"
    }
}

/// A text value changed while reading because it held something XML or UTF-8 forbids.
public struct TextRepair: Sendable, Equatable, Hashable {
    public enum Kind: String, Sendable, Codable {
        /// A C0 control character (not TAB, LF, CR) in the raw bytes.
        case controlCharacter = "control_character"
        /// A byte that is not part of a valid UTF-8 sequence.
        case invalidUTF8 = "invalid_utf8"
        /// A character reference (`&#0;`) to a code point XML 1.0 forbids.
        case forbiddenCharacterReference = "forbidden_character_reference"
    }

    public var path: String
    public var kind: Kind
    /// Characters replaced by U+FFFD in this value.
    public var count: Int

    public init(path: String, kind: Kind, count: Int) {
        self.path = path
        self.kind = kind
        self.count = count
    }
}

/// One record of one API, as read: the input of schema mapping.
public struct SourceRecord: Sendable, Equatable {
    public var api: SourceAPI
    /// The API's record ID as text: GAV `assetId`, hostasset `id`, VM host `ID`.
    public var recordID: String
    public var locator: Locator
    /// Leaf values in document order.
    public var fields: [SourceField]
    public var repairs: [TextRepair]

    public init(api: SourceAPI, recordID: String, locator: Locator, fields: [SourceField], repairs: [TextRepair] = []) {
        self.api = api
        self.recordID = recordID
        self.locator = locator
        self.fields = fields
        self.repairs = repairs
    }

    /// The first value at `path`, if any.
    public func first(_ path: String) -> String? { fields.first { $0.path == path }?.value }

    /// Every value at `path`, in document order.
    public func all(_ path: String) -> [String] { fields.filter { $0.path == path }.map(\.value) }
}

/// Something that could not be used: a record (quarantined) or a page. Becomes a row of `rejects`.
public struct Reject: Sendable, Equatable {
    /// `gav`, `qps`, `vm`, or a stage name (`transform`, `load`).
    public var source: String
    /// Where: `vm page 3 record 17`, plus the record ID when known.
    public var locator: String
    public var recordID: String?
    /// A short reason a user can act on: `missing required field ID`.
    public var reason: String
    /// At most a few hundred characters of the offending input.
    public var excerpt: String

    public init(source: String, locator: String, recordID: String? = nil, reason: String, excerpt: String = "") {
        self.source = source
        self.locator = locator
        self.recordID = recordID
        self.reason = reason
        self.excerpt = String(excerpt.prefix(300))
    }
}
