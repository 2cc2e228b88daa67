#!/usr/bin/env python3
"""An SMTP server for tests that keeps every message it receives as files.

  smtp_sink.py OUTDIR [--auth USER:PASS] [--host 127.0.0.1] [--port 0]

Listens on HOST:PORT (port 0: a free port chosen by the system), then prints
exactly one line, `PORT <n>`, to stdout and flushes it: the server accepts
connections from then on. Each message is saved as

  OUTDIR/<n>.json   {"mail_from": "...", "rcpt_tos": ["...", ...]}
  OUTDIR/<n>.eml    the DATA content as received (bytes, CRLF line ends,
                    dot-stuffing removed)

with n = 1, 2, 3, ... (after the highest number already in OUTDIR). Both are
written to a temporary name and renamed, the .json first: once <n>.eml exists,
both files are complete. With --auth the server advertises AUTH PLAIN and LOGIN
over plain SMTP (no TLS) and refuses MAIL until the client has authenticated
as USER with PASS (530); wrong credentials get 535. SMTPUTF8 and 8BITMIME are
accepted. Runs until SIGTERM or SIGINT, then exits 0. Logs go to stderr.
"""

import argparse
import asyncio
import json
import logging
import os
import re
import signal
import sys
import tempfile
import warnings
from pathlib import Path

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Sink:
    """The aiosmtpd handler: saves each message under the next number."""

    def __init__(self, outdir):
        self.outdir = outdir
        numbers = [int(m.group(1)) for p in outdir.iterdir() if (m := re.fullmatch(r"([0-9]+)\.(?:eml|json)", p.name))]
        self.last = max(numbers, default=0)

    def _write(self, name, data):
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=self.outdir)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.chmod(tmp, 0o644)
            os.replace(tmp, self.outdir / name)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    async def handle_DATA(self, server, session, envelope):
        self.last += 1
        n = self.last
        meta = {"mail_from": envelope.mail_from, "rcpt_tos": list(envelope.rcpt_tos)}
        self._write(f"{n}.json", json.dumps(meta, ensure_ascii=False).encode("utf-8") + b"\n")
        self._write(f"{n}.eml", envelope.original_content)
        print(f"smtp_sink.py: saved {n}.eml from {envelope.mail_from} to {', '.join(envelope.rcpt_tos)}", file=sys.stderr)
        return "250 OK"


class Credentials:
    """An aiosmtpd authenticator accepting one user and password."""

    def __init__(self, user, password):
        self.user = user.encode("utf-8")
        self.password = password.encode("utf-8")

    def __call__(self, server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login == self.user
            and auth_data.password == self.password
        )
        return AuthResult(success=ok, handled=False)


async def serve(args):
    outdir = Path(args.outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    handler = Sink(outdir)
    loop = asyncio.get_running_loop()
    options = {
        "enable_SMTPUTF8": True,
        # A fixed name: the default looks up the machine's FQDN, which can hang
        # for seconds without DNS.
        "hostname": "smtp-sink.test",
        "loop": loop,
    }
    if args.auth is not None:
        # AUTH without TLS is the point here: keep aiosmtpd's warnings about it
        # (and its own deprecated login_data) off stderr.
        warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS")
        logging.getLogger("mail.log").setLevel(logging.ERROR)
        user, _, password = args.auth.partition(":")
        options.update(
            authenticator=Credentials(user, password),
            auth_required=True,
            auth_require_tls=False,
        )

    server = await loop.create_server(lambda: SMTP(handler, **options), host=args.host, port=args.port)
    port = server.sockets[0].getsockname()[1]
    print(f"PORT {port}", flush=True)

    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    server.close()
    try:
        # Newer Pythons wait here for open connections too; do not hang on one.
        await asyncio.wait_for(server.wait_closed(), timeout=2)
    except asyncio.TimeoutError:
        pass


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("outdir", help="where to save <n>.eml and <n>.json")
    parser.add_argument("--auth", metavar="USER:PASS", help="require AUTH PLAIN or LOGIN with these credentials")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port to listen on (default 0: a free port)")
    args = parser.parse_args()
    if args.auth is not None and (":" not in args.auth or not args.auth.split(":", 1)[0]):
        parser.error("--auth must be USER:PASS")
    asyncio.run(serve(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
