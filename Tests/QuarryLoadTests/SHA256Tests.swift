// Quarry — SHA-256 against the FIPS 180-4 / NIST example vectors.

import Testing
@testable import QuarryLoad

@Suite struct SHA256Tests {
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        ("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
         "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"),
    ])
    func knownVectors(input: String, digest: String) {
        #expect(SHA256.hex(Array(input.utf8)) == digest)
    }

    @Test func millionAsInOddChunks() {
        var s = SHA256()
        let chunk = [UInt8](repeating: 0x61, count: 1000)
        var left = 1_000_000
        var size = 1
        while left > 0 {
            let n = min(size, left)
            s.update(Array(chunk[0..<min(n, 1000)]))
            left -= min(n, 1000)
            size = size % 997 + 63
        }
        #expect(s.finalize() == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func boundaryLengthsMatchOneShot() {
        // 55, 56, 63, 64, 65 bytes exercise the padding branches; chunked must equal one-shot.
        for n in [55, 56, 63, 64, 65, 119, 120, 128] {
            let bytes = (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 31) }
            var s = SHA256()
            s.update(Array(bytes[0..<(n / 3)]))
            s.update(Array(bytes[(n / 3)...]))
            #expect(s.finalize() == SHA256.hex(bytes), "length \(n)")
        }
    }
}
