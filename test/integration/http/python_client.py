"""Interoperability check of the HTTP server against Python's own clients.

Usage: python_client.py PORT. Prints OK and exits 0 when every check passes; an assertion
names the first check that failed.
"""
import asyncio
import http.client
import json
import sys

import websockets

PORT = int(sys.argv[1])


def http_checks():
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=5)
    for i in range(3):  # one keep-alive connection
        conn.request("GET", f"/hello?n={i}")
        response = conn.getresponse()
        body = response.read()
        assert response.status == 200, response.status
        assert json.loads(body) == {"n": str(i)}, body
    conn.request("POST", "/echo", body=b'{"a":1}', headers={"Content-Type": "application/json"})
    response = conn.getresponse()
    assert response.read() == b'{"a":1}'
    conn.request("GET", "/missing")
    response = conn.getresponse()
    problem = json.loads(response.read())
    assert response.status == 404, response.status
    assert response.getheader("Content-Type") == "application/problem+json"
    assert problem["code"] == "AIT-HTTP-0005", problem
    conn.close()


async def websocket_checks():
    url = f"ws://127.0.0.1:{PORT}/ws"
    async with websockets.connect(url, open_timeout=5, close_timeout=5) as ws:
        await ws.send("ping")
        assert await asyncio.wait_for(ws.recv(), 5) == "echo:ping"
        await ws.send(b"\x01\x02")
        assert await asyncio.wait_for(ws.recv(), 5) == b"\x01\x02"
        await ws.send("push:100")  # the server pushes from another thread
        for i in range(100):
            assert await asyncio.wait_for(ws.recv(), 5) == f"push {i}"
        await ws.close(code=4002, reason="done")
    async with websockets.connect(url, open_timeout=5, close_timeout=5) as ws:
        await ws.send("close-me")
        try:
            await asyncio.wait_for(ws.recv(), 5)
            raise AssertionError("expected the server to close")
        except websockets.ConnectionClosed as closed:
            assert (closed.code, closed.reason) == (4003, "bye"), (closed.code, closed.reason)


http_checks()
asyncio.run(websocket_checks())
print("OK")
