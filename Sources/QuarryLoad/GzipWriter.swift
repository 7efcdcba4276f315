// Quarry — streaming gzip file writer over the system zlib (one gzip member per file).

import CZlib
import Foundation

/// Compresses bytes into one gzip member written to a file, hashing the compressed bytes
/// (SHA-256) as they go, so the manifest needs no second read.
///
/// Owns its `z_stream` (freed in `deinit`) and its file descriptor.
public final class GzipWriter {
    public let path: String
    private var stream = z_stream()
    private var isOpen = false
    private let file: FileOutput
    private var out = [UInt8](repeating: 0, count: 1 << 16)
    private var hasher = SHA256()
    /// Compressed bytes written so far.
    public private(set) var bytesWritten: Int64 = 0
    /// Uncompressed bytes taken so far.
    public private(set) var bytesIn: Int64 = 0

    /// Creates `path` and starts a gzip member. Calls `deflateInit2` (windowBits 31).
    public init(path: String, level: Int) throws {
        self.path = path
        file = try FileOutput(path: path)
        let rc = quarry_deflate_init_gzip(&stream, Int32(level))
        guard rc == Z_OK else { throw GzipWriter.error(rc, &stream, path) }
        isOpen = true
    }

    deinit { if isOpen { deflateEnd(&stream) } }

    public func write(_ bytes: [UInt8]) throws { try bytes.withUnsafeBytes { try write($0) } }

    /// Compresses `bytes`. Calls `deflate(Z_NO_FLUSH)`.
    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard isOpen else { throw LoadError.closed("finished \(path)") }
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        bytesIn += Int64(bytes.count)
        stream.next_in = UnsafeMutablePointer(mutating: base.assumingMemoryBound(to: Bytef.self))
        stream.avail_in = uInt(bytes.count)
        while stream.avail_in > 0 { _ = try deflateStep(Z_NO_FLUSH) }
        stream.next_in = nil
    }

    /// Ends the member, fsyncs and closes the file. Calls `deflate(Z_FINISH)` and `deflateEnd`.
    /// - Returns: compressed size and SHA-256 of the file.
    @discardableResult
    public func finish() throws -> (bytes: Int64, sha256: String) {
        guard isOpen else { throw LoadError.closed("finished \(path)") }
        while try deflateStep(Z_FINISH) != Z_STREAM_END {}
        deflateEnd(&stream)
        isOpen = false
        try file.syncAndClose()
        return (bytesWritten, hasher.finalize())
    }

    private func deflateStep(_ flush: Int32) throws -> Int32 {
        let count = out.count
        let rc = out.withUnsafeMutableBytes { buf -> Int32 in
            stream.next_out = buf.baseAddress!.assumingMemoryBound(to: Bytef.self)
            stream.avail_out = uInt(count)
            return deflate(&stream, flush)
        }
        guard rc == Z_OK || rc == Z_STREAM_END || rc == Z_BUF_ERROR else {
            throw GzipWriter.error(rc, &stream, path)
        }
        let produced = count - Int(stream.avail_out)
        if produced > 0 {
            try out.withUnsafeBytes { buf in
                let chunk = UnsafeRawBufferPointer(rebasing: buf[0..<produced])
                hasher.update(chunk)
                try file.write(chunk)
            }
            bytesWritten += Int64(produced)
        }
        return rc
    }

    static func error(_ rc: Int32, _ stream: UnsafeMutablePointer<z_stream>, _ path: String) -> GzipError {
        let message = stream.pointee.msg.map { String(cString: $0) } ?? String(cString: zError(rc))
        let kind: GzipError.Kind
        switch rc {
        case Z_DATA_ERROR, Z_NEED_DICT: kind = .corruptData
        case Z_MEM_ERROR: kind = .outOfMemory
        case Z_VERSION_ERROR: kind = .version
        default: kind = .streamState
        }
        return GzipError(kind: kind, path: path, code: rc, message: message)
    }
}
