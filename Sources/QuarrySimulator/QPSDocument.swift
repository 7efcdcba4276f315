// Quarry — Asset Management "QPS" hostasset search pages (`POST /qps/rest/2.0/search/am/hostasset`).

let qpsRootOpen = "<ServiceResponse xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
    + "xsi:noNamespaceSchemaLocation=\"https://qualysapi.qualys.com/qps/xsd/2.0/am/hostasset.xsd\">\n"

extension Tenant {
    /// Writes one ServiceResponse page with `records`.
    func writeQPSPage(_ records: [SimRecord], hasMore: Bool, dirty: Bool, to w: DocWriter) {
        w.raw("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
        w.raw(qpsRootOpen)
        w.raw("  <responseCode>SUCCESS</responseCode>\n")
        w.raw("  <count>\(records.count)</count>\n")
        w.raw("  <hasMoreRecords>\(hasMore)</hasMoreRecords>\n")
        if let last = records.last {
            w.raw("  <lastId>\(assetID(last.machineIndex, last.kind))</lastId>\n")
            w.raw("  <data>\n")
            var cached: Machine?
            for r in records {
                if w.failed { break }
                if cached?.plan.index != r.machineIndex { cached = machine(r.plan) }
                let mc = cached!
                let dirt = dirty ? self.dirt(.qps, assetID(r.machineIndex, r.kind)) : nil
                if dirt == .phantomWithoutID { writeHostAsset(r, mc, dirt: dirt, withID: false, to: w) }
                writeHostAsset(r, mc, dirt: dirt == .phantomWithoutID ? nil : dirt, withID: true, to: w)
            }
            w.raw("  </data>\n")
        }
        w.raw("</ServiceResponse>")
    }

    private func writeHostAsset(_ r: SimRecord, _ mc: Machine, dirt: Dirt?, withID: Bool, to w: DocWriter) {
        let p = r.plan, m = p.index, kind = r.kind
        let id = assetID(m, kind)
        var d = Dice(seed, UInt64(bitPattern: id), 32)
        let style = MACStyle(rawValue: d.below(4))!
        let isAgent = kind == .agent || kind == .agentReimaged
        let vmHost = p.serves(kind, in: .vm)
        let created = self.created(p, kind), modified = self.modified(p, kind)
        let stale = kind == .agent && p.reimageNight.map { night >= $0 } == true
        let lastSeen = stale ? nightStart(p.reimageNight!) - 7_200 : modified
        let ip = kind == .staleScanner ? mc.previousIP : mc.primaryIP
        let i3 = "      ", i4 = "        "

        let name: String
        var dns: String?
        var netbios: String? = mc.isWindows ? mc.netbios : nil
        switch kind {
        case .agent, .agentReimaged:
            name = mc.isWindows ? mc.shortName.uppercased() : mc.fqdn
            dns = mc.isWindows ? mc.shortName.uppercased() : mc.shortName
        case .scanner, .staleScanner:
            dns = d.chance(0.8) ? mc.fqdn : nil
            if netbios != nil && d.chance(0.3) { netbios = nil }
            name = dns ?? netbios ?? ip
        case .connector:
            name = mc.cloud.map { $0.kind == .aws ? $0.instanceID : mc.shortName } ?? mc.shortName
            dns = mc.fqdn
            netbios = nil
        case .passive:
            name = ip
        }

        w.raw("    <HostAsset>\n")
        if withID { w.element(i3, "id", String(id)) }
        w.raw(i3 + "<name>"); w.dirtyXMLText(name, dirt); w.raw("</name>\n")
        w.element(i3, "created", SimDate.iso(created))
        w.element(i3, "modified", dirt == .badDate ? Dirt.badDateText : SimDate.iso(modified))
        w.element(i3, "type", "HOST")
        w.raw(i3 + "<tags>\n" + i4 + "<list>\n")
        for (tagID, tagName) in mc.tags where isAgent || tagName != "Cloud Agent" {
            w.raw(i4 + "  <TagSimple>\n")
            w.element(i4 + "    ", "id", String(tagID))
            w.element(i4 + "    ", "name", tagName)
            w.raw(i4 + "  </TagSimple>\n")
        }
        w.raw(i4 + "</list>\n" + i3 + "</tags>\n")

        w.raw(i3 + "<sourceInfo>\n" + i4 + "<list>\n")
        if let c = mc.cloud, isAgent || kind == .connector {
            writeQPSCloudSource(c, mc, assetID: id, created: created, modified: modified, to: w)
        }
        if kind != .connector { w.raw(i4 + "  <AssetSource />\n") }
        w.raw(i4 + "</list>\n" + i3 + "</sourceInfo>\n")

        if vmHost { w.element(i3, "qwebHostId", String(hostID(m, kind))) }
        if let dns { w.element(i3, "dnsHostName", dns) }
        w.element(i3, "os", kind == .connector || kind == .passive ? mc.platform : mc.osName)
        if isAgent || kind == .connector { w.element(i3, "fqdn", mc.fqdn) }
        if vmHost { w.element(i3, "lastVulnScan", SimDate.iso(lastSeen - Int64(d.below(30_000)))) }
        if isAgent {
            let agentID = agentUUID(m, generation: p.agentGeneration(for: kind))
            w.raw(i3 + "<agentInfo>\n")
            w.element(i4, "agentVersion", "6.\(1 + m % 3).0.\(20 + m % 40)")
            w.element(i4, "agentId", agentID)
            w.element(i4, "status", stale ? "STATUS_INACTIVE" : "STATUS_ACTIVE")
            w.element(i4, "lastCheckedIn", SimDate.iso(lastSeen - 120))
            w.element(i4, "connectedFrom", ip)
            w.element(i4, "chirpStatus", "Inventory Scan Complete")
            w.element(i4, "platform", mc.platform)
            w.raw(i4 + "<agentConfiguration>\n")
            w.element(i4 + "  ", "id", String(8_000 + p.kind.rawValue))
            w.element(i4 + "  ", "name", p.kind == .workstation ? "Workstations Profile" : "Servers Profile")
            w.raw(i4 + "</agentConfiguration>\n")
            w.raw(i4 + "<activationKey>\n")
            var k = Dice(seed, 77)
            w.element(i4 + "  ", "activationId", k.uuid())
            w.element(i4 + "  ", "title", "quarry-sim-key")
            w.raw(i4 + "</activationKey>\n")
            w.raw(i3 + "</agentInfo>\n")
        }
        if let netbios { w.element(i3, "netbiosName", netbios) }
        w.element(i3, "address", ip)
        let tracking: String
        switch kind {
        case .agent, .agentReimaged: tracking = "QAGENT"
        case .connector: tracking = mc.cloud?.kind == .azure ? "VIRTUAL_MACHINE_ID" : "INSTANCE_ID"
        default: tracking = dns != nil && d.chance(0.2) ? "DNS" : "IP"
        }
        w.element(i3, "trackingMethod", tracking)
        for list in ["openPort", "software", "vuln", "processor", "volume", "account"] {
            w.raw(i3 + "<" + list + ">\n" + i4 + "<list />\n" + i3 + "</" + list + ">\n")
        }
        w.raw(i3 + "<networkInterface>\n" + i4 + "<list>\n")
        let nics: [SimInterface] = isAgent ? mc.interfaces
            : [SimInterface(name: "", mac: mc.primaryMAC, ipv4: ip, ipv6: nil, vendor: "")]
        for nic in nics {
            let i5 = i4 + "    "
            w.raw(i4 + "  <HostAssetInterface>\n")
            if isAgent { w.element(i5, "interfaceName", nic.name) }
            if let host = dns { w.element(i5, "hostname", host) }
            w.element(i5, "type", "PRIVATE")
            if let a = nic.ipv4 { w.element(i5, "address", a) }
            if isAgent || kind == .connector || d.chance(0.3) { w.element(i5, "macAddress", style.format(nic.mac)) }
            if isAgent, let a = nic.ipv4 { w.element(i5, "gatewayAddress", gateway(a)) }
            w.raw(i4 + "  </HostAssetInterface>\n")
        }
        if let pub = mc.cloud?.publicIP, kind == .connector || isAgent {
            w.raw(i4 + "  <HostAssetInterface>\n")
            w.element(i4 + "    ", "type", "PUBLIC")
            w.element(i4 + "    ", "address", pub)
            w.raw(i4 + "  </HostAssetInterface>\n")
        }
        w.raw(i4 + "</list>\n" + i3 + "</networkInterface>\n")
        if isAgent { w.element(i3, "isDockerHost", String(mc.interfaces.contains { $0.mac == sharedMACs[1].0 })) }
        w.raw("    </HostAsset>\n")
    }

    private func writeQPSCloudSource(_ c: SimCloud, _ mc: Machine, assetID: Int64, created: Int64,
                                     modified: Int64, to w: DocWriter) {
        let i = "            "
        let tag = ["Ec2AssetSourceSimple", "AzureAssetSourceSimple", "GcpAssetSourceSimple"][c.kind.rawValue]
        w.raw("          <" + tag + ">\n")
        w.element(i, "assetId", String(assetID))
        w.element(i, "type", ["EC_2", "AZURE", "GCP"][c.kind.rawValue])
        w.element(i, "firstDiscovered", SimDate.iso(created))
        w.element(i, "lastUpdated", SimDate.iso(modified))
        switch c.kind {
        case .aws:
            w.raw(i + "<ec2InstanceTags>\n" + i + "  <tags>\n" + i + "    <list>\n")
            w.raw(i + "      <EC2Tags>\n")
            w.element(i + "        ", "key", "Name")
            w.element(i + "        ", "value", mc.shortName)
            w.raw(i + "      </EC2Tags>\n" + i + "    </list>\n" + i + "  </tags>\n" + i + "</ec2InstanceTags>\n")
            w.element(i, "availabilityZone", c.zone)
            w.element(i, "privateDnsName", mc.fqdn)
            if let pub = c.publicIP {
                w.element(i, "publicDnsName", "ec2-" + pub.replacingOccurrences(of: ".", with: "-")
                    + ".compute-1.amazonaws.com")
            }
            w.element(i, "instanceId", c.instanceID)
            w.element(i, "instanceType", c.instanceType)
            w.element(i, "instanceState", "RUNNING")
            w.element(i, "spotInstance", "false")
            w.element(i, "accountId", c.account)
            w.element(i, "subnetId", c.resourceGroup)
            w.element(i, "vpcId", c.network)
            w.element(i, "region", c.region)
            w.element(i, "imageId", c.imageID)
            if let pub = c.publicIP { w.element(i, "publicIpAddress", pub) }
            w.element(i, "privateIpAddress", c.privateIP)
        case .azure:
            w.element(i, "name", mc.shortName)
            w.element(i, "location", c.region)
            w.element(i, "vmSize", c.instanceType)
            w.element(i, "vmId", c.instanceID)
            w.element(i, "state", "RUNNING")
            w.element(i, "subnet", c.network)
            w.element(i, "subscriptionId", c.account)
            w.element(i, "resourceGroupName", c.resourceGroup)
            w.element(i, "macAddress", MACStyle.hyphenUpper.format(mc.primaryMAC))
            if let pub = c.publicIP { w.element(i, "publicIpAddress", pub) }
            w.element(i, "privateIpAddress", c.privateIP)
        case .gcp:
            w.element(i, "instanceId", c.instanceID)
            w.element(i, "hostname", mc.fqdn)
            w.element(i, "machineType", c.instanceType)
            w.element(i, "imageId", c.imageID)
            w.element(i, "zone", c.zone)
            w.element(i, "state", "RUNNING")
            w.element(i, "projectId", c.account)
            w.element(i, "network", c.network)
            w.element(i, "macAddress", MACStyle.colonLower.format(mc.primaryMAC))
            if let pub = c.publicIP { w.element(i, "publicIpAddress", pub) }
            w.element(i, "privateIpAddress", c.privateIP)
        }
        w.raw("          </" + tag + ">\n")
    }

    /// A ServiceResponse error (`INVALID_CREDENTIALS`, `INVALID_REQUEST`, …).
    static func qpsError(code: String, message: String, resolution: String) -> String {
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + qpsRootOpen
            + "  <responseCode>\(code)</responseCode>\n  <responseErrorDetails>\n"
            + "    <errorMessage>\(xmlEscape(message))</errorMessage>\n"
            + "    <errorResolution>\(xmlEscape(resolution))</errorResolution>\n"
            + "  </responseErrorDetails>\n</ServiceResponse>"
    }
}

func xmlEscape(_ s: String) -> String {
    s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
        .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "'", with: "&apos;")
}
