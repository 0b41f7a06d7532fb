"""Replays the Python MT5 bridge's message sequence against the compatibility endpoint.

Usage: python_bridge.py PORT TICKS. Speaks as the Python bridge does (websockets, JSON text
frames with type/data/timestamp, zone-less ISO times), sends malformed messages too, then waits
for the commands the server pushes. Prints OK and exits 0 when every check passes.
"""
import asyncio
import datetime
import json
import sys

import websockets

PORT = int(sys.argv[1])
TICKS = int(sys.argv[2])
COMMANDS = ["trading_signal", "close_position", "modify_order", "emergency_stop",
            "config_update", "get_data"]


def now():
    return datetime.datetime.now().isoformat()  # zone-less, as the bridge sends it


class Peer:
    def __init__(self, ws):
        self.ws = ws
        self.commands = []

    async def send(self, type_, data=None, **top):
        message = {"type": type_, "timestamp": now(), **top}
        if data is not None:
            message["data"] = data
        await self.ws.send(json.dumps(message))

    async def expect(self, wanted):
        """Returns the next reply that is not a pushed command; commands are kept aside."""
        while True:
            reply = json.loads(await asyncio.wait_for(self.ws.recv(), 10))
            if reply["type"] in COMMANDS:
                self.commands.append(reply)
                continue
            assert reply["type"] == wanted, (wanted, reply)
            return reply


async def replay():
    async with websockets.connect(f"ws://127.0.0.1:{PORT}/api/v1/ws", open_timeout=5,
                                  close_timeout=5) as ws:
        p = Peer(ws)
        await p.send("connection", client="mt5_bridge", status="connected")
        await p.expect("connection_established")
        await p.send("heartbeat", client="mt5_bridge", status="alive")
        await p.expect("heartbeat_response")
        await p.send("account_info", {"login": 5012345, "balance": 10000.0, "equity": 10012.5,
                                      "margin": 100.0, "free_margin": 9912.5,
                                      "margin_level": 10012.5, "currency": "USD",
                                      "server": "Broker-Demo", "company": "Broker Ltd",
                                      "leverage": 100})
        await p.expect("account_info_processed")
        for i in range(TICKS):
            # Local wall time of the terminal's PC: 2025-09-20 13:00:00 + i ms in Athens.
            t = datetime.datetime(2025, 9, 20, 13, 0, 0) + datetime.timedelta(milliseconds=i)
            await p.send("tick_data", {"symbol": "EURUSD", "bid": 1.17 + i * 1e-5,
                                       "ask": 1.17012 + i * 1e-5, "spread": 12,
                                       "time": t.isoformat(), "volume": 1, "last": 0.0,
                                       "source": "mt5"})
            reply = await p.expect("tick_data_processed")
            assert reply["data"]["symbol"] == "EURUSD", reply
        await p.send("positions", {"positions": [
            {"ticket": 1001, "symbol": "EURUSD", "type": 0, "volume": 0.1, "price_open": 1.17,
             "price_current": 1.171, "profit": 10.0, "swap": 0.0, "commission": -0.7,
             "time": now(), "comment": "ait:SIG-1"}], "count": 1})
        assert (await p.expect("positions_processed"))["data"]["count"] == 1
        await p.send("orders", {"orders": [
            {"ticket": 2001, "symbol": "EURUSD", "type": 2, "volume": 0.2, "price_open": 1.16,
             "sl": 1.15, "tp": 1.18, "time_setup": now(), "comment": "", "magic": 7}],
            "count": 1})
        await p.expect("orders_processed")
        await p.send("deals_history", {"deals": [{"ticket": 3001}], "count": 1})
        await p.expect("deals_history_processed")
        await p.send("orders_history", {"orders": [], "count": 0})
        await p.expect("orders_history_processed")
        await p.send("trade_result", {"signal_id": "SIG-1", "success": True, "ticket": 1001,
                                      "message": "done"})
        await p.expect("trade_result_processed")
        await p.send("error", {"message": "symbol XYZ not found", "code": 4301,
                               "timestamp": now()})
        await p.expect("error_processed")

        # Malformed input: each gets an error naming the problem; the connection stays open.
        await ws.send("{this is not json")
        assert (await p.expect("error"))["data"]["code"] == "AIT-MT5-0001"
        await p.send("warp_drive", {"x": 1})
        assert (await p.expect("error"))["data"]["code"] == "AIT-MT5-0003"
        await p.send("tick_data", {"symbol": "EURUSD", "bid": "1.1", "ask": 1.2})
        reply = await p.expect("error")
        assert reply["data"]["field"] == "bid", reply
        await p.send("tick_data", {"symbol": "EURUSD", "bid": 1.3, "ask": 1.2})
        assert "crossed" in (await p.expect("error"))["data"]["message"]
        await ws.send(b"\x00\x01binary")
        await p.expect("error")
        await p.send("heartbeat", client="mt5_bridge", status="alive")
        await p.expect("heartbeat_response")
        print("replayed", flush=True)

        # The server pushes one of each command once it has seen every tick.
        while len(p.commands) < len(COMMANDS):
            p.commands.append(json.loads(await asyncio.wait_for(ws.recv(), 10)))
        assert [c["type"] for c in p.commands] == COMMANDS, p.commands
        signal = p.commands[0]["data"]
        assert signal["action"] == "BUY" and signal["symbol"] == "EURUSD", signal
        assert p.commands[1]["data"]["ticket"] == 1001, p.commands[1]
        assert "timestamp" in p.commands[0]

    # The second path with a token; an unknown token is refused before the upgrade.
    async with websockets.connect(f"ws://127.0.0.1:{PORT}/api/v1/ws/mt5?token=tok-9",
                                  open_timeout=5) as ws:
        p = Peer(ws)
        await p.send("connection", client="mt5_bridge", status="connected")
        assert (await p.expect("connection_established"))["data"]["tenant"] == 9
    try:
        async with websockets.connect(f"ws://127.0.0.1:{PORT}/api/v1/ws?token=nope",
                                      open_timeout=5):
            raise AssertionError("an unknown token was accepted")
    except websockets.exceptions.InvalidStatusCode as refused:
        assert refused.status_code == 401, refused.status_code


asyncio.run(replay())
print("OK")
