// Quarry — reads the QPS ServiceRequest body (preferences and filter criteria).

import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// The parts of a hostasset ServiceRequest the simulator understands.
struct ServiceRequest {
    struct Criteria { var field: String; var op: String; var value: String }
    var limitResults: Int?
    var startFromOffset: Int?
    var criteria: [Criteria] = []

    /// Parses `body`; an empty body is an empty request. Nil when the XML is malformed.
    static func parse(_ body: [UInt8]) -> ServiceRequest? {
        if body.allSatisfy({ $0 == 32 || $0 == 10 || $0 == 13 || $0 == 9 }) { return ServiceRequest() }
        let reader = Reader()
        let parser = XMLParser(data: Data(body))
        parser.delegate = reader
        guard parser.parse() else { return nil }
        return reader.request
    }

    private final class Reader: NSObject, XMLParserDelegate {
        var request = ServiceRequest()
        var text = ""
        var current: Criteria?

        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?,
                    qualifiedName: String?, attributes: [String: String]) {
            text = ""
            if name == "Criteria" {
                current = Criteria(field: attributes["field"] ?? "", op: attributes["operator"] ?? "", value: "")
            }
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }

        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            let value = text.trimmingCharacters(in: .whitespacesAndNewlines)
            switch name {
            case "limitResults": request.limitResults = Int(value) ?? -1
            case "startFromOffset": request.startFromOffset = Int(value) ?? -1
            case "Criteria":
                if var c = current { c.value = value; request.criteria.append(c) }
                current = nil
            default: break
            }
            text = ""
        }
    }
}

/// Parses `2026-03-01T00:00:00Z`, with optional fraction, to seconds since 1970.
func parseISODate(_ s: String) -> Int64? {
    let t = s.trimmingCharacters(in: .whitespaces)
    let parts = t.split(whereSeparator: { "-T:.Z ".contains($0) }).map { Int64($0) }
    guard parts.count >= 3, parts.prefix(3).allSatisfy({ $0 != nil }) else { return nil }
    let y = parts[0]!, mo = parts[1]!, d = parts[2]!
    guard (1...12).contains(mo), (1...31).contains(d) else { return nil }
    let h = parts.count > 3 ? (parts[3] ?? 0) : 0
    let mi = parts.count > 4 ? (parts[4] ?? 0) : 0
    let se = parts.count > 5 ? (parts[5] ?? 0) : 0
    guard h < 24, mi < 60, se < 61 else { return nil }
    var days: Int64 {
        let yy = mo <= 2 ? y - 1 : y
        let era = (yy >= 0 ? yy : yy - 399) / 400
        let yoe = yy - era * 400
        let mp = mo > 2 ? mo - 3 : mo + 9
        let doy = (153 * mp + 2) / 5 + d - 1
        return era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468
    }
    return days * 86_400 + h * 3_600 + mi * 60 + se
}
