"""A webhook receiver that verifies Pond's deliveries with the Standard
Webhooks reference library (PyPI `standardwebhooks`), for tests/webhooks.rs.

Usage: standardwebhooks_receiver.py PORT SECRET

Answers 204 to a delivery that verifies and 400 to one that does not, and
prints one JSON line per request to stdout:
{"ok": true, "id": <webhook-id>, "type": <event type>} or {"ok": false, "error": ...}.
Prints {"listening": PORT} once it is ready.
"""

import json
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

from standardwebhooks import Webhook

PORT = int(sys.argv[1])
HOOK = Webhook(sys.argv[2])


def say(line):
    sys.stdout.write(json.dumps(line) + "\n")
    sys.stdout.flush()


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        length = int(self.headers.get("content-length", "0"))
        body = self.rfile.read(length)
        headers = {k.lower(): v for k, v in self.headers.items()}
        try:
            payload = HOOK.verify(body, headers)
        except Exception as e:  # any refusal is a failed verification
            say({"ok": False, "error": f"{type(e).__name__}: {e}"})
            self.send_response(400)
            self.end_headers()
            return
        say({"ok": True, "id": headers.get("webhook-id"),
             "type": payload.get("type")})
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


server = HTTPServer(("127.0.0.1", PORT), Receiver)
say({"listening": PORT})
server.serve_forever()
