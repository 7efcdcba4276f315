#!/usr/bin/env python3
"""Quarry — reads a published snapshot back with DuckDB and checks it against its manifest.

Usage: scripts/check-lake.py OUTPUT_DIR [--date YYYY-MM-DD]

Takes the latest snapshot date that has both manifest.json and _SUCCESS (or --date), then for
every table in the manifest reads csv/<table>/ (all_varchar) and ndjson/<table>/ (columns
typed from the manifest) as Hive-partitioned tables and checks: per-file and per-table row
counts equal the manifest, CSV and NDJSON agree, every file's size and sha256 match, and
assets.asset_uid is unique and never null. Prints one line per table; exits 1 on any mismatch,
2 on usage errors. Needs `pip install duckdb`.
"""
import glob
import hashlib
import json
import os
import sys

try:
    import duckdb
except ImportError:
    print("check-lake: the duckdb module is missing (python3 -m venv .venv && .venv/bin/pip install duckdb)",
          file=sys.stderr)
    sys.exit(2)

DUCK_TYPES = {"string": "VARCHAR", "integer": "BIGINT", "boolean": "BOOLEAN",
              "timestamp": "TIMESTAMP", "list<string>": "VARCHAR[]"}


def latest_date(out):
    dates = []
    for m in glob.glob(os.path.join(out, "_manifests", "snapshot_date=*", "manifest.json")):
        folder = os.path.dirname(m)
        if os.path.exists(os.path.join(folder, "_SUCCESS")):
            dates.append(folder.rsplit("=", 1)[1])
    return max(dates) if dates else None


def sql_str(s):
    return "'" + s.replace("'", "''") + "'"


def main(argv):
    args = [a for a in argv[1:]]
    date = None
    if "--date" in args:
        i = args.index("--date")
        date = args[i + 1]
        del args[i:i + 2]
    if len(args) != 1:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    out = os.path.abspath(args[0])
    date = date or latest_date(out)
    if not date:
        print(f"check-lake: no published snapshot (manifest.json + _SUCCESS) under {out}/_manifests", file=sys.stderr)
        return 1
    mdir = os.path.join(out, "_manifests", f"snapshot_date={date}")
    if not os.path.exists(os.path.join(mdir, "_SUCCESS")):
        print(f"check-lake: {mdir}/_SUCCESS is missing: snapshot {date} is not published", file=sys.stderr)
        return 1
    with open(os.path.join(mdir, "manifest.json"), encoding="utf-8") as f:
        manifest = json.load(f)

    problems = []
    con = duckdb.connect()

    # Files: size and checksum as listed.
    for entry in manifest["files"]:
        path = os.path.join(out, entry["path"])
        if not os.path.exists(path):
            problems.append(f"{entry['path']}: listed in the manifest but missing")
            continue
        data = open(path, "rb").read()
        if len(data) != entry["bytes"]:
            problems.append(f"{entry['path']}: {len(data)} bytes, manifest says {entry['bytes']}")
        if hashlib.sha256(data).hexdigest() != entry["sha256"]:
            problems.append(f"{entry['path']}: sha256 differs from the manifest")

    print(f"snapshot {date} run {manifest['run_id']} tool {manifest['tool_version']}")
    for table in manifest["tables"]:
        name, want = table["name"], table["rows"]
        where = f"WHERE CAST(snapshot_date AS VARCHAR) = {sql_str(date)}"
        csv_glob = os.path.join(out, "csv", name, "*", "*.csv.gz")
        nd_glob = os.path.join(out, "ndjson", name, "*", "*.ndjson.gz")
        csv_src = (f"read_csv({sql_str(csv_glob)}, hive_partitioning=true, all_varchar=true, header=true, "
                   f"filename=true)")
        cols = ", ".join(f"{sql_str(c['name'])}: {sql_str(DUCK_TYPES[c['type']])}" for c in table["columns"])
        nd_src = (f"read_json({sql_str(nd_glob)}, format='newline_delimited', hive_partitioning=true, "
                  f"filename=true, columns={{{cols}}})")
        counts = {}
        for fmt, src in (("csv", csv_src), ("ndjson", nd_src)):
            try:
                counts[fmt] = con.execute(f"SELECT count(*) FROM {src} {where}").fetchone()[0]
                per_file = dict(con.execute(
                    f"SELECT filename, count(*) FROM {src} {where} GROUP BY filename").fetchall())
            except Exception as e:  # a read error is a finding, not a crash
                problems.append(f"{name} {fmt}: DuckDB could not read it: {e}")
                continue
            if counts[fmt] != want:
                problems.append(f"{name} {fmt}: {counts[fmt]} rows, manifest says {want}")
            for entry in manifest["files"]:
                if entry["table"] == name and entry["format"] == fmt:
                    got = per_file.get(os.path.join(out, entry["path"]), 0)
                    if got != entry["rows"]:
                        problems.append(f"{entry['path']}: {got} rows, manifest says {entry['rows']}")
            if name == "assets":
                dup, nulls = con.execute(
                    f"SELECT count(*) - count(DISTINCT asset_uid), count(*) - count(asset_uid) FROM {src} {where}"
                ).fetchone()
                if dup or nulls:
                    problems.append(f"assets {fmt}: asset_uid has {dup} duplicates and {nulls} nulls")
        if counts.get("csv") != counts.get("ndjson"):
            problems.append(f"{name}: CSV has {counts.get('csv')} rows, NDJSON {counts.get('ndjson')}")
        print(f"  {name:<18} manifest {want:>9}  csv {counts.get('csv', '-'):>9}  ndjson {counts.get('ndjson', '-'):>9}")

    if problems:
        for p in problems:
            print(f"MISMATCH {p}")
        return 1
    print(f"ok: {len(manifest['tables'])} tables, {len(manifest['files'])} files match the manifest")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
