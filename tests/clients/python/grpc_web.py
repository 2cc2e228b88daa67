#!/usr/bin/env python3
"""A third-party gRPC-Web client of kerjasama.v1 and the CORS rules a browser
needs, against the gRPC port served with tonic-web:

 1. CORS preflight (OPTIONS with Origin, Access-Control-Request-Method and
    -Headers): an allowed origin gets Access-Control-Allow-Origin (that origin),
    POST, and every header a gRPC-Web client sends (authorization, content-type,
    x-grpc-web, x-user-agent, grpc-timeout); a disallowed origin gets no
    Access-Control-Allow-Origin.
 2. sonora (gRPC-Web over HTTP/1.1, application/grpc-web+proto) with the stubs
    grpcio-tools generates from proto/: CreateUnit, CreateAgreement (request_id),
    GetAgreement, ListAgreements, and an INVALID_ARGUMENT.
 3. Raw gRPC-Web requests as a browser sends them, with an Origin: the answer
    carries Access-Control-Allow-Origin and exposes grpc-status, grpc-message and
    grpc-status-details-bin (without that a browser cannot read an error's code);
    the error's google.rpc.BadRequest names the field; application/grpc-web-text
    (base64, grpc-web's default mode) works too; a disallowed origin's answer
    has no Access-Control-Allow-Origin.

Usage: grpc_web.py --addr HOST:PORT --token ADMIN_TOKEN --origin ALLOWED_ORIGIN
                   [--disallowed-origin ORIGIN] [--url http://HOST:PORT]
  --origin must be one of the server's --cors-origin / KERJASAMA_CORS_ORIGINS.
  Env: KERJASAMA_ADDR, KERJASAMA_TOKEN / KERJASAMA_TOKEN_FILE,
       KERJASAMA_GRPC_WEB_URL (default http://<addr>), KERJASAMA_CORS_ORIGIN.
Exits 0 when every check passed, else 1 with the failed check on stderr.
"""

import base64
import http.client
import os
import struct
import sys
import uuid
from pathlib import Path
from urllib.parse import unquote, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

import grpc  # noqa: E402
import sonora.client  # noqa: E402
from google.rpc import error_details_pb2, status_pb2  # noqa: E402

from kerjasama_stubs import CheckFailed, arguments, check, generate, main  # noqa: E402

TIMEOUT = 15  # seconds, every request
# What gRPC-Web clients (grpc-web, Connect, sonora) send besides the body.
CLIENT_HEADERS = ["authorization", "content-type", "grpc-timeout", "x-grpc-web", "x-user-agent"]
# What a browser must be allowed to read from an answer (trailers-only errors
# carry the status in these headers).
EXPOSED = ["grpc-status", "grpc-message", "grpc-status-details-bin"]


class WebChannel:
    """sonora's channel under the stubs of current grpcio-tools, which pass
    `_registered_method=True` to unary_unary/unary_stream (sonora 0.2.3 predates it)."""

    def __init__(self, url):
        self._channel = sonora.client.insecure_web_channel(url)

    def unary_unary(self, path, request_serializer=None, response_deserializer=None, **_):
        return self._channel.unary_unary(path, request_serializer, response_deserializer)

    def unary_stream(self, path, request_serializer=None, response_deserializer=None, **_):
        return self._channel.unary_stream(path, request_serializer, response_deserializer)

    def stream_unary(self, path, request_serializer=None, response_deserializer=None, **_):
        return self._channel.stream_unary(path, request_serializer, response_deserializer)

    def stream_stream(self, path, request_serializer=None, response_deserializer=None, **_):
        return self._channel.stream_stream(path, request_serializer, response_deserializer)


def header_list(value):
    return [v.strip().lower() for v in (value or "").split(",") if v.strip()]


class Http:
    """Plain HTTP/1.1 requests to the gRPC port, headers as a browser sends them."""

    def __init__(self, url):
        parts = urlsplit(url)
        check(parts.scheme == "http", f"{url}: only plain http:// is checked here")
        self.host, self.port = parts.hostname, parts.port or 80

    def request(self, method, path, headers, body=None):
        connection = http.client.HTTPConnection(self.host, self.port, timeout=TIMEOUT)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, data
        except OSError as error:
            raise CheckFailed(
                f"{method} {path} on {self.host}:{self.port}: {error} (gRPC-Web needs HTTP/1.1 on the "
                "gRPC port: tonic's accept_http1 and tonic-web)"
            )
        finally:
            connection.close()


def preflight(web, origin, path):
    return web.request(
        "OPTIONS",
        path,
        {
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": ",".join(CLIENT_HEADERS),
        },
    )


def check_cors(web, origin, disallowed):
    path = "/kerjasama.v1.AgreementService/ListAgreements"
    status, headers, _ = preflight(web, origin, path)
    check(200 <= status < 300, f"preflight from {origin}: HTTP {status}, expected 200 or 204")
    allowed = headers.get("access-control-allow-origin")
    check(
        allowed == origin,
        f"preflight from the allowed origin {origin}: Access-Control-Allow-Origin is {allowed!r} "
        f"(is {origin} in --cors-origin / KERJASAMA_CORS_ORIGINS?)",
    )
    methods = header_list(headers.get("access-control-allow-methods"))
    check("post" in methods or "*" in methods, f"preflight: Access-Control-Allow-Methods {methods} lacks POST")
    granted = header_list(headers.get("access-control-allow-headers"))
    # The wildcard `*` never covers `authorization` (Fetch standard), so that one
    # must be named whatever else is.
    missing = [h for h in CLIENT_HEADERS if h not in granted and not ("*" in granted and h != "authorization")]
    check(not missing, f"preflight: Access-Control-Allow-Headers {granted} does not allow {missing}")
    print(f"  CORS preflight from {origin}: allowed (POST; {', '.join(CLIENT_HEADERS)})")

    status, headers, _ = preflight(web, disallowed, path)
    got = headers.get("access-control-allow-origin")
    check(
        got is None,
        f"preflight from the disallowed origin {disallowed}: Access-Control-Allow-Origin is {got!r}, expected none",
    )
    print(f"  CORS preflight from {disallowed}: no Access-Control-Allow-Origin (HTTP {status})")


def frame(message, trailers=False):
    return struct.pack(">BI", 0x80 if trailers else 0, len(message)) + message


def unframe(body):
    """(messages, trailers) of a gRPC-Web response body."""
    messages, trailers, at = [], {}, 0
    while at < len(body):
        check(len(body) - at >= 5, f"a truncated gRPC-Web frame at byte {at}")
        flags, length = struct.unpack(">BI", body[at : at + 5])
        data = body[at + 5 : at + 5 + length]
        check(len(data) == length, f"a gRPC-Web frame of {length} bytes holds {len(data)}")
        at += 5 + length
        if flags & 0x80:
            for line in data.decode("ascii").split("\r\n"):
                if line:
                    key, value = line.split(":", 1)
                    trailers[key.strip().lower()] = value.strip()
        else:
            messages.append(data)
    return messages, trailers


def raw_call(web, origin, token, path, request, text=False):
    """A unary gRPC-Web call as a browser makes it: (messages, status, headers)."""
    body = frame(request.SerializeToString())
    content_type = "application/grpc-web-text" if text else "application/grpc-web+proto"
    headers = {
        "Origin": origin,
        "Content-Type": content_type,
        "Accept": content_type,
        "X-Grpc-Web": "1",
        "X-User-Agent": "kerjasama-client-check",
        "Authorization": f"Bearer {token}",
        "grpc-timeout": f"{TIMEOUT}S",
    }
    status, response_headers, data = web.request("POST", path, headers, base64.b64encode(body) if text else body)
    check(status == 200, f"POST {path} ({content_type}): HTTP {status} {data[:200]!r}")
    check(
        response_headers.get("content-type", "").startswith(content_type),
        f"POST {path}: content-type {response_headers.get('content-type')!r}, expected {content_type}",
    )
    if text:
        # Each chunk of the stream is base64 on its own, padding included, so
        # decode quad by quad (also right for one unchunked string).
        data = b"".join(base64.b64decode(data[i : i + 4]) for i in range(0, len(data), 4))
    messages, trailers = unframe(data)
    # The status is in the trailer frame, or in the headers of a trailers-only answer.
    merged = {**{k: v for k, v in response_headers.items() if k.startswith("grpc-")}, **trailers}
    check("grpc-status" in merged, f"POST {path}: no grpc-status in headers or trailers")
    return messages, merged, response_headers


def check_raw(web, origin, disallowed, token, stubs, bad_agreement):
    pb = stubs.agreement
    list_path = "/kerjasama.v1.AgreementService/ListAgreements"
    messages, status, headers = raw_call(web, origin, token, list_path, pb.ListAgreementsRequest(page_size=1))
    check(status["grpc-status"] == "0", f"ListAgreements over raw gRPC-Web: grpc-status {status}")
    check(len(messages) == 1, f"ListAgreements over raw gRPC-Web: {len(messages)} messages")
    pb.ListAgreementsResponse.FromString(messages[0])
    check(
        headers.get("access-control-allow-origin") == origin,
        f"a call from {origin}: Access-Control-Allow-Origin is {headers.get('access-control-allow-origin')!r}",
    )
    exposed = header_list(headers.get("access-control-expose-headers"))
    missing = [h for h in EXPOSED if h not in exposed and "*" not in exposed]
    check(not missing, f"a call from {origin}: Access-Control-Expose-Headers {exposed} does not expose {missing}")
    print(f"  raw gRPC-Web (binary) from {origin}: OK, exposes {', '.join(EXPOSED)}")

    messages, status, _ = raw_call(web, origin, token, list_path, pb.ListAgreementsRequest(page_size=1), text=True)
    check(status["grpc-status"] == "0", f"ListAgreements over gRPC-Web text: grpc-status {status}")
    check(len(messages) == 1, f"ListAgreements over gRPC-Web text: {len(messages)} messages")
    print("  raw gRPC-Web text (base64): OK")

    messages, status, _ = raw_call(
        web, origin, token, "/kerjasama.v1.AgreementService/CreateAgreement", pb.CreateAgreementRequest(agreement=bad_agreement)
    )
    check(status["grpc-status"] == "3", f"an invalid CreateAgreement over raw gRPC-Web: grpc-status {status}")
    details = status.get("grpc-status-details-bin")
    check(details, "an INVALID_ARGUMENT over gRPC-Web carries no grpc-status-details-bin")
    rich = status_pb2.Status.FromString(base64.b64decode(details + "=" * (-len(details) % 4)))
    fields = []
    for detail in rich.details:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            detail.Unpack(bad)
            fields += [v.field for v in bad.field_violations]
    check(
        "agreement.parties[0].country_code" in fields,
        f"the gRPC-Web INVALID_ARGUMENT's BadRequest names {fields} (message {unquote(status.get('grpc-message', ''))!r})",
    )
    print("  raw gRPC-Web INVALID_ARGUMENT: grpc-status 3, BadRequest names agreement.parties[0].country_code")

    _, _, headers = raw_call(web, disallowed, token, list_path, pb.ListAgreementsRequest(page_size=1))
    got = headers.get("access-control-allow-origin")
    check(got is None, f"a call from the disallowed origin {disallowed}: Access-Control-Allow-Origin is {got!r}")
    print(f"  raw gRPC-Web from {disallowed}: no Access-Control-Allow-Origin")


def run(args):
    url = args.url or f"http://{args.addr}"
    origin, disallowed = args.origin, args.disallowed_origin
    check(origin, "no allowed origin: give --origin or set KERJASAMA_CORS_ORIGIN (one of the server's --cors-origin)")
    check(origin != disallowed, "--origin and --disallowed-origin are the same")
    stubs = generate()
    pb, ub = stubs.agreement, stubs.unit
    web = Http(url)

    check_cors(web, origin, disallowed)

    channel = WebChannel(url)
    agreements = stubs.agreement_grpc.AgreementServiceStub(channel)
    units = stubs.unit_grpc.UnitServiceStub(channel)
    metadata = [("authorization", f"Bearer {args.token}")]

    def call(method, request):
        rpc = type(request).__name__.removesuffix("Request")
        try:
            return method(request, metadata=metadata, timeout=TIMEOUT)
        except grpc.RpcError as error:
            raise CheckFailed(f"{rpc} over gRPC-Web: {error.code().name}: {error.details()}") from None
        except Exception as error:  # sonora raises plain errors for non-gRPC-Web answers
            raise CheckFailed(f"{rpc} over gRPC-Web ({url}): {type(error).__name__}: {error}") from None

    marker = uuid.uuid4().hex[:10].upper()
    unit = call(
        units.CreateUnit,
        ub.CreateUnitRequest(
            unit=ub.Unit(code=f"WEB-{marker}", region_code="36", display_name=f"Dinas Uji gRPC-Web {marker}"),
            request_id=str(uuid.uuid4()),
        ),
    )
    check(unit.name == f"units/WEB-{marker}", f"CreateUnit over gRPC-Web returned {unit.name!r}")
    request = pb.CreateAgreementRequest(
        agreement=pb.Agreement(
            region_code="36",
            title=f"gRPC-Web client check {marker}",
            cooperation_type=pb.COOPERATION_TYPE_KSDPK,
            document_kind=pb.DOCUMENT_KIND_PKS,
            unit=unit.name,
            sector="EDUCATION",
            parties=[pb.Party(name="Universitas Sultan Ageng Tirtayasa", kind=pb.PARTY_KIND_UNIVERSITY)],
            budget_idr="250000000",
        ),
        request_id=str(uuid.uuid4()),
    )
    created = call(agreements.CreateAgreement, request)
    check(created.name.startswith("agreements/"), f"CreateAgreement over gRPC-Web returned {created.name!r}")
    again = call(agreements.CreateAgreement, request)
    check(again.name == created.name, f"a retry with the same request_id created {again.name}, not {created.name}")
    fetched = call(agreements.GetAgreement, pb.GetAgreementRequest(name=created.name))
    check(
        fetched.title == request.agreement.title and fetched.budget_idr == "250000000",
        f"GetAgreement over gRPC-Web returned {fetched.title!r}, {fetched.budget_idr!r}",
    )
    listed = call(agreements.ListAgreements, pb.ListAgreementsRequest(query=marker, page_size=10))
    check(
        [a.name for a in listed.agreements] == [created.name],
        f"ListAgreements over gRPC-Web for {marker}: {[a.name for a in listed.agreements]}",
    )
    print(f"  sonora: CreateUnit, CreateAgreement (request_id retried), GetAgreement, ListAgreements: {created.name}")

    bad = pb.Agreement()
    bad.CopyFrom(request.agreement)
    bad.cooperation_type = pb.COOPERATION_TYPE_KSDPL
    bad.document_kind = pb.DOCUMENT_KIND_KSB
    del bad.parties[:]
    bad.parties.add(name="Ibaraki Prefectural Government", kind=pb.PARTY_KIND_FOREIGN_REGIONAL_GOVERNMENT, country_code="ID")
    try:
        agreements.CreateAgreement(pb.CreateAgreementRequest(agreement=bad), metadata=metadata, timeout=TIMEOUT)
    except grpc.RpcError as error:
        check(
            error.code() == grpc.StatusCode.INVALID_ARGUMENT,
            f"an invalid CreateAgreement over gRPC-Web: {error.code().name}: {error.details()}",
        )
        print(f"  sonora: INVALID_ARGUMENT ({error.details()})")
    else:
        raise CheckFailed("an invalid CreateAgreement over gRPC-Web succeeded")

    check_raw(web, origin, disallowed, args.token, stubs, bad)


def extra(parser):
    parser.add_argument("--url", default=os.environ.get("KERJASAMA_GRPC_WEB_URL"), help="default http://<addr>")
    parser.add_argument(
        "--origin",
        default=os.environ.get("KERJASAMA_CORS_ORIGIN"),
        help="an origin the server allows (env KERJASAMA_CORS_ORIGIN)",
    )
    parser.add_argument("--disallowed-origin", default="https://not-allowed.example.com")


if __name__ == "__main__":
    args = arguments(__doc__.splitlines()[0], extra=extra)
    main("grpc-web client", lambda: run(args))
