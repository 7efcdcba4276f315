// Quarry — the records of the shared BR cases, written by hand with the parser's paths.

import QuarryCore

enum CaseRecords {
    static let nic = "networkInterface/list/HostAssetInterface/"
    static let gavNic = "networkInterfaceListData.networkInterface."

    /// BR-07: A (agent), B (scanner, same second NIC), D (reused IP), E (clone).
    static var br07: [SourceRecord] {
        let a = RecordBuilder(.qps, "61000001")
            .top(["name": "web-01.example.com", "created": "2024-01-10T09:00:00Z",
                  "modified": "2024-08-01T04:10:00Z", "type": "HOST", "qwebHostId": "300001",
                  "dnsHostName": "web-01.example.com", "fqdn": "web-01.example.com", "netbiosName": "WEB-01",
                  "os": "Ubuntu 22.04.4 LTS", "address": "192.0.2.10", "trackingMethod": "QAGENT"])
            .object("agentInfo/", ["agentVersion": "6.1.0.28", "agentId": "0b7e4c1a-5d2f-4e8a-9f10-aa11bb22cc01",
                                   "status": "STATUS_ACTIVE", "lastCheckedIn": "2024-08-01T04:09:00Z",
                                   "connectedFrom": "192.0.2.10", "platform": "Linux"])
            .object(nic, ["interfaceName": "eth0", "macAddress": "00:50:56:0a:0b:01", "address": "192.0.2.10",
                          "hostname": "web-01"])
            .object(nic, ["interfaceName": "eth1", "macAddress": "00:50:56:0a:0b:02", "address": "198.51.100.10",
                          "hostname": "web-01"])
            .record(position: 1)
        let b = RecordBuilder(.qps, "61000002")
            .top(["name": "WEB-01", "created": "2024-02-03T22:00:00Z", "modified": "2024-07-30T23:55:00Z",
                  "type": "HOST", "qwebHostId": "300002", "dnsHostName": "web-01.example.com.",
                  "netbiosName": "web-01", "os": "Linux 5.x", "address": "198.51.100.10", "trackingMethod": "IP",
                  "lastVulnScan": "2024-07-30T23:50:00Z"])
            .object(nic, ["macAddress": "00-50-56-0A-0B-02", "address": "198.51.100.10"])
            .record(position: 2)
        let d = RecordBuilder(.qps, "61000004")
            .top(["name": "kiosk-77.example.com", "created": "2024-07-20T10:00:00Z",
                  "modified": "2024-07-31T10:00:00Z", "type": "HOST", "qwebHostId": "300004",
                  "dnsHostName": "kiosk-77.example.com", "netbiosName": "KIOSK-77", "os": "Windows 10 Enterprise",
                  "address": "192.0.2.10", "trackingMethod": "IP"])
            .object(nic, ["macAddress": "00:50:56:0a:0c:77", "address": "192.0.2.10"])
            .record(position: 3)
        let e = RecordBuilder(.qps, "61000005")
            .top(["name": "web-01", "created": "2024-07-25T12:00:00Z", "modified": "2024-08-01T04:12:00Z",
                  "type": "HOST", "qwebHostId": "300005", "dnsHostName": "web-01", "netbiosName": "WEB-01",
                  "os": "Ubuntu 22.04.4 LTS", "address": "192.0.2.99", "trackingMethod": "QAGENT"])
            .object("agentInfo/", ["agentVersion": "6.1.0.28", "agentId": "0b7e4c1a-5d2f-4e8a-9f10-aa11bb22cc99",
                                   "status": "STATUS_ACTIVE", "lastCheckedIn": "2024-08-01T04:11:00Z",
                                   "connectedFrom": "192.0.2.99", "platform": "Linux"])
            .object(nic, ["interfaceName": "eth0", "macAddress": "00:50:56:0a:0b:99", "address": "192.0.2.99",
                          "hostname": "web-01"])
            .record(position: 4)
        return [a, b, d, e]
    }

    /// BR-11: two EC2 hosts with digit-only identifiers.
    static var br11: [SourceRecord] {
        let ec2 = "sourceInfo/list/Ec2AssetSourceSimple/"
        let one = RecordBuilder(.qps, "64000001")
            .top(["name": "00731", "created": "2024-02-01T00:00:00Z", "modified": "2024-08-03T00:00:00Z",
                  "type": "HOST"])
            .object("tags/list/TagSimple/", ["id": "9100001", "name": "0001"])
            .object("tags/list/TagSimple/", ["id": "9100002", "name": "1.10"])
            .object(ec2, ["assetId": "64000001", "type": "EC_2", "firstDiscovered": "2024-02-01T00:00:00Z",
                          "lastUpdated": "2024-08-03T00:00:00Z", "availabilityZone": "eu-west-1a",
                          "privateDnsName": "ip-192-0-2-73.example.com", "instanceId": "i-0a1b2c3d4e5f60718",
                          "instanceType": "t3.small", "instanceState": "RUNNING", "accountId": "012345678901",
                          "privateIpAddress": "192.0.2.73"])
            .top(["netbiosName": "00731", "address": "192.0.2.73", "trackingMethod": "EC2_INSTANCE_ID"])
            .record(position: 1)
        let two = RecordBuilder(.qps, "64000002")
            .top(["name": "batch-07.example.com", "created": "2024-02-01T00:00:00Z",
                  "modified": "2024-08-03T00:00:00Z", "type": "HOST"])
            .object(ec2, ["assetId": "64000002", "type": "EC_2", "firstDiscovered": "2024-02-01T00:00:00Z",
                          "lastUpdated": "2024-08-03T00:00:00Z", "availabilityZone": "eu-west-1b",
                          "privateDnsName": "ip-192-0-2-74.example.com", "instanceId": "i-00000000000000074",
                          "instanceType": "t3.small", "instanceState": "RUNNING", "accountId": "000987654321",
                          "privateIpAddress": "192.0.2.74"])
            .top(["netbiosName": "BATCH-07", "address": "192.0.2.74", "trackingMethod": "EC2_INSTANCE_ID"])
            .record(position: 2)
        return [one, two]
    }

    /// BR-01: GAV assets whose addressIpV4 / addressIpV6 hold lists.
    static var br01: [SourceRecord] {
        let one = RecordBuilder(.gav, "4100001")
            .top(["assetUUID": "6f1c2b7e-0001-4d3a-9c11-aa0000000001", "hostId": "880001",
                  "assetName": "lb-front-01.example.com", "dnsName": "lb-front-01.example.com",
                  "address": "192.0.2.21", "assetType": "HOST"])
            .object(gavNic, ["interfaceName": "bond0", "hostname": "lb-front-01",
                             "addressIpV4": "192.0.2.21, 192.0.2.22, 192.0.2.23", "macAddress": "02:00:5e:10:00:21"])
            .object(gavNic, ["interfaceName": "eth2", "hostname": "lb-front-01", "addressIpV4": "198.51.100.40",
                             "addressIpV6": "2001:db8::40", "macAddress": "02:00:5e:10:00:40"])
            .record(position: 1)
        let two = RecordBuilder(.gav, "4100002")
            .top(["assetUUID": "6f1c2b7e-0002-4d3a-9c11-aa0000000002", "hostId": "880002",
                  "assetName": "db-core-02.example.com", "dnsName": "db-core-02.example.com",
                  "address": "192.0.2.30", "assetType": "HOST"])
            .object(gavNic, ["interfaceName": "ens160", "hostname": "db-core-02",
                             "addressIpV4": "192.0.2.30,192.0.2.31", "addressIpV6": "2001:db8::30, 2001:db8::31",
                             "macAddress": "02:00:5e:10:00:30"])
            .record(position: 2)
        let three = RecordBuilder(.gav, "4100003")
            .top(["assetUUID": "6f1c2b7e-0003-4d3a-9c11-aa0000000003", "hostId": "880003",
                  "assetName": "edge-gw-03.example.com", "dnsName": "edge-gw-03.example.com",
                  "address": "203.0.113.9", "assetType": "HOST"])
            .object(gavNic, ["interfaceName": "wan0", "hostname": "edge-gw-03",
                             "addressIpV4": "203.0.113.9, 203.0.113.300", "macAddress": "02:00:5e:10:00:09"])
            .record(position: 3)
        return [one, two, three]
    }

    /// BR-13: VM hosts with optional elements missing or empty (the fifth, without ID, is left out:
    /// the parser quarantines it; `missingRecordID` covers the transform side).
    static var br13: [SourceRecord] {
        [
            RecordBuilder(.vm, "5101").top([
                "IP": "192.0.2.161", "TRACKING_METHOD": "IP", "DNS": "full-161.example.com",
            ]).object("DNS_DATA/", ["HOSTNAME": "full-161", "DOMAIN": "example.com", "FQDN": "full-161.example.com"])
                .top(["NETBIOS": "FULL-161", "OS": "Debian 12", "LAST_VULN_SCAN_DATETIME": "2024-08-04T20:00:00Z"])
                .record(position: 1),
            RecordBuilder(.vm, "5102").top(["IP": "192.0.2.162", "TRACKING_METHOD": "IP"]).record(position: 2),
            RecordBuilder(.vm, "5103").top(["IP": "192.0.2.163", "TRACKING_METHOD": "DNS", "DNS": ""])
                .object("DNS_DATA/", ["HOSTNAME": "half-163", "DOMAIN": ""])
                .top(["NETBIOS": "", "OS": "", "LAST_VULN_SCAN_DATETIME": ""]).record(position: 3),
            RecordBuilder(.vm, "5104").top(["IP": "192.0.2.164", "DNS": "new-164.example.com", "OS": "Windows 11"])
                .record(position: 4),
        ]
    }
}
