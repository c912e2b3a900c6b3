#!/usr/bin/env python3
"""Mock provider APIs over HTTPS for keywarden's verification and revocation tests.

    mock_providers.py DIR HOST...

Writes a test CA (DIR/ca.pem) and a server certificate for every HOST, listens on 127.0.0.1 on
a free port (written to DIR/port), and answers as the providers' identity and revocation
endpoints would. Every token it sees is a FAKE made by the tests; what it answers is decided by
a marker inside the token: LIVE (valid), DEAD (rejected), SLOW (answers after 30 s), FAIL
(500), MOVE (302 to https://elsewhere.invalid/); a token that cannot hold one (hex) gets its
marker from DIR/verdicts.json. Basic credentials are decoded first. AWS requests are checked for a correct
Signature Version 4 against DIR/aws.json ({key id: secret}). Each request's Host header,
method and path go to DIR/requests.log.
"""
import base64
import datetime
import hashlib
import hmac
import http.server
import json
import os
import re
import socketserver
import ssl
import sys
import threading
import time

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

DIR = sys.argv[1]
HOSTS = sys.argv[2:]
LOCK = threading.Lock()


def certificates():
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "keywarden test CA (FAKE)")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=2))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOSTS[0])]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(h) for h in HOSTS]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .sign(ca_key, hashes.SHA256()))
    pem = lambda c: c.public_bytes(serialization.Encoding.PEM)
    open(os.path.join(DIR, "ca.pem"), "wb").write(pem(ca))
    open(os.path.join(DIR, "server.pem"), "wb").write(pem(leaf))
    open(os.path.join(DIR, "server.key"), "wb").write(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))


def aws_answer(handler, body):
    auth = handler.headers.get("Authorization", "")
    m = re.match(r"AWS4-HMAC-SHA256 Credential=([A-Z0-9]+)/(\d{8})/([a-z0-9-]+)/sts/aws4_request, "
                 r"SignedHeaders=([a-z;-]+), Signature=([0-9a-f]{64})$", auth)
    secrets = json.load(open(os.path.join(DIR, "aws.json"))) if os.path.exists(os.path.join(DIR, "aws.json")) else {}
    if not m or m.group(1) not in secrets:
        return 403, "<Error><Code>InvalidClientTokenId</Code></Error>"
    key_id, date, region, signed, signature = m.groups()
    canonical_headers = "".join(f"{h}:{handler.headers.get(h, '').strip()}\n" for h in signed.split(";"))
    canonical = "\n".join(["POST", "/", "", canonical_headers, signed, hashlib.sha256(body).hexdigest()])
    scope = f"{date}/{region}/sts/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", handler.headers.get("X-Amz-Date", ""), scope,
                         hashlib.sha256(canonical.encode()).hexdigest()])
    k = ("AWS4" + secrets[key_id]).encode()
    for part in (date, region, "sts", "aws4_request"):
        k = hmac.new(k, part.encode(), hashlib.sha256).digest()
    good = hmac.new(k, to_sign.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(good, signature):
        return 403, "<Error><Code>SignatureDoesNotMatch</Code></Error>"
    return 200, "<GetCallerIdentityResult><Account>000000000000</Account></GetCallerIdentityResult>"


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, status, body, headers=()):
        data = body.encode()
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        host = (self.headers.get("Host") or "").split(":")[0]
        with LOCK, open(os.path.join(DIR, "requests.log"), "a") as log:
            log.write(f"{host} {self.command} {self.path.split('/bot')[0]}\n")
        if host == "sts.amazonaws.com":
            return self.answer(*aws_answer(self, body))
        headers = [v for _, v in self.headers.items()]
        basic = re.match(r"Basic (\S+)", self.headers.get("Authorization", ""))
        if basic:
            headers.append(base64.b64decode(basic.group(1)).decode(errors="replace"))
        seen = " ".join([self.path, body.decode(errors="replace")] + headers)
        marker = next((m for m in ("LIVE", "DEAD", "SLOW", "FAIL", "MOVE") if m in seen), "DEAD")
        # Tokens that cannot carry a marker (hex) get theirs from DIR/verdicts.json.
        verdicts_file = os.path.join(DIR, "verdicts.json")
        if os.path.exists(verdicts_file):
            for token, verdict in json.load(open(verdicts_file)).items():
                if token in seen:
                    marker = verdict
        if marker == "SLOW":
            time.sleep(30)
        if marker == "FAIL":
            return self.answer(500, "{}")
        if marker == "MOVE":
            return self.answer(302, "", [("Location", "https://elsewhere.invalid/")])
        live = marker == "LIVE"
        if host == "slack.com":
            if self.path.endswith("auth.revoke"):
                return self.answer(200, json.dumps({"ok": live, "revoked": live}, separators=(",", ":")))
            return self.answer(200, json.dumps({"ok": live} if live else {"ok": False, "error": "invalid_auth"},
                                               separators=(",", ":")))
        if self.path == "/credentials/revoke":
            return self.answer(202 if live else 422, "{}")
        if self.command == "DELETE":
            return self.answer(204 if live else 401, "")
        return self.answer(200 if live else 401, "{}")

    do_GET = do_POST = do_DELETE = handle_any


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


def main():
    certificates()
    server = Server(("127.0.0.1", 0), Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(os.path.join(DIR, "server.pem"), os.path.join(DIR, "server.key"))
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    tmp = os.path.join(DIR, "port.tmp")
    open(tmp, "w").write(str(server.server_address[1]))
    os.replace(tmp, os.path.join(DIR, "port"))
    server.serve_forever()


if __name__ == "__main__":
    main()
