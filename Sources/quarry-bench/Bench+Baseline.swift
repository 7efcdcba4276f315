// Quarry — the floor for a run: a plain libxml2 SAX pass and a plain JSONSerialization parse
// over the responses a run recorded (`quarry run --record DIR`), in CPU seconds.

import Foundation
import QuarryCore

/// `quarry-bench baseline DIR`: parses every recorded body once, building nothing.
func runBaselineBenchmark(_ args: [String]) async throws {
    guard let root = args.first else {
        FileHandle.standardError.write(Data("usage: quarry-bench baseline RECORD_DIR\n".utf8))
        exit(2)
    }
    var xmlBytes = 0, jsonBytes = 0
    var xmlCPU = 0.0, jsonCPU = 0.0
    for api in ["gav", "qps", "vm"] {
        let dir = "\(root)/\(api)"
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [])
            .filter { !$0.hasSuffix(".meta.json") }.sorted()
        for name in names {
            guard let data = FileManager.default.contents(atPath: "\(dir)/\(name)") else { continue }
            let before = ProcessStats.cpuSeconds()
            if name.hasSuffix(".json") {
                _ = try? JSONSerialization.jsonObject(with: data)
                jsonCPU += ProcessStats.cpuSeconds() - before
                jsonBytes += data.count
            } else {
                try? BenchData.plainSAX(data)
                xmlCPU += ProcessStats.cpuSeconds() - before
                xmlBytes += data.count
            }
        }
    }
    print("baseline.xml_mb \(String(format: "%.1f", Double(xmlBytes) / 1e6))")
    print("baseline.xml_cpu_s \(String(format: "%.2f", xmlCPU))")
    print("baseline.json_mb \(String(format: "%.1f", Double(jsonBytes) / 1e6))")
    print("baseline.json_cpu_s \(String(format: "%.2f", jsonCPU))")
}
