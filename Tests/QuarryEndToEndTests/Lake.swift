// Quarry — end-to-end test helpers: temporary folders, replay folders and reading a lake back.

import Foundation
import QuarryCore
import QuarryJob
import QuarryLoad

/// A published output folder, read back with the project's own gzip reader.
struct Lake {
    let dir: String

    /// Rows of `table` from its NDJSON partition of `date`, as JSON objects.
    func rows(_ table: String, date: String) throws -> [[String: Any]] {
        let folder = "\(dir)/ndjson/\(table)/snapshot_date=\(date)"
        let parts = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".ndjson.gz") }.sorted()
        var out: [[String: Any]] = []
        for part in parts {
            let data = try GzipReader.readAll(path: "\(folder)/\(part)")
            for line in data.split(separator: 0x0A) {
                out.append(try JSONSerialization.jsonObject(with: Data(line)) as! [String: Any])
            }
        }
        return out
    }

    /// The raw lines of every NDJSON file of `table`, sorted (for whole-table comparisons).
    func sortedLines(_ table: String, date: String) throws -> [String] {
        let folder = "\(dir)/ndjson/\(table)/snapshot_date=\(date)"
        let parts = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".ndjson.gz") }
        var lines: [String] = []
        for part in parts {
            let data = try GzipReader.readAll(path: "\(folder)/\(part)")
            lines += data.split(separator: 0x0A).map { String(decoding: $0, as: UTF8.self) }
        }
        return lines.sorted()
    }

    /// The bytes of the first CSV part of `table` (decompressed).
    func csv(_ table: String, date: String) throws -> String {
        let data = try GzipReader.readAll(path: "\(dir)/csv/\(table)/snapshot_date=\(date)/part-00000.csv.gz")
        return String(decoding: data, as: UTF8.self)
    }
}

enum TestDirs {
    static func make(_ name: String) throws -> String {
        let path = NSTemporaryDirectory() + "quarry-e2e-\(name)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static var shared: URL {
        get throws {
            guard let url = SharedFolder.locate() else { throw CocoaError(.fileNoSuchFile) }
            return url
        }
    }

    /// A replay folder: `files[api]` are copied, in order, as that API's pages.
    static func replay(_ files: [SourceAPI: [String]]) throws -> URL {
        let root = try make("replay")
        for (api, paths) in files {
            let dir = "\(root)/\(api.rawValue)"
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            for (i, path) in paths.enumerated() {
                let ext = (path as NSString).pathExtension
                try FileManager.default.copyItem(atPath: path, toPath: "\(dir)/page-\(i + 1).\(ext)")
            }
        }
        return URL(fileURLWithPath: root)
    }

    /// A pipeline for replayed responses of `sources`, publishing to `output`.
    static func pipeline(sources: [SourceAPI], output: String, allowEmpty: Bool = true) throws -> PipelineConfig {
        let schemas = try Resources.locate("schemas")
        let list = sources.map { "\"\($0.rawValue)\"" }.joined(separator: ",")
        let json = """
        {"name": "e2e", "qualys": {"apiURL": "http://127.0.0.1:9", "gatewayURL": "http://127.0.0.1:9",
         "sources": [\(list)]}, "transform": {"schemas": "\(schemas)"},
         "output": {"dir": "\(output)"}, "quality": {"allowEmpty": \(allowEmpty)}}
        """
        return try PipelineConfig.parse(file: "e2e.json", data: Data(json.utf8))
    }
}
