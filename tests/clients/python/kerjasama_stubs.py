"""Generates Python stubs of the kerjasama.v1 contract from proto/ at run time.

Exactly what a third-party Python client does (README: "Clients in other
languages are generated from proto/kerjasama/v1/*.proto"): grpc_tools.protoc
writes `kerjasama/v1/*_pb2.py` and `*_pb2_grpc.py` into a fresh temporary
folder, which is put on sys.path. Also the shared command-line handling of the
client checks: the server's address and an ADMIN token, from arguments or the
environment.
"""

import argparse
import atexit
import importlib
import os
import shutil
import sys
import tempfile
from pathlib import Path
from types import SimpleNamespace

REPO = Path(__file__).resolve().parents[3]

MODULES = [
    "agreement",
    "unit",
    "report",
    "stage",
    "benefit",
    "implementation_report",
    "document",
    "meeting",
    "report_schedule",
]


class CheckFailed(Exception):
    """A check of a client script failed; the message says which and why."""


def check(condition, message):
    if not condition:
        raise CheckFailed(message)


def proto_dir():
    return Path(os.environ.get("KERJASAMA_PROTO_DIR", REPO / "proto"))


def generate(out_dir=None):
    """Runs protoc (grpcio-tools) over proto/kerjasama/v1/*.proto; returns a
    namespace with each file's `<name>_pb2` and `<name>_pb2_grpc` module."""
    from grpc_tools import protoc

    try:
        from importlib.resources import files

        well_known = str(files("grpc_tools") / "_proto")
    except (ImportError, TypeError):  # pragma: no cover - older Pythons
        import pkg_resources

        well_known = pkg_resources.resource_filename("grpc_tools", "_proto")

    root = proto_dir()
    sources = sorted(str(p.relative_to(root)) for p in (root / "kerjasama" / "v1").glob("*.proto"))
    check(sources, f"no .proto files under {root / 'kerjasama' / 'v1'}")
    if out_dir is None:
        out = Path(tempfile.mkdtemp(prefix="kerjasama-stubs-"))
        atexit.register(shutil.rmtree, out, True)
    else:
        out = Path(out_dir)
    args = [
        "grpc_tools.protoc",
        f"-I{root}",
        f"-I{well_known}",
        f"--python_out={out}",
        f"--grpc_python_out={out}",
        *sources,
    ]
    code = protoc.main(args)
    check(code == 0, f"grpc_tools.protoc failed ({code}) on {root}: {' '.join(args)}")
    sys.path.insert(0, str(out))
    stubs = SimpleNamespace(out_dir=out)
    for name in MODULES:
        setattr(stubs, name, importlib.import_module(f"kerjasama.v1.{name}_pb2"))
        setattr(stubs, f"{name}_grpc", importlib.import_module(f"kerjasama.v1.{name}_pb2_grpc"))
    return stubs


def arguments(description, need_http=False, extra=None):
    """--addr (KERJASAMA_ADDR), --token (KERJASAMA_TOKEN) or --token-file
    (KERJASAMA_TOKEN_FILE), and with need_http --http (KERJASAMA_HTTP_ADDR)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--addr",
        default=os.environ.get("KERJASAMA_ADDR"),
        help="gRPC address host:port (env KERJASAMA_ADDR)",
    )
    parser.add_argument("--token", default=os.environ.get("KERJASAMA_TOKEN"), help="ADMIN token (env KERJASAMA_TOKEN)")
    parser.add_argument(
        "--token-file",
        default=os.environ.get("KERJASAMA_TOKEN_FILE"),
        help="file holding the token, e.g. kerjasama-data/admin-token (env KERJASAMA_TOKEN_FILE)",
    )
    if need_http:
        parser.add_argument(
            "--http",
            default=os.environ.get("KERJASAMA_HTTP_ADDR"),
            help="HTTP download address host:port (env KERJASAMA_HTTP_ADDR)",
        )
    if extra:
        extra(parser)
    args = parser.parse_args()
    if not args.token and args.token_file:
        args.token = Path(args.token_file).read_text().strip()
    if not args.addr:
        parser.error("no server address: give --addr or set KERJASAMA_ADDR")
    if not args.token:
        parser.error("no token: give --token / --token-file or set KERJASAMA_TOKEN")
    return args


def main(name, body):
    """Runs body(); any failure is one clear line on stderr and exit status 1."""
    try:
        body()
    except CheckFailed as failure:
        print(f"{name}: FAILED: {failure}", file=sys.stderr)
        sys.exit(1)
    except Exception as error:  # an unexpected error is a failure too, with its trace
        import traceback

        traceback.print_exc()
        print(f"{name}: FAILED with {type(error).__name__}: {error}", file=sys.stderr)
        sys.exit(1)
    print(f"{name}: ok")
