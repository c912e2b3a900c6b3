#!/usr/bin/env python3
"""Generate FAKE credentials in the real shapes, for rule examples and the test corpus.

Every value this prints is random and was never issued by any provider. The same seed gives
the same keys, so examples and corpus files can be regenerated and reviewed.

    python3 scripts/fake_keys.py --seed 7 openai-project 3
"""
import argparse
import base64
import hashlib
import hmac
import json
import random
import string
import zlib

B62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
URLSAFE = string.ascii_letters + string.digits + "-_"


def b62_int(n: int, width: int = 0) -> str:
    out = ""
    while n:
        n, r = divmod(n, 62)
        out = B62[r] + out
    return out.rjust(width, "0")


def crc_b62(body: str) -> str:
    return b62_int(zlib.crc32(body.encode()), 6)


class Fakes:
    def __init__(self, seed: int):
        self.r = random.Random(seed)

    def s(self, alphabet: str, n: int) -> str:
        return "".join(self.r.choice(alphabet) for _ in range(n))

    def openai_project(self):
        return "sk-proj-" + self.s(URLSAFE, 74) + "T3BlbkFJ" + self.s(URLSAFE, 74)

    def openai_svcacct(self):
        return "sk-svcacct-" + self.s(URLSAFE, 74) + "T3BlbkFJ" + self.s(URLSAFE, 74)

    def openai_admin(self):
        return "sk-admin-" + self.s(URLSAFE, 74) + "T3BlbkFJ" + self.s(URLSAFE, 74)

    def openai_legacy(self):
        a = string.ascii_letters + string.digits
        return "sk-" + self.s(a, 20) + "T3BlbkFJ" + self.s(a, 20)

    def anthropic_api(self):
        return "sk-ant-api03-" + self.s(URLSAFE, 93) + "AA"

    def anthropic_admin(self):
        return "sk-ant-admin01-" + self.s(URLSAFE, 93) + "AA"

    def stripe(self, kind="sk_live_"):
        return kind + self.s(string.ascii_letters + string.digits, 99)

    def github(self, prefix="ghp_"):
        body = self.s(B62, 30)
        return prefix + body + crc_b62(body)

    def github_pat(self):
        a = string.ascii_letters + string.digits
        return "github_pat_11" + self.s(string.ascii_uppercase + string.digits, 20) + "_" + self.s(a, 59)

    def aws_id(self, prefix="AKIA"):
        return prefix + self.s(string.ascii_uppercase + "234567", 16)

    def aws_secret(self):
        return self.s(string.ascii_letters + string.digits + "+/", 40)

    def slack_bot(self):
        return "xoxb-" + self.s(string.digits, 12) + "-" + self.s(string.digits, 13) + "-" + self.s(string.ascii_letters + string.digits, 24)

    def slack_webhook(self):
        u = string.ascii_uppercase + string.digits
        return "https://hooks.slack.com/services/T" + self.s(u, 10) + "/B" + self.s(u, 10) + "/" + self.s(string.ascii_letters + string.digits, 24)

    def telegram(self):
        return self.s(string.digits[1:], 1) + self.s(string.digits, 9) + ":AA" + self.s(URLSAFE, 33)

    def discord(self):
        uid = str(self.r.randrange(10**17, 10**18)).encode()
        first = base64.b64encode(uid).decode().rstrip("=")
        return first + "." + self.s(URLSAFE, 6) + "." + self.s(URLSAFE, 38)

    def password(self):
        return self.s(string.ascii_letters + string.digits, 6) + "!" + self.s(string.ascii_letters + string.digits, 10)

    def tkn(self):
        return "tkn_" + self.s(string.ascii_letters + string.digits, 40)

    def hex(self, n=64):
        return self.s("0123456789abcdef", n)

    def apikee_platform(self):
        body = self.s(B62, 42)
        return "sk_live_" + body + crc_b62(body)

    def apikee_customer(self, claims=None, secret=b"fake-signing-secret-for-tests-0000000000"):
        claims = claims or {
            "t": "tn_" + self.s(B62, 12),
            "s": ["usage:read", "keys:write"],
            "e": 1893456000,
            "v": 1,
        }
        raw = json.dumps(claims, separators=(",", ":")).encode()
        payload = b62_int(int.from_bytes(raw, "big"))
        mac = hmac.new(secret, ("apikee_" + payload).encode(), hashlib.sha256).digest()
        return "apikee_" + payload + "." + b62_int(int.from_bytes(mac, "big"), 43)

    def rsa_pem(self, label="RSA PRIVATE KEY", lines=12):
        b64 = string.ascii_letters + string.digits + "+/"
        body = "\n".join(self.s(b64, 64) for _ in range(lines))
        return f"-----BEGIN {label}-----\n{body}\n{self.s(b64, 20)}==\n-----END {label}-----"

    # Providers of the saas, ai and credentials packs (shapes from the rules in rules/*.yaml).
    def hexs(self, n):
        return self.s("0123456789abcdef", n)

    def github_refresh(self):
        body = self.s(B62, 70)
        return "ghr_" + body + crc_b62(body)

    def slack_app(self):
        return "xapp-1-A" + self.s(string.ascii_uppercase + string.digits, 10) + "-" + self.s(string.digits, 13) + "-" + self.hexs(64)

    def slack_user(self):
        return "xoxp-" + self.s(string.digits, 12) + "-" + self.s(string.digits, 12) + "-" + self.s(string.digits, 13) + "-" + self.hexs(32)

    def provider(self, name):
        """A FAKE key of the named provider (the `provider` of its keywarden rule)."""
        A = string.ascii_letters + string.digits
        b64 = A + "+/"
        shapes = {
            "GitLab": lambda: self.r.choice(["glpat-", "gldt-", "glrt-"]) + self.s(URLSAFE, 20),
            "npm": lambda: "npm_" + self.s(A, 36),
            "PyPI": lambda: "pypi-AgEIcHlwaS5vcmc" + self.s(URLSAFE, 70),
            "Hugging Face": lambda: "hf_" + self.s(string.ascii_letters, 34),
            "SendGrid": lambda: "SG." + self.s(URLSAFE, 22) + "." + self.s(URLSAFE, 43),
            "Docker": lambda: "dckr_pat_" + self.s(URLSAFE, 27),
            "DigitalOcean": lambda: self.r.choice(["dop_v1_", "doo_v1_"]) + self.hexs(64),
            "Shopify": lambda: self.r.choice(["shpat_", "shpss_", "shpca_"]) + self.hexs(32),
            "Linear": lambda: "lin_api_" + self.s(A, 40),
            "Postman": lambda: "PMAK-" + self.hexs(24) + "-" + self.hexs(34),
            "New Relic": lambda: "NRAK-" + self.s(string.ascii_uppercase + string.digits, 27),
            "Doppler": lambda: self.r.choice(["dp.pt.", "dp.st.prd.", "dp.sa."]) + self.s(A, 43),
            "Grafana": lambda: self.r.choice([lambda: "glsa_" + self.s(A, 32) + "_" + self.hexs(8), lambda: "glc_" + self.s(b64, 60) + "=="])(),
            "Supabase": lambda: "sbp_" + self.hexs(40),
            "Fly.io": lambda: "fo1_" + self.s(URLSAFE, 43),
            "Databricks": lambda: "dapi" + self.hexs(32),
            "HashiCorp Vault": lambda: "hvs." + self.s(URLSAFE, 90),
            "HashiCorp": lambda: self.s(A, 14) + ".atlasv1." + self.s(URLSAFE, 67),
            "Google": lambda: self.r.choice([lambda: "AIza" + self.s(URLSAFE, 35), lambda: "GOCSPX-" + self.s(URLSAFE, 28)])(),
            "Groq": lambda: "gsk_" + self.s(A, 52),
            "Replicate": lambda: "r8_" + self.s(A, 37),
            "Perplexity": lambda: "pplx-" + self.s(A, 48),
            "xAI": lambda: "xai-" + self.s(A, 80),
            "OpenRouter": lambda: "sk-or-v1-" + self.hexs(64),
            "age": lambda: "AGE-SECRET-KEY-1" + self.s("QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L", 58),
            "Mailchimp": lambda: self.hexs(32) + "-us" + str(self.r.randint(1, 21)),
            "Mailgun": lambda: "key-" + self.hexs(32),
            "Square": lambda: self.r.choice([lambda: "EAAA" + self.s(URLSAFE, 60), lambda: "sq0csp-" + self.s(URLSAFE, 43)])(),
            "Notion": lambda: "ntn_" + self.s(string.digits, 11) + self.s(A, 35),
            "Atlassian": lambda: "ATATT3xFfGF0" + self.s(URLSAFE, 171) + "=" + self.s("0123456789ABCDEF", 8),
            "Microsoft Entra ID": lambda: self.s(URLSAFE.replace("-", "") + "~.", 3) + self.s(string.digits, 1) + "Q~" + self.s(A + "_~.-", 34),
            "Sidekiq": lambda: self.hexs(8) + ":" + self.hexs(8),
            "Slack legacy": lambda: "xoxs-" + self.s(string.digits, 12) + "-" + self.s(string.digits, 9) + "-" + self.s(string.digits, 10) + "-" + self.hexs(10),
            "Fly.io macaroon": lambda: "FlyV1 fm2_" + self.s(b64 + "_,-", 120),
            "Dropbox": lambda: self.s(string.ascii_lowercase + string.digits, 15),
            "Flutterwave": lambda: "FLWSECK-" + self.hexs(32) + "-X",
            "Plaid": lambda: "access-production-" + "-".join(self.hexs(n) for n in (8, 4, 4, 4, 12)),
            "Clojars": lambda: "CLOJARS_" + self.hexs(60),
            "JWT": lambda: "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9." + base64.urlsafe_b64encode(('{"sub":"' + self.s(A, 12) + '","iat":' + str(self.r.randint(1600000000, 1800000000)) + '}').encode()).decode().rstrip("=") + "." + self.s(URLSAFE, 43),
            "Tavily": lambda: "tvly-" + self.s(A, 32),
            "Sourcegraph": lambda: "sgp_" + self.hexs(16) + "_" + self.hexs(40),
            "Dependency-Track": lambda: "odt_" + self.s(A, 32),
            "Adafruit IO": lambda: "aio_" + self.s(A, 28),
            "NuGet": lambda: "oy2" + self.s(string.ascii_lowercase + string.digits, 43),
            "Webhook signing": lambda: "whsec_" + self.s(A, 32),
            "Azure": lambda: "DefaultEndpointsProtocol=https;AccountName=fakeacct;AccountKey=" + base64.b64encode(self.r.randbytes(64)).decode() + ";EndpointSuffix=core.windows.net",
        }
        return shapes[name]()


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("kind")
    ap.add_argument("count", type=int, nargs="?", default=1)
    a = ap.parse_args()
    f = Fakes(a.seed)
    for _ in range(a.count):
        print(getattr(f, a.kind.replace("-", "_"))())
