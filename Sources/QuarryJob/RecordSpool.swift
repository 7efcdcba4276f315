// Quarry — checkpoint spool: the records of every complete page, so a killed run can resume.

import Foundation
import QuarryCore

/// Appends `SourceRecord`s to a file in a compact binary form and reads them back.
///
/// Layout: a sequence of records; strings are UTF-8 with a varint length; field paths are
/// interned per file (`0` + the path the first time, then its number + 1), since every record
/// of an API repeats the same few dozen paths. Not a format for anything but this spool.
final class RecordSpoolWriter {
    private let handle: FileHandle
    private var buffer: [UInt8] = []
    private var paths: [String: Int] = [:]
    /// Bytes in the file once `flush()` has run.
    private(set) var length: UInt64

    /// Opens `path` for appending after its first `validLength` bytes (a resumed run cuts off
    /// whatever a killed run wrote after its last checkpoint), learning its interned paths.
    init(path: String, validLength: UInt64) throws {
        if !FileManager.default.fileExists(atPath: path) {
            FileManager.default.createFile(atPath: path, contents: nil)
        }
        handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
        try handle.truncate(atOffset: validLength)
        try handle.seekToEnd()
        length = validLength
        if validLength > 0 {
            let reader = try RecordSpoolReader(path: path, length: validLength)
            while try reader.next() != nil {}
            for (i, p) in reader.paths.enumerated() { paths[p] = i }
        }
    }

    deinit { try? handle.close() }

    func append(_ r: SourceRecord) {
        buffer.append(SourceAPI.allCases.firstIndex(of: r.api).map(UInt8.init) ?? 0)
        putString(r.recordID)
        putVarint(UInt64(r.locator.page))
        putVarint(UInt64(r.locator.position))
        putVarint(UInt64(r.fields.count))
        for f in r.fields {
            putPath(f.path)
            putString(f.value)
            putVarint(UInt64(UInt32(bitPattern: f.group)))
        }
        putVarint(UInt64(r.repairs.count))
        for rep in r.repairs {
            putPath(rep.path)
            putString(rep.kind.rawValue)
            putVarint(UInt64(rep.count))
        }
        // Hand full megabytes to the file as they come (a night can replay a million records
        // into the spool before the next flush); durability still waits for `flush()`.
        if buffer.count >= 1 << 20 { try? writeBuffer() }
    }

    private func writeBuffer() throws {
        guard !buffer.isEmpty else { return }
        try handle.write(contentsOf: buffer)
        length += UInt64(buffer.count)
        buffer.removeAll(keepingCapacity: true)
    }

    /// Writes what is buffered and makes it durable; returns the new valid length.
    @discardableResult
    func flush() throws -> UInt64 {
        try writeBuffer()
        try handle.synchronize()
        return length
    }

    private func putPath(_ p: String) {
        if let i = paths[p] {
            putVarint(UInt64(i + 1))
        } else {
            paths[p] = paths.count
            putVarint(0)
            putString(p)
        }
    }

    private func putString(_ s: String) {
        var s = s
        s.withUTF8 { bytes in
            putVarint(UInt64(bytes.count))
            buffer.append(contentsOf: bytes)
        }
    }

    private func putVarint(_ v: UInt64) {
        var v = v
        while v >= 0x80 {
            buffer.append(UInt8(v & 0x7F) | 0x80)
            v >>= 7
        }
        buffer.append(UInt8(v))
    }
}

/// Reads a spool written by `RecordSpoolWriter`, up to a valid length, through a window of
/// at most a few MB (the spool of a million records is far larger than a run may hold).
final class RecordSpoolReader {
    private let handle: FileHandle
    private var remaining: UInt64
    private var bytes: [UInt8] = []
    private var at = 0
    private(set) var paths: [String] = []
    private static let window = 1 << 20

    struct Corrupt: Error, CustomStringConvertible {
        var path: String
        var description: String { "checkpoint spool \(path) is damaged; delete the checkpoint folder to start over" }
    }

    private let file: String

    init(path: String, length: UInt64) throws {
        file = path
        handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
        let size = try handle.seekToEnd()
        guard size >= length else {
            try? handle.close()
            throw Corrupt(path: path)
        }
        try handle.seek(toOffset: 0)
        remaining = length
    }

    deinit { try? handle.close() }

    /// Makes sure `n` bytes are in the window, reading more of the file if needed.
    private func need(_ n: Int) throws {
        if at + n <= bytes.count { return }
        bytes.removeSubrange(0..<at)
        at = 0
        while bytes.count < n {
            guard remaining > 0 else { throw Corrupt(path: file) }
            let want = Int(min(remaining, UInt64(max(Self.window, n - bytes.count))))
            guard let data = try handle.read(upToCount: want), !data.isEmpty else { throw Corrupt(path: file) }
            bytes.append(contentsOf: data)
            remaining -= UInt64(data.count)
        }
    }

    private var atEnd: Bool { at >= bytes.count && remaining == 0 }

    func next() throws -> SourceRecord? {
        guard !atEnd else { return nil }
        let apiIndex = Int(try byte())
        guard apiIndex < SourceAPI.allCases.count else { throw Corrupt(path: file) }
        let api = SourceAPI.allCases[apiIndex]
        let id = try string()
        let page = Int(try varint()), position = Int(try varint())
        var fields: [SourceField] = []
        let n = Int(try varint())
        fields.reserveCapacity(n)
        for _ in 0..<n {
            let p = try path()
            let v = try string()
            let g = Int32(bitPattern: UInt32(truncatingIfNeeded: try varint()))
            fields.append(SourceField(path: p, value: v, group: g))
        }
        var repairs: [TextRepair] = []
        for _ in 0..<Int(try varint()) {
            let p = try path()
            guard let kind = TextRepair.Kind(rawValue: try string()) else { throw Corrupt(path: file) }
            repairs.append(TextRepair(path: p, kind: kind, count: Int(try varint())))
        }
        return SourceRecord(api: api, recordID: id, locator: Locator(api: api, page: page, position: position),
                            fields: fields, repairs: repairs)
    }

    private func byte() throws -> UInt8 {
        try need(1)
        defer { at += 1 }
        return bytes[at]
    }

    private func varint() throws -> UInt64 {
        var v: UInt64 = 0, shift: UInt64 = 0
        while true {
            let b = try byte()
            v |= UInt64(b & 0x7F) << shift
            if b < 0x80 { return v }
            shift += 7
            if shift > 63 { throw Corrupt(path: file) }
        }
    }

    private func string() throws -> String {
        let n = Int(try varint())
        try need(n)
        defer { at += n }
        return String(decoding: bytes[at..<at + n], as: UTF8.self)
    }

    private func path() throws -> String {
        let i = Int(try varint())
        if i == 0 {
            let p = try string()
            paths.append(p)
            return p
        }
        guard i - 1 < paths.count else { throw Corrupt(path: file) }
        return paths[i - 1]
    }
}
