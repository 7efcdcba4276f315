// Quarry — what the next night needs: `_state/` and the published manifests.

import Foundation
import QuarryLoad

/// Paths under the output folder that carry state from one night to the next.
struct StateFiles {
    let outputDir: String

    var stateDir: String { "\(outputDir)/_state" }
    var identityPath: String { "\(stateDir)/identity.state" }

    /// The latest published snapshot before `date` (one with `_SUCCESS`), with its machine count.
    func previousSnapshot(before date: String) -> (date: String, assets: Int)? {
        let manifests = "\(outputDir)/_manifests"
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: manifests) else { return nil }
        let dates = names.compactMap { name -> String? in
            guard name.hasPrefix("snapshot_date=") else { return nil }
            let d = String(name.dropFirst("snapshot_date=".count))
            return d < date ? d : nil
        }.sorted(by: >)
        for d in dates {
            let folder = "\(manifests)/snapshot_date=\(d)"
            guard FileManager.default.fileExists(atPath: "\(folder)/_SUCCESS"),
                  let manifest = try? Manifest.read(path: "\(folder)/manifest.json") else { continue }
            let assets = manifest.tables.first { $0.name == "assets" }?.rows ?? 0
            return (d, assets)
        }
        return nil
    }
}
