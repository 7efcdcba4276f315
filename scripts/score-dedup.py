#!/usr/bin/env python3
# Quarry — scores deduplication against a ground-truth file (api,record_id,machine_id).
"""Score Quarry's entity resolution.

Usage:
  scripts/score-dedup.py OUTPUT_DIR GROUND_TRUTH.csv [--snapshot-date YYYY-MM-DD]
                         [--previous OUTPUT_DIR_NIGHT1 [--previous-truth TRUTH1.csv]]
                         [--explain N]
  scripts/score-dedup.py --self-test

Reads OUTPUT_DIR/csv/asset_sources/snapshot_date=*/part-*.csv.gz (the latest date unless
--snapshot-date is given) and prints, one figure per line:
  - pairwise precision / recall / F1 of "these two records are the same machine",
    over the records present in both the output and the ground truth;
  - machines resolved exactly (all their records in one asset_uid that holds nothing else);
  - with --previous: the share of ground-truth machines seen on both nights whose asset_uid
    (the uid holding most of its records) is the same on both nights.
With --explain N it also prints N missed pairs (same machine, different asset_uid) and N false
pairs (different machines, same asset_uid), each with both records' identity values from the
per-API tables (gav_assets, qps_host_assets, vm_hosts) and their asset_sources rule/matched_on.
"""

import argparse
import collections
import csv
import glob
import gzip
import io
import os
import shutil
import sys
import tempfile


def pairs(n):
    return n * (n - 1) // 2


def read_truth(path):
    """{(api, record_id): machine_id}"""
    truth = {}
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        missing = {"api", "record_id", "machine_id"} - set(reader.fieldnames or [])
        if missing:
            sys.exit(f"{path}: missing column(s) {', '.join(sorted(missing))}; expected api,record_id,machine_id")
        for row in reader:
            truth[(row["api"].strip(), row["record_id"].strip())] = row["machine_id"].strip()
    return truth


def read_lineage(output_dir, snapshot_date=None):
    """{(api, record_id): asset_uid} from one snapshot of asset_sources."""
    base = os.path.join(output_dir, "csv", "asset_sources")
    dates = sorted(d.split("=", 1)[1] for d in (os.path.basename(p) for p in glob.glob(os.path.join(base, "snapshot_date=*"))))
    if not dates:
        sys.exit(f"{base}: no snapshot_date=* partitions found")
    date = snapshot_date or dates[-1]
    if date not in dates:
        sys.exit(f"{base}: no partition for snapshot_date={date} (have {', '.join(dates)})")
    files = sorted(glob.glob(os.path.join(base, f"snapshot_date={date}", "part-*.csv.gz")))
    if not files:
        sys.exit(f"{base}/snapshot_date={date}: no part-*.csv.gz files")
    lineage = {}
    read_lineage.rows = {}
    for path in files:
        with gzip.open(path, "rt", newline="", encoding="utf-8") as f:
            reader = csv.DictReader(f)
            for col in ("asset_uid", "source_api", "source_record_id"):
                if col not in (reader.fieldnames or []):
                    sys.exit(f"{path}: missing column {col}")
            for row in reader:
                lineage[(row["source_api"], row["source_record_id"])] = row["asset_uid"]
                read_lineage.rows[(row["source_api"], row["source_record_id"])] = row
    return date, lineage


# Identity columns shown by --explain, per API table: (table, id column, columns).
EXPLAIN_TABLES = {
    "gav": ("gav_assets", "asset_id", ["host_id", "agent_id", "hostname", "fqdn", "netbios_name", "address",
                                      "ipv4", "mac_addresses", "hw_uuid", "bios_serial", "instance_id",
                                      "inventory_source", "last_modified"]),
    "qps": ("qps_host_assets", "id", ["qweb_host_id", "agent_id", "tracking_method", "hostname", "fqdn",
                                      "netbios_name", "address", "ipv4", "mac_addresses", "instance_id",
                                      "modified"]),
    "vm": ("vm_hosts", "id", ["asset_id", "tracking_method", "ip", "dns", "hostname", "fqdn", "netbios_name",
                              "instance_id", "hw_uuid", "serial_number", "last_activity"]),
}


def read_sources(output_dir, date):
    """{(api, record_id): {column: value}} of the identity columns of the per-API tables."""
    out = {}
    for api, (table, idcol, cols) in EXPLAIN_TABLES.items():
        for path in sorted(glob.glob(os.path.join(output_dir, "csv", table, f"snapshot_date={date}", "part-*.csv.gz"))):
            with gzip.open(path, "rt", newline="", encoding="utf-8") as f:
                for row in csv.DictReader(f):
                    out[(api, row[idcol])] = {c: row.get(c, "") for c in cols if row.get(c, "")}
    return out


def describe(key, lineage_rows, sources):
    row = lineage_rows.get(key, {})
    vals = " ".join(f"{c}={v}" for c, v in sources.get(key, {}).items())
    return (f"  {key[0]}:{key[1]} uid={row.get('asset_uid', '?')} sensor={row.get('sensor', '?')} "
            f"rule={row.get('match_rule', '?')} matched_on=[{row.get('matched_on', '')}]\n    {vals}")


def explain(n, lineage, truth, lineage_rows, sources):
    """Prints up to n missed pairs and n false pairs, one example per machine / per asset."""
    by_machine = collections.defaultdict(list)
    by_uid = collections.defaultdict(list)
    for k in sorted(k for k in lineage if k in truth):
        by_machine[truth[k]].append(k)
        by_uid[lineage[k]].append(k)
    def splits(outer, inner_of):
        """For each outer group split over several inner labels: (outer, a record of the
        largest part, a record of each other part)."""
        out = []
        for label in sorted(outer):
            parts = collections.defaultdict(list)
            for k in outer[label]:
                parts[inner_of[k]].append(k)
            if len(parts) > 1:
                order = sorted(parts, key=lambda p: (-len(parts[p]), p))
                for p in order[1:]:
                    out.append((label, parts[order[0]][0], parts[p][0]))
        return out

    missed = splits(by_machine, lineage)  # one machine spread over several asset_uids
    false = splits(by_uid, truth)  # one asset_uid holding several machines
    print(f"explain_missed_pairs {len(missed)} (showing {min(n, len(missed))})")
    for machine, a, b in missed[:n]:
        print(f"missed machine={machine}")
        print(describe(a, lineage_rows, sources))
        print(describe(b, lineage_rows, sources))
    print(f"explain_false_pairs {len(false)} (showing {min(n, len(false))})")
    for uid, a, b in false[:n]:
        print(f"false uid={uid} machines={truth[a]},{truth[b]}")
        print(describe(a, lineage_rows, sources))
        print(describe(b, lineage_rows, sources))


def score(lineage, truth):
    common = [k for k in lineage if k in truth]
    cells = collections.Counter((lineage[k], truth[k]) for k in common)
    by_uid = collections.Counter(lineage[k] for k in common)
    by_machine = collections.Counter(truth[k] for k in common)
    tp = sum(pairs(n) for n in cells.values())
    predicted = sum(pairs(n) for n in by_uid.values())
    actual = sum(pairs(n) for n in by_machine.values())
    precision = tp / predicted if predicted else 1.0
    recall = tp / actual if actual else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    uids_of_machine = collections.defaultdict(set)
    for (uid, machine) in cells:
        uids_of_machine[machine].add(uid)
    exact = sum(
        1 for machine, uids in uids_of_machine.items()
        if len(uids) == 1 and by_uid[next(iter(uids))] == by_machine[machine]
    )
    return {
        "records_output": len(lineage),
        "records_truth": len(truth),
        "records_scored": len(common),
        "records_missing_from_output": sum(1 for k in truth if k not in lineage),
        "records_not_in_truth": sum(1 for k in lineage if k not in truth),
        "machines_truth": len(by_machine),
        "assets_output": len(by_uid),
        "pairs_true_positive": tp,
        "pairs_predicted": predicted,
        "pairs_actual": actual,
        "pairwise_precision": round(precision, 6),
        "pairwise_recall": round(recall, 6),
        "pairwise_f1": round(f1, 6),
        "machines_exact": exact,
        "machines_exact_share": round(exact / len(by_machine), 6) if by_machine else 1.0,
    }


def majority_uid(lineage, truth):
    """{machine_id: the asset_uid holding most of its records (ties: smallest uid)}"""
    counts = collections.defaultdict(collections.Counter)
    for k, machine in truth.items():
        if k in lineage:
            counts[machine][lineage[k]] += 1
    return {m: min(c.items(), key=lambda kv: (-kv[1], kv[0]))[0] for m, c in counts.items()}


def survival(lineage1, truth1, lineage2, truth2):
    before = majority_uid(lineage1, truth1)
    after = majority_uid(lineage2, truth2)
    both = [m for m in before if m in after]
    kept = sum(1 for m in both if before[m] == after[m])
    return {
        "machines_both_nights": len(both),
        "uids_survived": kept,
        "uid_survival_share": round(kept / len(both), 6) if both else 1.0,
    }


def main(argv):
    p = argparse.ArgumentParser(description="Score Quarry deduplication against ground truth.")
    p.add_argument("output_dir", nargs="?")
    p.add_argument("ground_truth", nargs="?")
    p.add_argument("--snapshot-date")
    p.add_argument("--previous", help="output folder of the previous night")
    p.add_argument("--previous-snapshot-date")
    p.add_argument("--previous-truth", help="ground truth of the previous night (default: the same file)")
    p.add_argument("--explain", type=int, default=0, metavar="N",
                   help="print N missed and N false pairs with both records' identity values")
    p.add_argument("--self-test", action="store_true")
    a = p.parse_args(argv)
    if a.self_test:
        return self_test()
    if not a.output_dir or not a.ground_truth:
        p.error("OUTPUT_DIR and GROUND_TRUTH.csv are required")
    truth = read_truth(a.ground_truth)
    date, lineage = read_lineage(a.output_dir, a.snapshot_date)
    print(f"snapshot_date {date}")
    for k, v in score(lineage, truth).items():
        print(f"{k} {v}")
    rows = read_lineage.rows
    if a.explain > 0:
        explain(a.explain, lineage, truth, rows, read_sources(a.output_dir, date))
    if a.previous:
        truth1 = read_truth(a.previous_truth) if a.previous_truth else truth
        date1, lineage1 = read_lineage(a.previous, a.previous_snapshot_date)
        print(f"previous_snapshot_date {date1}")
        for k, v in survival(lineage1, truth1, lineage, truth).items():
            print(f"{k} {v}")
    return 0


# ---------------------------------------------------------------------------------------
# Self-test on tiny hand-made inputs.

def _write_output(root, date, rows):
    d = os.path.join(root, "csv", "asset_sources", f"snapshot_date={date}")
    os.makedirs(d, exist_ok=True)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["asset_uid", "source_api", "source_record_id", "sensor", "match_rule", "matched_on"])
    for uid, api, rid in rows:
        w.writerow([uid, api, rid, "scanner", "seed", ""])
    with gzip.open(os.path.join(d, "part-00000.csv.gz"), "wt", encoding="utf-8", newline="") as f:
        f.write(buf.getvalue())


def _write_truth(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["api", "record_id", "machine_id"])
        w.writerows(rows)


def self_test():
    tmp = tempfile.mkdtemp(prefix="score-dedup-")
    try:
        truth = [("gav", "1", "m1"), ("vm", "1", "m1"), ("qps", "1", "m1"),
                 ("gav", "2", "m2"), ("vm", "2", "m2"), ("gav", "3", "m3")]
        _write_truth(os.path.join(tmp, "truth.csv"), truth)
        # Night 1: m1 split in two (gav+vm | qps), m2 and m3 wrongly merged.
        _write_output(os.path.join(tmp, "n1"), "2024-08-01", [
            ("u1", "gav", "1"), ("u1", "vm", "1"), ("u9", "qps", "1"),
            ("u2", "gav", "2"), ("u2", "vm", "2"), ("u2", "gav", "3"), ("u7", "vm", "404"),
        ])
        # Night 2: perfect, but m2 got a new uid.
        _write_output(os.path.join(tmp, "n2"), "2024-08-02", [
            ("u1", "gav", "1"), ("u1", "vm", "1"), ("u1", "qps", "1"),
            ("u5", "gav", "2"), ("u5", "vm", "2"), ("u3", "gav", "3"),
        ])
        t = read_truth(os.path.join(tmp, "truth.csv"))
        _, l1 = read_lineage(os.path.join(tmp, "n1"))
        s1 = score(l1, t)
        # True pairs: m1 3, m2 1 → 4. Predicted: u1 1, u2 3 → 4. TP: (u1,m1) 1 + (u2,m2) 1 → 2.
        assert (s1["pairs_true_positive"], s1["pairs_predicted"], s1["pairs_actual"]) == (2, 4, 4), s1
        assert s1["pairwise_precision"] == 0.5 and s1["pairwise_recall"] == 0.5, s1
        assert s1["records_not_in_truth"] == 1 and s1["records_scored"] == 6, s1
        assert s1["machines_exact"] == 0, s1
        date2, l2 = read_lineage(os.path.join(tmp, "n2"))
        assert date2 == "2024-08-02"
        s2 = score(l2, t)
        assert s2["pairwise_precision"] == 1.0 and s2["pairwise_recall"] == 1.0 and s2["machines_exact"] == 3, s2
        sv = survival(l1, t, l2, t)
        # m1: u1 → u1 kept; m2: u2 → u5 lost; m3: u2 → u3 lost.
        assert sv == {"machines_both_nights": 3, "uids_survived": 1, "uid_survival_share": round(1 / 3, 6)}, sv
        print("self-test passed")
        return 0
    finally:
        shutil.rmtree(tmp)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
