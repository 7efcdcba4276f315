// Quarry — streaming gzip file reader over the system zlib; zlib checks CRC-32 and length.

import CZlib
import Foundation

/// Decompresses a gzip file chunk by chunk or line by line. Concatenated members are
/// read one after the other (RFC 1952 allows them; Quarry writes one).
///
/// A damaged file is an error, never short data: a flipped byte fails zlib's CRC-32 or
/// deflate checks (`GzipError.Kind.corruptData` with zlib's message), and a file that ends
/// before a member's trailer is `.truncated`. Owns its `z_stream` (freed in `deinit`).
public final class GzipReader {
    public let path: String
    private var stream = z_stream()
    private var isOpen = false
    private let fd: Int32
    private var input = [UInt8](repeating: 0, count: 1 << 16)
    private var inputCount = 0
    private var inputEOF = false
    private var memberEnded = false
    private var pending: [UInt8] = []
    private var pendingStart = 0
    private var finished = false

    /// Opens `path`. Calls `inflateInit2` (windowBits 31: gzip only).
    public init(path: String) throws {
        self.path = path
        fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw LoadError.posix("open", path) }
        let rc = quarry_inflate_init_gzip(&stream)
        guard rc == Z_OK else {
            _ = Foundation.close(fd)
            throw GzipWriter.error(rc, &stream, path)
        }
        isOpen = true
    }

    deinit {
        if isOpen { inflateEnd(&stream) }
        _ = Foundation.close(fd)
    }

    /// The whole decompressed content of `path`.
    public static func readAll(path: String) throws -> Data {
        let reader = try GzipReader(path: path)
        var data = Data()
        while let chunk = try reader.nextChunk() { data.append(contentsOf: chunk) }
        return data
    }

    /// The next decompressed bytes, or nil at the end of the file. Calls `inflate`.
    public func nextChunk() throws -> [UInt8]? {
        if pendingStart < pending.count {
            let rest = Array(pending[pendingStart...])
            pending = []
            pendingStart = 0
            return rest
        }
        while !finished {
            var out = [UInt8](repeating: 0, count: 1 << 16)
            let produced = try inflateInto(&out)
            if produced > 0 { return Array(out[0..<produced]) }
        }
        return nil
    }

    /// The next line without its LF, or nil at the end. A last line without LF is returned too.
    public func nextLine() throws -> [UInt8]? {
        while true {
            if let lf = pending[pendingStart...].firstIndex(of: 0x0A) {
                let line = Array(pending[pendingStart..<lf])
                pendingStart = lf + 1
                return line
            }
            if pendingStart > 0 {
                pending.removeFirst(pendingStart)
                pendingStart = 0
            }
            if finished { break }
            var out = [UInt8](repeating: 0, count: 1 << 16)
            let produced = try inflateInto(&out)
            pending.append(contentsOf: out[0..<produced])
        }
        if pending.isEmpty { return nil }
        defer { pending = []; pendingStart = 0 }
        return pending
    }

    /// Runs `inflate` once into `out`; returns the bytes produced (0 is possible).
    private func inflateInto(_ out: inout [UInt8]) throws -> Int {
        if stream.avail_in == 0 && !inputEOF { try refill() }
        if stream.avail_in == 0 && inputEOF {
            if memberEnded { finished = true; return 0 }
            throw GzipError(kind: .truncated, path: path, code: 0,
                            message: "unexpected end of file before the gzip trailer (CRC and length)")
        }
        if memberEnded {
            // Another member follows: start it afresh.
            let rc = inflateReset(&stream)
            guard rc == Z_OK else { throw GzipWriter.error(rc, &stream, path) }
            memberEnded = false
        }
        let count = out.count
        let (rc, produced) = input.withUnsafeMutableBytes { inBuf -> (Int32, Int) in
            out.withUnsafeMutableBytes { buf in
                let consumedBefore = inputCount - Int(stream.avail_in)
                stream.next_in = inBuf.baseAddress!.assumingMemoryBound(to: Bytef.self) + consumedBefore
                stream.next_out = buf.baseAddress!.assumingMemoryBound(to: Bytef.self)
                stream.avail_out = uInt(count)
                let rc = inflate(&stream, Z_NO_FLUSH)
                return (rc, count - Int(stream.avail_out))
            }
        }
        switch rc {
        case Z_OK: break
        case Z_STREAM_END: memberEnded = true
        case Z_BUF_ERROR: if produced == 0 && stream.avail_in > 0 { throw GzipWriter.error(rc, &stream, path) }
        default: throw GzipWriter.error(rc, &stream, path)
        }
        return produced
    }

    /// Reads the next chunk of the file into `input` (avail_in is 0 here). Calls `read(2)`.
    private func refill() throws {
        let n = input.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
        if n < 0 {
            if errno == EINTR { return }
            throw LoadError.posix("read", path)
        }
        if n == 0 { inputEOF = true; return }
        inputCount = n
        stream.avail_in = uInt(n)
    }
}
