// Quarry — gzip writer/reader round trip and damage detection through zlib's checks.

import Foundation
import Testing
@testable import QuarryLoad

@Suite struct GzipTests {
    private func writeSample(_ path: String, lines: Int = 20_000) throws -> [UInt8] {
        var text: [UInt8] = []
        for i in 0..<lines { text += Array("line \(i) \(String(repeating: "x", count: i % 50))\n".utf8) }
        let w = try GzipWriter(path: path, level: 6)
        var i = 0
        while i < text.count {
            let end = min(text.count, i + 7919)
            try w.write(Array(text[i..<end]))
            i = end
        }
        let (bytes, sha) = try w.finish()
        #expect(bytes == Int64(readBytes(path).count))
        #expect(sha == SHA256.hex(readBytes(path)))
        return text
    }

    @Test func roundTripsChunksAndLines() throws {
        let dir = makeTempDir()
        defer { removeTempDir(dir) }
        let path = dir + "/a.gz"
        let text = try writeSample(path)

        #expect(Array(try GzipReader.readAll(path: path)) == text)
        let reader = try GzipReader(path: path)
        var count = 0
        var last: [UInt8] = []
        while let line = try reader.nextLine() { count += 1; last = line }
        #expect(count == 20_000)
        #expect(String(decoding: last, as: UTF8.self) == "line 19999 " + String(repeating: "x", count: 49))
    }

    @Test func emptyMemberReadsAsNothing() throws {
        let dir = makeTempDir()
        defer { removeTempDir(dir) }
        let w = try GzipWriter(path: dir + "/e.gz", level: 6)
        try w.finish()
        #expect(try GzipReader.readAll(path: dir + "/e.gz").isEmpty)
        #expect(try GzipReader(path: dir + "/e.gz").nextLine() == nil)
    }

    @Test func flippedTrailerByteFailsTheCRC() throws {
        let dir = makeTempDir()
        defer { removeTempDir(dir) }
        let path = dir + "/a.gz"
        _ = try writeSample(path)
        var bytes = readBytes(path)
        bytes[bytes.count - 6] ^= 0x01   // inside the CRC-32 of the trailer
        FileManager.default.createFile(atPath: path, contents: Data(bytes))

        let error = #expect(throws: GzipError.self) { try GzipReader.readAll(path: path) }
        #expect(error?.kind == .corruptData)
        #expect(error?.message == "incorrect data check")
        #expect(error?.path == path)
    }

    @Test func flippedDataByteIsAnError() throws {
        let dir = makeTempDir()
        defer { removeTempDir(dir) }
        let path = dir + "/a.gz"
        _ = try writeSample(path)
        var bytes = readBytes(path)
        bytes[bytes.count / 2] ^= 0x10
        FileManager.default.createFile(atPath: path, contents: Data(bytes))

        let error = #expect(throws: GzipError.self) { try GzipReader.readAll(path: path) }
        #expect(error?.kind == .corruptData)
    }

    @Test func truncatedFileIsAnError() throws {
        let dir = makeTempDir()
        defer { removeTempDir(dir) }
        let path = dir + "/a.gz"
        _ = try writeSample(path)
        let bytes = readBytes(path)
        for cut in [bytes.count - 4, bytes.count / 2, 5] {
            FileManager.default.createFile(atPath: path, contents: Data(bytes[0..<cut]))
            let error = #expect(throws: GzipError.self, "cut at \(cut)") { try GzipReader.readAll(path: path) }
            #expect(error?.kind == .truncated)
        }
    }

    @Test func concatenatedMembersReadAsOneStream() throws {
        let dir = makeTempDir()
        defer { removeTempDir(dir) }
        for (name, text) in [("a", "first\nsecond\n"), ("b", "third\n")] {
            let w = try GzipWriter(path: dir + "/\(name).gz", level: 1)
            try w.write(Array(text.utf8))
            try w.finish()
        }
        let both = readBytes(dir + "/a.gz") + readBytes(dir + "/b.gz")
        FileManager.default.createFile(atPath: dir + "/ab.gz", contents: Data(both))
        let text = String(decoding: try GzipReader.readAll(path: dir + "/ab.gz"), as: UTF8.self)
        #expect(text == "first\nsecond\nthird\n")
        let r = try GzipReader(path: dir + "/ab.gz")
        var lines: [String] = []
        while let l = try r.nextLine() { lines.append(String(decoding: l, as: UTF8.self)) }
        #expect(lines == ["first", "second", "third"])
    }

    @Test func missingFileNamesThePath() {
        #expect(throws: LoadError.io(path: "/nonexistent/x.gz", operation: "open", errno: ENOENT,
                                     message: "No such file or directory")) {
            try GzipReader(path: "/nonexistent/x.gz")
        }
    }

    @Test func notGzipIsCorruptData() throws {
        let dir = makeTempDir()
        defer { removeTempDir(dir) }
        FileManager.default.createFile(atPath: dir + "/p.gz", contents: Data("plain text\n".utf8))
        let error = #expect(throws: GzipError.self) { try GzipReader.readAll(path: dir + "/p.gz") }
        #expect(error?.kind == .corruptData)
        #expect(error?.message == "incorrect header check")
    }
}
