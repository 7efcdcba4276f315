// Quarry — the malformed values the `dirty` profile plants inside otherwise valid pages.

/// A defect planted in one record.
enum Dirt: Int, CaseIterable {
    /// A date that is not a date (`2026-02-31T26:61:00Z`).
    case badDate
    /// A byte that is not UTF-8 (0xE9, Latin-1 é) inside the host name.
    case invalidUTF8
    /// A C0 control byte (0x01, 0x1B) inside the host name.
    case controlChar
    /// A character reference XML forbids (`&#0;`; JSON: `\u0000`) inside the host name.
    case forbiddenCharRef
    /// A copy of the record without its ID, placed just before it.
    case phantomWithoutID

    static let badDateText = "2026-02-31T26:61:00Z"
    static let badDateMillisText = "2026-02-31T26:61:00.000Z"
}

extension Tenant {
    /// The defect planted in record `id` of `api` (about 1 record in 50), or nil.
    func dirt(_ api: SimAPI, _ id: Int64) -> Dirt? {
        let h = Dice.mix(seed ^ UInt64(bitPattern: id) &* 0x2545_F491_4F6C_DD1D ^ UInt64(api.hashSeed))
        guard h % 50 == 0 else { return nil }
        return Dirt(rawValue: Int((h / 50) % UInt64(Dirt.allCases.count)))
    }
}

extension SimAPI {
    var hashSeed: Int { self == .gav ? 0x1111 : (self == .qps ? 0x2222 : 0x3333) }
}

extension DocWriter {
    /// Writes `text` with the name defect of `dirt` inside it, XML-escaped otherwise.
    func dirtyXMLText(_ text: String, _ dirt: Dirt?) {
        let cut = text.index(text.startIndex, offsetBy: min(3, text.count))
        switch dirt {
        case .invalidUTF8?:
            xmlText(String(text[..<cut])); bytes([0xE9]); xmlText(String(text[cut...]))
        case .controlChar?:
            xmlText(String(text[..<cut])); bytes([0x01]); xmlText(String(text[cut...])); bytes([0x1B])
        case .forbiddenCharRef?:
            xmlText(text); raw("&#0;")
        default:
            xmlText(text)
        }
    }

    /// Writes `text` as a JSON string with the name defect of `dirt` inside it.
    func dirtyJSONString(_ text: String, _ dirt: Dirt?) {
        let cut = text.index(text.startIndex, offsetBy: min(3, text.count))
        switch dirt {
        case .invalidUTF8?:
            raw("\""); raw(String(text[..<cut])); bytes([0xE9]); raw(String(text[cut...])); raw("\"")
        case .controlChar?:
            jsonString(String(text[..<cut]) + "\u{01}" + String(text[cut...]) + "\u{1B}")
        case .forbiddenCharRef?:
            jsonString(text + "\u{00}")
        default:
            jsonString(text)
        }
    }
}
