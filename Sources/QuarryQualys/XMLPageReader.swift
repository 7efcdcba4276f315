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
        state.pointee.releaseBuffers()
        state.deinitialize(count: 1)
        state.deallocate()
    }

    /// Feeds the next piece of the body. Calls `xmlParseChunk`.
    public func feed(_ bytes: UnsafeRawBufferPointer) throws {
        if let ctxt, filtered.isEmpty {
            if filter.processPassingThrough(bytes, into: &filtered) {
                // Clean bytes go to libxml2 as they are, without a copy.
                state.pointee.hasRepairs = filter.repairs > 0
                if let failure { throw failure }
                if bytes.isEmpty { return }
                let code = bytes.withMemoryRebound(to: CChar.self) {
                    xmlParseChunk(ctxt, $0.baseAddress, Int32($0.count), 0)
                }
                if let failure { throw failure }
                if code != 0 { throw error(from: ctxt, fallback: "libxml2 error \(code)") }
                return
            }
        } else {
            filter.process(bytes, isFinal: false, into: &filtered)
        }
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
///
/// Hot-path layout: element paths are interned once per page in a small trie of nodes keyed
/// by libxml2's interned name pointers, and found with one pointer compare per element by
/// predicting each element from its previous sibling (records repeat their shape). Text is
/// collected in a raw byte buffer; leaf values become Strings straight from UTF-8 bytes.
private struct SAXState {
    let layout: XMLRecordLayout
    let page: Int
    var result = ParsedPage()
    /// True once the byte filter has inserted a marker in this document.
    var hasRepairs = false

    // Nodes of the path trie, one entry per distinct element path, in parallel arrays so
    // that the hot path touches no String.
    private var nodeNames: [UnsafeRawPointer] = []
    private var nodeKinds: [Kind] = []
    private var nodeIsID: [Bool] = []
    /// The node that followed this one under the same parent last time, or -1.
    private var nodeNextSibling: [Int32] = []
    /// The first child seen under this node last time, or -1.
    private var nodeFirstChild: [Int32] = []
    private var nodes: [Node] = []
    private var nodeIndex: [NodeKey: Int32] = [:]
    private var attributePaths: [NodeKey: String] = [:]
    private var frames: [Frame] = []
    private var skipDepth = 0
    private var text: UnsafeMutablePointer<UInt8>
    private var textCount = 0
    private var textCapacity = 1024

    private var fields: [SourceField] = []
    private var recordID: String?
    private var repairs: [TextRepair] = []
    private var groupCounter: Int32 = 0
    private var position = 0

    init(layout: XMLRecordLayout, page: Int) {
        self.layout = layout
        self.page = page
        text = .allocate(capacity: textCapacity)
    }

    /// Frees the text buffer; called once by the owning reader.
    mutating func releaseBuffers() {
        text.deallocate()
        textCapacity = 0
        textCount = 0
    }

    mutating func startElement(
        _ localname: UnsafePointer<xmlChar>, _ nbAttributes: Int,
        _ attributes: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?
    ) {
        if skipDepth > 0 { skipDepth += 1; return }
        let parent: Int32
        let predicted: Int32
        if let top = frames.indices.last {
            parent = frames[top].node
            let previous = frames[top].lastChild
            predicted = previous >= 0 ? nodeNextSibling[Int(previous)] : nodeFirstChild[Int(parent)]
        } else {
            parent = -1
            predicted = -1
        }
        let key = UnsafeRawPointer(localname)
        let id: Int32
        if predicted >= 0 && nodeNames[Int(predicted)] == key {
            id = predicted
        } else {
            id = node(parent: parent, name: localname)
            if let top = frames.indices.last {
                let previous = frames[top].lastChild
                if previous >= 0 { nodeNextSibling[Int(previous)] = id } else { nodeFirstChild[Int(parent)] = id }
            }
        }
        if let top = frames.indices.last { frames[top].lastChild = id }
        let kind = nodeKinds[Int(id)]
        let group: Int32
        switch kind {
        case .unknown:
            result.unknownElements[nodes[Int(id)].name, default: 0] += 1
            skipDepth = 1
            return
        case .recordRoot:
            fields.removeAll(keepingCapacity: true)
            repairs.removeAll()
            recordID = nil
            groupCounter = 0
            position += 1
            group = 0
        case .inRecord:
            groupCounter += 1
            group = groupCounter
        case .envelope:
            if parent < 0 && result.root.isEmpty { result.root = nodes[Int(id)].name }
            group = 0
        }
        frames.append(Frame(node: id, group: group, lastChild: -1))
        textCount = 0
        if nbAttributes > 0, let attributes { readAttributes(of: id, group: group, nbAttributes, attributes) }
    }

    private mutating func readAttributes(
        of id: Int32, group: Int32, _ count: Int, _ attributes: UnsafeMutablePointer<UnsafePointer<xmlChar>?>
    ) {
        let kind = nodeKinds[Int(id)]
        for k in 0..<count {
            guard let name = attributes[5 * k], let start = attributes[5 * k + 3],
                  let end = attributes[5 * k + 4] else { continue }
            let raw = UnsafeRawBufferPointer(start: start, count: end - start)
            let path = attributePath(of: id, name: name)
            switch kind {
            case .recordRoot, .inRecord:
                let v = attributeValue(raw, path: path)
                if recordID == nil && path == layout.idPath { recordID = v }
                fields.append(SourceField(path: path, value: v, group: group))
            case .envelope:
                result.envelope.append((path, attributeValue(raw, path: path)))
            case .unknown:
                break
            }
        }
    }

    /// `@name` on a record root, `<path>/@name` elsewhere; interned per node and name.
    private mutating func attributePath(of id: Int32, name: UnsafePointer<xmlChar>) -> String {
        let key = NodeKey(parent: id, name: UnsafeRawPointer(name))
        if let path = attributePaths[key] { return path }
        let attr = "@" + String(cString: name)
        let path = nodeKinds[Int(id)] == .recordRoot ? attr : nodes[Int(id)].path + "/" + attr
        attributePaths[key] = path
        return path
    }

    mutating func endElement() {
        if skipDepth > 0 { skipDepth -= 1; return }
        guard let frame = frames.popLast() else { return }
        let id = Int(frame.node)
        switch nodeKinds[id] {
        case .recordRoot:
            finishRecord()
        case .inRecord:
            if frame.lastChild < 0 {
                let path = nodes[id].path
                let v = value(UnsafeRawBufferPointer(start: text, count: textCount), path: path)
                if nodeIsID[id] && recordID == nil { recordID = v }
                fields.append(SourceField(path: path, value: v, group: frames.last?.group ?? 0))
            }
        case .envelope:
            if frame.lastChild < 0 {
                let path = nodes[id].path
                let v = value(UnsafeRawBufferPointer(start: text, count: textCount), path: path)
                result.envelope.append((path, v))
            }
        case .unknown:
            break
        }
        textCount = 0
    }

    mutating func characters(_ bytes: UnsafeRawBufferPointer) {
        // Text counts only in leaf elements: once a child has started, it is never used.
        guard skipDepth == 0, let top = frames.indices.last, frames[top].lastChild < 0 else { return }
        let n = bytes.count
        if textCount + n > textCapacity {
            var capacity = textCapacity * 2
            while capacity < textCount + n { capacity *= 2 }
            let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
            grown.update(from: text, count: textCount)
            text.deallocate()
            text = grown
            textCapacity = capacity
        }
        UnsafeMutableRawPointer(text + textCount).copyMemory(from: bytes.baseAddress!, byteCount: n)
        textCount += n
    }

    private mutating func finishRecord() {
        let locator = Locator(api: layout.api, page: page, position: position)
        let id = recordID ?? ""
        if id.isEmpty {
            let excerpt = fields.prefix(12).map { "\($0.path)=\($0.value)" }.joined(separator: " ")
            result.rejects.append(Reject(
                source: layout.api.rawValue, locator: locator.description,
                reason: "missing required field \(layout.idPath)", excerpt: excerpt))
        } else {
            result.records.append(SourceRecord(
                api: layout.api, recordID: id, locator: locator, fields: fields, repairs: repairs))
        }
        // The record now owns the old storage: start a new one of the same size.
        let size = fields.count
        fields = []
        fields.reserveCapacity(size)
        repairs.removeAll()
        recordID = nil
    }

    // MARK: - Values

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

    /// The cold part of a node: its name and path as Strings.
    private struct Node {
        var name: String
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
        /// The last child element started so far, or -1 while the element is a leaf.
        var lastChild: Int32
    }

    /// The node for `name` under `parent`, cached by libxml2's interned name pointer.
    private mutating func node(parent: Int32, name: UnsafePointer<xmlChar>) -> Int32 {
        let key = NodeKey(parent: parent, name: UnsafeRawPointer(name))
        if let id = nodeIndex[key] { return id }
        let text = String(cString: name)
        let n: Node
        let kind: Kind
        if parent < 0 {
            (n, kind) = (Node(name: text, path: text), .envelope)
        } else {
            let p = nodes[Int(parent)]
            switch nodeKinds[Int(parent)] {
            case .envelope:
                if text == layout.record && p.name == layout.container {
                    (n, kind) = (Node(name: text, path: ""), .recordRoot)
                } else {
                    (n, kind) = (Node(name: text, path: p.path + "/" + text), .envelope)
                }
            case .recordRoot:
                (n, kind) = (Node(name: text, path: text), layout.knownElements.contains(text) ? .inRecord : .unknown)
            case .inRecord, .unknown:
                (n, kind) = (Node(name: text, path: p.path + "/" + text), .inRecord)
            }
        }
        let id = Int32(nodes.count)
        nodes.append(n)
        nodeNames.append(UnsafeRawPointer(name))
        nodeKinds.append(kind)
        nodeIsID.append(kind == .inRecord && n.path == layout.idPath)
        nodeNextSibling.append(-1)
        nodeFirstChild.append(-1)
        nodeIndex[key] = id
        return id
    }
}
