// Quarry — a POSIX file opened for writing, and the fsync/rename helpers the publisher needs.

import Foundation

/// Owns one file descriptor opened for writing; closed in `deinit` if not closed before.
final class FileOutput {
    let path: String
    private var fd: Int32

    /// Creates (or truncates) `path` with mode 0644.
    init(path: String) throws {
        self.path = path
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        if fd < 0 { throw LoadError.posix("open", path) }
    }

    deinit { if fd >= 0 { _ = Foundation.close(fd) } }

    /// Writes every byte, retrying short writes and EINTR. Calls `write(2)`.
    func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard var base = bytes.baseAddress else { return }
        var left = bytes.count
        while left > 0 {
            let n = Foundation.write(fd, base, left)
            if n < 0 {
                if errno == EINTR { continue }
                throw LoadError.posix("write", path)
            }
            left -= n
            base += n
        }
    }

    func write(_ bytes: [UInt8]) throws { try bytes.withUnsafeBytes { try write($0) } }

    /// Flushes to disk and closes. Calls `fsync(2)` and `close(2)`.
    func syncAndClose() throws {
        guard fd >= 0 else { return }
        if fsync(fd) != 0 { throw LoadError.posix("fsync", path) }
        let rc = Foundation.close(fd)
        fd = -1
        if rc != 0 { throw LoadError.posix("close", path) }
    }
}

/// File-system steps of the publisher, each failing with a `LoadError` naming the path.
enum FS {
    static func makeDirs(_ path: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw LoadError.io(path: path, operation: "mkdir", errno: EIO, message: "\(error)")
        }
    }

    /// `rename(2)`; both paths on the same file system, so the move is atomic.
    static func rename(_ from: String, _ to: String) throws {
        if Foundation.rename(from, to) != 0 { throw LoadError.posix("rename to \(to)", from) }
    }

    /// `fsync(2)` on a directory so that renames and new entries in it survive a power cut.
    static func syncDir(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd < 0 { throw LoadError.posix("open directory", path) }
        defer { _ = Foundation.close(fd) }
        if fsync(fd) != 0 && errno != EINVAL { throw LoadError.posix("fsync directory", path) }
    }

    static func exists(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0
    }

    static func remove(_ path: String) throws {
        guard exists(path) else { return }
        do { try FileManager.default.removeItem(atPath: path) } catch {
            throw LoadError.io(path: path, operation: "remove", errno: EIO, message: "\(error)")
        }
    }

    /// Removes the folders above `path` that are empty, up to (not including) `root`.
    /// Calls `rmdir(2)`, which refuses non-empty folders, so nothing else can be lost.
    static func removeEmptyParents(of path: String, below root: String) {
        var dir = parent(path)
        while dir.count > root.count && dir.hasPrefix(root + "/") && Foundation.rmdir(dir) == 0 {
            dir = parent(dir)
        }
    }

    static func parent(_ path: String) -> String {
        (path as NSString).deletingLastPathComponent
    }

    static func size(_ path: String) -> Int64 {
        var st = stat()
        return lstat(path, &st) == 0 ? Int64(st.st_size) : -1
    }
}
