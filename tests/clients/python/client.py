#!/usr/bin/env python3
"""A third-party Python client of kerjasama.v1 (grpcio, stubs generated from
proto/ at run time), checking what such a client relies on:

 1. CreateAgreement with a request_id (and that a retry returns the same agreement);
 2. ListAgreements with filters, following next_page_token over two pages;
 3. an INVALID_ARGUMENT whose google.rpc.BadRequest (grpc-status-details-bin
    trailer, decoded with grpcio-status) names the offending field;
 4. RunReport, GetReportRun until SUCCEEDED, DownloadReportFile of a CSV, which
    must parse as non-empty CSV and match the run's manifest (SHA-256);
 5. a document's signed file: UploadDocumentFile (client streaming, metadata
    first, then chunks), GetDocumentFile (server streaming) returning the same
    bytes and SHA-256, and an executable refused with BadRequest on `chunk`.

Usage: client.py --addr HOST:PORT --token ADMIN_TOKEN
       (or KERJASAMA_ADDR and KERJASAMA_TOKEN / KERJASAMA_TOKEN_FILE)
Exits 0 when every check passed, else 1 with the failed check on stderr.
"""

import csv
import hashlib
import io
import json
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import grpc  # noqa: E402
from google.rpc import error_details_pb2  # noqa: E402
from grpc_status import rpc_status  # noqa: E402

from kerjasama_stubs import CheckFailed, arguments, check, generate, main  # noqa: E402

CALL_TIMEOUT = 15  # seconds, every call
REPORT_TIMEOUT = 180  # seconds for a report run to finish


def bad_request_fields(error):
    """The fields named by the BadRequest detail of a failed call."""
    status = rpc_status.from_call(error)
    check(
        status is not None,
        f"{error.code().name} carries no grpc-status-details-bin trailer "
        f"(trailers: {[k for k, _ in error.trailing_metadata() or []]})",
    )
    check(
        status.code == error.code().value[0],
        f"google.rpc.Status code {status.code} differs from the call's {error.code().name}",
    )
    fields = []
    for detail in status.details:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad_request = error_details_pb2.BadRequest()
            detail.Unpack(bad_request)
            fields.extend(v.field for v in bad_request.field_violations)
    check(
        fields,
        f"no google.rpc.BadRequest among the details {[d.type_url for d in status.details]}",
    )
    return fields


class CallError(CheckFailed):
    """A call that failed: the RPC's name, its status code and message."""

    def __init__(self, rpc, error):
        super().__init__(f"{rpc}: {error.code().name}: {error.details()}")
        self.error = error


def expect_invalid(call, field, what):
    try:
        call()
    except CallError as failed:
        error = failed.error
        check(
            error.code() == grpc.StatusCode.INVALID_ARGUMENT,
            f"{what}: expected INVALID_ARGUMENT, got {error.code().name}: {error.details()}",
        )
        fields = bad_request_fields(error)
        check(field in fields, f"{what}: expected a violation of {field!r}, got {fields}")
        print(f"  {what}: INVALID_ARGUMENT, BadRequest names {field}")
        return
    raise CheckFailed(f"{what}: the call succeeded; expected INVALID_ARGUMENT on {field}")


def run(args):
    stubs = generate()
    pb, ub, rb = stubs.agreement, stubs.unit, stubs.report
    channel = grpc.insecure_channel(args.addr)
    try:
        grpc.channel_ready_future(channel).result(timeout=CALL_TIMEOUT)
    except grpc.FutureTimeoutError:
        raise CheckFailed(f"cannot connect to {args.addr} within {CALL_TIMEOUT} s")
    metadata = [("authorization", f"Bearer {args.token}")]
    agreements = stubs.agreement_grpc.AgreementServiceStub(channel)
    units = stubs.unit_grpc.UnitServiceStub(channel)
    reports = stubs.report_grpc.ReportServiceStub(channel)

    def call(method, request):
        """A unary call, or a server stream read to its end (a list)."""
        rpc = type(request).__name__.removesuffix("Request")
        try:
            response = method(request, metadata=metadata, timeout=CALL_TIMEOUT)
            return list(response) if isinstance(response, grpc.Call) and hasattr(response, "__next__") else response
        except grpc.RpcError as error:
            raise CallError(rpc, error) from None

    # Our own unit and agreements, so the script runs on any register.
    marker = uuid.uuid4().hex[:10].upper()
    unit = call(
        units.CreateUnit,
        ub.CreateUnitRequest(
            unit=ub.Unit(code=f"PY-{marker}", region_code="36", display_name=f"Dinas Uji Python {marker}"),
            request_id=str(uuid.uuid4()),
        ),
    )
    print(f"  created {unit.name}")

    def agreement(i):
        return pb.Agreement(
            region_code="36",
            title=f"Python client check {marker} #{i}",
            cooperation_type=pb.COOPERATION_TYPE_KSDPK,
            document_kind=pb.DOCUMENT_KIND_PKS,
            unit=unit.name,
            sector="EDUCATION",
            parties=[pb.Party(name="Universitas Sultan Ageng Tirtayasa", kind=pb.PARTY_KIND_UNIVERSITY)],
            budget_idr="1500000000",
        )

    # 1. Create with a request_id; a retry with the same id is the same agreement.
    created = []
    for i in range(3):
        request_id = str(uuid.uuid4())
        request = pb.CreateAgreementRequest(agreement=agreement(i), request_id=request_id)
        first = call(agreements.CreateAgreement, request)
        check(first.name.startswith("agreements/"), f"CreateAgreement returned name {first.name!r}")
        check(first.state == pb.AGREEMENT_STATE_DRAFT, f"a new agreement is {pb.AgreementState.Name(first.state)}")
        check(first.budget_idr == "1500000000", f"budget_idr came back as {first.budget_idr!r}")
        if i == 0:
            retry = call(agreements.CreateAgreement, request)
            check(
                retry.name == first.name,
                f"a retry with request_id {request_id} created {retry.name}, not {first.name}",
            )
        created.append(first.name)
    print(f"  created 3 agreements (a retry with the same request_id returned the first): {created}")

    # 2. A filtered list over two pages.
    list_request = pb.ListAgreementsRequest(
        page_size=2,
        query=f"Python client check {marker}",
        cooperation_types=[pb.COOPERATION_TYPE_KSDPK],
        order_by="title",
    )
    first_page = call(agreements.ListAgreements, list_request)
    check(len(first_page.agreements) == 2, f"page 1 holds {len(first_page.agreements)} agreements, not 2")
    check(first_page.next_page_token, "page 1 of 3 agreements with page_size 2 has no next_page_token")
    list_request.page_token = first_page.next_page_token
    second_page = call(agreements.ListAgreements, list_request)
    check(len(second_page.agreements) == 1, f"page 2 holds {len(second_page.agreements)} agreements, not 1")
    check(not second_page.next_page_token, f"the last page has a next_page_token {second_page.next_page_token!r}")
    listed = [a.name for a in first_page.agreements] + [a.name for a in second_page.agreements]
    check(sorted(listed) == sorted(created), f"the two pages list {listed}, created were {created}")
    titles = [a.title for a in first_page.agreements] + [a.title for a in second_page.agreements]
    check(titles == sorted(titles), f"order_by title gave {titles}")
    print("  ListAgreements: 2 pages of the 3 agreements, in title order")

    # 3. INVALID_ARGUMENT with a google.rpc.BadRequest naming the field.
    foreign = pb.Agreement(
        region_code="36",
        title=f"Python client check {marker} invalid",
        cooperation_type=pb.COOPERATION_TYPE_KSDPL,
        document_kind=pb.DOCUMENT_KIND_KSB,
        unit=unit.name,
        sector="AGRICULTURE",
        parties=[
            pb.Party(
                name="Ibaraki Prefectural Government",
                kind=pb.PARTY_KIND_FOREIGN_REGIONAL_GOVERNMENT,
                country_code="ID",
            )
        ],
    )
    expect_invalid(
        lambda: call(agreements.CreateAgreement, pb.CreateAgreementRequest(agreement=foreign)),
        "agreement.parties[0].country_code",
        "a foreign partner in Indonesia",
    )
    changed = pb.ListAgreementsRequest()
    changed.CopyFrom(list_request)
    changed.query = "something else"
    changed.page_token = first_page.next_page_token
    expect_invalid(
        lambda: call(agreements.ListAgreements, changed),
        "page_token",
        "a page token of another filter",
    )

    # 4. A report run, polled until it succeeded, and one of its CSVs.
    report_run = call(reports.RunReport, rb.RunReportRequest())
    check(report_run.name.startswith("reportRuns/"), f"RunReport returned name {report_run.name!r}")
    deadline = time.monotonic() + REPORT_TIMEOUT
    while report_run.state not in (rb.REPORT_RUN_STATE_SUCCEEDED, rb.REPORT_RUN_STATE_FAILED):
        check(
            time.monotonic() < deadline,
            f"{report_run.name} still {rb.ReportRunState.Name(report_run.state)} after {REPORT_TIMEOUT} s",
        )
        time.sleep(0.2)
        report_run = call(reports.GetReportRun, rb.GetReportRunRequest(name=report_run.name))
    check(
        report_run.state == rb.REPORT_RUN_STATE_SUCCEEDED,
        f"{report_run.name} FAILED: {report_run.error}",
    )
    print(f"  {report_run.name} SUCCEEDED with {len(report_run.files)} files")

    def download(file):
        chunks = call(reports.DownloadReportFile, rb.DownloadReportFileRequest(run=report_run.name, file=file))
        sizes, data = [], bytearray()
        for chunk in chunks:
            sizes.append(len(chunk.data))
            data += chunk.data
        check(all(s <= 64 * 1024 for s in sizes), f"{file}: a chunk larger than 64 KiB: {max(sizes)}")
        return bytes(data)

    check("evaluation_summary.csv" in report_run.files, f"no evaluation_summary.csv in {list(report_run.files)}")
    data = download("evaluation_summary.csv")
    check(data, "evaluation_summary.csv is empty")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
    check(len(rows) >= 2, f"evaluation_summary.csv has {len(rows)} lines; expected a header and rows")
    header = rows[0]
    check(header[0] == "cooperation_type" and len(header) > 1, f"evaluation_summary.csv header: {header}")
    check(all(len(r) == len(header) for r in rows), "evaluation_summary.csv rows differ in length from the header")
    manifest = json.loads(download("manifest.json"))
    entry = next((f for f in manifest.get("files", []) if f.get("name") == "evaluation_summary.csv"), None)
    check(entry is not None, "manifest.json does not list evaluation_summary.csv")
    check(
        hashlib.sha256(data).hexdigest() == entry["sha256"] and len(data) == entry["bytes"],
        "the downloaded evaluation_summary.csv differs from the manifest's SHA-256 or size",
    )
    print(f"  DownloadReportFile: evaluation_summary.csv, {len(rows) - 1} rows x {len(header)} columns, SHA-256 as in manifest.json")
    expect_invalid(
        lambda: download_dialect(reports, call, rb, report_run),
        "dialect",
        "a download with an unknown CSV dialect",
    )

    # 5. The signed scan of an agreement's document, in and out of the archive.
    db, documents = stubs.document, stubs.document_grpc.DocumentServiceStub(channel)
    document = call(
        documents.CreateDocument,
        db.CreateDocumentRequest(
            parent=created[0],
            document=db.Document(
                type=db.DOCUMENT_TYPE_PKS,
                number=f"000/{marker}-PKS/2026",
                document_date="2026-01-15",
                title="Perjanjian Kerja Sama (pindaian)",
                uri="https://arsip.example.go.id/pks.pdf",
            ),
        ),
    )
    text = f"BT /F1 12 Tf 72 720 Td (Perjanjian Kerja Sama {marker}) Tj ET"
    scan = (
        "%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
        "2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
        "3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >> endobj\n"
        f"4 0 obj << /Length {len(text)} >> stream\n{text}\nendstream endobj\n"
        "trailer << /Root 1 0 R >>\n%%EOF\n"
    ).encode() + b" " * 5000
    digest = hashlib.sha256(scan).hexdigest()

    def upload(data, file_name):
        yield db.UploadDocumentFileRequest(
            metadata=db.UploadDocumentFileMetadata(parent=document.name, file_name=file_name, sha256=hashlib.sha256(data).hexdigest())
        )
        for at in range(0, len(data), 2048):
            yield db.UploadDocumentFileRequest(chunk=data[at : at + 2048])

    try:
        stored = documents.UploadDocumentFile(upload(scan, "PKS.pdf"), metadata=metadata, timeout=CALL_TIMEOUT)
    except grpc.RpcError as error:
        raise CallError("UploadDocumentFile", error) from None
    check(stored.name == f"{document.name}/files/1", f"UploadDocumentFile returned {stored.name!r}")
    check(stored.sha256 == digest and stored.size_bytes == len(scan), f"stored {stored.sha256} / {stored.size_bytes}")
    check(stored.media_type == "application/pdf", f"media_type {stored.media_type!r}")
    messages = call(documents.GetDocumentFile, db.GetDocumentFileRequest(name=document.name))
    check(messages and messages[0].WhichOneof("content") == "file", "GetDocumentFile does not start with the file")
    check(messages[0].file == stored, f"GetDocumentFile describes {messages[0].file}, uploaded {stored}")
    data = b"".join(m.chunk for m in messages[1:])
    check(data == scan, f"GetDocumentFile returned {len(data)} bytes, not the {len(scan)} uploaded")
    print(f"  UploadDocumentFile / GetDocumentFile: {len(scan)} bytes in 3 chunks, out whole, SHA-256 {digest[:12]}…")

    def upload_executable():
        try:
            documents.UploadDocumentFile(upload(b"MZ\x90\x00" + b"\x00" * 100, "scan.pdf"), metadata=metadata, timeout=CALL_TIMEOUT)
        except grpc.RpcError as error:
            raise CallError("UploadDocumentFile", error) from None

    expect_invalid(upload_executable, "chunk", "an executable named scan.pdf")
    channel.close()


def download_dialect(reports, call, rb, report_run):
    call(
        reports.DownloadReportFile,
        rb.DownloadReportFileRequest(run=report_run.name, file="evaluation_summary.csv", dialect="semicolon"),
    )


if __name__ == "__main__":
    args = arguments(__doc__.splitlines()[0])
    main("python client", lambda: run(args))
