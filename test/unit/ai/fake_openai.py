#!/usr/bin/python3
"""A local stand-in for an OpenAI-compatible chat endpoint, for the chat provider's tests.

    fake_openai.py DIR   -> serves on 127.0.0.1, writes DIR/port, and DIR/count after each request

The request's model picks the behaviour: "slow" answers after 3 s, "garbage" answers 200 with a
body that is not JSON, "error" answers 500 with an OpenAI error object; any other model answers
"note: <user message>". A key other than "Bearer test-key" gets 401 as OpenAI sends it.
"""
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DIR = sys.argv[1]
lock = threading.Lock()
count = 0


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def send(self, status, body, content_type="application/json"):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        global count
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        with lock:
            count += 1
            with open(os.path.join(DIR, "count.tmp"), "w") as f:
                f.write(str(count))
            os.replace(os.path.join(DIR, "count.tmp"), os.path.join(DIR, "count"))
        if self.path != "/v1/chat/completions":
            return self.send(404, json.dumps({"error": {"message": "no route " + self.path}}))
        if self.headers.get("Authorization") != "Bearer test-key":
            return self.send(401, json.dumps({"error": {"message": "Incorrect API key provided",
                                                        "type": "invalid_request_error"}}))
        model = body.get("model")
        if model == "slow":
            time.sleep(3)
        if model == "garbage":
            return self.send(200, "<html>upstream proxy error</html>", "text/html")
        if model == "error":
            return self.send(500, json.dumps({"error": {"message": "The server is overloaded",
                                                        "type": "server_error"}}))
        user = body["messages"][-1]["content"]
        self.send(200, json.dumps({"id": "chatcmpl-1", "object": "chat.completion",
                                   "model": model,
                                   "choices": [{"index": 0, "finish_reason": "stop",
                                                "message": {"role": "assistant",
                                                            "content": "note: " + user}}]}))


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
with open(os.path.join(DIR, "port.tmp"), "w") as f:
    f.write(str(server.server_address[1]))
os.replace(os.path.join(DIR, "port.tmp"), os.path.join(DIR, "port"))
server.serve_forever()
