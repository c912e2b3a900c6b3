#!/usr/bin/env python3
"""Other scanners' public test cases, scanned side by side: how many of the positives each tool
finds and how many negative files it flags.

The cases come from the peers' own repositories, read at bench time from git clones that are
never committed here (bring them onto the machine with git, e.g. the project's `fetch`):

  gitleaks, betterleaks  the `tps` and `fps` of every rule in cmd/generate/config/rules/*.go.
                         They are Go expressions; this script evaluates the subset they use
                         (string literals and `+`, `[]string{}`, `append`, the sample templates
                         of utils.GenerateSampleSecrets, and random secrets drawn from a regex
                         for secrets.NewSecret). A case it cannot evaluate is skipped and counted.
  Nosey Parker           `examples` and `negative_examples` of rules in the `secret` category.
  Kingfisher             `examples` and `negative_examples` of every rule in data/rules/*.yml.
  secretlint             each rule's test snapshots: the input file, a positive when the
                         snapshot's output has messages, a negative when it has none.

Each case is one file under bench/work/cases/ (in a folder named by number, so that no path
word such as `test` or `example` colours a tool's judgement; secretlint inputs keep their file
name, a gitleaks-style template sample is named for its language, e.g. app.py, Makefile), and
every tool scans that folder once. A positive counts as found when the tool reports anything in
its file; a negative counts as flagged likewise. Positives we judge a careful user would not
want reported (public identifiers by rule name, obvious fakes by shape: UNWANTED_RULES and
obvious_fake below) are counted apart with the reason and left out of the headline recall.

Usage: python3 bench/cases.py [--repo gitleaks=GITDIR ...] [--show keywarden:missed:40]
  Default GITDIRs are /work/.mirror/<owner>+<name>/repo when present.
"""
import argparse
import base64
import collections
import json
import math
import os
import random
import re
import shutil
import sre_constants as C
import sre_parse
import subprocess
import sys
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402

try:
    import yaml
except ImportError:  # bench/setup.sh puts PyYAML in the peers' venv
    py = os.path.join(bench.WORK, "peers", "bin", "python")
    if os.path.exists(py) and os.path.realpath(sys.executable) != os.path.realpath(py):
        os.execv(py, [py] + sys.argv)
    sys.exit("PyYAML is missing: run bench/setup.sh")

REPOS = {
    "gitleaks": "gitleaks/gitleaks",
    "betterleaks": "betterleaks/betterleaks",
    "noseyparker": "praetorian-inc/noseyparker",
    "kingfisher": "mongodb/kingfisher",
    "secretlint": "secretlint/secretlint",
}


def git_files(gitdir, prefix):
    """{path: bytes} of the files under prefix at HEAD of a (bare) git directory."""
    names = subprocess.run(["git", "--git-dir", gitdir, "ls-tree", "-r", "--name-only", "HEAD", "--", prefix],
                           capture_output=True, text=True, check=True).stdout.split("\n")
    names = [n for n in names if n]
    if not names:
        return {}
    spec = "".join(f"HEAD:{n}\n" for n in names)
    out = subprocess.run(["git", "--git-dir", gitdir, "cat-file", "--batch"], input=spec.encode(),
                         capture_output=True, check=True).stdout
    files, at = {}, 0
    for n in names:
        header_end = out.index(b"\n", at)
        header = out[at:header_end].split()
        size = int(header[2]) if len(header) == 3 and header[1] == b"blob" else 0
        files[n] = out[header_end + 1:header_end + 1 + size]
        at = header_end + 1 + size + 1
    return files


# ---------- a small evaluator for the Go expressions of gitleaks-style rule files ----------

class Unsupported(Exception):
    pass


class Templated(str):
    """A case made from one of GenerateSampleSecrets' templates; `form` names the template."""
    form = None


TOKEN = re.compile(r"""
    (?P<ws>[ \t\r]+) | (?P<nl>\n) | (?P<comment>//[^\n]*|/\*.*?\*/)
  | (?P<raw>`[^`]*`) | (?P<str>"(?:\\.|[^"\\\n])*") | (?P<rune>'(?:\\.|[^'\\\n])+')
  | (?P<num>\d+(?:\.\d+)?) | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>\.\.\.|:=|==|!=|<=|>=|&&|\|\||\+=|[-+*/%&|^<>=!(){}\[\],;.:])
""", re.S | re.X)


def go_unquote(lit):
    if lit[0] == "`":
        return lit[1:-1].replace("\r", "")
    body = lit[1:-1]
    return re.sub(r"\\(u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|.)", lambda m: {
        "n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "'": "'", "a": "\a", "b": "\b", "f": "\f", "v": "\v",
    }.get(m.group(1)) or chr(int(m.group(1)[1:], 16)), body)


def tokenize(src):
    """Go tokens as (kind, text), with Go's automatic semicolons at line ends."""
    out, at = [], 0
    while at < len(src):
        m = TOKEN.match(src, at)
        if not m:
            out.append(("op", src[at]))
            at += 1
            continue
        at = m.end()
        kind = m.lastgroup
        if kind == "ws":
            continue
        if kind == "comment" and "\n" not in m.group():
            continue
        if kind in ("nl", "comment"):
            if out and (out[-1][0] in ("ident", "str", "raw", "num", "rune") or out[-1][1] in (")", "]", "}")):
                out.append(("op", ";"))
            continue
        out.append(("str" if kind == "raw" else kind, m.group()))
    return out


def gen_regex(regex, rng):
    """A random string matching a (Go) regular expression, through Python's parser of them."""
    regex = regex.replace("(?i)", "")
    try:
        tree = sre_parse.parse(regex)
    except Exception as e:
        raise Unsupported(f"regex {regex!r}: {e}")

    def cls(items):
        chars = []
        for op, av in items:
            if op == C.LITERAL:
                chars.append(chr(av))
            elif op == C.RANGE:
                chars += [chr(c) for c in range(av[0], av[1] + 1)]
            elif op == C.CATEGORY:
                chars += {C.CATEGORY_DIGIT: list("0123456789"),
                          C.CATEGORY_WORD: list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_"),
                          C.CATEGORY_SPACE: [" "]}.get(av, [])
            elif op == C.NEGATE:
                raise Unsupported("negated class")
        if not chars:
            raise Unsupported("empty class")
        return chars

    def walk(seq):
        s = []
        for op, av in seq:
            if op == C.LITERAL:
                s.append(chr(av))
            elif op == C.IN:
                s.append(rng.choice(cls(av)))
            elif op == C.ANY:
                s.append(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789"))
            elif op in (C.MAX_REPEAT, C.MIN_REPEAT):
                lo, hi, sub = av
                hi = lo + 8 if hi == C.MAXREPEAT else hi
                s += [walk(sub) for _ in range(rng.randint(lo, hi))]
            elif op == C.SUBPATTERN:
                s.append(walk(av[-1]))
            elif op == C.BRANCH:
                s.append(walk(rng.choice(av[1])))
            elif op in (C.AT, C.ASSERT, C.ASSERT_NOT):
                pass
            elif op == C.CATEGORY:
                s.append(rng.choice(cls([(op, av)])))
            else:
                raise Unsupported(f"regex op {op}")
        return "".join(s)

    return walk(tree)


def entropy(s):
    n = len(s)
    return -sum(c / n * math.log2(c / n) for c in collections.Counter(s).values()) if n else 0.0


class GoRules:
    """Evaluates one rule file's functions far enough to know each rule's tps and fps."""

    PATTERNS = {"Numeric": "[0-9]{%s}", "Hex": "[a-f0-9]{%s}", "AlphaNumeric": "[a-z0-9]{%s}",
                "AlphaNumericExtendedShort": "[a-z0-9_-]{%s}", "AlphaNumericExtended": "[a-z0-9=_\\-]{%s}",
                "AlphaNumericExtendedLong": "[a-z0-9\\/=_\\+\\-]{%s}"}

    def __init__(self, templates, rng, helpers):
        self.templates = templates
        self.rng = rng
        self.helpers = helpers  # package-level funcs of one statement `return <expr>` (name -> (params, tokens))
        self.skipped = 0

    # expression parsing over a token list
    def expr(self, toks, i, env):
        val, i = self.term(toks, i, env)
        while i < len(toks) and toks[i][1] == "+":
            rhs, i = self.term(toks, i + 1, env)
            if not isinstance(val, str) or not isinstance(rhs, str):
                raise Unsupported("+ of non-strings")
            val += rhs
        return val, i

    def args(self, toks, i, env, close=")"):
        """Evaluated arguments up to the closing bracket; an element that fails is marked `bad`
        and the rest still evaluate, as list elements are independent cases."""
        out = []
        while toks[i][1] != close:
            if toks[i][1] == ";":
                i += 1
                continue
            start = i
            try:
                v, i = self.expr(toks, i, env)
                spread = toks[i][1] == "..."
                if spread:
                    i += 1
                out.append(("spread", v) if spread else ("one", v))
            except (Unsupported, KeyError, IndexError, ValueError, TypeError):
                out.append(("bad", None))
                i = self.skip_to(toks, start, (",", close))
            if toks[i][1] == ",":
                i += 1
        return out, i + 1

    @staticmethod
    def skip_to(toks, i, stops):
        depth = 0
        while i < len(toks):
            t = toks[i][1]
            if depth == 0 and t in stops:
                return i
            if t in "([{":
                depth += 1
            elif t in ")]}":
                depth -= 1
            i += 1
        return i

    def term(self, toks, i, env):
        kind, t = toks[i]
        if kind == "str":
            return go_unquote(t), i + 1
        if kind == "num":
            return t, i + 1
        if t == "(":
            v, i = self.expr(toks, i + 1, env)
            return v, i + 1
        if t == "[" and toks[i + 1][1] == "]":  # []string{...}
            i = self.skip_to(toks, i + 2, ("{",))
            items, i = self.args(toks, i + 1, env, "}")
            return self.flatten(items), i
        if t == "map":  # map[string]string{"path": "content", ...}
            i = self.skip_to(toks, i, ("{",)) + 1
            pairs = []
            while toks[i][1] != "}":
                if toks[i][1] in (";", ","):
                    i += 1
                    continue
                k, i = self.expr(toks, i, env)
                assert toks[i][1] == ":"
                try:
                    v, i = self.expr(toks, i + 1, env)
                    pairs.append((k, v))
                except Unsupported:
                    self.skipped += 1
                    i = self.skip_to(toks, i, (",", "}"))
            return pairs, i + 1
        if kind != "ident":
            raise Unsupported(f"token {t}")
        name, i = t, i + 1
        while i + 1 < len(toks) and toks[i][1] == "." and toks[i + 1][0] == "ident":
            name += "." + toks[i + 1][1]
            i += 2
        if i < len(toks) and toks[i][1] == "(":
            items, i = self.args(toks, i + 1, env)
            return self.call(name, items, env), i
        if name in env:
            if env[name] is None:
                raise Unsupported(f"{name} unknown")
            return env[name], i
        raise Unsupported(f"name {name}")

    def flatten(self, items):
        out = []
        for how, v in items:
            if how == "bad":
                self.skipped += 1
            elif how == "spread" or isinstance(v, list):
                out += v
            else:
                out.append(v)
        return out

    def call(self, name, items, env):
        vals = [v for how, v in items if how != "bad"]
        if name == "append":
            if items[0][0] == "bad":
                raise Unsupported("append to unknown")
            return list(items[0][1]) + self.flatten(items[1:])
        if len(vals) != len(items):
            raise Unsupported(f"argument of {name}")
        short = name.split(".")[-1]
        if short in ("NewSecret", "newPlausibleSecret"):
            return gen_regex(vals[0], self.rng)
        if short == "NewSecretWithEntropy":
            best = ""
            for _ in range(50):
                s = gen_regex(vals[0], self.rng)
                if entropy(s) >= float(vals[1]):
                    return s
                best = max(best, s, key=entropy)
            return best
        if short in self.PATTERNS and name.startswith("utils."):
            return self.PATTERNS[short] % vals[0]
        if short == "Hex8_4_4_4_12":
            return "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
        if short == "GenerateSampleSecrets":
            ident, secret = vals
            out = []
            for form, t in self.templates:
                case = Templated(t.replace("{i}", ident).replace("{I}", ident.upper()).replace("{s}", secret))
                case.form = form
                out.append(case)
            return out
        if short == "GenerateSampleSecret":
            return f'{vals[0]}_api_token = "{vals[1]}"'
        if name == "strings.Repeat":
            return vals[0] * int(vals[1])
        if name in ("strings.ToUpper", "strings.ToLower"):
            return vals[0].upper() if name.endswith("Upper") else vals[0].lower()
        if name == "fmt.Sprintf":
            fmt, rest = vals[0], list(vals[1:])
            return re.sub(r"%[sdvq]", lambda m: str(rest.pop(0)) if rest else "", fmt)
        if name == "string" or name == "strings.TrimSpace":
            return vals[0].strip() if name.endswith("TrimSpace") else vals[0]
        if name in self.helpers:
            params, body = self.helpers[name]
            v, _ = self.expr(body, 0, dict(zip(params, vals)))
            return v
        raise Unsupported(f"call {name}")

    def rules(self, src):
        """[(rule id, positives, negatives)] for every Validate call in a file; a positive from
        ValidateWithPaths is (path, content)."""
        toks = tokenize(src)
        found = []
        env = {}
        rule_id = "?"
        i = 0
        while i < len(toks):
            kind, t = toks[i]
            if t == "func":
                env, rule_id = {}, "?"
                for k in range(i + 1, len(toks) - 2):
                    if toks[k][1] == "func":
                        break
                    if toks[k][1] == "RuleID" and toks[k + 1][1] == ":" and toks[k + 2][0] == "str":
                        rule_id = go_unquote(toks[k + 2][1])
                        break
            if t in ("Validate", "ValidateWithPaths") and i and toks[i - 1][1] == "." and toks[i + 1][1] == "(":
                a, b = toks[i + 4][1], toks[i + 6][1]
                found.append((rule_id, env.get(a) or [], env.get(b) or [] if b != "nil" else []))
            start = i == 0 or toks[i - 1][1] in (";", "{", "}")
            if start and t == "var" and toks[i + 1][0] == "ident":
                i += 1
                kind, t = toks[i]
                j = self.skip_to(toks, i, ("=", ";"))
                if toks[j][1] == "=":
                    i = self.assign(toks, t, j + 1, env)
                    continue
            if start and kind == "ident" and i + 1 < len(toks) and toks[i + 1][1] in (":=", "="):
                i = self.assign(toks, t, i + 2, env)
                continue
            i += 1
        return found

    def assign(self, toks, name, i, env):
        end = self.skip_to(toks, i, (";",))
        try:
            v, _ = self.expr(toks[:end], i, env)
            env[name] = v
        except (Unsupported, KeyError, IndexError, ValueError, TypeError, AssertionError):
            env[name] = None
        return end


def go_cases(files, rng):
    """Cases from a gitleaks-style repository: [(rule, positive?, text, name)] and a skip count."""
    gen = files.get("cmd/generate/config/utils/generate.go", b"").decode()
    body = gen[gen.index("func GenerateSampleSecrets"):] if "func GenerateSampleSecrets" in gen else ""
    body = body[:body.index("replacer")] if "replacer" in body else body
    toks = tokenize(body)
    templates = [(go_unquote(toks[k][1]), go_unquote(toks[k + 2][1])) for k in range(len(toks) - 2)
                 if toks[k][0] == "str" and toks[k + 1][1] == ":" and toks[k + 2][0] == "str"]
    helpers = {}
    for path, data in files.items():
        if path.startswith("cmd/generate/config/rules/") and path.endswith(".go") and not path.endswith("_test.go"):
            for m in re.finditer(r"^func (\w+)\(([^)]*)\) string \{\n\s*return (.*?)\n\}", data.decode(), re.M | re.S):
                params = [p.split()[0] for p in m.group(2).split(",") if p.strip()]
                helpers[m.group(1)] = (params, tokenize(m.group(3)))
    ev = GoRules(templates, rng, helpers)
    cases = []
    for path, data in sorted(files.items()):
        if not (path.startswith("cmd/generate/config/rules/") and path.endswith(".go")) or path.endswith("_test.go"):
            continue
        for rule, tps, fps in ev.rules(data.decode()):
            for pos, items in ((True, tps), (False, fps)):
                for it in items:
                    name = None
                    if isinstance(it, tuple):
                        name, it = os.path.basename(it[0]), it[1]
                    if isinstance(it, str) and it.strip():
                        cases.append((rule, pos, str(it), name, getattr(it, "form", None)))
    return cases, ev.skipped


def yaml_cases(files, prefix, need_secret_category):
    cases, patterns = [], []
    for path, data in sorted(files.items()):
        if not path.startswith(prefix) or not path.endswith((".yml", ".yaml")):
            continue
        try:
            doc = yaml.safe_load(data.decode())
        except Exception:
            continue
        for rule in (doc or {}).get("rules", []) or []:
            if need_secret_category and "secret" not in (rule.get("categories") or []):
                continue
            rid = rule.get("id") or rule.get("name") or "?"
            try:
                patterns.append((rid, re.compile(rule.get("pattern") or "(?!)")))
            except (re.error, TypeError):
                pass  # a regex dialect Python does not read: this rule cannot claim others' negatives
            for key, pos in (("examples", True), ("negative_examples", False)):
                for ex in rule.get(key) or []:
                    if isinstance(ex, str) and ex.strip():
                        cases.append((rid, pos, ex if ex.endswith("\n") else ex + "\n", None, None))
    # A negative example says that its own rule must not fire, not that the text holds no
    # secret: when another provider rule of the same scanner matches it (the Slack bot-token
    # rule's negative is a user token that the user-token rule finds), the scanner itself calls
    # it a credential, so it is that rule's positive. Generic rules do not claim: their matches
    # are judgements, not layouts.
    patterns = [(r, rx) for r, rx in patterns if "generic" not in r]
    claimed = 0
    for i, (rid, pos, ex, name, form) in enumerate(cases):
        if pos:
            continue
        other = next((r for r, rx in patterns if r != rid and rx.search(ex)), None)
        if other:
            cases[i] = (other, True, ex, name, form)
            claimed += 1
    return cases, claimed


def secretlint_cases(files):
    cases = []
    dirs = collections.defaultdict(dict)
    for path, data in files.items():
        m = re.match(r"packages/@secretlint/secretlint-rule-([\w-]+)/test/snapshots/([^/]+)/(.+)$", path)
        if m:
            dirs[(m.group(1), m.group(2))][m.group(3)] = data
    for (rule, case), content in sorted(dirs.items()):
        if rule.startswith("preset-") or rule in ("pattern", "filter-comments", "no-homedir") or "options.ts" in content or ".secretlintrc.json" in content:
            continue
        inputs = [n for n in content if n.startswith("input") and "/" not in n]
        if len(inputs) != 1 or "output.json" not in content:
            continue
        try:
            out = json.loads(content["output.json"])
        except ValueError:
            continue
        msgs = out.get("messages", []) if isinstance(out, dict) else [m for r in out for m in r.get("messages", [])]
        text = content[inputs[0]]
        cases.append((rule, bool(msgs), text, inputs[0], None))
    return cases


# A sample template's language decides its file's name, as it would in a repository: the
# templates are lines of Go, Python, YAML, a Makefile... Cases without a template are .txt.
FORM_FILES = {"ini": "config.ini", "json": "config.json", "xml": "config.xml", "yaml": "config.yaml",
              "C#": "Program.cs", "go": "main.go", "java": "Main.java", "kotlin": "Main.kt", "php": "index.php",
              "python": "app.py", "misc": "Main.java", "logstash": "pipeline.conf", "make": "Makefile"}


def file_for(form):
    if not form:
        return "snippet.txt"
    return FORM_FILES.get(form.split(" ")[0], "snippet.txt")


# Rules whose positives are public identifiers, not credentials: nobody rotates a client id.
UNWANTED_RULES = [
    (r"client-id|client_id|clientid|public-key|pub-key|publishable|-pubkey|\.id\.|account-id|app-id", "a public identifier (client id, app id, publishable or public key), not a credential"),
]

def _longest_run(seq, follows):
    best = run = 0
    prev = None
    for c in seq:
        run = run + 1 if prev is not None and follows(prev, c) else 1
        best, prev = max(best, run), c
    return best


def obvious_fake(text):
    """Why a positive is an obvious fake a careful user would not want reported, or None. In
    some token of the text (16+ key characters): eight letters in alphabet order among its
    letters (abcdefgh, also interleaved as a1b2c3d4... or abc123def456...), eight digits in
    counting order among its digits (12345678, 7890123...), `qwertyui`, one character eight
    times in a row; or an `EXAMPLE`/`FAKE`/`DUMMY` marker inside a value."""
    for tok in re.findall(r"[A-Za-z0-9][A-Za-z0-9_+/=.~-]{15,}", text):
        letters = [c for c in tok.lower() if c.isalpha()]
        letters = [c for i, c in enumerate(letters) if i == 0 or letters[i - 1] != c]  # AaBbCc
        digits = [int(c) for c in tok if c.isdigit()]
        if _longest_run(letters, lambda a, b: ord(b) == ord(a) + 1) >= 8 or "qwertyui" in tok.lower():
            return "an obvious fake: an alphabet run (abcdefgh, a1b2c3d4e5f6g7h8)"
        if _longest_run(digits, lambda a, b: b == (a + 1) % 10) >= 8:
            return "an obvious fake: a digit run (12345678)"
        if re.search(r"([A-Za-z0-9])\1{7}", tok):
            return "an obvious fake: one character repeated (QQQQQQQQ, 00000000)"
    if re.search(r"[A-Za-z0-9_-]*(?:EXAMPLE|FAKE|DUMMY|fake|dummy)[A-Za-z0-9_-]*", text) and re.search(r"[A-Za-z0-9]{16,}", text):
        return "an obvious fake: marked EXAMPLE, FAKE or DUMMY"
    return None


B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def _github_crc_holds(token):
    body, check = token[4:34], token[34:40]
    n, out = zlib.crc32(body.encode()), ""
    while n:
        n, r = divmod(n, 62)
        out = B62[r] + out
    return out.rjust(6, "0") == check


def never_issued(text):
    """Why a positive is a token its provider never issues, or None: every GitHub-layout
    token in it (ghp_, gho_, ghu_, ghs_, ghr_ and 36 characters) fails the CRC-32 checksum
    GitHub puts in its last six, or a `github_pat_` lacks the fine-grained layout (22
    characters, `_`, 59), or every Slack webhook lacks the workspace/channel/secret path
    (T…/B…/…), or every JWT-shaped value in it has a header that is not base64url JSON. Random samples drawn from a case-insensitive regex land here; real tokens never do."""
    gh = re.findall(r"gh[pousr]_[A-Za-z0-9]{36}", text)
    if gh and not any(_github_crc_holds(t) for t in gh):
        return "never issued: a GitHub token whose CRC-32 checksum fails"
    if "github_pat_" in text and not re.search(r"github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59}", text):
        return "never issued: a github_pat_ without the fine-grained layout"
    hooks = re.findall(r"hooks\.slack\.com/services/[A-Za-z0-9/_-]+", text)
    if hooks and not any(re.match(r"hooks\.slack\.com/services/[Tt][A-Za-z0-9]{6,}/[Bb][A-Za-z0-9]{6,}/[A-Za-z0-9]{20,}", h) for h in hooks):
        return "never issued: a Slack webhook without the T…/B…/secret path"
    jwts = re.findall(r"\beyJ[A-Za-z0-9_\\/+=-]*\.ey[A-Za-z0-9_\\/+=-]*\.?", text)
    if jwts and not any(_json_header(j.split(".")[0]) for j in jwts):
        return "never issued: a JWT whose header is not base64url JSON"
    return None


def _json_header(seg):
    try:
        return isinstance(json.loads(base64.urlsafe_b64decode(seg + "=" * (-len(seg) % 4))), dict)
    except Exception:
        return False


def self_claimed(tool, out, dirs, rule_of):
    """Case folders among `dirs` that `tool` reports with a rule other than the case's own:
    {folder: that rule}, a provider rule where one reports it."""
    tmp = os.path.join(bench.WORK, "cases-judge")
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    for d in dirs:
        shutil.copytree(os.path.join(out, d), os.path.join(tmp, d))
    report = os.path.join(bench.WORK, "cases-judge.json")
    if os.path.exists(report):
        os.remove(report)
    if tool == bench.GITLEAKS:
        cmd = [tool, "dir", ".", "--no-banner", "--report-format", "json", "--report-path", report, "--exit-code", "0"]
    else:
        cmd = [tool, "fs", ".", "--no-banner", "-s", "-o", report, "--exit-code", "0"]
    subprocess.run(cmd, cwd=tmp, capture_output=True, stdin=subprocess.DEVNULL)
    data = json.load(open(report)) if os.path.exists(report) else []
    found = data if isinstance(data, list) else data.get("findings", [])
    claimed = {}
    for f in found:
        path = f.get("File") or (f.get("location") or {}).get("path", "")
        rule = f.get("RuleID") or f.get("rule_id") or ""
        d = os.path.relpath(os.path.join(tmp, path) if not os.path.isabs(path) else path, tmp).split(os.sep)[0]
        if d in rule_of and rule != rule_of[d] and not (d in claimed and "generic" not in claimed[d]):
            claimed[d] = rule  # a provider rule's claim wins over the generic rule's
    shutil.rmtree(tmp, ignore_errors=True)
    return claimed


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repo", action="append", default=[], help="SOURCE=GITDIR (gitleaks, betterleaks, noseyparker, kingfisher, secretlint)")
    ap.add_argument("--tools", default="keywarden,gitleaks,betterleaks,kingfisher")
    ap.add_argument("--show", action="append", default=[], help="TOOL:missed|flagged:N lists cases")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--forms", action="store_true", help="recall by GenerateSampleSecrets template")
    a = ap.parse_args()
    gitdirs = {s: f"/work/.mirror/{r.replace('/', '+')}/repo" for s, r in REPOS.items()}
    for spec in a.repo:
        s, d = spec.split("=", 1)
        gitdirs[s] = d
    rng = random.Random(a.seed)
    cases, notes = [], []
    for src, gitdir in gitdirs.items():
        if not os.path.isdir(gitdir):
            notes.append(f"{src}: no clone at {gitdir}, left out")
            continue
        head = subprocess.run(["git", "--git-dir", gitdir, "log", "-1", "--format=%h %cs"], capture_output=True, text=True).stdout.strip()
        if src in ("gitleaks", "betterleaks"):
            got, skipped = go_cases(git_files(gitdir, "cmd/generate/config"), rng)
            notes.append(f"{src} {head}: {len(got)} cases, {skipped} Go expressions not evaluated (skipped)")
        elif src == "noseyparker":
            got, claimed = yaml_cases(git_files(gitdir, "crates/noseyparker/data/default/builtin/rules"), "crates/", True)
            notes.append(f"{src} {head}: {len(got)} cases (rules in the `secret` category); {claimed} negative examples of one rule that another of its provider rules matches counted as that rule's positives")
        elif src == "kingfisher":
            got, claimed = yaml_cases(git_files(gitdir, "data/rules"), "data/rules/", False)
            notes.append(f"{src} {head}: {len(got)} cases; {claimed} negative examples of one rule that another of its provider rules matches counted as that rule's positives")
        else:
            got = secretlint_cases(git_files(gitdir, "packages/@secretlint"))
            notes.append(f"{src} {head}: {len(got)} cases (rule snapshots, presets and custom-option snapshots left out)")
        cases += [(src,) + c for c in got]

    out = os.path.join(bench.WORK, "cases")
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    index = {}  # dir name -> (source, rule, positive, per-rule number)
    forms = {}  # dir name -> template of a gitleaks-style sample
    per_rule = collections.Counter()
    for n, (src, rule, pos, text, name, form) in enumerate(cases):
        d = f"c{n:05d}"
        os.makedirs(os.path.join(out, d))
        data = text.encode() if isinstance(text, str) else text
        with open(os.path.join(out, d, name or file_for(form)), "wb") as fh:
            fh.write(data)
        k = per_rule[(src, rule, pos)]
        per_rule[(src, rule, pos)] += 1
        index[d] = (src, rule, pos, k)
        if form:
            forms[d] = form
    # gitleaks' and betterleaks' `fps` likewise say that their own rule must not fire: each
    # scanner is run on its own negatives, and one that another of its provider rules reports
    # becomes that rule's positive. One that only its generic rule reports (a random value under
    # a secret's name: `api_key=8b6f…` is not an Amplitude key by its layout) is left out of
    # both sides, since its own scanner reports the file: the figures with it as a negative
    # are printed below the table.
    left_out = {}
    for src, tool in (("gitleaks", bench.GITLEAKS), ("betterleaks", bench.BETTERLEAKS)):
        negs = [d for d, (s_, _r, pos, _k) in index.items() if s_ == src and not pos]
        if not negs or not os.path.exists(tool):
            continue
        for d, other in self_claimed(tool, out, negs, {d: index[d][1] for d in negs}).items():
            if "generic" in other:
                left_out[d] = src
                continue
            index[d] = (src, other, True, per_rule[(src, other, True)])
            per_rule[(src, other, True)] += 1
        notes.append(f"{src}: {sum(1 for d in negs if index[d][2])} `fps` of one rule that another of its provider rules reports counted as that rule's positives; "
                     f"{sum(1 for d in negs if left_out.get(d) == src)} that only its generic rule reports left out")
    with open(os.path.join(bench.WORK, "cases-index.json"), "w") as fh:
        json.dump(index, fh)

    texts = {d: open(os.path.join(out, d, os.listdir(os.path.join(out, d))[0]), "rb").read().decode("utf-8", "replace") for d in index}

    def unwanted_reason(src, rule, k, d=None):
        for pat, why in UNWANTED_RULES:
            if re.search(pat, rule):
                return why
        return (obvious_fake(texts[d]) or never_issued(texts[d])) if d else None

    report = os.path.join(bench.WORK, "cases-report.json")
    cmds = {
        "keywarden": [bench.KW, "scan", ".", "--format", "json", "--no-config"],
        "kingfisher": [bench.KINGFISHER, "scan", ".", "--format", "json", "--no-dedup"] + bench.KF_FLAGS,
        "gitleaks": [bench.GITLEAKS, "dir", ".", "--no-banner", "--report-format", "json", "--report-path", report, "--exit-code", "0"],
        "betterleaks": [bench.BETTERLEAKS, "fs", ".", "--no-banner", "-s", "-o", report, "--exit-code", "0"],
        "ripsecrets": [bench.RIPSECRETS, "."],
    }
    tools = [t for t in a.tools.split(",") if t in cmds and os.path.exists(cmds[t][0])]
    hits = {}
    for tool in tools:
        if os.path.exists(report):
            os.remove(report)
        p = subprocess.run(cmds[tool], cwd=out, capture_output=True, text=True, stdin=subprocess.DEVNULL)
        text = open(report).read() if tool in ("gitleaks", "betterleaks") and os.path.exists(report) else p.stdout
        hits[tool] = {path.split(os.sep)[0] for path, _ in bench.parse_findings(tool, text, out)}

    with open(os.path.join(bench.WORK, "cases-hits.json"), "w") as fh:
        json.dump({"hits": {t: sorted(h) for t, h in hits.items()}, "forms": forms}, fh)
    print("### Other scanners' public test cases\n")
    for n in notes:
        print(f"- {n}")
    print()
    sources = [s for s in REPOS if any(v[0] == s for v in index.values())]
    print("| cases from | wanted positives | negatives | " + " | ".join(f"{t}: found / flagged" for t in tools) + " |")
    print("|---|---:|---:|" + "---:|" * len(tools))
    tot = {t: [0, 0] for t in tools}
    npos = nneg = 0
    for src in sources + ["all"]:
        pos = [d for d, (s, r, p, k) in index.items() if (src == "all" or s == src) and p and not unwanted_reason(s, r, k, d)]
        neg = [d for d, (s, r, p, k) in index.items() if (src == "all" or s == src) and not p and d not in left_out]
        cells = []
        for t in tools:
            f = sum(d in hits[t] for d in pos) / max(1, len(pos))
            g = sum(d in hits[t] for d in neg) / max(1, len(neg))
            cells.append(f"{f:.2f} / {g:.3f}")
        label = "**all**" if src == "all" else src
        print(f"| {label} | {len(pos)} | {len(neg)} | " + " | ".join(cells) + " |")
    if left_out:
        strict = [d for d, v in index.items() if not v[2]]
        print(f"\nWith the {len(left_out)} negatives their own scanner's generic rule reports counted as negatives "
              f"({len(strict)} in all), negative files flagged: "
              + ", ".join(f"{t} {sum(d in hits[t] for d in strict) / len(strict):.3f}" for t in tools) + ".")
    skipped_pos = [(d, unwanted_reason(s, r, k, d)) for d, (s, r, p, k) in index.items() if p and unwanted_reason(s, r, k, d)]
    if skipped_pos:
        print(f"\n{len(skipped_pos)} positives judged unwanted, left out above:")
        for reason, n in collections.Counter(r for _, r in skipped_pos).most_common():
            print(f"  {n:4d}  {reason}")
    if a.forms:
        print("\nRecall by sample template (gitleaks-style cases):\n")
        print("| template | cases | " + " | ".join(tools) + " |")
        print("|---|---:|" + "---:|" * len(tools))
        for form in sorted(set(forms.values())):
            ds = [d for d, f in forms.items() if f == form and index[d][2]]
            print(f"| {form} | {len(ds)} | " + " | ".join(f"{sum(d in hits[t] for d in ds) / max(1, len(ds)):.2f}" for t in tools) + " |")
    for spec in a.show:
        tool, what, n = spec.split(":")
        want_pos = what == "missed"
        rows = [(d, v) for d, v in sorted(index.items()) if v[2] == want_pos and (d in hits.get(tool, ())) != want_pos
                and not (want_pos and unwanted_reason(v[0], v[1], v[3], d)) and d not in left_out]
        print(f"\n{tool} {what}: {len(rows)}")
        by_rule = collections.Counter((v[0], v[1]) for _, v in rows)
        for (s, r), c in by_rule.most_common(int(n)):
            d = next(d for d, v in rows if (v[0], v[1]) == (s, r))
            f = os.listdir(os.path.join(out, d))[0]
            sample = open(os.path.join(out, d, f), "rb").read()[:150].decode("utf-8", "replace").replace("\n", "⏎")
            print(f"  {c:4d}  {s} {r}  e.g. {d}: {sample}")


if __name__ == "__main__":
    main()
