// Quarry — Global AssetView / CSAM search pages (`POST /rest/2.0/search/am/asset`), JSON.

/// Compact JSON output with comma bookkeeping.
struct JSONOut {
    let w: DocWriter
    /// Bit d set = the container at depth d has no member yet (depth ≤ 63).
    private var fresh: UInt64 = 1
    private var depth = 0

    init(_ w: DocWriter) { self.w = w }

    private mutating func sep(_ key: String?) {
        let bit: UInt64 = 1 << UInt64(depth)
        if fresh & bit != 0 { fresh &= ~bit } else { w.byte(UInt8(ascii: ",")) }
        if let key { w.jsonKey(key) }
    }

    private mutating func push(_ opener: UInt8) {
        w.byte(opener)
        depth += 1
        fresh |= 1 << UInt64(depth)
    }

    mutating func open(_ key: String? = nil) { sep(key); push(UInt8(ascii: "{")) }
    mutating func close() { depth -= 1; w.byte(UInt8(ascii: "}")) }
    mutating func openArray(_ key: String? = nil) { sep(key); push(UInt8(ascii: "[")) }
    mutating func closeArray() { depth -= 1; w.byte(UInt8(ascii: "]")) }
    mutating func str(_ key: String?, _ v: String?) {
        sep(key)
        if let v { w.jsonString(v) } else { w.raw("null") }
    }
    mutating func num(_ key: String?, _ v: Int64?) {
        sep(key)
        if let v { w.integer(v) } else { w.raw("null") }
    }
    mutating func bool(_ key: String, _ v: Bool?) { sep(key); w.raw(v.map { $0 ? "true" : "false" } ?? "null") }
    mutating func null(_ key: String) { sep(key); w.raw("null") }
    /// A value written by `body` straight into the writer.
    mutating func custom(_ key: String, _ body: (DocWriter) -> Void) { sep(key); body(w) }
}

extension Tenant {
    /// Writes one GAV search page: the envelope and `records`.
    func writeGAVPage(_ records: [SimRecord], hasMore: Bool, dirty: Bool, to w: DocWriter) {
        var j = JSONOut(w)
        j.open()
        j.str("responseMessage", "Valid API Access")
        j.str("responseCode", "SUCCESS")
        j.num("count", Int64(records.count))
        j.num("hasMore", hasMore ? 1 : 0)
        j.num("lastSeenAssetId", records.last.map { assetID($0.machineIndex, $0.kind) })
        j.open("assetListData")
        j.openArray("asset")
        var cached: Machine?
        for r in records {
            if w.failed { break }
            if cached?.plan.index != r.machineIndex { cached = machine(r.plan) }
            let mc = cached!
            let id = assetID(r.machineIndex, r.kind)
            let dirt = dirty ? self.dirt(.gav, id) : nil
            if dirt == .phantomWithoutID { writeGAVAsset(r, mc, dirt: dirt, withID: false, into: &j) }
            writeGAVAsset(r, mc, dirt: dirt == .phantomWithoutID ? nil : dirt, withID: true, into: &j)
        }
        j.closeArray()
        j.close()
        j.close()
    }

    private func writeGAVAsset(_ r: SimRecord, _ mc: Machine, dirt: Dirt?, withID: Bool, into j: inout JSONOut) {
        let p = r.plan, m = p.index, kind = r.kind
        let id = assetID(m, kind)
        var d = Dice(seed, UInt64(bitPattern: id), 31)
        let style = MACStyle(rawValue: d.below(4))!
        let isAgent = kind == .agent || kind == .agentReimaged
        let gen = p.agentGeneration(for: kind)
        let agentID = isAgent ? agentUUID(m, generation: gen) : nil
        let vmHost = p.serves(kind, in: .vm)
        let created = self.created(p, kind), modified = self.modified(p, kind)
        let stale = kind == .agent && p.reimageNight.map { night >= $0 } == true
        let lastSeen = stale ? nightStart(p.reimageNight!) - 7_200 : modified
        let ip = kind == .staleScanner ? mc.previousIP : mc.primaryIP
        let scanMS: Int64 = vmHost || kind == .scanner || kind == .staleScanner
            ? (lastSeen - Int64(d.below(30_000))) * 1000 : 0

        // Names as each sensor sees them: agents report their own name (Windows upper case),
        // scanners the reverse DNS name (sometimes upper case) and NetBIOS, passive maybe a name.
        var name: String
        var dns: String?
        var netbios: String? = mc.isWindows ? mc.netbios : nil
        switch kind {
        case .agent, .agentReimaged:
            name = mc.isWindows ? mc.shortName.uppercased() : mc.fqdn
            dns = mc.fqdn
        case .scanner, .staleScanner:
            dns = d.chance(0.8) ? (d.chance(0.15) ? mc.fqdn.uppercased() : mc.fqdn) : nil
            if netbios != nil && d.chance(0.3) { netbios = nil }
            name = dns ?? netbios ?? ip
        case .connector:
            name = mc.cloud.map { $0.kind == .aws ? $0.instanceID : mc.shortName } ?? mc.shortName
            dns = mc.fqdn
            netbios = nil
        case .passive:
            dns = d.chance(0.4) ? mc.shortName.lowercased() : nil
            netbios = nil
            name = dns ?? ip
        }

        j.open()
        if withID { j.num("assetId", id) }
        j.str("assetUUID", agentID ?? d.uuid())
        j.num("hostId", vmHost ? hostID(m, kind) : nil)
        j.str("lastModifiedDate", dirt == .badDate ? Dirt.badDateMillisText : SimDate.isoMillis(modified * 1000))
        j.str("agentId", agentID)
        j.str("createdDate", SimDate.isoMillis(created * 1000 + Int64(d.below(1000))))
        j.str("sensorLastUpdatedDate", SimDate.isoMillis(lastSeen * 1000))
        j.str("assetType", "HOST")
        j.str("address", ip)
        j.str("dnsName", dns)
        j.custom("assetName") { $0.dirtyJSONString(name, dirt) }
        j.str("netbiosName", netbios)
        j.str("timeZone", isAgent ? mc.timeZone : nil)
        j.str("biosDescription", isAgent && mc.serial != nil ? mc.manufacturer + " BIOS" : nil)
        j.str("lastBoot", isAgent ? SimDate.isoMillis((lastSeen - Int64(d.below(900_000))) * 1000) : nil)
        j.num("totalMemory", isAgent ? Int64(mc.memoryMB) : nil)
        j.num("cpuCount", isAgent ? Int64(mc.cpus) : nil)
        j.str("lastLoggedOnUser", isAgent && p.kind == .workstation ? "CORP\\user\(m % 9_000)" : nil)
        j.str("hwUUID", isAgent ? mc.hwUUID : nil)
        j.str("biosSerialNumber", isAgent ? mc.serial : nil)
        j.str("biosAssetTag", nil)
        j.bool("isContainerHost", isAgent ? mc.interfaces.contains { $0.mac == sharedMACs[1].0 } : nil)
        j.bool("isVirtualMachine", isAgent ? (p.kind == .cloud || mc.model.hasPrefix("VMware")) : nil)
        j.bool("isHypervisor", isAgent ? false : nil)

        j.open("operatingSystem")
        let fingerprint = !isAgent && kind != .connector
        j.str("osName", kind == .passive ? (p.kind.isUnmanagedDevice ? mc.osName : nil) : mc.osName)
        j.str("fullName", fingerprint ? nil : mc.osFull)
        j.str("category", mc.osCategory)
        let (category1, category2) = Machine.splitCategory(mc.osCategory)
        j.str("category1", category1)
        j.str("category2", category2)
        j.str("productName", mc.osName)
        j.str("publisher", mc.osPublisher)
        j.str("version", fingerprint ? nil : mc.osVersion)
        j.str("architecture", isAgent ? "64-Bit" : nil)
        j.close()

        j.open("hardware")
        j.str("fullName", isAgent || kind == .passive ? mc.manufacturer + " " + mc.model : nil)
        j.str("category", mc.hwCategory)
        j.str("manufacturer", isAgent || kind == .passive ? mc.manufacturer : nil)
        j.str("model", isAgent ? mc.model : nil)
        j.close()

        j.open("networkInterfaceListData")
        j.openArray("networkInterface")
        switch kind {
        case .agent, .agentReimaged:
            for nic in mc.interfaces {
                j.open()
                j.str("hostname", name)
                j.str("addressIpV4", nic.ipv4)
                j.str("addressIpV6", nic.ipv6)
                j.str("macAddress", style.format(nic.mac))
                j.str("interfaceName", nic.name)
                j.str("manufacturer", nic.vendor)
                j.str("gatewayAddress", nic.ipv4.map { gateway($0) })
                j.close()
            }
        case .scanner, .staleScanner, .passive, .connector:
            j.open()
            j.str("hostname", dns)
            j.str("addressIpV4", ip)
            j.str("addressIpV6", nil)
            let showMAC = kind == .passive || kind == .connector || d.chance(0.3)
            j.str("macAddress", showMAC ? style.format(mc.primaryMAC) : nil)
            j.str("interfaceName", nil)
            j.str("manufacturer", kind == .passive ? mc.interfaces.first?.vendor : nil)
            j.close()
        }
        j.closeArray()
        j.close()

        if let c = mc.cloud, isAgent || kind == .connector {
            j.str("provider", ["AWS", "Azure", "GCP"][c.kind.rawValue])
            writeGAVCloud(c, mc, agent: isAgent, into: &j)
        } else {
            j.null("provider")
            j.null("cloudProvider")
        }

        if let agentID {
            _ = agentID
            j.open("agent")
            j.str("version", "6.\(1 + m % 3).0.\(20 + m % 40)")
            j.str("configurationProfile", p.kind == .workstation ? "Workstations Profile" : "Servers Profile")
            j.openArray("activations")
            j.open(); j.str("key", "VM"); j.str("status", "ACTIVE"); j.close()
            j.open(); j.str("key", "PC"); j.str("status", "INACTIVE"); j.close()
            j.closeArray()
            j.str("connectedFrom", ip)
            j.num("lastActivity", lastSeen * 1000)
            j.num("lastCheckedIn", (lastSeen - 120) * 1000)
            j.num("lastInventory", (lastSeen - 3_600) * 1000)
            j.bool("udcManifestAssigned", false)
            j.bool("errorStatus", false)
            j.close()
        } else {
            j.null("agent")
        }

        j.open("sensor")
        j.openArray("activatedForModules")
        if isAgent || vmHost { j.str(nil, "VM") }
        j.closeArray()
        j.openArray("pendingActivationForModules")
        j.closeArray()
        j.num("lastVMScan", scanMS)
        j.num("lastComplianceScan", 0)
        j.num("lastFullScan", scanMS)
        j.num("lastVmScanDateScanner", kind == .scanner || kind == .staleScanner ? scanMS : 0)
        j.num("lastVmScanDateAgent", isAgent ? scanMS : 0)
        j.close()

        let source: String
        switch kind {
        case .agent, .agentReimaged: source = "QAGENT"
        case .scanner, .staleScanner: source = "IP SCANNER"
        case .connector: source = ["AWS", "AZURE", "GCP"][mc.cloud?.kind.rawValue ?? 0]
        case .passive: source = "PASSIVE_SENSOR"
        }
        j.open("inventory")
        j.str("source", source)
        j.num("created", created * 1000)
        j.num("lastUpdated", modified * 1000)
        j.close()
        j.open("activity")
        j.str("source", source)
        j.num("lastScannedDate", lastSeen * 1000)
        j.close()

        j.open("tagList")
        j.openArray("tag")
        for (tagID, tagName) in mc.tags where isAgent || tagName != "Cloud Agent" {
            j.open()
            j.num("tagId", tagID)
            j.str("tagName", tagName)
            j.num("foregroundColor", 16_777_215)
            j.num("backgroundColor", 4_227_327)
            j.str("businessImpact", nil)
            j.close()
        }
        j.closeArray()
        j.close()
        j.null("softwareListData")
        j.null("openPortListData")
        j.null("volumeListData")
        j.null("userAccountListData")
        j.null("serviceList")
        j.null("container")
        j.close()
    }

    private func writeGAVCloud(_ c: SimCloud, _ mc: Machine, agent: Bool, into j: inout JSONOut) {
        j.open("cloudProvider")
        switch c.kind {
        case .aws:
            j.open("aws")
            j.open("ec2")
            j.str("accountId", c.account)
            j.str("instanceId", c.instanceID)
            j.str("instanceType", c.instanceType)
            j.str("instanceState", "RUNNING")
            j.str("imageId", c.imageID)
            j.str("availabilityZone", c.zone)
            j.open("region"); j.str("code", c.region); j.str("name", c.region); j.close()
            j.str("vpcId", c.network)
            j.str("subnetId", c.resourceGroup)
            j.str("privateIpAddress", c.privateIP)
            j.str("publicIpAddress", c.publicIP)
            j.str("privateDNS", mc.fqdn)
            j.str("publicDNS", c.publicIP.map { "ec2-" + $0.replacingOccurrences(of: ".", with: "-")
                + ".compute-1.amazonaws.com" })
            j.str("hostname", mc.fqdn)
            j.bool("hasAgent", agent)
            j.bool("qualysScanner", false)
            j.bool("spotInstance", false)
            j.num("launchdate", created(mc.plan, .connector) * 1000)
            j.close()
            j.openArray("tags")
            j.open(); j.str("name", "Name"); j.str("value", mc.shortName); j.close()
            j.closeArray()
            j.close()
        case .azure:
            j.open("azure")
            j.open("vm")
            j.str("vmId", c.instanceID)
            j.str("subscriptionId", c.account)
            j.str("resourceGroupName", c.resourceGroup)
            j.str("name", mc.shortName)
            j.str("location", c.region)
            j.str("size", c.instanceType)
            j.str("state", "RUNNING")
            j.str("macAddress", MACStyle.hyphenUpper.format(mc.primaryMAC))
            j.str("privateIpAddress", c.privateIP)
            j.str("publicIpAddress", c.publicIP)
            j.str("platform", mc.platform)
            j.str("subnet", c.network)
            j.close()
            j.openArray("tags")
            j.open(); j.str("name", "env"); j.str("value", "prod"); j.close()
            j.closeArray()
            j.close()
        case .gcp:
            j.open("gcp")
            j.open("compute")
            j.str("instanceId", c.instanceID)
            j.str("projectId", c.account)
            j.str("projectNumber", String(100_000_000_000 + Int64(c.account.count) * 7_919))
            j.str("machineType", c.instanceType)
            j.str("zone", c.zone)
            j.str("hostname", mc.fqdn)
            j.str("network", c.network)
            j.str("macAddress", MACStyle.colonLower.format(mc.primaryMAC))
            j.str("privateIpAddress", c.privateIP)
            j.str("publicIpAddress", c.publicIP)
            j.close()
            j.close()
        }
        j.close()
    }

    /// The `.1` address of an IPv4 /24.
    func gateway(_ ip: String) -> String {
        guard let dot = ip.lastIndex(of: ".") else { return ip }
        return String(ip[..<dot]) + ".1"
    }
}
