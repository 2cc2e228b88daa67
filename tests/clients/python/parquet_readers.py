#!/usr/bin/env python3
"""Opens every Parquet file of a report run with pyarrow, polars and DuckDB and
checks that the three read the same thing, with the column types the run's
manifest.json gives: the same row count (the manifest's), the same column names
(the manifest's, in order), the same values, dates as dates and decimal amounts
as decimals (never strings or floats), integers as integers, booleans as
booleans.

The files come from one of:
  parquet_readers.py RUN_FOLDER            a run's folder, e.g. <data dir>/reports/<run id>/,
                                           or a folder of downloaded files (with manifest.json)
  parquet_readers.py --run ID --http HOST:PORT --token T
                                           downloads manifest.json and every .parquet over HTTP
                                           (GET /reports/<run id>/<file>)
  parquet_readers.py --run ID --addr HOST:PORT --token T
                                           the same over gRPC (ReportService.DownloadReportFile)
ID is `reportRuns/<uuid>` or the bare uuid. Token and addresses may also come from
KERJASAMA_TOKEN / KERJASAMA_TOKEN_FILE, KERJASAMA_HTTP_ADDR, KERJASAMA_ADDR.
Exits 0 when every check passed, else 1 with the failed check on stderr.
"""

import argparse
import atexit
import datetime
import decimal
import json
import math
import os
import shutil
import sys
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from kerjasama_stubs import CheckFailed, check, generate, main  # noqa: E402

TIMEOUT = 30  # seconds per download


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", help="a run's folder (with manifest.json and the .parquet files)")
    parser.add_argument("--run", help="reportRuns/<id> or <id>: download its files")
    parser.add_argument("--http", default=os.environ.get("KERJASAMA_HTTP_ADDR"), help="HTTP address (env KERJASAMA_HTTP_ADDR)")
    parser.add_argument("--addr", default=os.environ.get("KERJASAMA_ADDR"), help="gRPC address (env KERJASAMA_ADDR)")
    parser.add_argument("--token", default=os.environ.get("KERJASAMA_TOKEN"))
    parser.add_argument("--token-file", default=os.environ.get("KERJASAMA_TOKEN_FILE"))
    parser.add_argument("--out", help="where downloaded files go (default: a temporary folder)")
    args = parser.parse_args()
    if not args.token and args.token_file:
        args.token = Path(args.token_file).read_text().strip()
    if bool(args.folder) == bool(args.run):
        parser.error("give either a run folder or --run")
    if args.run and not (args.http or args.addr):
        parser.error("--run needs --http (HTTP downloads) or --addr (gRPC downloads)")
    if args.run and not args.token:
        parser.error("--run needs --token / --token-file (ADMIN or ANALYST)")
    return args


def download_http(args, run_id, out):
    base = args.http if "://" in args.http else f"http://{args.http}"

    def get(file):
        request = urllib.request.Request(
            f"{base}/reports/{run_id}/{file}", headers={"Authorization": f"Bearer {args.token}"}
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
                return response.read()
        except urllib.error.HTTPError as error:
            raise CheckFailed(f"GET /reports/{run_id}/{file}: HTTP {error.code} {error.read()[:200]!r}")

    return fetch_all(get, out)


def download_grpc(args, run_id, out):
    import grpc

    stubs = generate()
    channel = grpc.insecure_channel(args.addr)
    reports = stubs.report_grpc.ReportServiceStub(channel)

    def get(file):
        request = stubs.report.DownloadReportFileRequest(run=f"reportRuns/{run_id}", file=file)
        try:
            chunks = reports.DownloadReportFile(
                request, metadata=[("authorization", f"Bearer {args.token}")], timeout=TIMEOUT
            )
            return b"".join(chunk.data for chunk in chunks)
        except grpc.RpcError as error:
            raise CheckFailed(f"DownloadReportFile {file}: {error.code().name}: {error.details()}")

    return fetch_all(get, out)


def fetch_all(get, out):
    manifest = get("manifest.json")
    (out / "manifest.json").write_bytes(manifest)
    for table in json.loads(manifest)["tables"]:
        name = parquet_name(table)
        (out / name).write_bytes(get(name))
    print(f"  downloaded manifest.json and {len(json.loads(manifest)['tables'])} .parquet files into {out}")
    return out


def parquet_name(table):
    return f"{table['name']}.parquet"


# What each reader must report for each manifest type.
def arrow_type_ok(kind, arrow_type):
    import pyarrow as pa

    return {
        "date": pa.types.is_date,
        "decimal": pa.types.is_decimal,
        "integer": pa.types.is_integer,
        "boolean": pa.types.is_boolean,
        "number": pa.types.is_floating,
        "text": lambda t: pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t),
    }[kind](arrow_type)


def polars_type_ok(kind, dtype):
    import polars as pl

    if kind == "date":
        return dtype == pl.Date
    if kind == "decimal":
        return isinstance(dtype, pl.Decimal) or dtype == pl.Decimal
    if kind == "integer":
        return dtype.is_integer()
    if kind == "boolean":
        return dtype == pl.Boolean
    if kind == "number":
        return dtype.is_float()
    return dtype == pl.String


def duckdb_type_ok(kind, sql_type):
    sql_type = sql_type.upper()
    if kind == "date":
        return sql_type == "DATE"
    if kind == "decimal":
        return sql_type.startswith("DECIMAL")
    if kind == "integer":
        return sql_type in {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT"}
    if kind == "boolean":
        return sql_type == "BOOLEAN"
    if kind == "number":
        return sql_type in {"DOUBLE", "FLOAT", "REAL"}
    return sql_type == "VARCHAR"


PYTHON_VALUE = {
    "date": (datetime.date,),
    "decimal": (decimal.Decimal,),
    "integer": (int,),
    "boolean": (bool,),
    "number": (float,),
    "text": (str,),
}


def same(a, b):
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return a == b and type(a) is type(b)


def check_table(folder, table, duck):
    import polars as pl
    import pyarrow.parquet as pq

    name = parquet_name(table)
    path = folder / name
    check(path.exists(), f"{name} missing from {folder}")
    columns = [c["name"] for c in table["columns"]]
    kinds = [c["type"] for c in table["columns"]]
    rows = table["rows"]

    arrow = pq.read_table(path)
    check(arrow.column_names == columns, f"{name}: pyarrow reads columns {arrow.column_names}, the manifest has {columns}")
    check(arrow.num_rows == rows, f"{name}: pyarrow reads {arrow.num_rows} rows, the manifest says {rows}")
    for column, kind, field in zip(columns, kinds, arrow.schema):
        check(arrow_type_ok(kind, field.type), f"{name}: pyarrow reads {column} ({kind}) as {field.type}")

    frame = pl.read_parquet(path)
    check(frame.columns == columns, f"{name}: polars reads columns {frame.columns}")
    check(frame.height == rows, f"{name}: polars reads {frame.height} rows, the manifest says {rows}")
    for column, kind in zip(columns, kinds):
        check(polars_type_ok(kind, frame.schema[column]), f"{name}: polars reads {column} ({kind}) as {frame.schema[column]}")

    described = duck.execute("DESCRIBE SELECT * FROM read_parquet(?)", [str(path)]).fetchall()
    duck_columns = [d[0] for d in described]
    check(duck_columns == columns, f"{name}: DuckDB reads columns {duck_columns}")
    (duck_rows,) = duck.execute("SELECT count(*) FROM read_parquet(?)", [str(path)]).fetchone()
    check(duck_rows == rows, f"{name}: DuckDB reads {duck_rows} rows, the manifest says {rows}")
    for (column, sql_type, *_), kind in zip(described, kinds):
        check(duckdb_type_ok(kind, sql_type), f"{name}: DuckDB reads {column} ({kind}) as {sql_type}")

    # The same values, as the same Python types, from all three.
    arrow_rows = [tuple(r[c] for c in columns) for r in arrow.to_pylist()]
    polars_rows = frame.rows()
    duck_values = duck.execute("SELECT * FROM read_parquet(?)", [str(path)]).fetchall()
    for i, (a, p, d) in enumerate(zip(arrow_rows, polars_rows, duck_values)):
        for column, kind, va, vp, vd in zip(columns, kinds, a, p, d):
            check(
                same(va, vp) and same(va, vd),
                f"{name} row {i} {column}: pyarrow {va!r}, polars {vp!r}, DuckDB {vd!r}",
            )
            check(
                va is None or isinstance(va, PYTHON_VALUE[kind]) and not (kind == "integer" and isinstance(va, bool)),
                f"{name} row {i} {column} ({kind}): read as {type(va).__name__} {va!r}",
            )
    typed = {k: kinds.count(k) for k in ("date", "decimal") if k in kinds}
    return rows, typed


def run(args):
    import duckdb

    if args.run:
        run_id = args.run.removeprefix("reportRuns/")
        if args.out:
            out = Path(args.out)
        else:
            out = Path(tempfile.mkdtemp(prefix="kerjasama-parquet-"))
            atexit.register(shutil.rmtree, out, True)
        out.mkdir(parents=True, exist_ok=True)
        folder = download_http(args, run_id, out) if args.http else download_grpc(args, run_id, out)
    else:
        folder = Path(args.folder)
    manifest_path = folder / "manifest.json"
    check(manifest_path.exists(), f"no manifest.json in {folder} (it types the columns)")
    manifest = json.loads(manifest_path.read_text())
    tables = manifest["tables"]
    check(tables, f"{manifest_path} lists no tables")
    parquet_files = sorted(p.name for p in folder.glob("*.parquet"))
    expected = sorted(parquet_name(t) for t in tables)
    check(parquet_files == expected, f"{folder} holds {parquet_files}; the manifest's tables are {expected}")

    duck = duckdb.connect()
    total_rows, dates, decimals = 0, 0, 0
    for table in tables:
        rows, typed = check_table(folder, table, duck)
        total_rows += rows
        dates += typed.get("date", 0)
        decimals += typed.get("decimal", 0)
        print(f"  {parquet_name(table)}: {rows} rows, {len(table['columns'])} columns, {typed or 'no date or decimal columns'}")
    check(dates and decimals, f"the run has {dates} date and {decimals} decimal columns; expected some of each")
    print(
        f"  {len(tables)} Parquet files, {total_rows} rows: pyarrow, polars and DuckDB agree; "
        f"{dates} date columns read as dates, {decimals} decimal columns as decimals"
    )


if __name__ == "__main__":
    args = parse_args()
    main("parquet readers", lambda: run(args))
