#!/usr/bin/env python3
"""Builds a test spreadsheet (XLSX with openpyxl, or CSV files) from a JSON spec.

The import tests read workbooks written by another program than the product's
own writer: openpyxl writes text as inline strings (no sharedStrings.xml),
formulas without cached values, dates as serial numbers with a number format.

  build_workbook.py SPEC.json OUT.xlsx
  build_workbook.py SPEC.json OUTDIR --csv [--delimiter ';'] [--bom]

SPEC:
  {"sheets": [{"name": "Perjanjian",
               "rows": [["Nomor Dokumen", "Judul"],
                        ["001/2026", {"date": "2026-01-31"}],
                        [{"formula": "=1+1"}, 12.5, true, null]],
               "merge": ["A1:B1"],              optional, ranges to merge
               "date_format": "DD/MM/YYYY"}],   optional, default YYYY-MM-DD
   "password": "rahasia",                       optional: encrypt (msoffcrypto-tool)
   "repeat": {"sheet": "Realisasi", "row": [...], "times": 100000}}
                                                optional, or a list of them

A cell is a string (always text, even one starting with "="), a number, a
boolean, null (an empty cell), {"date": "YYYY-MM-DD"} (a date cell with the
sheet's date format) or {"formula": "=..."} (a formula, no cached value).
`repeat` appends `times` copies of `row` to the end of `sheet`, "{i}" in its
strings and formulas replaced by the copy number (1-based).

With a password the workbook is encrypted the way Excel does ("Encrypt with
Password", ECMA-376 agile encryption): the file is an OLE2 compound document
(D0 CF 11 E0 ...) holding the encrypted package.

--csv writes OUTDIR/<sheet name>.csv per sheet in UTF-8 (--bom: with a byte
order mark) with the csv module: dates as given (the text in the spec),
formulas as their text, booleans as TRUE/FALSE, null as an empty field; merges
and date formats do not apply. Lines end in CRLF (RFC 4180).

Sheets without merges are written with a write-only (streaming) workbook, so
a repeat of 100000 rows stays fast and small in memory. Output files are
written to a temporary name and renamed. Exits 2 with a one-line reason on
stderr for a bad spec.
"""

import argparse
import csv
import datetime
import io
import json
import os
import re
import sys
import tempfile
from pathlib import Path

DEFAULT_DATE_FORMAT = "YYYY-MM-DD"
DATE_SHAPE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class SpecError(Exception):
    pass


# ---------------------------------------------------------------------------
# The spec


def load_spec(path):
    try:
        with open(path, encoding="utf-8") as f:
            spec = json.load(f)
    except (OSError, ValueError) as e:
        raise SpecError(f"cannot read {path}: {e}") from e
    if not isinstance(spec, dict) or not isinstance(spec.get("sheets"), list) or not spec["sheets"]:
        raise SpecError("the spec needs a non-empty list 'sheets'")
    names = set()
    for n, sheet in enumerate(spec["sheets"]):
        if not isinstance(sheet, dict) or not isinstance(sheet.get("name"), str) or not sheet["name"]:
            raise SpecError(f"sheets[{n}] needs a 'name'")
        if sheet["name"] in names:
            raise SpecError(f"two sheets are named {sheet['name']!r}")
        names.add(sheet["name"])
        rows = sheet.setdefault("rows", [])
        if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
            raise SpecError(f"sheet {sheet['name']!r}: 'rows' must be a list of lists")
        if not isinstance(sheet.setdefault("merge", []), list):
            raise SpecError(f"sheet {sheet['name']!r}: 'merge' must be a list of ranges")
        if not isinstance(sheet.setdefault("date_format", DEFAULT_DATE_FORMAT), str):
            raise SpecError(f"sheet {sheet['name']!r}: 'date_format' must be a string")
    repeats = spec.get("repeat") or []
    if isinstance(repeats, dict):
        repeats = [repeats]
    for r in repeats:
        if not isinstance(r, dict) or r.get("sheet") not in names:
            raise SpecError(f"repeat {r!r}: 'sheet' must name one of the sheets")
        if not isinstance(r.get("row"), list):
            raise SpecError(f"repeat of {r['sheet']!r}: 'row' must be a list")
        times = r.get("times")
        if not isinstance(times, int) or isinstance(times, bool) or times < 0:
            raise SpecError(f"repeat of {r['sheet']!r}: 'times' must be a whole number >= 0")
    spec["repeat"] = repeats
    password = spec.get("password")
    if password is not None and (not isinstance(password, str) or not password):
        raise SpecError("'password' must be a non-empty string")
    return spec


def check_cell(value, where):
    if value is None or isinstance(value, (str, bool, int, float)):
        return
    if isinstance(value, dict) and len(value) == 1:
        ((key, inner),) = value.items()
        if key == "date" and isinstance(inner, str):
            if "{i}" not in inner:
                try:
                    to_date(inner)
                except SpecError as e:
                    raise SpecError(f"{where}: {e}") from None
            return
        if key == "formula" and isinstance(inner, str):
            return
    raise SpecError(f"{where}: unknown cell {value!r}")


def to_date(text):
    """A `{"date": ...}` cell's date: exactly YYYY-MM-DD, a real day."""
    try:
        if not DATE_SHAPE.fullmatch(text):
            raise ValueError
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise SpecError(f"{text!r} is not a YYYY-MM-DD date") from None


def repeats_of(spec, sheet_name):
    return [r for r in spec["repeat"] if r["sheet"] == sheet_name]


def substitute(value, i):
    """A repeated row's cell for copy number `i`."""
    if isinstance(value, str):
        return value.replace("{i}", str(i))
    if isinstance(value, dict):
        ((key, inner),) = value.items()
        return {key: inner.replace("{i}", str(i))}
    return value


def templated(row):
    """Which cells of a repeated row change with the copy number."""
    out = []
    for value in row:
        text = next(iter(value.values())) if isinstance(value, dict) else value
        out.append(isinstance(text, str) and "{i}" in text)
    return out


def atomic_target(path):
    """A temporary file beside `path` (renamed onto it when complete)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    # mkstemp makes the file private (0600); give it an ordinary file's mode.
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)
    return Path(tmp)


# ---------------------------------------------------------------------------
# XLSX


def build_xlsx(spec, out):
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.utils.exceptions import IllegalCharacterError

    # Merging needs the ordinary (in-memory) workbook; everything else streams.
    write_only = not any(sheet["merge"] for sheet in spec["sheets"])
    wb = Workbook(write_only=write_only)
    if not write_only:
        wb.remove(wb.active)

    for sheet in spec["sheets"]:
        try:
            ws = wb.create_sheet(title=sheet["name"])
        except ValueError as e:
            raise SpecError(f"sheet name {sheet['name']!r}: {e}") from None
        date_format = sheet["date_format"]

        if write_only:

            def cell(value, ws=ws, date_format=date_format):
                # Plain values go in as they are; only text that looks like a
                # formula, dates and formulas need a cell object.
                if isinstance(value, dict):
                    ((key, inner),) = value.items()
                    c = WriteOnlyCell(ws)
                    if key == "date":
                        c.value = to_date(inner)
                        c.number_format = date_format
                    else:
                        c.value = inner if inner.startswith("=") else "=" + inner
                        c.data_type = "f"
                    return c
                if isinstance(value, str) and value.startswith("="):
                    c = WriteOnlyCell(ws, value=value)
                    c.data_type = "s"
                    return c
                return value

            def append(values, ws=ws, cell=cell):
                ws.append([cell(v) for v in values])

        else:

            next_row = [0]

            def append(values, ws=ws, date_format=date_format, last=next_row):
                last[0] += 1
                for col, value in enumerate(values, start=1):
                    if value is None:
                        continue
                    c = ws.cell(row=last[0], column=col)
                    if isinstance(value, dict):
                        ((key, inner),) = value.items()
                        if key == "date":
                            c.value = to_date(inner)
                            c.number_format = date_format
                        else:
                            c.value = inner if inner.startswith("=") else "=" + inner
                            c.data_type = "f"
                    else:
                        c.value = value
                        if isinstance(value, str) and value.startswith("="):
                            c.data_type = "s"

        try:
            for n, row in enumerate(sheet["rows"]):
                for m, value in enumerate(row):
                    check_cell(value, f"sheet {sheet['name']!r} row {n + 1} cell {m + 1}")
                append(row)

            for r in repeats_of(spec, sheet["name"]):
                row = r["row"]
                for m, value in enumerate(row):
                    check_cell(value, f"repeat of {sheet['name']!r} cell {m + 1}")
                changes = templated(row)
                if not any(changes):
                    for _ in range(r["times"]):
                        append(row)
                else:
                    for i in range(1, r["times"] + 1):
                        append([substitute(v, i) if t else v for v, t in zip(row, changes)])
        except IllegalCharacterError:
            raise SpecError(
                f"sheet {sheet['name']!r}: XLSX (XML) cannot hold control characters other than tab, LF, CR; use --csv"
            ) from None

        if not write_only:
            for rng in sheet["merge"]:
                try:
                    ws.merge_cells(rng)
                except (TypeError, ValueError) as e:
                    raise SpecError(f"sheet {sheet['name']!r}: cannot merge {rng!r}: {e}") from None

    tmp = atomic_target(out)
    try:
        if spec.get("password"):
            import msoffcrypto.format.ooxml

            plain = io.BytesIO()
            wb.save(plain)
            plain.seek(0)
            with open(tmp, "wb") as f:
                msoffcrypto.format.ooxml.OOXMLFile(plain).encrypt(spec["password"], f)
        else:
            wb.save(tmp)
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)


# ---------------------------------------------------------------------------
# CSV


def csv_text(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dict):
        return next(iter(value.values()))
    return value


def build_csv(spec, outdir, delimiter, bom):
    outdir = Path(outdir)
    encoding = "utf-8-sig" if bom else "utf-8"
    for sheet in spec["sheets"]:
        name = sheet["name"]
        if "/" in name or "\\" in name or name in (".", ".."):
            raise SpecError(f"sheet name {name!r} cannot be a file name")
        target = outdir / f"{name}.csv"
        tmp = atomic_target(target)
        try:
            with open(tmp, "w", encoding=encoding, newline="") as f:
                writer = csv.writer(f, delimiter=delimiter)
                for n, row in enumerate(sheet["rows"]):
                    for m, value in enumerate(row):
                        check_cell(value, f"sheet {name!r} row {n + 1} cell {m + 1}")
                    writer.writerow([csv_text(v) for v in row])
                for r in repeats_of(spec, name):
                    row = r["row"]
                    for m, value in enumerate(row):
                        check_cell(value, f"repeat of {name!r} cell {m + 1}")
                    changes = templated(row)
                    plain = [csv_text(v) for v in row]
                    if not any(changes):
                        writer.writerows(plain for _ in range(r["times"]))
                    else:
                        writer.writerows(
                            [csv_text(substitute(v, i)) if t else p for v, t, p in zip(row, changes, plain)]
                            for i in range(1, r["times"] + 1)
                        )
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)


# ---------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("spec", help="the JSON spec")
    parser.add_argument("out", help="the .xlsx to write, or with --csv the folder for the .csv files")
    parser.add_argument("--csv", action="store_true", help="write one CSV file per sheet instead")
    parser.add_argument("--delimiter", default=",", help="CSV field delimiter (default ,)")
    parser.add_argument("--bom", action="store_true", help="start each CSV file with a UTF-8 byte order mark")
    args = parser.parse_args()
    if len(args.delimiter) != 1:
        parser.error("--delimiter must be one character")
    try:
        spec = load_spec(args.spec)
        if args.csv:
            build_csv(spec, args.out, args.delimiter, args.bom)
        else:
            build_xlsx(spec, args.out)
    except SpecError as e:
        print(f"build_workbook.py: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
