# SPDX-License-Identifier: EUPL-1.2
"""The receivers alerts.sh starts: a webhook over HTTPS that verifies every POST's signature
the way docs/alerts.md tells a receiver to, and an SMTP sink that requires STARTTLS
(aiosmtpd, Debian's python3-aiosmtpd). Each writes what it received into a folder.

  alerts_receivers.py webhook PORT OUTDIR SECRETFILE CERT KEY
  alerts_receivers.py smtp PORT OUTDIR CERT KEY
  alerts_receivers.py smtp-plain PORT OUTDIR    (no STARTTLS: a relay the collector refuses)

PORT 0: a free port, written to OUTDIR/port once listening."""
import hashlib
import hmac
import http.server
import json
import os
import socket
import ssl
import sys
import threading
import time

MAX_SKEW = 300  # seconds a timestamp may be off: older ones are replays


def write_port(outdir, port):
    tmp = os.path.join(outdir, "port.tmp")
    with open(tmp, "w") as f:
        f.write("%d\n" % port)
    os.rename(tmp, os.path.join(outdir, "port"))


def webhook(port, outdir, secretfile, cert, key):
    secret = open(secretfile, "rb").read().rstrip(b"\r\n")
    lock = threading.Lock()

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            ts = self.headers.get("Efterlev-Timestamp", "")
            sig = self.headers.get("Efterlev-Signature", "")
            want = "sha256=" + hmac.new(secret, ts.encode() + b"." + body,
                                        hashlib.sha256).hexdigest()
            ok = hmac.compare_digest(want, sig)
            fresh = ts.isdigit() and abs(time.time() - int(ts)) <= MAX_SKEW
            with lock:
                n = len([f for f in os.listdir(outdir) if f.startswith("post-")])
                verdict = "ok" if ok and fresh else ("stale" if ok else "bad")
                if verdict == "ok":
                    with open(os.path.join(outdir, "post-%04d.json" % n), "wb") as f:
                        f.write(body)
                    with open(os.path.join(outdir, "post-%04d.headers" % n), "w") as f:
                        f.write("%s\n%s\n%s\n" % (ts, sig, self.headers.get("Content-Type")))
                with open(os.path.join(outdir, "verdicts.log"), "a") as f:
                    f.write(verdict + "\n")
            self.send_response(200 if verdict == "ok" else 401)
            self.send_header("Content-Length", "0")
            self.end_headers()

    class Server(http.server.ThreadingHTTPServer):
        allow_reuse_address = True

    srv = Server(("127.0.0.1", port), Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    write_port(outdir, srv.server_address[1])
    srv.serve_forever()


def smtp(port, outdir, cert=None, key=None):
    from aiosmtpd.controller import Controller

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            n = len([f for f in os.listdir(outdir) if f.startswith("mail-")
                     and f.endswith(".eml")])
            with open(os.path.join(outdir, "mail-%04d.eml" % n), "wb") as f:
                f.write(envelope.original_content or envelope.content)
            with open(os.path.join(outdir, "mail-%04d.json" % n), "w") as f:
                json.dump({"from": envelope.mail_from, "to": envelope.rcpt_tos,
                           "tls": session.ssl is not None}, f)
            return "250 OK"

    if port == 0:
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
    if cert is None:
        ctl = Controller(Handler(), hostname="127.0.0.1", port=port)
    else:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        ctl = Controller(Handler(), hostname="127.0.0.1", port=port, tls_context=ctx,
                         require_starttls=True)
    ctl.start()
    write_port(outdir, port)
    threading.Event().wait()


if __name__ == "__main__":
    if sys.argv[1] == "webhook":
        webhook(int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6])
    elif sys.argv[1] == "smtp-plain":
        smtp(int(sys.argv[2]), sys.argv[3])
    else:
        smtp(int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5])
