#!/usr/bin/env python3
"""A local stand-in for the few GitHub REST endpoints keywarden's organization workflow uses.

    mock_github_api.py DIR

Serves DIR/repos.json (a list of repository objects as GitHub returns them) at
GET /orgs/ORG/repos, two per page whatever `per_page` asks, with GitHub's `Link: <…>;
rel="next"` header, and GET /orgs/ORG for the organization. Every request's path and whether
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


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(os.path.join(DIR, "port.tmp"), "w") as fh:
    fh.write(str(server.server_address[1]))
os.replace(os.path.join(DIR, "port.tmp"), os.path.join(DIR, "port"))
server.serve_forever()
