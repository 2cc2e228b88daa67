#!/usr/bin/env python3
"""Measures the document archive from outside (scripts/bench-archive runs it):

1. N documents to search: one KSB document per synthetic agreement, its text
   generated from a word list (300 words, a few rare words planted), inserted
   with SQL into document_files and document_texts (the tsvector and its GIN
   index are PostgreSQL's own work, timed);
2. a 50 MB PDF (a page and a 50 MB image stream of random bytes, so nothing
   compresses or deduplicates) uploaded and downloaded 3 times each over HTTP
   (PUT / GET /documents/{a}/{d}/file) and over gRPC (UploadDocumentFile in
   1 MiB chunks, GetDocumentFile);
3. SearchAgreements: every query of QUERIES, ROUNDS times, latency per call;
   the plan of the document-text branch.

Writes services/loadgen/archive.md and the "Document archive" section of
BENCHMARKS.md.
"""

import argparse
import datetime
import http.client
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "clients" / "python"))

import grpc  # noqa: E402

from kerjasama_stubs import generate  # noqa: E402

FILE_BYTES = 50 * 1024 * 1024
CHUNK = 1024 * 1024
RUNS = 3
ROUNDS = 20

WORDS = """pihak kerja sama pengelolaan sampah regional pemerintah provinsi kabupaten kota pelaksanaan
kegiatan anggaran pendapatan belanja daerah pasal ayat ketentuan hak kewajiban jangka waktu berlaku tahun
perjanjian kesepakatan bersama pendidikan kesehatan jalan jembatan air minum limbah transportasi pariwisata
pertanian perikanan industri perdagangan investasi pelatihan beasiswa mahasiswa universitas penelitian
pengabdian masyarakat desa rumah sakit puskesmas tenaga medis guru sekolah kurikulum sarana prasarana
pembangunan pemeliharaan drainase irigasi bendungan pangan ketahanan bencana penanggulangan kebakaran
keamanan ketertiban perizinan pelayanan administrasi kependudukan data informasi teknologi digital
jaringan internet energi listrik surya lingkungan hidup kehutanan konservasi pesisir laut pelabuhan
bandara terminal angkutan umum koperasi usaha mikro kecil menengah pemasaran promosi budaya seni olahraga
pemuda perempuan anak perlindungan sosial kemiskinan pengangguran tenaga kerja pelatihan vokasi magang
sertifikasi standar mutu evaluasi pelaporan monitoring pengawasan audit keuangan aset barang jasa
pengadaan kontrak addendum perubahan penyelesaian perselisihan musyawarah mufakat keadaan kahar
penghentian pengakhiran perpanjangan lampiran rencana kerja tahunan sekretariat koordinasi tim teknis""".split()
RARE = ["Cilowong", "Rangkasbitung", "Ibaraki"]

QUERIES = [
    ("one common word", "sampah"),
    ("two words (AND)", "pengelolaan sampah"),
    ("a phrase", '"pengelolaan sampah"'),
    ("three words", "beasiswa mahasiswa universitas"),
    ("a word and an exclusion", "jembatan -jalan"),
    ("alternatives", "investasi or pariwisata"),
    ("a rare word (a place)", "Cilowong"),
    ("a word in no text", "kopi"),
]


def psql(args, sql):
    started = time.perf_counter()
    out = subprocess.run(
        [args.psql, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", args.database_url, "-c", sql],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return out.strip(), time.perf_counter() - started


def seed_documents(args):
    words = "ARRAY[" + ",".join(f"'{w}'" for w in WORDS) + "]"
    rare = "ARRAY[" + ",".join(f"'{w}'" for w in RARE) + "]"
    _, documents = psql(
        args,
        f"""
        WITH new AS (
            INSERT INTO agreement_documents (id, agreement_id, region_code, kind, number, title, uri)
            SELECT gen_random_uuid(), a.id, a.region_code, 'KSB', a.document_number, left(a.title, 300),
                   'https://arsip.example.go.id/bench/' || a.id || '.pdf'
            FROM agreements a ORDER BY a.id LIMIT {args.documents}
            RETURNING id, region_code)
        INSERT INTO document_files (document_id, version, region_code, sha256, size_bytes, media_type,
                                    file_name, uploaded_by)
        SELECT new.id, 1, new.region_code, encode(sha256(new.id::text::bytea), 'hex'), 250000,
               'application/pdf', 'naskah.pdf', 'bench'
        FROM new;
        """,
    )
    _, texts = psql(
        args,
        f"""
        INSERT INTO document_texts (document_id, version, region_code, body)
        SELECT d.id, 1, d.region_code,
               (SELECT string_agg(({words})[1 + abs(hashtext(d.id::text || g::text)) % {len(WORDS)}], ' ')
                FROM generate_series(1, 300) g)
               || CASE WHEN abs(hashtext(d.id::text)) % 1000 = 0
                       THEN ' ' || ({rare})[1 + abs(hashtext(d.id::text || 'r')) % {len(RARE)}] ELSE '' END
        FROM agreement_documents d JOIN document_files f ON f.document_id = d.id AND f.uploaded_by = 'bench';
        ANALYZE document_texts; ANALYZE agreement_documents; ANALYZE document_files;
        """,
    )
    count, _ = psql(args, "SELECT count(*) FROM document_texts")
    size, _ = psql(args, "SELECT pg_size_pretty(pg_total_relation_size('document_texts'))")
    return int(count), documents, texts, size


def pdf_of(size, salt):
    """A one-page PDF whose page draws one image: `size` random bytes."""
    image = os.urandom(size)
    content = f"q 595 0 0 842 0 0 cm /Im1 Do Q BT /F1 12 Tf 72 800 Td (Naskah {salt}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 6 0 R >> "
        b"/XObject << /Im1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /XObject /Subtype /Image /Width 4096 /Height %d /ColorSpace /DeviceGray "
        b"/BitsPerComponent 8 /Length %d >>\nstream\n" % (size // 4096, size) + image + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    pdf = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(len(pdf))
        pdf += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(pdf)
    pdf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        pdf += b"%010d 00000 n \n" % offset
    pdf += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(pdf)


def rss_kib(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def main():
    parser = argparse.ArgumentParser()
    for flag in ["grpc", "http", "token", "database-url", "psql", "pid", "documents", "profile", "commit"]:
        parser.add_argument("--" + flag, required=True)
    args = parser.parse_args()
    args.documents = int(args.documents)
    stubs = generate()
    channel = grpc.insecure_channel(
        args.grpc,
        options=[("grpc.max_receive_message_length", 8 * CHUNK), ("grpc.max_send_message_length", 8 * CHUNK)],
    )
    grpc.channel_ready_future(channel).result(timeout=30)
    metadata = [("authorization", f"Bearer {args.token}")]
    agreements = stubs.agreement_grpc.AgreementServiceStub(channel)
    documents = stubs.document_grpc.DocumentServiceStub(channel)
    ab, db = stubs.agreement, stubs.document

    print(f"seeding {args.documents:,} documents with text…", file=sys.stderr)
    searchable, seconds_documents, seconds_texts, text_size = seed_documents(args)

    first = agreements.ListAgreements(ab.ListAgreementsRequest(page_size=1), metadata=metadata).agreements[0]
    document = documents.CreateDocument(
        db.CreateDocumentRequest(
            parent=first.name,
            document=db.Document(type=db.DOCUMENT_TYPE_KSB, number="BENCH/50MB", title="Pindaian 50 MB",
                                 uri="https://arsip.example.go.id/bench.pdf"),
        ),
        metadata=metadata,
    )
    agreement_id, document_id = document.name.removeprefix("agreements/").split("/documents/")
    path = f"/documents/{agreement_id}/{document_id}/file"

    def over_http(method, body=None):
        connection = http.client.HTTPConnection(args.http, timeout=300)
        headers = {"Authorization": f"Bearer {args.token}"}
        started = time.perf_counter()
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
        elapsed = time.perf_counter() - started
        connection.close()
        if response.status not in (200, 201):
            raise SystemExit(f"{method} {path}: {response.status} {data[:300]!r}")
        return elapsed, data

    results = {"http_put": [], "http_get": [], "grpc_put": [], "grpc_get": []}
    size = 0
    for run in range(RUNS):
        pdf = pdf_of(FILE_BYTES, f"http-{run}")
        size = len(pdf)
        elapsed, _ = over_http("PUT", pdf)
        results["http_put"].append(elapsed)
        elapsed, data = over_http("GET")
        assert data == pdf, "the download differs from the upload"
        results["http_get"].append(elapsed)
    for run in range(RUNS):
        pdf = pdf_of(FILE_BYTES, f"grpc-{run}")

        def messages():
            yield db.UploadDocumentFileRequest(metadata=db.UploadDocumentFileMetadata(parent=document.name))
            for at in range(0, len(pdf), CHUNK):
                yield db.UploadDocumentFileRequest(chunk=pdf[at : at + CHUNK])

        started = time.perf_counter()
        documents.UploadDocumentFile(messages(), metadata=metadata, timeout=300)
        results["grpc_put"].append(time.perf_counter() - started)
        started = time.perf_counter()
        data = b"".join(
            m.chunk for m in documents.GetDocumentFile(db.GetDocumentFileRequest(name=document.name),
                                                       metadata=metadata, timeout=300)
            if m.WhichOneof("content") == "chunk"
        )
        results["grpc_get"].append(time.perf_counter() - started)
        assert data == pdf, "the gRPC download differs from the upload"

    latencies = {label: [] for label, _ in QUERIES}
    found = {}
    for _ in range(ROUNDS):
        for label, query in QUERIES:
            started = time.perf_counter()
            response = agreements.SearchAgreements(ab.SearchAgreementsRequest(query=query, page_size=20),
                                                   metadata=metadata, timeout=60)
            latencies[label].append((time.perf_counter() - started) * 1000)
            found[label] = len(response.results)
    plan, _ = psql(
        args,
        "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) SELECT count(*) FROM document_texts "
        "WHERE search @@ websearch_to_tsquery('indonesian', 'pengelolaan sampah')",
    )
    rss = rss_kib(int(args.pid))

    def mbps(seconds):
        return size / (1024 * 1024) / seconds

    cpus = os.cpu_count()
    build = "release" if args.profile == "release" else "debug"
    out = [
        "## Document archive",
        "",
        f"Regenerated by `scripts/bench-archive {args.documents}`"
        + ("" if args.profile == "release" else f" with `KERJASAMA_BENCH_PROFILE={args.profile}`")
        + f" (commit {args.commit}, {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, {cpus} CPUs, "
        f"the {build} build, the embedded PostgreSQL, client and server on one machine over loopback).",
        "",
        f"- **Files**: a {size / (1024 * 1024):.1f} MB PDF (one page drawing a 50 MB image of random bytes: "
        "nothing compresses, each run a new content, so every upload is stored), "
        f"{RUNS} runs each. An upload is received to disk while hashed, identified by content (the PDF's "
        "syntax read for active content, its object streams inflated), its text read (pdf-extract), fsynced and "
        "recorded; a download is read back and hashed again before the first byte is sent. gRPC in 1 MiB "
        "chunks (Python grpcio client), HTTP with `http.client`.",
        "",
        "| path | median | best | MB/s (median) |",
        "|---|---:|---:|---:|",
    ]
    for key, label in [("http_put", "HTTP PUT (upload)"), ("http_get", "HTTP GET (download)"),
                       ("grpc_put", "gRPC UploadDocumentFile"), ("grpc_get", "gRPC GetDocumentFile")]:
        median = statistics.median(results[key])
        out.append(f"| {label} | {median:.2f} s | {min(results[key]):.2f} s | {mbps(median):.0f} |")
    out += [
        "",
        f"- **Search**: {searchable:,} archived documents with text (300 words each from a "
        f"{len(WORDS)}-word list of agreement vocabulary, one in a thousand with a place name; "
        f"`document_texts` with its index: {text_size}; inserting the documents took {seconds_documents:.0f} s "
        f"and their texts, tsvectors and GIN index {seconds_texts:.0f} s of PostgreSQL's time), plus the "
        f"{args.documents:,} synthetic agreements' titles, numbers and parties. `SearchAgreements` with "
        f"`page_size` 20, each query {ROUNDS} times, one caller:",
        "",
        "| query | example | results | p50 | p95 | max |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for label, query in QUERIES:
        values = sorted(latencies[label])
        p95 = values[min(len(values) - 1, int(round(0.95 * (len(values) - 1))))]
        out.append(f"| {label} | `{query}` | {found[label]} | {statistics.median(values):.1f} ms | "
                   f"{p95:.1f} ms | {values[-1]:.1f} ms |")
    every = sorted(v for values in latencies.values() for v in values)
    p99 = every[min(len(every) - 1, int(round(0.99 * (len(every) - 1))))]
    out += [
        "",
        f"All {len(every)} calls: p50 {statistics.median(every):.1f} ms, p99 {p99:.1f} ms. A common word "
        "matches most of the texts: ranking every match (`ts_rank` over each matching row's vector) is what "
        "costs; snippets (`ts_headline`, which reads a text again) are made for the 20 returned only; a rare "
        "word is answered from the index alone. The document-text branch's plan for `pengelolaan sampah`:",
        "",
        "```",
        plan,
        "```",
        "",
        f"Server peak RSS over the whole run (VmHWM): {rss / 1024:,.0f} MiB (a download is read whole and "
        "verified before it is sent, so a 50 MB file takes 50 MB while it is served).",
        "",
    ]
    notes = REPO / "scripts" / "bench-archive-notes.md"
    if notes.exists():  # the explanation that goes with the figures, kept by hand
        out += [notes.read_text().rstrip("\n"), ""]
    text = "\n".join(out) + "\n"
    (REPO / "services" / "loadgen" / "archive.md").write_text(text)
    bench_path = REPO / "BENCHMARKS.md"
    bench = bench_path.read_text()
    start = bench.find("## Document archive")
    if start >= 0:
        end = bench.find("\n## ", start + 3)
        bench = bench[:start] + text + (bench[end + 1:] if end >= 0 else "")
    else:
        bench = bench.rstrip("\n") + "\n\n" + text
    bench_path.write_text(bench)
    print(text)


if __name__ == "__main__":
    main()
