#!/usr/bin/env python3
"""Helpers of scripts/bench.

  bench-render.py pgbench-log NAME CLIENTS PGBENCH_OUTPUT LOG...   one JSON line per pgbench run
  bench-render.py render RESULTS_DIR AGREEMENTS SECONDS             BENCHMARKS.md on stdout
"""
import json
import os
import platform
import re
import subprocess
import sys
from datetime import datetime, timezone


def percentile(sorted_values, q):
    if not sorted_values:
        return 0.0
    index = min(len(sorted_values) - 1, max(0, int(round(q * (len(sorted_values) - 1)))))
    return sorted_values[index]


def pgbench_log(name, clients, output, logs):
    latencies = []
    for log in logs:
        with open(log) as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 3 and parts[2].isdigit():
                    latencies.append(int(parts[2]) / 1000.0)
    latencies.sort()
    text = open(output).read()
    tps = re.search(r"tps = ([0-9.]+) \(without initial connection time\)", text)
    failed = re.search(r"number of failed transactions: (\d+)", text)
    print(json.dumps({
        "scenario": name,
        "concurrency": int(clients),
        "transactions": len(latencies),
        "failed": int(failed.group(1)) if failed else None,
        "tps": float(tps.group(1)) if tps else 0.0,
        "p50_ms": percentile(latencies, 0.50),
        "p90_ms": percentile(latencies, 0.90),
        "p99_ms": percentile(latencies, 0.99),
        "max_ms": latencies[-1] if latencies else 0.0,
    }))


def read_json(path, default=None):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return default if default is not None else {}


def read_lines(path):
    try:
        with open(path) as f:
            return [json.loads(line) for line in f if line.strip()]
    except OSError:
        return []


def sh(*args):
    try:
        return subprocess.run(args, capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        return ""


def machine():
    model = ""
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        for line in open("/proc/meminfo"):
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.0f} GiB"
    except OSError:
        pass
    return {
        "cpus": os.cpu_count(),
        "model": model,
        "memory": mem,
        "kernel": platform.release(),
        "postgres": sh("psql", "-At", "-c", "SHOW server_version"),
        "commit": sh("git", "rev-parse", "--short", "HEAD"),
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    }


def fmt(x, digits=1):
    if x is None:
        return "–"
    return f"{x:,.{digits}f}"


def render(results, agreements, seconds):
    m = machine()
    service = read_lines(os.path.join(results, "service.jsonl"))
    pgbench = read_lines(os.path.join(results, "pgbench.jsonl"))
    seed = read_json(os.path.join(results, "seed.json"))
    report = read_json(os.path.join(results, "report.json"))
    copy = read_json(os.path.join(results, "copy.json"))
    sql = read_json(os.path.join(results, "sql.json"))
    idle = read_json(os.path.join(results, "rss-idle.json"))
    load = read_json(os.path.join(results, "rss-load.json"))
    seed_log = ""
    try:
        seed_log = open(os.path.join(results, "seed.log")).read().strip()
    except OSError:
        pass
    raw = {(r["scenario"], r["concurrency"]): r for r in pgbench}
    floor = {r["concurrency"]: r for r in service if r["scenario"] == "floor"}
    n = int(agreements)
    out = []
    w = out.append
    w("# Benchmarks\n")
    w("Regenerated as a whole by one command (this file is its output; edit the script, not the file):\n")
    env = "" if str(seconds) == "15" else f"KERJASAMA_BENCH_SECONDS={seconds} "
    w("```sh\n" + env + "scripts/bench " + str(n) + "\n```\n")
    w(f"- **Machine**: {m['cpus']} CPUs ({m['model']}), {m['memory']}, Linux {m['kernel']}; "
      f"PostgreSQL {m['postgres']} started by kerjasama in a scratch folder; commit {m['commit']}; {m['date']}.")
    w(f"- **Register**: `kerjasama seed --synthetic --agreements {n:,}` "
      f"(deterministic; {fmt(seed.get('seed_seconds'))} s to generate and COPY in, indexes and ANALYZE included).")
    w(f"- **Load**: `kerjasama bench` (tonic client, one connection per caller, HDR histogram) and pgbench "
      f"(`-M prepared`, the SQL of `services/loadgen/pgbench/`) on the same PostgreSQL, one after the other, "
      f"{seconds} s each; the load generator shares the 2 cores with the server and PostgreSQL.\n")
    if seed_log:
        w("<details><summary>What the seeder wrote</summary>\n\n```\n" + seed_log[-3000:] + "\n```\n</details>\n")

    w("## The service against the SQL it sends\n")
    w("*ratio* = service calls/s ÷ pgbench transactions/s of the same statements (1.0: the service adds nothing).\n")
    w("| scenario | callers | service calls/s | p50 ms | p90 ms | p99 ms | max ms | errors | raw SQL tx/s | SQL p50 ms | SQL p99 ms | ratio |")
    w("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in service:
        key = (r["scenario"], r["concurrency"])
        p = raw.get(key)
        ratio = (r["calls_per_second"] / p["tps"]) if p and p["tps"] else None
        w(f"| {r['scenario']} | {r['concurrency']} | {fmt(r['calls_per_second'])} | {fmt(r['p50_ms'], 2)} | "
          f"{fmt(r['p90_ms'], 2)} | {fmt(r['p99_ms'], 2)} | {fmt(r['max_ms'], 2)} | {r['errors']} | "
          f"{fmt(p['tps']) if p else '–'} | {fmt(p['p50_ms'], 2) if p else '–'} | {fmt(p['p99_ms'], 2) if p else '–'} | "
          f"{fmt(ratio, 2) if ratio is not None else '–'} |")
    w("")
    w("`floor` is `grpc.health.v1.Health/Check` through the same server and gate: the gRPC path with no database, "
      "the ceiling of any RPC on this machine. `list-first` filters by type, state ACTIVE and unit; `list-deep` "
      "lists every ACTIVE agreement and reads one deep page through its token; `list-search` searches titles and "
      "party names. `complete-stage` and `create-realisation` have no pgbench twin (each call needs a target of its "
      "own); `mix` is 90 % GetAgreement and 10 % CreateAgreement on both sides.\n")

    def best(name):
        rows = [r for r in service if r["scenario"] == name]
        return max(rows, key=lambda r: r["calls_per_second"]) if rows else None

    w("## Targets\n")
    w("| target | measured | |")
    w("|---|---|---|")
    g = best("get")
    if g:
        p = raw.get(("get", g["concurrency"]))
        ratio = g["calls_per_second"] / p["tps"] if p and p["tps"] else None
        w(f"| GetAgreement ≥ 0.85 × raw SQL at peak | {fmt(ratio, 2)} at {g['concurrency']} callers | "
          f"{'met' if ratio and ratio >= 0.85 else 'missed'} |")
        w(f"| GetAgreement p99 ≤ 5 ms at the peak's concurrency | {fmt(g['p99_ms'], 2)} ms | "
          f"{'met' if g['p99_ms'] <= 5 else 'missed'} |")
    c = best("create")
    if c:
        p = raw.get(("create", c["concurrency"]))
        ratio = c["calls_per_second"] / p["tps"] if p and p["tps"] else None
        w(f"| CreateAgreement ≥ 0.8 × raw SQL | {fmt(ratio, 2)} | {'met' if ratio and ratio >= 0.8 else 'missed'} |")
    for name in ("list-first", "list-deep", "list-search"):
        r = best(name)
        if r:
            w(f"| {name} p99 ≤ 10 ms ({n:,} agreements) | {fmt(r['p99_ms'], 2)} ms | "
              f"{'met' if r['p99_ms'] <= 10 else 'missed'} |")
    if report and copy:
        job = report.get("report_seconds")
        cp = copy.get("copy_seconds")
        ratio = job / cp if job and cp else None
        w(f"| report wall ≤ 1.5 × raw COPY of its inputs | {fmt(job, 2)} s ÷ {fmt(cp, 2)} s = {fmt(ratio, 2)} | "
          f"{'met' if ratio and ratio <= 1.5 else 'missed'} |")
        rss = report.get("report_peak_rss_kib")
        w(f"| report peak RSS ≤ 4 GiB | {fmt(rss / 1024 / 1024 if rss else None, 2)} GiB | "
          f"{'met' if rss and rss <= 4 * 1024 * 1024 else 'missed'} |")
        s = sql.get("sql_seconds")
        w(f"| report faster than the plain-SQL version | job {fmt(job, 2)} s, SQL of 3 families {fmt(s, 2)} s "
          f"(indicative: see below) | {'met' if job and s and job < s else 'missed'} |")
    w("")
    w("Measured since by their own scripts, with their own targets marked (sections below): the report run "
      "before and after streaming, title search (`scripts/bench-search`), every list shape at national scale "
      "(`scripts/bench-lists`) and GetAgreement and CreateAgreement against the bound (`scripts/bench-hot`).\n")

    w("## Server memory\n")
    w(f"- idle after start: {fmt(idle.get('server_rss_idle_kib', 0) / 1024, 0)} MiB RSS;")
    w(f"- during the `mix` load at 8 callers: {fmt(load.get('server_rss_load_kib', 0) / 1024, 0)} MiB RSS.\n")

    w("## The report run\n")
    if report:
        w(f"`kerjasama report run --as-of 2026-09-30` over {n:,} agreements (all 13 tables as CSV and Parquet, "
          f"the workbook, the meeting pack in HTML and PDF, the manifest), timed by `/usr/bin/time`:\n")
        w(f"- wall: **{fmt(report.get('report_seconds'), 2)} s**, peak RSS "
          f"**{fmt(report.get('report_peak_rss_kib', 0) / 1024, 0)} MiB**;")
        w(f"- the raw `COPY … TO STDOUT` of its {copy.get('copy_statements')} inputs (the very statements the run "
          f"sent, captured with `log_statement`, replayed by psql to /dev/null): **{fmt(copy.get('copy_seconds'), 2)} s**;")
        w(f"- plain SQL for three families (`services/loadgen/pgbench/metrics.sql`: counts by type, renewal watch, "
          f"realised benefits): **{fmt(sql.get('sql_seconds'), 2)} s**. The job computes 13 tables and writes "
          f"five formats; the SQL computes three tables and writes nothing, so this is a yardstick, not a like-for-like "
          f"comparison.")
        w(f"- polars runs on its default thread pool (one thread per CPU: {m['cpus']}), with the system allocator.\n")
    # Sections written elsewhere, kept as they are: the profile's notes, the
    # report run's before and after, and the figures of scripts/bench-import,
    # scripts/bench-archive, scripts/bench-search, scripts/bench-lists and
    # scripts/bench-hot and scripts/bench-build.
    for section in ("where-the-time-goes.md", "report-streaming.md", "bulk-import.md", "archive.md",
                    "title-search.md", "list-shapes.md", "hot-paths.md", "first-build.md"):
        path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "services", "loadgen", section)
        try:
            w(open(path).read())
        except OSError:
            pass
    return "\n".join(out) + "\n"


def main():
    if len(sys.argv) >= 5 and sys.argv[1] == "pgbench-log":
        pgbench_log(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:])
    elif len(sys.argv) == 5 and sys.argv[1] == "render":
        sys.stdout.write(render(sys.argv[2], sys.argv[3], sys.argv[4]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
