// Quarry — the descriptive part of a simulated machine: names, OS, hardware, addresses, cloud.

/// One network interface as the machine itself knows it.
struct SimInterface {
    let name: String
    let mac: UInt64
    let ipv4: String?
    let ipv6: String?
    let vendor: String
}

/// Cloud identity of an instance.
struct SimCloud {
    let kind: CloudKind
    let instanceID: String
    let account: String
    let region: String
    let zone: String
    let instanceType: String
    let imageID: String
    let privateIP: String
    let publicIP: String?
    let network: String
    let resourceGroup: String
}

/// Everything a sensor could report about a machine on one night. Built on demand from a
/// `MachinePlan`; never stored beyond the page being written.
struct Machine {
    let plan: MachinePlan
    let shortName: String
    let domain: String
    let osName: String
    let osFull: String
    let osCategory: String
    let osPublisher: String
    let osVersion: String
    let platform: String
    let isWindows: Bool
    let manufacturer: String
    let model: String
    let hwCategory: String
    let hwUUID: String?
    let serial: String?
    let interfaces: [SimInterface]
    let primaryIP: String
    let previousIP: String
    let ipv6: String?
    let cloud: SimCloud?
    let tags: [(Int64, String)]
    let memoryMB: Int
    let cpus: Int
    let timeZone: String

    var fqdn: String { shortName + "." + domain }

    /// "Windows / Client" → ("Windows", "Client"); a single category is both.
    static func splitCategory(_ category: String) -> (String, String) {
        let parts = category.split(separator: "/")
        guard parts.count == 2 else { return (category, category) }
        return (String(parts[0].dropLast()), String(parts[1].dropFirst()))
    }
    var primaryMAC: UInt64 { interfaces.first?.mac ?? 0 }
    var netbios: String { String(shortName.uppercased().prefix(15)) }
}

private let words = ["amber", "birch", "cedar", "delta", "ember", "fjord", "garnet", "harbor", "iris",
                     "jade", "kestrel", "lumen", "maple", "nova", "onyx", "pine", "quartz", "raven",
                     "sierra", "tundra", "umber", "vale", "willow", "xenon", "yarrow", "zephyr"]
private let domains = ["corp.example.com", "lab.example.net", "eu.example.org", "factory.example.com"]

/// (osName, fullName, category, publisher, version, platform, isWindows)
private let desktopOS: [(String, String, String, String, String, String, Bool)] = [
    ("Windows 11 Enterprise", "Microsoft Windows 11 Enterprise 23H2 64 bit Edition", "Windows / Client",
     "Microsoft", "23H2", "Windows", true),
    ("Windows 10 Enterprise", "Microsoft Windows 10 Enterprise 22H2 64 bit Edition", "Windows / Client",
     "Microsoft", "22H2", "Windows", true),
    ("macOS 14", "Apple macOS Sonoma 14.4", "Mac / Client", "Apple", "14.4", "MacOS", false),
    ("Ubuntu 22.04", "Ubuntu Linux 22.04.4 LTS", "Linux / Client", "Canonical", "22.04", "Linux", false),
]
private let serverOS: [(String, String, String, String, String, String, Bool)] = [
    ("Windows Server 2022", "Microsoft Windows Server 2022 Datacenter 64 bit Edition", "Windows / Server",
     "Microsoft", "21H2", "Windows", true),
    ("Windows Server 2019", "Microsoft Windows Server 2019 Standard 64 bit Edition", "Windows / Server",
     "Microsoft", "1809", "Windows", true),
    ("Red Hat Enterprise Linux 9", "Red Hat Enterprise Linux 9.3", "Linux / Server", "Red Hat", "9.3",
     "Linux", false),
    ("Ubuntu 22.04", "Ubuntu Linux 22.04.4 LTS", "Linux / Server", "Canonical", "22.04", "Linux", false),
    ("Debian 12", "Debian GNU/Linux 12.5", "Linux / Server", "Debian", "12.5", "Linux", false),
    ("Amazon Linux 2023", "Amazon Linux 2023.3", "Linux / Server", "Amazon", "2023.3", "Linux", false),
]
private let deviceOS: [MachineKind: (String, String, String, String)] = [
    .printer: ("HP JetDirect", "HP JetDirect Embedded Firmware", "Printer", "HP"),
    .phone: ("Android 14", "Google Android 14", "Mobile / Phone", "Google"),
    .iot: ("Embedded Linux", "Linux 4.x embedded", "IoT / Camera", "Axis"),
]
/// (OUI, vendor)
private let ouis: [MachineKind: [(UInt64, String)]] = [
    .workstation: [(0x3C_52_82, "Hewlett Packard"), (0xF8_B4_6A, "Hewlett Packard"),
                   (0x00_1A_A0, "Dell Inc."), (0x54_BF_64, "Dell Inc."), (0xA4_83_E7, "Apple, Inc.")],
    .server: [(0x00_25_B5, "Cisco Systems"), (0x24_6E_96, "Dell Inc."), (0x00_50_56, "VMware, Inc."),
              (0x00_15_5D, "Microsoft Corporation")],
    .printer: [(0x00_1E_0B, "Hewlett Packard"), (0x00_80_77, "Brother Industries")],
    .phone: [(0xF0_DB_E2, "Apple, Inc."), (0x8C_F5_A3, "Samsung Electronics")],
    .iot: [(0x00_40_8C, "Axis Communications AB"), (0xC0_56_E3, "Hangzhou Hikvision")],
]
/// MACs that many machines share: Cisco AnyConnect virtual adapter, docker container default,
/// Hyper-V default switch.
let sharedMACs: [(UInt64, String, String)] = [
    (0x00_05_9A_3C_7A_00, "Cisco AnyConnect Virtual Miniport Adapter", "Cisco Systems"),
    (0x02_42_AC_11_00_02, "docker0", "Docker"),
    (0x00_15_5D_00_04_01, "vEthernet (Default Switch)", "Microsoft Corporation"),
]

extension Tenant {
    /// Builds the full description of a planned machine.
    func machine(_ p: MachinePlan) -> Machine {
        let m = p.index
        var d = Dice(seed, UInt64(m), 5)
        let word = words[d.below(words.count)]
        var short: String
        var domain = domains[d.below(domains.count)]
        switch p.kind {
        case .workstation: short = "ws-\(word)-\(m)"
        case .server: short = d.pick(["app", "db", "web", "file", "build"]) + "-\(word)-\(m)"
        case .cloud: short = d.pick(["api", "worker", "batch", "edge"]) + "-\(word)-\(m)"
        case .printer: short = "prn-\(word)-\(m)"
        case .phone: short = "mobile-\(m)"
        case .iot: short = "cam-\(word)-\(m)"
        }

        // OS
        var os: (String, String, String, String, String, String, Bool)
        switch p.kind {
        case .workstation: os = desktopOS[d.below(desktopOS.count)]
        case .server, .cloud: os = serverOS[d.below(serverOS.count)]
        default:
            let dev = deviceOS[p.kind]!
            os = (dev.0, dev.1, dev.2, dev.3, "", "Embedded", false)
        }

        // Hardware
        let vendorList = ouis[p.kind == .cloud ? .server : p.kind]!
        let (oui, vendor) = vendorList[d.below(vendorList.count)]
        var hwUUID: String? = p.kind.isUnmanagedDevice ? nil : d.uuid(uppercase: true)
        let serial: String? = p.kind == .workstation || p.kind == .server ? "SN" + d.hex(10).uppercased() : nil
        let model: String
        switch p.kind {
        case .workstation: model = d.pick(["EliteBook 840 G9", "Latitude 7440", "OptiPlex 7010", "MacBook Pro"])
        case .server: model = d.pick(["PowerEdge R750", "ProLiant DL380 Gen10", "VMware Virtual Platform"])
        case .cloud: model = ["HVM domU", "Virtual Machine", "Google Compute Engine"][p.cloud!.rawValue]
        case .printer: model = d.pick(["LaserJet M507", "HL-L6200DW"])
        case .phone: model = d.pick(["iPhone 15", "Galaxy S23"])
        case .iot: model = d.pick(["P3245-V", "DS-2CD2143"])
        }
        let manufacturer: String
        if p.kind == .cloud {
            manufacturer = ["Amazon EC2", "Microsoft Corporation", "Google"][p.cloud!.rawValue]
        } else if let maker = makers.first(where: { model.hasPrefix($0.0) })?.1 {
            manufacturer = maker
        } else {
            manufacturer = vendor
        }

        // Clones share the source's host name and hardware UUID.
        if let src = p.cloneOf {
            var s = Dice(seed, UInt64(src), 5)
            let w = words[s.below(words.count)]
            short = ["app", "db", "web", "file", "build"][s.below(5)] + "-\(w)-\(src)"
            domain = domains[s.below(domains.count)]
            var h = Dice(seed, UInt64(src), 6)
            hwUUID = h.uuid(uppercase: true)
        } else if hwUUID != nil {
            var h = Dice(seed, UInt64(m), 6)
            hwUUID = h.uuid(uppercase: true)
        }

        // Addresses
        let subnet = m / 200
        let prefix = "10.\(20 + (subnet / 256) % 200).\(subnet % 256)."
        func dhcpIP(_ epoch: Int) -> String {
            var e = Dice(seed, UInt64(m), UInt64(bitPattern: Int64(epoch)), 12)
            return prefix + String(2 + e.below(250))
        }
        var primaryIP = p.dhcp ? dhcpIP(p.ipEpoch) : prefix + String(10 + m % 200)
        let previousIP = p.dhcp ? dhcpIP(p.prevIPEpoch) : primaryIP
        let ipv6: String? = !p.kind.isUnmanagedDevice && d.chance(0.3)
            ? "fd00:\(String(m / 65_536, radix: 16)):\(String(m % 65_536, radix: 16))::\(d.hex(4))" : nil

        var cloudInfo: SimCloud?
        if let c = p.cloud {
            var cd = Dice(seed, UInt64(m), 8)
            let priv = "172.\(16 + (m / 65_536) % 16).\((m / 256) % 256).\(m % 256)"
            let pub: String? = cd.chance(0.4) ? "198.\(18 + (m / 65_536) % 2).\((m / 256) % 256).\(m % 256)" : nil
            switch c {
            case .aws:
                let region = cd.pick(["us-east-1", "eu-west-1", "us-west-2"])
                cloudInfo = SimCloud(kind: c, instanceID: "i-0" + cd.hex(16), account: cd.pick(accounts),
                                     region: region, zone: region + cd.pick(["a", "b", "c"]),
                                     instanceType: cd.pick(["t3.medium", "m5.large", "c6i.xlarge"]),
                                     imageID: "ami-0" + cd.hex(16), privateIP: priv, publicIP: pub,
                                     network: "vpc-" + cd.hex(8), resourceGroup: "subnet-" + cd.hex(8))
                short = "ip-" + priv.replacingOccurrences(of: ".", with: "-")
                domain = region == "us-east-1" ? "ec2.internal" : "\(region).compute.internal"
            case .azure:
                let loc = cd.pick(["westeurope", "eastus2", "centralindia"])
                cloudInfo = SimCloud(kind: c, instanceID: cd.uuid(), account: cd.pick(subscriptions),
                                     region: loc, zone: loc, instanceType: cd.pick(["Standard_B2s", "Standard_D4s_v5"]),
                                     imageID: "Canonical:0001-com-ubuntu-server-jammy:22_04-lts:latest",
                                     privateIP: priv, publicIP: pub, network: "default",
                                     resourceGroup: "rg-" + word + "-\(m % 7)")
                domain = "internal.cloudapp.net"
            case .gcp:
                let zone = cd.pick(["us-central1-a", "europe-west1-b"])
                var digits = String(1 + cd.below(9))
                for _ in 0..<18 { digits.append(String(cd.below(10))) }
                cloudInfo = SimCloud(kind: c, instanceID: digits, account: cd.pick(projects), region: zone,
                                     zone: zone, instanceType: cd.pick(["e2-medium", "n2-standard-4"]),
                                     imageID: "projects/debian-cloud/global/images/debian-12-bookworm-v20240312",
                                     privateIP: priv, publicIP: pub, network: "default", resourceGroup: "")
                domain = "c.\(cloudInfo!.account).internal"
            }
            primaryIP = priv
        }

        // Interfaces
        var nics: [SimInterface] = []
        let macLow = (Dice.mix(seed ^ UInt64(m) &* 0x1000_0001) & 0xFF_FFFF)
        let mac: UInt64
        switch p.cloud {
        case .aws?: mac = 0x0E_00_00_00_00_00 | (Dice.mix(UInt64(m) ^ seed) & 0xFF_FFFF_FFFF)
        case .azure?: mac = (0x00_0D_3A << 24) | macLow
        case .gcp?: mac = (0x42_01_0A << 24) | macLow
        case nil: mac = (oui << 24) | macLow
        }
        let firstName = os.6 ? "Ethernet" : (p.kind.isUnmanagedDevice ? "eth0" : "ens160")
        nics.append(SimInterface(name: firstName, mac: mac, ipv4: primaryIP, ipv6: ipv6, vendor: vendor))
        if p.kind == .workstation && d.chance(0.25) {
            let s = sharedMACs[0]
            nics.append(SimInterface(name: s.1, mac: s.0, ipv4: "192.168.240.\(2 + d.below(200))", ipv6: nil,
                                     vendor: s.2))
        }
        if p.kind == .server || p.kind == .cloud, !os.6, d.chance(0.2) {
            let s = sharedMACs[1]
            nics.append(SimInterface(name: s.1, mac: s.0, ipv4: "172.17.0.1", ipv6: nil, vendor: s.2))
        }
        if os.6 && p.kind != .cloud && d.chance(0.1) {
            let s = sharedMACs[2]
            nics.append(SimInterface(name: s.1, mac: s.0, ipv4: "172.29.96.1", ipv6: nil, vendor: s.2))
        }

        // Tags
        var tags: [(Int64, String)] = []
        let tagBase = 7_000_000 + Int64(seed % 1_000) * 100
        if p.hasAgent { tags.append((tagBase + 1, "Cloud Agent")) }
        switch p.kind {
        case .workstation: tags.append((tagBase + 2, "Workstations"))
        case .server: tags.append((tagBase + 3, "Servers"))
        case .cloud: tags.append((tagBase + 4 + Int64(p.cloud!.rawValue), ["AWS", "Azure", "GCP"][p.cloud!.rawValue]))
        default: tags.append((tagBase + 8, "Unmanaged Devices"))
        }
        if d.chance(0.1) { tags.append((tagBase + 9, "PCI Scope")) }

        return Machine(
            plan: p, shortName: short, domain: domain, osName: os.0, osFull: os.1, osCategory: os.2,
            osPublisher: os.3, osVersion: os.4, platform: os.5, isWindows: os.6, manufacturer: manufacturer,
            model: model, hwCategory: p.kind.isUnmanagedDevice ? os.2 : "Computer",
            hwUUID: hwUUID, serial: serial, interfaces: nics, primaryIP: primaryIP, previousIP: previousIP,
            ipv6: ipv6, cloud: cloudInfo, tags: tags,
            memoryMB: [16_384, 65_536, 8_192, 256, 6_144, 512][p.kind.rawValue],
            cpus: [8, 32, 4, 1, 8, 2][p.kind.rawValue], timeZone: d.pick(["+00:00", "+01:00", "-05:00"]))
    }

    /// The agent UUID of a generation (a re-image installs a new agent).
    func agentUUID(_ m: Int, generation: Int) -> String {
        var d = Dice(seed, UInt64(m), UInt64(generation), 21)
        return d.uuid()
    }

    /// The scanner-side host identifier (`QG_HOSTID`) of an agent generation.
    func qgHostID(_ m: Int, generation: Int) -> String {
        var d = Dice(seed, UInt64(m), UInt64(generation), 22)
        return d.uuid()
    }
}

/// System manufacturer by model prefix (the NIC's OUI vendor may differ, as in real machines).
private let makers: [(String, String)] = [
    ("EliteBook", "HP"), ("Latitude", "Dell Inc."), ("OptiPlex", "Dell Inc."), ("MacBook", "Apple Inc."),
    ("PowerEdge", "Dell Inc."), ("ProLiant", "HPE"), ("VMware", "VMware, Inc."),
]
private let accounts = ["123456789012", "210987654321", "345678901234"]
private let subscriptions = ["4f1c2d3e-0000-4a5b-8c9d-0123456789ab", "9a8b7c6d-1111-4e2f-a3b4-c5d6e7f80912"]
private let projects = ["quarry-sim-prod", "quarry-sim-dev"]

/// How a sensor writes a MAC address.
enum MACStyle: Int, CaseIterable {
    case colonUpper, colonLower, hyphenUpper, hyphenLower

    func format(_ mac: UInt64) -> String {
        let sep = UInt8(ascii: (self == .colonUpper || self == .colonLower) ? ":" : "-")
        let digits = self == .colonUpper || self == .hyphenUpper ? hexUpper : hexBytes
        var out = [UInt8]()
        out.reserveCapacity(17)
        for i in stride(from: 40, through: 0, by: -8) {
            let byte = Int((mac >> UInt64(i)) & 0xFF)
            out.append(digits[byte >> 4])
            out.append(digits[byte & 15])
            if i > 0 { out.append(sep) }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

private let hexUpper: [UInt8] = Array("0123456789ABCDEF".utf8)
