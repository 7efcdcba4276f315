// Quarry — per-record evidence kept on disk until clusters are known.

import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An append-only temporary file of encoded evidence, read back by offset (`pread`).
///
/// Keeps the resolver's memory flat: only keys (hashed) stay in memory, the text values
/// needed for the `assets` rows wait here. The file is unlinked as soon as it is opened.
final class SpillFile {
    private let fd: Int32
    private var buffer: [UInt8] = []
    private var written: UInt64 = 0
    private(set) var offsets: [UInt64] = []

    init(directory: String = NSTemporaryDirectory()) throws {
        let path = URL(fileURLWithPath: directory)
            .appendingPathComponent("quarry-resolve-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).spill").path
        fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
        }
        unlink(path)
        buffer.reserveCapacity(1 << 20)
    }

    deinit { close(fd) }

    var count: Int { offsets.count }

    /// Appends one record's evidence; returns its index.
    @discardableResult
    func append(_ evidence: [Evidence]) throws -> Int {
        offsets.append(written + UInt64(buffer.count))
        // Appended through a local: one access to the property, not one per byte run.
        var out = buffer
        buffer = []
        let start = out.count
        for _ in 0..<4 { out.append(0) }
        for e in evidence {
            Normaliser.withBytes(e.value) { all in
                let bytes = UnsafeBufferPointer(rebasing: all.prefix(65_535))
                out.append(e.role.rawValue)
                out.append(UInt8(bytes.count & 0xFF))
                out.append(UInt8(bytes.count >> 8))
                out.append(contentsOf: bytes)
            }
        }
        let len = UInt32(out.count - start - 4)
        for i in 0..<4 { out[start + i] = UInt8((len >> (8 * UInt32(i))) & 0xFF) }
        buffer = out
        if buffer.count >= 1 << 20 { try flush() }
        return offsets.count - 1
    }

    func flush() throws {
        guard !buffer.isEmpty else { return }
        let n = buffer.withUnsafeBytes { p in pwrite(fd, p.baseAddress, p.count, off_t(written)) }
        guard n == buffer.count else { throw CocoaError(.fileWriteOutOfSpace) }
        written += UInt64(n)
        buffer.removeAll(keepingCapacity: true)
    }

    /// Reads back the evidence of record `index`; call `flush()` first.
    func read(_ index: Int) throws -> [Evidence] {
        var header = [UInt8](repeating: 0, count: 4)
        let off = offsets[index]
        guard pread(fd, &header, 4, off_t(off)) == 4 else { throw CocoaError(.fileReadCorruptFile) }
        let len = Int(header[0]) | Int(header[1]) << 8 | Int(header[2]) << 16 | Int(header[3]) << 24
        var body = [UInt8](repeating: 0, count: len)
        if len > 0 {
            guard pread(fd, &body, len, off_t(off + 4)) == len else { throw CocoaError(.fileReadCorruptFile) }
        }
        var out: [Evidence] = []
        var i = 0
        while i + 3 <= len {
            let role = Role(rawValue: body[i]) ?? .tags
            let n = Int(body[i + 1]) | Int(body[i + 2]) << 8
            let value = String(decoding: body[(i + 3)..<(i + 3 + n)], as: UTF8.self)
            out.append(Evidence(role: role, value: value, repaired: false))
            i += 3 + n
        }
        return out
    }
}
