// Quarry — VM Host List pages (`/api/2.0/fo/asset/host/?action=list`) and SIMPLE_RETURN errors.

/// Which optional parts of a HOST the request asked for.
struct HostListOptions {
    var details = "Basic"
    var showAssetID = false
    var showTags = false
    var metadata = false
}

extension Tenant {
    /// Writes one HOST_LIST_OUTPUT page; `nextURL` makes the 1980 truncation WARNING.
    func writeHostListPage(_ records: [SimRecord], nextURL: String?, options: HostListOptions, dirty: Bool,
                           to w: DocWriter) {
        writeHostListHead(to: w)
        if !records.isEmpty {
            writeHostListOpen(options, to: w)
            writeHosts(records, options: options, dirty: dirty, to: w)
            writeHostListClose(options, to: w)
        }
        writeHostListTail(records.count, nextURL: nextURL, to: w)
    }

    func writeHostListHead(to w: DocWriter) {
        w.raw("<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n")
        w.raw("<!DOCTYPE HOST_LIST_OUTPUT SYSTEM "
            + "\"https://qualysapi.qualys.com/api/2.0/fo/asset/host/host_list_output.dtd\">\n")
        w.raw("<HOST_LIST_OUTPUT>\n  <RESPONSE>\n")
        w.raw("    <DATETIME>\(SimDate.iso(now + 5))</DATETIME>\n")
    }

    func writeHostListOpen(_ options: HostListOptions, to w: DocWriter) {
        w.raw(options.details == "None" ? "    <ID_SET>\n" : "    <HOST_LIST>\n")
    }

    func writeHostListClose(_ options: HostListOptions, to w: DocWriter) {
        w.raw(options.details == "None" ? "    </ID_SET>\n" : "    </HOST_LIST>\n")
    }

    /// HOST elements (or ID_SET IDs for `details=None`).
    func writeHosts(_ records: [SimRecord], options: HostListOptions, dirty: Bool, to w: DocWriter) {
        var cached: Machine?
        for r in records {
            if w.failed { break }
            if cached?.plan.index != r.machineIndex { cached = machine(r.plan) }
            let mc = cached!
            let id = hostID(r.machineIndex, r.kind)
            if options.details == "None" { w.raw("      <ID>\(id)</ID>\n"); continue }
            let dirt = dirty ? self.dirt(.vm, id) : nil
            if dirt == .phantomWithoutID { writeHost(r, mc, dirt: dirt, withID: false, options: options, to: w) }
            writeHost(r, mc, dirt: dirt == .phantomWithoutID ? nil : dirt, withID: true, options: options, to: w)
        }
    }

    func writeHostListTail(_ count: Int, nextURL: String?, to w: DocWriter) {
        if let nextURL {
            w.raw("    <WARNING>\n      <CODE>1980</CODE>\n")
            w.raw("      <TEXT>\(count) record limit exceeded. Use URL to get next batch of results.</TEXT>\n")
            w.raw("      <URL><![CDATA[" + nextURL + "]]></URL>\n    </WARNING>\n")
        }
        w.raw("  </RESPONSE>\n</HOST_LIST_OUTPUT>\n")
    }

    private func writeHost(_ r: SimRecord, _ mc: Machine, dirt: Dirt?, withID: Bool, options: HostListOptions,
                           to w: DocWriter) {
        let p = r.plan, m = p.index, kind = r.kind
        let id = hostID(m, kind)
        var d = Dice(seed, UInt64(bitPattern: id), 33)
        let isAgent = kind == .agent || kind == .agentReimaged
        let all = options.details.hasPrefix("All")
        let created = self.created(p, kind), modified = self.modified(p, kind)
        let ip = kind == .staleScanner ? mc.previousIP : mc.primaryIP
        let i = "        "

        w.raw("      <HOST>\n")
        if withID { w.element(i, "ID", String(id)) }
        if options.showAssetID { w.element(i, "ASSET_ID", String(assetID(m, kind))) }
        w.element(i, "IP", ip)
        if isAgent, let v6 = mc.ipv6 { w.element(i, "IPV6", v6) }
        let tracking: String
        switch kind {
        case .agent, .agentReimaged: tracking = "AGENT"
        case .connector: tracking = ["EC2", "AZURE", "GCP"][mc.cloud?.kind.rawValue ?? 0]
        default: tracking = d.chance(0.15) ? "DNS" : (mc.isWindows && d.chance(0.1) ? "NETBIOS" : "IP")
        }
        w.element(i, "TRACKING_METHOD", tracking)
        let resolvable = isAgent || kind == .connector || d.chance(0.8)
        if resolvable {
            let fqdn = d.chance(0.1) ? mc.fqdn.uppercased() : mc.fqdn
            w.cdata(i, "DNS", fqdn)
            w.raw(i + "<DNS_DATA>\n")
            w.cdata(i + "  ", "HOSTNAME", mc.shortName)
            w.cdata(i + "  ", "DOMAIN", mc.domain)
            w.cdata(i + "  ", "FQDN", fqdn)
            w.raw(i + "</DNS_DATA>\n")
        }
        if let c = mc.cloud, isAgent || kind == .connector {
            w.element(i, "CLOUD_PROVIDER", ["AWS", "Azure", "GCP"][c.kind.rawValue])
            w.element(i, "CLOUD_SERVICE", ["EC2", "VM", "COMPUTE"][c.kind.rawValue])
            w.element(i, "CLOUD_RESOURCE_ID", c.instanceID)
            if c.kind == .aws { w.element(i, "EC2_INSTANCE_ID", c.instanceID) }
        }
        let showNetBIOS = mc.isWindows && (isAgent || d.chance(0.7))
        if let dirt, dirt != .badDate {
            // Outside CDATA, where a character reference is one (inside, `&#0;` is literal text).
            w.raw(i + "<NETBIOS>"); w.dirtyXMLText(mc.netbios, dirt); w.raw("</NETBIOS>\n")
        } else if showNetBIOS {
            w.cdata(i, "NETBIOS", mc.netbios)
        }
        w.cdata(i, "OS", mc.osFull)
        if isAgent { w.element(i, "QG_HOSTID", qgHostID(m, generation: p.agentGeneration(for: kind))) }
        if all && isAgent {
            w.element(i, "LAST_BOOT", SimDate.iso(modified - Int64(d.below(900_000))))
            if let s = mc.serial { w.element(i, "SERIAL_NUMBER", s) }
            if let h = mc.hwUUID { w.element(i, "HARDWARE_UUID", h) }
        }
        if all {
            w.element(i, "FIRST_FOUND_DATE", SimDate.iso(created))
            w.element(i, "LAST_ACTIVITY", SimDate.iso(modified))
        }
        if isAgent {
            let stale = kind == .agent && p.reimageNight.map { night >= $0 } == true
            w.element(i, "AGENT_STATUS", stale ? "STATUS_INACTIVE" : "STATUS_ACTIVE")
            w.element(i, "CLOUD_AGENT_RUNNING_ON", mc.osFull)
        }
        if options.showTags {
            w.raw(i + "<TAGS>\n")
            for (tagID, tagName) in mc.tags where isAgent || tagName != "Cloud Agent" {
                w.raw(i + "  <TAG>\n")
                w.element(i + "    ", "TAG_ID", String(tagID))
                w.cdata(i + "    ", "NAME", tagName)
                w.raw(i + "  </TAG>\n")
            }
            w.raw(i + "</TAGS>\n")
        }
        if options.metadata, let c = mc.cloud, isAgent || kind == .connector {
            let block = ["EC2", "AZURE", "GOOGLE"][c.kind.rawValue]
            w.raw(i + "<METADATA>\n" + i + "  <" + block + ">\n")
            let attrs: [(String, String)] = [("instance-id", c.instanceID), ("local-ipv4", c.privateIP),
                                             ("region", c.region), ("account-id", c.account)]
            for (name, value) in attrs {
                w.raw(i + "    <ATTRIBUTE>\n")
                w.cdata(i + "      ", "NAME", name)
                w.element(i + "      ", "LAST_STATUS", "Success")
                w.cdata(i + "      ", "VALUE", value)
                w.element(i + "      ", "LAST_SUCCESS_DATE", SimDate.iso(modified))
                w.raw(i + "    </ATTRIBUTE>\n")
            }
            w.raw(i + "  </" + block + ">\n" + i + "</METADATA>\n")
        }
        let scan = modified - Int64(d.below(3_600))
        let scanText = dirt == .badDate ? Dirt.badDateText : SimDate.iso(scan)
        w.element(i, "LAST_VULN_SCAN_DATETIME", scanText)
        if all {
            w.element(i, "LAST_VM_SCANNED_DATE", scanText)
            w.element(i, "LAST_VM_SCANNED_DURATION", String(120 + d.below(3_000)))
            if isAgent || d.chance(0.5) {
                w.element(i, "LAST_VM_AUTH_SCANNED_DATE", SimDate.iso(scan))
                w.element(i, "LAST_VM_AUTH_SCANNED_DURATION", String(200 + d.below(3_000)))
            }
        }
        w.raw("      </HOST>\n")
    }

    /// A classic-API SIMPLE_RETURN document (`items` become ITEM_LIST/ITEM KEY/VALUE).
    func simpleReturn(code: Int?, text: String, items: [(String, String)] = []) -> String {
        var s = "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n"
            + "<!DOCTYPE SIMPLE_RETURN SYSTEM \"https://qualysapi.qualys.com/api/2.0/simple_return.dtd\">\n"
            + "<SIMPLE_RETURN>\n  <RESPONSE>\n    <DATETIME>\(SimDate.iso(now))</DATETIME>\n"
        if let code { s += "    <CODE>\(code)</CODE>\n" }
        s += "    <TEXT>\(xmlEscape(text))</TEXT>\n"
        if !items.isEmpty {
            s += "    <ITEM_LIST>\n"
            for (k, v) in items {
                s += "      <ITEM>\n        <KEY>\(k)</KEY>\n        <VALUE>\(v)</VALUE>\n      </ITEM>\n"
            }
            s += "    </ITEM_LIST>\n"
        }
        return s + "  </RESPONSE>\n</SIMPLE_RETURN>\n"
    }
}
