#!/usr/bin/env python3
"""The action's pull-request comment: one per pull request and code-scanning category, found
again by a hidden marker and updated on every run, so a pull request never collects a pile of
them. It holds the job summary's table (secrets redacted, as in every keywarden output). A
clean run updates an existing comment to say so and creates none. Inputs come from the
environment: GH_TOKEN, GITHUB_API_URL, REPOSITORY, PR_NUMBER, FINDINGS, SUMMARY_FILE, CATEGORY.
"""
import json
import os
import sys
import urllib.request

env = os.environ
api = env.get("GITHUB_API_URL", "https://api.github.com").rstrip("/")
marker = f"<!-- keywarden-comment {env.get('CATEGORY', 'keywarden')} -->"
LIMIT = 60_000  # GitHub refuses comment bodies over 65,536 characters


def call(method, url, body=None):
    req = urllib.request.Request(url, method=method, data=None if body is None else json.dumps(body).encode(), headers={
        "Authorization": "Bearer " + env["GH_TOKEN"], "Accept": "application/vnd.github+json",
        "X-GitHub-Api-Version": "2022-11-28", "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        link = r.headers.get("Link", "")
        nxt = next((part.split(";")[0].strip(" <>") for part in link.split(",") if 'rel="next"' in part), None)
        return json.load(r), nxt


def main():
    findings = int(env.get("FINDINGS") or 0)
    if findings:
        table = open(env["SUMMARY_FILE"], encoding="utf-8").read()
        if len(table) > LIMIT:
            table = table[:LIMIT] + "\n\n… (cut; the whole report is the workflow run's summary and artifact)\n"
        body = f"{marker}\n{table}"
    else:
        body = f"{marker}\n### keywarden\n\nNo secrets in this pull request's commits (as of its latest push)."
    url = f"{api}/repos/{env['REPOSITORY']}/issues/{env['PR_NUMBER']}/comments?per_page=100"
    existing = None
    while url and existing is None:
        page, url = call("GET", url)
        existing = next((c for c in page if marker in (c.get("body") or "")), None)
    if existing:
        call("PATCH", f"{api}/repos/{env['REPOSITORY']}/issues/comments/{existing['id']}", {"body": body})
        print(f"keywarden: updated the pull request comment ({findings} secret(s))")
    elif findings:
        call("POST", f"{api}/repos/{env['REPOSITORY']}/issues/{env['PR_NUMBER']}/comments", {"body": body})
        print(f"keywarden: commented on the pull request ({findings} secret(s))")


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # a comment is a courtesy: its failure never fails the scan
        print(f"::warning title=keywarden::could not comment on the pull request: {e}")
    sys.exit(0)
