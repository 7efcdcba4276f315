// Quarry — the hidden staging folder of a run, its owner record, and recovery of dead runs.

import Foundation
import QuarryCore

/// `DIR/.staging-<runid>/`: `owner.json` (who writes here), `new/` (files to publish, laid
/// out as under DIR), `old/` (what publication moved aside), and `publishing.json` (the
/// targets, written before the first rename).
///
/// Recovery rule per target P (relative path), applied in reverse publish order; every step
/// is one rename, so a crash during recovery is recovered by the next run the same way:
/// 1. if `new/P` is gone (it was moved in) and `DIR/P` exists, move `DIR/P` back to `new/P`;
/// 2. if `old/P` exists, move it back to `DIR/P`.
/// A publication is committed once `_SUCCESS` exists beside a manifest moved in from
/// staging; then recovery only deletes the staging folder.
struct Staging {
    static let prefix = ".staging-"
    static let lockName = ".quarry.lock"

    let outputDir: String
    let path: String
    var newRoot: String { path + "/new" }
    var oldRoot: String { path + "/old" }
    var journal: String { path + "/publishing.json" }

    init(outputDir: String, runID: String) {
        self.outputDir = outputDir
        path = outputDir + "/" + Staging.prefix + runID
    }

    init(outputDir: String, path: String) {
        self.outputDir = outputDir
        self.path = path
    }

    struct Owner: Codable {
        var pid: Int32
        var host: String
        var runID: String
        var createdAt: String

        enum CodingKeys: String, CodingKey { case pid, host, runID = "run_id", createdAt = "created_at" }
    }

    static var hostName: String { ProcessInfo.processInfo.hostName }

    func create(runID: String) throws {
        try FS.makeDirs(newRoot)
        let owner = Owner(pid: getpid(), host: Staging.hostName, runID: runID,
                          createdAt: Timestamp.format(Int64(Date().timeIntervalSince1970)))
        let file = try FileOutput(path: path + "/owner.json")
        try file.write(Array(try JSONEncoder().encode(owner)))
        try file.syncAndClose()
        try FS.syncDir(path)
        try FS.syncDir(outputDir)
    }

    // MARK: - Journal and the two moves of a target

    func writeJournal(_ targets: [String]) throws {
        let file = try FileOutput(path: journal)
        try file.write(Array(try JSONEncoder().encode(targets)))
        try file.syncAndClose()
        try FS.syncDir(path)
    }

    /// Moves the published `DIR/P` aside to `old/P`, if there is one.
    func moveAside(_ p: String) throws {
        let live = outputDir + "/" + p
        guard FS.exists(live) else { return }
        let old = oldRoot + "/" + p
        try FS.makeDirs(FS.parent(old))
        try FS.rename(live, old)
        try FS.syncDir(FS.parent(live))
    }

    /// Moves `new/P` to `DIR/P`.
    func moveIn(_ p: String) throws {
        let live = outputDir + "/" + p
        try FS.makeDirs(FS.parent(live))
        try FS.rename(newRoot + "/" + p, live)
        try FS.syncDir(FS.parent(live))
    }

    /// Puts every target back as it was before publication began (see the type's rule).
    func rollBack(_ targets: [String]) throws {
        for p in targets.reversed() {
            let live = outputDir + "/" + p, new = newRoot + "/" + p, old = oldRoot + "/" + p
            if !FS.exists(new) && FS.exists(live) {
                try FS.makeDirs(FS.parent(new))
                try FS.rename(live, new)
            }
            if FS.exists(old) {
                try FS.makeDirs(FS.parent(live))
                try FS.rename(old, live)
            }
            // Best effort: a sync failure must not stop the moves that restore the old state.
            try? FS.syncDir(FS.parent(live))
            FS.removeEmptyParents(of: live, below: outputDir)
        }
    }

    func readJournal() -> [String]? {
        guard let data = FileManager.default.contents(atPath: journal) else { return nil }
        return try? JSONDecoder().decode([String].self, from: data)
    }

    /// True when the manifest folder named last in the journal was moved in and got `_SUCCESS`.
    func isCommitted(manifestTarget: String) -> Bool {
        !FS.exists(newRoot + "/" + manifestTarget)
            && FS.exists(outputDir + "/" + manifestTarget + "/_SUCCESS")
    }

    // MARK: - Recovery of dead runs

    /// Rolls back and deletes every staging folder under `outputDir` whose owner is gone.
    /// The caller holds the output folder's lock, so no live writer of this host owns one;
    /// a folder owned by a live process of another host or another pid is left alone.
    /// - Returns: the staging folders removed.
    static func recoverAbandoned(outputDir: String, except own: String?, logger: Logger) throws -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: outputDir)) ?? []
        var removed: [String] = []
        for name in names.sorted() where name.hasPrefix(prefix) {
            let dir = outputDir + "/" + name
            if dir == own { continue }
            let staging = Staging(outputDir: outputDir, path: dir)
            guard staging.isAbandoned(logger: logger) else { continue }
            if let targets = staging.readJournal(), let manifest = targets.first {
                if staging.isCommitted(manifestTarget: manifest) {
                    logger.info("load.recover.committed", [("staging", name)])
                } else {
                    do {
                        try staging.rollBack(targets)
                    } catch {
                        logger.critical("load.recover.failed", [("staging", name), ("error", "\(error)")])
                        throw LoadError.recoveryFailed(staging: dir, reason: "\(error)")
                    }
                    logger.warning("load.recover.rolled_back", [("staging", name), ("targets", targets.count)])
                }
            }
            try FS.remove(dir)
            removed.append(name)
            logger.info("load.staging.removed", [("staging", name)])
        }
        if !removed.isEmpty { try FS.syncDir(outputDir) }
        return removed
    }

    /// Owner on this host and (its pid no longer runs, or it is this process: a writer of
    /// ours that is gone without cleaning up). A missing owner file counts as abandoned.
    func isAbandoned(logger: Logger) -> Bool {
        guard let data = FileManager.default.contents(atPath: path + "/owner.json"),
              let owner = try? JSONDecoder().decode(Owner.self, from: data) else { return true }
        if owner.host != Staging.hostName {
            logger.warning("load.staging.foreign", [("staging", path), ("host", owner.host)])
            return false
        }
        if owner.pid == getpid() { return true }
        if kill(owner.pid, 0) == 0 || errno == EPERM {
            logger.warning("load.staging.owner_alive", [("staging", path), ("pid", owner.pid)])
            return false
        }
        return true
    }
}
