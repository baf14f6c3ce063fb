"""A little data beside the story's for schemathesis to find: a live code
with a target, and a chat group from a two-line WhatsApp export.

Usage: seed.py BASE_URL TOKEN
"""

import json
import sys
import urllib.request


def call(base, token, method, path, body, content_type="application/json"):
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method=method)
    req.add_header("Authorization", "Bearer " + token)
    req.add_header("Content-Type", content_type)
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.load(r)


def main(base, token):
    code = call(base, token, "POST", "/api/v1/livecodes", {
        "name": "Counter",
        "targets": [{"name": "Rose Club 1", "capacity": 200}],
    })
    chat = (
        "12/03/2026, 09:00 - Lily: Welcome to the Rose Club\n"
        "12/03/2026, 09:05 - Ann: Thank you!\n"
    ).encode()
    imported = call(base, token, "POST", "/api/v1/imports?format=whatsapp&group=Rose%20Club",
                    chat, "application/octet-stream")
    print(f"seed: live code {code['code']}, {imported['messages']} chat messages")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
