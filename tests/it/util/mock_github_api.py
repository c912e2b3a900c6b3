#!/usr/bin/env python3
"""A local stand-in for the few GitHub REST endpoints keywarden's organization workflow uses.

    mock_github_api.py DIR

Serves DIR/repos.json (a list of repository objects as GitHub returns them) at
GET /orgs/ORG/repos, two per page whatever `per_page` asks, with GitHub's `Link: <…>;
rel="next"` header, and GET /orgs/ORG for the organization. Pull-request comments live in
DIR/comments.json: GET and POST /repos/O/R/issues/N/comments, PATCH /repos/O/R/issues/comments/ID. Every request's path and whether
it carried `Authorization: Bearer …` go to DIR/requests.log; the port it listens on (127.0.0.1)
to DIR/port.
"""
import http.server
import json
import os
import sys
import urllib.parse

DIR = sys.argv[1]
PAGE = 2


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        url = urllib.parse.urlparse(self.path)
        with open(os.path.join(DIR, "requests.log"), "a") as log:
            auth = self.headers.get("Authorization", "")
            log.write(f"{url.path} auth={'bearer' if auth.startswith('Bearer ') else 'none'}\n")
        parts = url.path.strip("/").split("/")
        if len(parts) == 2 and parts[0] == "orgs":
            return self.send(200, {"login": parts[1]})
        if len(parts) == 3 and parts[0] == "orgs" and parts[2] == "repos":
            repos = json.load(open(os.path.join(DIR, "repos.json")))
            page = int(urllib.parse.parse_qs(url.query).get("page", ["1"])[0])
            chunk = repos[(page - 1) * PAGE:page * PAGE]
            link = None
            if page * PAGE < len(repos):
                host = self.headers.get("Host")
                link = f'<http://{host}{url.path}?per_page=100&type=all&page={page + 1}>; rel="next"'
            return self.send(200, chunk, link)
        if len(parts) == 6 and parts[0] == "repos" and parts[3] == "issues" and parts[5] == "comments":
            return self.send(200, [c for c in comments() if c["issue"] == parts[4]])
        self.send(404, {"message": "Not Found"})

    def body(self):
        self.log()
        return json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")

    def log(self):
        with open(os.path.join(DIR, "requests.log"), "a") as log:
            auth = self.headers.get("Authorization", "")
            log.write(f"{self.command} {urllib.parse.urlparse(self.path).path} auth={'bearer' if auth.startswith('Bearer ') else 'none'}\n")

    def do_POST(self):
        parts = urllib.parse.urlparse(self.path).path.strip("/").split("/")
        if len(parts) == 6 and parts[0] == "repos" and parts[3] == "issues" and parts[5] == "comments":
            all_ = comments()
            c = {"id": len(all_) + 1, "issue": parts[4], "body": self.body()["body"]}
            save(all_ + [c])
            return self.send(201, c)
        self.send(404, {"message": "Not Found"})

    def do_PATCH(self):
        parts = urllib.parse.urlparse(self.path).path.strip("/").split("/")
        if len(parts) == 6 and parts[0] == "repos" and parts[3] == "issues" and parts[4] == "comments":
            all_ = comments()
            body = self.body()["body"]
            for c in all_:
                if str(c["id"]) == parts[5]:
                    c["body"] = body
                    save(all_)
                    return self.send(200, c)
        self.send(404, {"message": "Not Found"})

    def send(self, code, body, link=None):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        if link:
            self.send_header("Link", link)
        self.end_headers()
        self.wfile.write(data)


def comments():
    path = os.path.join(DIR, "comments.json")
    return json.load(open(path)) if os.path.exists(path) else []


def save(all_):
    with open(os.path.join(DIR, "comments.json"), "w") as fh:
        json.dump(all_, fh)


server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
with open(os.path.join(DIR, "port.tmp"), "w") as fh:
    fh.write(str(server.server_address[1]))
os.replace(os.path.join(DIR, "port.tmp"), os.path.join(DIR, "port"))
server.serve_forever()
