#!/bin/sh
# Quarry — opens the Excel-friendly copy with LibreOffice Calc (headless, default CSV import as on
# double-click) and checks that every ID-like text of `assets` shows exactly as in the lake.
# Usage: scripts/check-excel.sh OUTPUT_DIR [YYYY-MM-DD]
# Installs libreoffice-calc with apt-get when soffice is missing (slow; not part of the default tests).
set -eu
OUT=${1:?usage: scripts/check-excel.sh OUTPUT_DIR [YYYY-MM-DD]}
DATE=${2:-$(ls "$OUT/excel" 2>/dev/null | sed -n 's/^assets-\(.*\)\.csv$/\1/p' | sort | tail -1)}
COPY="$OUT/excel/assets-$DATE.csv"
LAKE_DIR="$OUT/csv/assets/snapshot_date=$DATE"
[ -n "$DATE" ] && [ -f "$COPY" ] || { echo "check-excel: no Excel copy under $OUT/excel" >&2; exit 2; }
[ -d "$LAKE_DIR" ] || { echo "check-excel: no lake partition $LAKE_DIR" >&2; exit 2; }

if ! command -v soffice >/dev/null 2>&1; then
    echo "check-excel: installing libreoffice-calc (apt-get)..." >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y --no-install-recommends libreoffice-calc >/dev/null 2>&1 \
        || { apt-get update >/dev/null && apt-get install -y --no-install-recommends libreoffice-calc >/dev/null; }
fi

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cp "$COPY" "$WORK/copy.csv"
# Control: the same file with the ="…" protection removed, to show what Calc does without it.
sed 's/"=""\([^"]*\)"""/\1/g' "$COPY" > "$WORK/control.csv"
# Import as Calc does on opening a .csv (comma, quote ", UTF-8, standard column types:
# numbers and dates detected), then save the cells *as shown* (token 9 = true) to a CSV.
HOME="$WORK" soffice --headless --calc --infilter="CSV:44,34,76,1" \
    --convert-to 'csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true' \
    --outdir "$WORK/shown" "$WORK/copy.csv" "$WORK/control.csv" >/dev/null 2>&1
[ -f "$WORK/shown/copy.csv" ] || { echo "check-excel: LibreOffice produced no output" >&2; exit 1; }

python3 - "$LAKE_DIR" "$WORK/shown/copy.csv" "$WORK/shown/control.csv" <<'PY'
import csv, glob, gzip, io, os, sys
lake_dir, shown_path, control_path = sys.argv[1], sys.argv[2], sys.argv[3]
lake = []
for part in sorted(glob.glob(lake_dir + "/part-*.csv.gz")):
    rows = list(csv.reader(io.TextIOWrapper(gzip.open(part), encoding="utf-8", newline="")))
    header, lake = rows[0], lake + rows[1:]
with open(shown_path, encoding="utf-8-sig", newline="") as f:
    shown = list(csv.reader(f))
if shown[0] != header:
    sys.exit(f"check-excel: header differs: {shown[0][:5]}... vs {header[:5]}...")
ids = [i for i, n in enumerate(header)
       if n.endswith(("_id", "_ids", "uid", "_name", "name")) or n in ("netbios", "tags", "serial")]
bad = 0
for r, (a, b) in enumerate(zip(lake, shown[1:]), start=2):
    for i in ids:
        if a[i] != b[i]:
            bad += 1
            if bad <= 10:
                print(f"row {r} {header[i]}: lake {a[i]!r}, Calc shows {b[i]!r}")
if len(lake) != len(shown) - 1:
    sys.exit(f"check-excel: lake has {len(lake)} rows, Calc shows {len(shown) - 1}")
if os.path.exists(control_path):
    with open(control_path, encoding="utf-8-sig", newline="") as f:
        control = list(csv.reader(f))[1:]
    lost = sum(1 for a, b in zip(lake, control) for i in ids if a[i] != b[i])
    print(f"control without protection: Calc changes {lost} id-like cells (e.g. 00731 -> 731)")
print(f"checked {len(lake)} rows x {len(ids)} id-like columns ({', '.join(header[i] for i in ids)}): "
      f"{bad} differences")
sys.exit(1 if bad else 0)
PY
