#!/usr/bin/env python3
"""Helpers for scripts/demo.sh (standard library only, loopback only).

  demo_tool.py receiver SECRET_FILE LOG   an alert webhook receiver on 127.0.0.1 (a free port,
                                          printed as "port N"); checks each delivery's
                                          HMAC-SHA256 signature and writes one line per alert
  demo_tool.py get URL [PATH]             GET a JSON document; print it, or the member at PATH
                                          (dot-separated, e.g. teams.0.cycles)
  demo_tool.py post URL JSON              POST a JSON body; print the answer
  demo_tool.py profile-certs URL NAME     ids of the certificates in ascsim's profile NAME
  demo_tool.py cert-ids URL               ids of ascsim's certificates, one per line
"""
import hashlib
import hmac
import http.server
import json
import sys
import threading
import urllib.request


def loopback_only(url):
    host = urllib.request.urlparse(url).hostname
    if host not in ("127.0.0.1", "::1", "localhost"):
        sys.exit(f"demo_tool: refusing to talk to {host}: the demo stays on loopback")


def fetch(url, body=None):
    loopback_only(url)
    data = None if body is None else body.encode()
    req = urllib.request.Request(url, data=data, method="GET" if body is None else "POST")
    if body is not None:
        req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req, timeout=10) as res:
        return json.loads(res.read() or b"null")


def member(doc, path):
    for part in path.split(".") if path else []:
        doc = doc[int(part)] if isinstance(doc, list) else doc[part]
    return doc


def receiver(secret_file, log_path):
    secret = open(secret_file, "rb").read().strip()
    log = open(log_path, "a", buffering=1)
    lock = threading.Lock()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            stamp = self.headers.get("X-Ascsync-Timestamp", "")
            want = "sha256=" + hmac.new(secret, stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
            if not hmac.compare_digest(want, self.headers.get("X-Ascsync-Signature", "")):
                self.send_response(401)
                self.end_headers()
                with lock:
                    log.write("receiver: rejected a delivery with a bad signature\n")
                return
            alert = json.loads(body)
            labels = alert.get("labels", {})
            tier = alert.get("tier_days")
            with lock:
                log.write(
                    f"[{alert.get('status', '?').upper()}] {labels.get('alertname')} team={labels.get('team')} "
                    f"object={labels.get('object')}{f' tier={tier}d' if tier else ''}: {alert.get('summary')}\n"
                )
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(f"port {server.server_address[1]}", flush=True)
    server.serve_forever()


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    cmd, args = argv[1], argv[2:]
    if cmd == "receiver" and len(args) == 2:
        receiver(*args)
    elif cmd == "get" and len(args) in (1, 2):
        value = member(fetch(args[0]), args[1] if len(args) == 2 else "")
        print(value if isinstance(value, (str, int, float)) else json.dumps(value))
    elif cmd == "post" and len(args) == 2:
        print(json.dumps(fetch(args[0], args[1])))
    elif cmd == "profile-certs" and len(args) == 2:
        state = fetch(args[0] + "/_sim/state")
        for p in state.get("profiles", []):
            if p.get("name") == args[1] and p.get("profileState", p.get("profile_state")) == "ACTIVE":
                print("\n".join(p.get("certificates", [])))
    elif cmd == "cert-ids" and len(args) == 1:
        state = fetch(args[0] + "/_sim/state")
        print("\n".join(c["id"] for c in state.get("certificates", [])))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
