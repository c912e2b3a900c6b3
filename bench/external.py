#!/usr/bin/env python3
"""Detection on examples nobody here wrote: the positive and negative examples in Nosey Parker's
public rule files, for the families keywarden covers. Run bench/setup.sh once, then:

    python3 bench/external.py --rules DIR

DIR is the `builtin/rules` folder of a checkout of praetorian-inc/noseyparker (bring it onto the
machine with git; it is never committed here). Each example is written to its own file under
bench/work/external/ and every tool scans that folder once; an example counts as found when a
tool reports anything in its file, a negative counts as noise when a tool reports anything in
its file. Prints one row per family.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402

# Nosey Parker rule file -> keywarden family (the provider or container keywarden has a rule for).
FAMILIES = {
    "age": "age", "anthropic": "Anthropic", "atlassian": "Atlassian", "aws": "AWS", "azure": "Azure",
    "databricks": "Databricks", "digitalocean": "DigitalOcean", "dockerhub": "Docker", "doppler": "Doppler",
    "github": "GitHub", "gitlab": "GitLab", "google": "Google", "grafana": "Grafana", "groq": "Groq",
    "hashicorp": "HashiCorp", "http": "HTTP credentials", "huggingface": "Hugging Face",
    "kubernetes": "Kubernetes", "mailchimp": "Mailchimp", "mailgun": "Mailgun", "mongo": "database",
    "netrc": "netrc", "newrelic": "New Relic", "npm": "npm", "odbc": "database", "openai": "OpenAI",
    "pem": "PKI", "postgres": "database", "postman": "Postman", "pypi": "PyPI", "sendgrid": "SendGrid",
    "shopify": "Shopify", "slack": "Slack", "square": "Square", "stripe": "Stripe", "telegram": "Telegram",
    "twilio": "Twilio",
}


def scalars(lines, i, key_indent):
    """The list items starting at lines[i] (quoted scalars or `|` blocks) and the next index."""
    out = []
    while i < len(lines):
        line = lines[i]
        m = re.match(r"^(\s*)- (.*)$", line)
        if not line.strip():
            i += 1
            continue
        if not m or len(m.group(1)) < key_indent:
            break
        indent, rest = len(m.group(1)), m.group(2)
        i += 1
        if rest.startswith("|"):
            block = []
            while i < len(lines) and (not lines[i].strip() or len(lines[i]) - len(lines[i].lstrip()) > indent):
                block.append(lines[i])
                i += 1
            cut = min((len(b) - len(b.lstrip()) for b in block if b.strip()), default=0)
            out.append("\n".join(b[cut:] for b in block).strip("\n") + "\n")
        elif rest[:1] in "'\"":
            q = rest[0]
            val = rest[1:-1] if rest.endswith(q) else rest[1:]
            val = val.replace("''", "'") if q == "'" else bytes(val, "utf-8").decode("unicode_escape")
            out.append(val + "\n")
        else:
            out.append(rest + "\n")
    return out, i


def examples(path):
    """(positives, negatives) of the rules in one file whose categories include `secret` (the
    file also holds rules for identifiers such as bucket names and ARNs, which are not
    credentials). A negative that shares a 16-character token with a positive of the same file
    is another rule's positive, and is left out."""
    pos, neg = [], []
    lines = open(path, encoding="utf-8").read().split("\n")
    starts = [k for k, l in enumerate(lines) if l.startswith("- name:")] + [len(lines)]
    for a, b in zip(starts, starts[1:]):
        rule = lines[a:b]
        at = next((k for k, l in enumerate(rule) if l.strip().startswith("categories:")), None)
        if at is None:
            continue
        cats = rule[at]
        for l in rule[at + 1:]:
            if not l.strip().startswith("- "):
                break
            cats += " " + l.strip()
        if "secret" not in cats:
            continue
        k = 0
        while k < len(rule):
            m = re.match(r"^(\s*)(examples|negative_examples):\s*$", rule[k])
            if m:
                items, k = scalars(rule, k + 1, len(m.group(1)))
                (pos if m.group(2) == "examples" else neg).extend(items)
            else:
                k += 1
    tokens = {t for p in pos for t in re.findall(r"[A-Za-z0-9_./+=-]{16,}", p)}
    neg = [n for n in neg if not any(t in tokens for t in re.findall(r"[A-Za-z0-9_./+=-]{16,}", n))]
    return pos, neg


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rules", required=True, help="noseyparker's crates/noseyparker/data/default/builtin/rules")
    a = ap.parse_args()
    out = os.path.join(bench.WORK, "external")
    shutil.rmtree(out, ignore_errors=True)
    files = {}  # relative path -> (family, positive?)
    for name in sorted(os.listdir(a.rules)):
        stem = name.rsplit(".", 1)[0]
        fam = FAMILIES.get(stem)
        if not fam:
            continue
        pos, neg = examples(os.path.join(a.rules, name))
        for kind, items in (("pos", pos), ("neg", neg)):
            for n, text in enumerate(items):
                rel = f"{stem}/{kind}_{n}.txt"
                os.makedirs(os.path.join(out, stem), exist_ok=True)
                with open(os.path.join(out, rel), "w", encoding="utf-8") as fh:
                    fh.write(text)
                files[rel] = (fam, kind == "pos")
    report = os.path.join(bench.WORK, "report.json")
    cmds = {
        "keywarden": [bench.KW, "scan", ".", "--format", "json", "--no-config"],
        "kingfisher": [bench.KINGFISHER, "scan", ".", "--format", "json"] + bench.KF_FLAGS,
        "gitleaks": [bench.GITLEAKS, "dir", ".", "--no-banner", "--report-format", "json", "--report-path", report, "--exit-code", "0"],
        "betterleaks": [bench.BETTERLEAKS, "fs", ".", "--no-banner", "-s", "-o", report, "--exit-code", "0"],
        "ripsecrets": [bench.RIPSECRETS, "."],
    }
    per = {}
    for tool, cmd in cmds.items():
        if os.path.exists(report):
            os.remove(report)
        p = subprocess.run(cmd, cwd=out, capture_output=True, text=True, stdin=subprocess.DEVNULL)
        text = open(report).read() if tool in ("gitleaks", "betterleaks") else p.stdout
        hit = {path for path, _ in bench.parse_findings(tool, text, out)}
        per[tool] = hit
    fams = sorted({f for f, _ in files.values()}, key=str.lower)
    tools = list(cmds)
    print(f"### Nosey Parker's public rule examples: {sum(p for _, p in files.values())} positives, "
          f"{sum(not p for _, p in files.values())} negatives in {len(fams)} families\n")
    print("| family | " + " | ".join(tools) + " |")
    print("|---|" + "---:|" * len(tools))
    totals = {t: [0, 0, 0, 0] for t in tools}  # found, positives, noisy negatives, negatives
    for fam in fams:
        cells = []
        for t in tools:
            p = [r for r, (f, pos) in files.items() if f == fam and pos]
            n = [r for r, (f, pos) in files.items() if f == fam and not pos]
            found = sum(r in per[t] for r in p)
            noisy = sum(r in per[t] for r in n)
            totals[t][0] += found
            totals[t][1] += len(p)
            totals[t][2] += noisy
            totals[t][3] += len(n)
            cells.append(f"{found}/{len(p)}" + (f" ({noisy} neg)" if noisy else ""))
        print(f"| {fam} | " + " | ".join(cells) + " |")
    print("| **found** | " + " | ".join(f"**{totals[t][0]}/{totals[t][1]} ({totals[t][0] / max(1, totals[t][1]):.0%})**" for t in tools) + " |")
    print("| **negatives reported** | " + " | ".join(f"**{totals[t][2]}/{totals[t][3]}**" for t in tools) + " |")


if __name__ == "__main__":
    main()
