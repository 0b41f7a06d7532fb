#!/usr/bin/python3
"""A WebSocket client of the gateway's streams, for the integration tests.

Connects to URL, sends each --send JSON message, then prints every message received (one JSON
object per line: {"message": ...}, also for each message of a batched frame) for --seconds, and how the connection ended
({"closed": code, "reason": ...}). With --slow it does not read for --seconds first, so the
server has to queue (and conflate) for it.
"""
import argparse
import asyncio
import json
import ssl
import sys

import websockets


async def run(args):
    out = open(args.out, "w") if args.out else sys.stdout

    def emit(obj):
        out.write(json.dumps(obj) + "\n")
        out.flush()

    try:
        # wss:// URLs trust only --cafile when given (a test's throwaway certificate).
        extra = {"ssl": ssl.create_default_context(cafile=args.cafile)} if args.cafile else {}
        async with websockets.connect(args.url, max_size=None, ping_interval=None,
                                      max_queue=None if args.slow else 4096, **extra) as ws:
            for message in args.send:
                await ws.send(message)
            if args.slow:
                await asyncio.sleep(args.slow)
            loop = asyncio.get_running_loop()
            deadline = loop.time() + args.seconds
            while True:
                left = deadline - loop.time()
                if left <= 0:
                    break
                try:
                    text = await asyncio.wait_for(ws.recv(), timeout=left)
                except asyncio.TimeoutError:
                    break
                message = json.loads(text)
                # With ?batch=1 every frame is an array of messages: one line per message.
                for one in message if isinstance(message, list) else [message]:
                    emit({"message": one})
            emit({"closed": None})
    except websockets.exceptions.ConnectionClosed as e:
        emit({"closed": e.rcvd.code if e.rcvd else None, "reason": e.rcvd.reason if e.rcvd else ""})
    except Exception as e:  # noqa: BLE001 - the test reads what happened
        emit({"error": repr(e)})


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--send", action="append", default=[])
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--slow", type=float, default=0.0)
    parser.add_argument("--out", default="")
    parser.add_argument("--cafile", default="")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
