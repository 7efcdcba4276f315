// Quarry — streaming XML page reader over libxml2's SAX2 push parser.

import CLibXML2
import Foundation
import QuarryCore

/// Reads one XML response body fed in chunks, without building a document tree.
///
/// Bytes pass through `ByteRepairFilter` and then `xmlParseChunk`. Records (the layout's
/// record element) become `SourceRecord`s: paths below the record joined by `/`, attributes
/// as `@name`, text trimmed, `group` = the number of the enclosing element. Leaf values
/// outside records become the envelope. Network access, DTD loading and entity
/// substitution are off.
public final class XMLPageReader {
    public let layout: XMLRecordLayout
    public let page: Int

    private var ctxt: xmlParserCtxtPtr?
    private var filter = ByteRepairFilter()
    private var filtered: [UInt8] = []
    private var failure: ExtractError?
    /// The SAX callbacks' state. Behind a pointer, not in class properties, so that the hot
    /// path pays no dynamic exclusivity checks; owned by this reader.
    private let state: UnsafeMutablePointer<SAXState>

    public init(layout: XMLRecordLayout, page: Int) {
        self.layout = layout
        self.page = page
        filtered.reserveCapacity(80 * 1024)
        state = .allocate(capacity: 1)
        state.initialize(to: SAXState(layout: layout, page: page))
    }

    deinit {
        if let ctxt { xmlFreeParserCtxt(ctxt) }
        state.deinitialize(count: 1)
        state.deallocate()
    }

    /// Feeds the next piece of the body. Calls `xmlParseChunk`.
    public func feed(_ bytes: UnsafeRawBufferPointer) throws {
        filter.process(bytes, isFinal: false, into: &filtered)
        state.pointee.hasRepairs = filter.repairs > 0
        try push(terminate: false)
    }

    public func feed(_ data: Data) throws {
        try data.withUnsafeBytes { try feed($0) }
    }

    /// Ends the document and returns the page, or throws `ExtractError.malformedPage`.
    public func finish() throws -> ParsedPage {
        filter.process(UnsafeRawBufferPointer(start: nil, count: 0), isFinal: true, into: &filtered)
        state.pointee.hasRepairs = filter.repairs > 0
        try push(terminate: true)
        if let ctxt, ctxt.pointee.wellFormed == 0 { throw error(from: ctxt, fallback: "not well-formed") }
        if state.pointee.result.root.isEmpty { throw malformed(line: 1, column: 1, "the body holds no XML element") }
        return state.pointee.result
    }

    // MARK: - libxml2

    private func push(terminate: Bool) throws {
        if let failure { throw failure }
        if ctxt == nil {
            if filtered.isEmpty && !terminate { return }
            try start()
        }
        guard let ctxt else { return }
        if filtered.isEmpty && !terminate { return }
        let code = filtered.withUnsafeBufferPointer { buf -> Int32 in
            guard let base = buf.baseAddress, buf.count > 0 else { return xmlParseChunk(ctxt, nil, 0, 1) }
            return base.withMemoryRebound(to: CChar.self, capacity: buf.count) {
                xmlParseChunk(ctxt, $0, Int32(buf.count), terminate ? 1 : 0)
            }
        }
        filtered.removeAll(keepingCapacity: true)
        if let failure { throw failure }
        if code != 0 { throw error(from: ctxt, fallback: "libxml2 error \(code)") }
    }

    private func start() throws {
        if filtered.isEmpty { filtered.append(0x20) }  // the push API wants a first byte
        var sax = xmlSAXHandler()
        sax.initialized = UInt32(XML_SAX2_MAGIC)
        sax.startElementNs = { ctx, localname, _, _, _, _, nbAttributes, _, attributes in
            guard let ctx, let localname else { return }
            ctx.assumingMemoryBound(to: SAXState.self).pointee
                .startElement(localname, Int(nbAttributes), attributes)
        }
        sax.endElementNs = { ctx, _, _, _ in
            guard let ctx else { return }
            ctx.assumingMemoryBound(to: SAXState.self).pointee.endElement()
        }
        let characters: charactersSAXFunc = { ctx, ch, len in
            guard let ctx, let ch, len > 0 else { return }
            ctx.assumingMemoryBound(to: SAXState.self).pointee
                .characters(UnsafeRawBufferPointer(start: ch, count: Int(len)))
        }
        sax.characters = characters
        sax.cdataBlock = characters
        sax.serror = { _, _ in }  // errors are read from the context after each chunk
        let user = UnsafeMutableRawPointer(state)
        let options = Int32(XML_PARSE_NONET.rawValue | XML_PARSE_NOERROR.rawValue | XML_PARSE_NOWARNING.rawValue)
        let created: xmlParserCtxtPtr? = filtered.withUnsafeBufferPointer { buf in
            buf.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buf.count) {
                xmlCreatePushParserCtxt(&sax, user, $0, Int32(min(buf.count, 4)), nil)
            }
        }
        guard let created else { throw malformed(line: 0, column: 0, "libxml2 could not create a parser") }
        ctxt = created
        xmlCtxtUseOptions(created, options)
        filtered.removeFirst(min(filtered.count, 4))
    }

    private func error(from ctxt: xmlParserCtxtPtr, fallback: String) -> ExtractError {
        if let failure { return failure }
        guard let e = xmlCtxtGetLastError(ctxt) else { return malformed(line: 0, column: 0, fallback) }
        let message = e.pointee.message.map { String(cString: $0) }?
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? fallback
        return malformed(line: Int(e.pointee.line), column: Int(e.pointee.int2), message)
    }

    private func malformed(line: Int, column: Int, _ message: String) -> ExtractError {
        .malformedPage(api: layout.api, page: page, line: line, column: column, message: message)
    }
}

// MARK: - SAX events

/// What the SAX callbacks build: element paths, the current record, the page.
private struct SAXState {
    let layout: XMLRecordLayout
    let page: Int
    var result = ParsedPage()
    /// True once the byte filter has inserted a marker in this document.
    var hasRepairs = false

    private var nodes: [Node] = []
    private var nodeIndex: [NodeKey: Int32] = [:]
    private var frames: [Frame] = []
    private var skipDepth = 0
    private var text: [UInt8] = []

    private var fields: [SourceField] = []
    private var repairs: [TextRepair] = []
    private var groupCounter: Int32 = 0
    private var position = 0

    init(layout: XMLRecordLayout, page: Int) {
        self.layout = layout
        self.page = page
        text.reserveCapacity(1024)
    }

    mutating func startElement(
        _ localname: UnsafePointer<xmlChar>, _ nbAttributes: Int,
        _ attributes: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?
    ) {
        if skipDepth > 0 { skipDepth += 1; return }
        let parent: Int32 = frames.last?.node ?? -1
        if !frames.isEmpty { frames[frames.count - 1].hasChildren = true }
        let id = node(parent: parent, name: localname)
        let n = nodes[Int(id)]
        let group: Int32
        switch n.kind {
        case .unknown:
            result.unknownElements[n.name, default: 0] += 1
            skipDepth = 1
            return
        case .recordRoot:
            fields.removeAll(keepingCapacity: true)
            repairs.removeAll()
            groupCounter = 0
            position += 1
            group = 0
        case .inRecord:
            groupCounter += 1
            group = groupCounter
        case .envelope:
            if parent < 0 && result.root.isEmpty { result.root = n.name }
            group = 0
        }
        frames.append(Frame(node: id, group: group, hasChildren: false))
        text.removeAll(keepingCapacity: true)
        if nbAttributes > 0, let attributes { readAttributes(of: n, group: group, nbAttributes, attributes) }
    }

    private mutating func readAttributes(
        of n: Node, group: Int32, _ count: Int, _ attributes: UnsafeMutablePointer<UnsafePointer<xmlChar>?>
    ) {
        for k in 0..<count {
            guard let name = attributes[5 * k], let start = attributes[5 * k + 3],
                  let end = attributes[5 * k + 4] else { continue }
            let attr = "@" + String(cString: name)
            let raw = UnsafeRawBufferPointer(start: start, count: end - start)
            switch n.kind {
            case .recordRoot, .inRecord:
                let path = n.kind == .recordRoot ? attr : n.path + "/" + attr
                fields.append(SourceField(path: path, value: attributeValue(raw, path: path), group: group))
            case .envelope:
                let path = n.path + "/" + attr
                result.envelope.append((path, attributeValue(raw, path: path)))
            case .unknown:
                break
            }
        }
    }

    mutating func endElement() {
        if skipDepth > 0 { skipDepth -= 1; return }
        guard let frame = frames.popLast() else { return }
        let n = nodes[Int(frame.node)]
        switch n.kind {
        case .recordRoot:
            finishRecord()
        case .inRecord:
            if !frame.hasChildren {
                let v = text.withUnsafeBytes { value($0, path: n.path) }
                fields.append(SourceField(path: n.path, value: v, group: frames.last?.group ?? 0))
            }
        case .envelope:
            if !frame.hasChildren {
                let v = text.withUnsafeBytes { value($0, path: n.path) }
                result.envelope.append((n.path, v))
            }
        case .unknown:
            break
        }
        text.removeAll(keepingCapacity: true)
    }

    mutating func characters(_ bytes: UnsafeRawBufferPointer) {
        if skipDepth == 0 && !frames.isEmpty { text.append(contentsOf: bytes) }
    }

    private mutating func finishRecord() {
        let locator = Locator(api: layout.api, page: page, position: position)
        let id = fields.first { $0.path == layout.idPath }?.value ?? ""
        if id.isEmpty {
            let excerpt = fields.prefix(12).map { "\($0.path)=\($0.value)" }.joined(separator: " ")
            result.rejects.append(Reject(
                source: layout.api.rawValue, locator: locator.description,
                reason: "missing required field \(layout.idPath)", excerpt: excerpt))
        } else {
            result.records.append(SourceRecord(
                api: layout.api, recordID: id, locator: locator, fields: fields, repairs: repairs))
        }
        fields.removeAll(keepingCapacity: true)
        repairs.removeAll()
    }

    // MARK: - Values

    // TODO(perf): a String per leaf and a path-dictionary lookup per element make the reader
    // about 3x slower than a bare SAX pass; matters only above ~1 GB of XML a night.
    /// Trims white space, turns repair markers into U+FFFD and counts them against `path`.
    private mutating func value(_ raw: UnsafeRawBufferPointer, path: String) -> String {
        var lo = 0, hi = raw.count
        while lo < hi, Self.isSpace(raw[lo]) { lo += 1 }
        while hi > lo, Self.isSpace(raw[hi - 1]) { hi -= 1 }
        let bytes = UnsafeRawBufferPointer(rebasing: raw[lo..<hi])
        guard hasRepairs, bytes.count >= 3 else { return String(decoding: bytes, as: UTF8.self) }
        var copy = [UInt8](bytes)
        var counts: [UInt8: Int] = [:]
        var i = 0
        while i + 2 < copy.count {
            if copy[i] == 0xEF && copy[i + 1] == 0xB7 && copy[i + 2] >= 0x90 && copy[i + 2] <= 0x92 {
                counts[copy[i + 2], default: 0] += 1
                copy[i + 1] = 0xBF
                copy[i + 2] = 0xBD
                i += 3
            } else {
                i += 1
            }
        }
        for (marker, count) in counts.sorted(by: { $0.key < $1.key }) {
            let kind: TextRepair.Kind = switch marker {
            case 0x90: .controlCharacter
            case 0x91: .invalidUTF8
            default: .forbiddenCharacterReference
            }
            if let k = repairs.firstIndex(where: { $0.path == path && $0.kind == kind }) {
                repairs[k].count += count
            } else {
                repairs.append(TextRepair(path: path, kind: kind, count: count))
            }
        }
        return String(decoding: copy, as: UTF8.self)
    }

    /// Without entity substitution libxml2 hands attribute values over with every `&`
    /// written as `&#38;`; this undoes exactly that.
    private mutating func attributeValue(_ raw: UnsafeRawBufferPointer, path: String) -> String {
        let v = value(raw, path: path)
        return v.contains("&#38;") ? v.replacingOccurrences(of: "&#38;", with: "&") : v
    }

    private static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 }

    // MARK: - Element paths

    private enum Kind { case envelope, recordRoot, inRecord, unknown }

    private struct Node {
        var name: String
        var kind: Kind
        /// Full path for envelope nodes, path below the record for record nodes.
        var path: String
    }

    private struct NodeKey: Hashable {
        var parent: Int32
        var name: UnsafeRawPointer
    }

    private struct Frame {
        var node: Int32
        var group: Int32
        var hasChildren: Bool
    }

    /// The node for `name` under `parent`, cached by libxml2's interned name pointer.
    private mutating func node(parent: Int32, name: UnsafePointer<xmlChar>) -> Int32 {
        let key = NodeKey(parent: parent, name: UnsafeRawPointer(name))
        if let id = nodeIndex[key] { return id }
        let text = String(cString: name)
        let n: Node
        if parent < 0 {
            n = Node(name: text, kind: .envelope, path: text)
        } else {
            let p = nodes[Int(parent)]
            switch p.kind {
            case .envelope:
                let parentName = p.name
                if text == layout.record && parentName == layout.container {
                    n = Node(name: text, kind: .recordRoot, path: "")
                } else {
                    n = Node(name: text, kind: .envelope, path: p.path + "/" + text)
                }
            case .recordRoot:
                n = layout.knownElements.contains(text)
                    ? Node(name: text, kind: .inRecord, path: text)
                    : Node(name: text, kind: .unknown, path: text)
            case .inRecord, .unknown:
                n = Node(name: text, kind: .inRecord, path: p.path + "/" + text)
            }
        }
        let id = Int32(nodes.count)
        nodes.append(n)
        nodeIndex[key] = id
        return id
    }
}
