// Quarry — the pipeline file: what to pull, how to transform it, where to publish.

import Foundation

/// A parsed and checked pipeline file. Every field has a default except what must be said.
public struct PipelineConfig: Sendable, Equatable {
    public var file: String
    public var name: String
    public var qualys: QualysSettings
    public var transform: TransformSettings
    public var output: OutputSettings
    public var quality: QualitySettings
    /// Records per batch between stages, and batches a channel holds.
    public var batchSize: Int
    public var channelCapacity: Int

    /// Reads and checks `path`. Relative paths inside are taken from the file's folder.
    public static func load(path: String) throws -> PipelineConfig {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(file: path, key: "", problem: "cannot read the file (does it exist?)")
        }
        return try parse(file: path, data: data)
    }

    public static func parse(file: String, data: Data) throws -> PipelineConfig {
        var root = try ConfigObject.parse(file: file, data: data)
        let base = URL(fileURLWithPath: file).deletingLastPathComponent().path
        let version = try root.int("version", range: 1...1) ?? 1
        _ = version
        guard let name = try root.string("name") else { throw root.error("name", "missing; expected a short name") }
        var q = try root.object("qualys") ?? { throw root.error("qualys", "missing; expected an object") }()
        let qualys = try QualysSettings.parse(&q)
        var t = try root.object("transform")
        let transform = try TransformSettings.parse(&t, base: base)
        var o = try root.object("output")
        let output = try OutputSettings.parse(&o, base: base)
        var ql = try root.object("quality")
        let quality = try QualitySettings.parse(&ql)
        let batch = try root.int("batchSize", range: 1...100_000) ?? 1000
        let capacity = try root.int("channelCapacity", range: 1...1024) ?? 8
        try root.rejectUnknownKeys()
        return PipelineConfig(
            file: file, name: name, qualys: qualys, transform: transform, output: output,
            quality: quality, batchSize: batch, channelCapacity: capacity
        )
    }
}

/// Where the Qualys APIs are and how hard to pull on them.
public struct QualysSettings: Sendable, Equatable {
    /// Known platforms (PODs) and their API server and gateway.
    public static let platforms: [String: (api: String, gateway: String)] = [
        "US1": ("https://qualysapi.qualys.com", "https://gateway.qg1.apps.qualys.com"),
        "US2": ("https://qualysapi.qg2.apps.qualys.com", "https://gateway.qg2.apps.qualys.com"),
        "US3": ("https://qualysapi.qg3.apps.qualys.com", "https://gateway.qg3.apps.qualys.com"),
        "US4": ("https://qualysapi.qg4.apps.qualys.com", "https://gateway.qg4.apps.qualys.com"),
        "EU1": ("https://qualysapi.qualys.eu", "https://gateway.qg1.apps.qualys.eu"),
        "EU2": ("https://qualysapi.qg2.apps.qualys.eu", "https://gateway.qg2.apps.qualys.eu"),
        "EU3": ("https://qualysapi.qg3.apps.qualys.it", "https://gateway.qg3.apps.qualys.it"),
        "IN1": ("https://qualysapi.qg1.apps.qualys.in", "https://gateway.qg1.apps.qualys.in"),
        "CA1": ("https://qualysapi.qg1.apps.qualys.ca", "https://gateway.qg1.apps.qualys.ca"),
        "AE1": ("https://qualysapi.qg1.apps.qualys.ae", "https://gateway.qg1.apps.qualys.ae"),
        "UK1": ("https://qualysapi.qg1.apps.qualys.co.uk", "https://gateway.qg1.apps.qualys.co.uk"),
        "AU1": ("https://qualysapi.qg1.apps.qualys.com.au", "https://gateway.qg1.apps.qualys.com.au"),
        "KSA1": ("https://qualysapi.qg1.apps.qualysksa.com", "https://gateway.qg1.apps.qualysksa.com"),
    ]

    public static func == (a: QualysSettings, b: QualysSettings) -> Bool {
        a.apiURL == b.apiURL && a.gatewayURL == b.gatewayURL && a.sources == b.sources
            && a.credentialsFile == b.credentialsFile && a.gavPageSize == b.gavPageSize
            && a.qpsPageSize == b.qpsPageSize && a.vmTruncationLimit == b.vmTruncationLimit
            && a.maxConcurrency == b.maxConcurrency && a.maxAttempts == b.maxAttempts
            && a.maxRateLimitWait == b.maxRateLimitWait && a.requestTimeout == b.requestTimeout
            && a.clientName == b.clientName && a.platform == b.platform && a.vmAPIVersion == b.vmAPIVersion
            && a.incremental == b.incremental
    }

    /// `US1`… when given by name; nil with explicit URLs.
    public var platform: String?
    /// The `qualysapi` server (VM and hostasset APIs).
    public var apiURL: URL
    /// The gateway (JWT and Global AssetView).
    public var gatewayURL: URL
    public var sources: [SourceAPI]
    public var credentialsFile: String?
    public var gavPageSize: Int
    public var qpsPageSize: Int
    public var vmTruncationLimit: Int
    /// `2.0` (default) or a later host-list version such as `3.0` or `4.0`.
    public var vmAPIVersion: String
    /// Upper bound for requests in flight per API; the concurrency-limit header may lower it.
    public var maxConcurrency: Int
    public var maxAttempts: Int
    /// Longest rate-limit wait (409 code 1965) the run accepts before failing, in seconds.
    public var maxRateLimitWait: Int
    public var requestTimeout: Int
    /// Sent as `X-Requested-With` (required by the VM API).
    public var clientName: String
    /// Pull only what changed since the last published night, where the API can say so.
    public var incremental = IncrementalSettings()

    static func parse(_ q: inout ConfigObject) throws -> QualysSettings {
        let platform = try q.string("platform", oneOf: platforms.keys.sorted())
        let api = try q.string("apiURL")
        let gateway = try q.string("gatewayURL")
        var apiURL: URL
        var gatewayURL: URL
        if let platform {
            if api != nil || gateway != nil {
                throw q.error("platform", "give either platform or apiURL and gatewayURL, not both")
            }
            let p = platforms[platform]!
            apiURL = URL(string: p.api)!
            gatewayURL = URL(string: p.gateway)!
        } else {
            guard let api else { throw q.error("apiURL", "missing; give platform (e.g. \"US1\") or apiURL and gatewayURL") }
            guard let gateway else { throw q.error("gatewayURL", "missing; give it beside apiURL") }
            apiURL = try checkURL(api, key: "apiURL", in: q)
            gatewayURL = try checkURL(gateway, key: "gatewayURL", in: q)
        }
        let names = try q.strings("sources") ?? ["gav", "qps", "vm"]
        var sources: [SourceAPI] = []
        for (i, n) in names.enumerated() {
            guard let s = SourceAPI(rawValue: n) else {
                throw q.error("sources[\(i)]", "expected one of gav, qps, vm, found \"\(n)\"")
            }
            if !sources.contains(s) { sources.append(s) }
        }
        if sources.isEmpty { throw q.error("sources", "expected at least one of gav, qps, vm") }
        var gavPage = 100, qpsPage = 1000, vmLimit = 1000, vmVersion = "2.0"
        if var g = try q.object("gav") {
            gavPage = try g.int("pageSize", range: 1...1000) ?? gavPage
            try g.rejectUnknownKeys()
        }
        if var p = try q.object("qps") {
            qpsPage = try p.int("pageSize", range: 1...1000) ?? qpsPage
            try p.rejectUnknownKeys()
        }
        if var v = try q.object("vm") {
            vmLimit = try v.int("truncationLimit", range: 1...1_000_000) ?? vmLimit
            vmVersion = try v.string("apiVersion", oneOf: ["2.0", "3.0", "4.0", "5.0"]) ?? vmVersion
            try v.rejectUnknownKeys()
        }
        let settings = QualysSettings(
            platform: platform, apiURL: apiURL, gatewayURL: gatewayURL, sources: sources,
            credentialsFile: try q.string("credentialsFile"),
            gavPageSize: gavPage, qpsPageSize: qpsPage, vmTruncationLimit: vmLimit, vmAPIVersion: vmVersion,
            maxConcurrency: try q.int("maxConcurrency", range: 1...32) ?? 2,
            maxAttempts: try q.int("maxAttempts", range: 1...20) ?? 6,
            maxRateLimitWait: try q.int("maxRateLimitWaitSeconds", range: 0...172_800) ?? 3600,
            requestTimeout: try q.int("requestTimeoutSeconds", range: 1...3600) ?? 300,
            clientName: try q.string("clientName") ?? "quarry"
        )
        var result = settings
        if var inc = try q.object("incremental") {
            result.incremental.enabled = try inc.bool("enabled") ?? result.incremental.enabled
            result.incremental.fullPullEveryDays = try inc.int("fullPullEveryDays", range: 1...365)
                ?? result.incremental.fullPullEveryDays
            result.incremental.overlapMinutes = try inc.int("overlapMinutes", range: 0...10_080)
                ?? result.incremental.overlapMinutes
            try inc.rejectUnknownKeys()
        }
        try q.rejectUnknownKeys()
        return result
    }

    /// Accepts `https://…`, and `http://` only for loopback hosts.
    public static func checkURL(_ text: String, key: String, in q: ConfigObject) throws -> URL {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), let host = url.host else {
            throw q.error(key, "expected an https:// URL, found \"\(text)\"")
        }
        if url.user != nil || url.password != nil {
            // Never echo the URL: it holds a secret.
            throw q.error(key, "credentials inside the URL are refused; give them in QUALYS_USERNAME/QUALYS_PASSWORD "
                + "or qualys.credentialsFile")
        }
        if scheme == "https" { return url }
        if scheme == "http" && isLoopback(host) { return url }
        if scheme == "http" {
            throw q.error(key, "plain http:// is refused except for loopback (127.0.0.1, localhost, ::1); use https://")
        }
        throw q.error(key, "expected an https:// URL, found scheme \"\(scheme)\"")
    }

    public static func isLoopback(_ host: String) -> Bool {
        let h = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        return h == "localhost" || h == "::1" || h.hasPrefix("127.")
    }
}

/// Incremental pulls: Global AssetView (`assetLastUpdated`) and hostasset (`updated GREATER`)
/// are asked only for what changed since the last published night, and the unchanged records
/// come from `_state/sources/`. The VM host list has no "changed since" filter for host data
/// (`vm_processed_after` follows scans), so it is always pulled whole.
public struct IncrementalSettings: Sendable, Equatable {
    public var enabled = true
    /// A full pull at least this often, so that records deleted in Qualys leave the lake.
    public var fullPullEveryDays = 7
    /// The high-water mark is moved back by this much, for clock skew and late updates.
    public var overlapMinutes = 60

    public init() {}
}

public struct TransformSettings: Sendable, Equatable {
    /// Folder of schema files.
    public var schemasDir: String
    /// A machine no sensor has seen for this many days is flagged in `coverage`.
    public var notSeenDays: Int

    static func parse(_ t: inout ConfigObject?, base: String) throws -> TransformSettings {
        var s = TransformSettings(schemasDir: resolve("../schemas", base: base), notSeenDays: 30)
        guard var t else { return s }
        if let dir = try t.string("schemas") { s.schemasDir = resolve(dir, base: base) }
        s.notSeenDays = try t.int("notSeenDays", range: 1...3650) ?? s.notSeenDays
        try t.rejectUnknownKeys()
        return s
    }
}

public struct OutputSettings: Sendable, Equatable {
    public var dir: String
    public var gzipLevel: Int
    /// Also write `assets` as an Excel-friendly CSV (BOM, CRLF) beside the lake.
    public var excelCopy: Bool
    /// Replace line breaks inside values by spaces in CSV (off: RFC 4180 keeps them quoted).
    public var flattenLineBreaks: Bool
    /// Rows per file before rolling to the next part (at most 1,048,575 for spreadsheets).
    public var maxRowsPerFile: Int

    static func parse(_ o: inout ConfigObject?, base: String) throws -> OutputSettings {
        var s = OutputSettings(dir: resolve("../out", base: base), gzipLevel: 6, excelCopy: false,
                               flattenLineBreaks: false, maxRowsPerFile: 1_048_575)
        guard var o else { return s }
        if let dir = try o.string("dir") { s.dir = resolve(dir, base: base) }
        s.gzipLevel = try o.int("gzipLevel", range: 1...9) ?? s.gzipLevel
        s.excelCopy = try o.bool("excelCopy") ?? false
        s.flattenLineBreaks = try o.bool("flattenLineBreaks") ?? false
        s.maxRowsPerFile = try o.int("maxRowsPerFile", range: 1...1_048_575) ?? s.maxRowsPerFile
        try o.rejectUnknownKeys()
        return s
    }
}

public struct QualitySettings: Sendable, Equatable {
    /// Fail when `assets` falls below this share of the previous night's count (0 turns it off).
    public var minRatioToPrevious: Double
    /// Publish even when a source returned no records or the snapshot collapsed.
    public var allowEmpty: Bool

    static func parse(_ q: inout ConfigObject?) throws -> QualitySettings {
        var s = QualitySettings(minRatioToPrevious: 0.5, allowEmpty: false)
        guard var q else { return s }
        s.minRatioToPrevious = try q.double("minRatioToPrevious", range: 0...1) ?? s.minRatioToPrevious
        s.allowEmpty = try q.bool("allowEmpty") ?? false
        try q.rejectUnknownKeys()
        return s
    }
}

/// `path` if absolute, else relative to `base`; `~/` expands to the home folder.
public func resolve(_ path: String, base: String) -> String {
    if path.hasPrefix("/") { return path }
    if path.hasPrefix("~/") { return NSString(string: path).expandingTildeInPath }
    return URL(fileURLWithPath: base).appendingPathComponent(path).standardizedFileURL.path
}
