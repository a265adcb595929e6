"""Runs one program against a loopback HTTP server that counts requests in flight.

usage: harness.py PROGRAM.py N
       harness.py --script PROGRAM.py N

The server answers GET /users/<id> after a short delay with {"id": <id>}, and with 503 when the
id is a multiple of 7. GET /hang accepts the request and then says nothing for HANG seconds, like a
peer that went silent. GET /slow answers {"slow": true} after SLOW seconds, like a long but healthy
call. GET /drip sends a line, then another after every GAP seconds, DRIPS lines in all, like a feed
that is quiet between messages. PROGRAM must define `main(base_url, n)`, async or not. Prints one JSON object:
the program's result, the peak number of requests in flight and the number of requests served,
then exits at once, so that threads a timed-out program left waiting do not hold it open.

With --script, PROGRAM runs as a script does (`__name__ == "__main__"`) with the base URL and N
as its arguments (sys.argv[1:]); its result is what it printed, line by line, and the name of
the exception it ended with, if any.
"""

import asyncio
import contextlib
import importlib.util
import io
import json
import os
import runpy
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DELAY = 0.05
HANG = 30
SLOW = 1.5
GAP = 1.5
DRIPS = 3


class Counter:
    def __init__(self):
        self.lock = threading.Lock()
        self.in_flight = 0
        self.peak = 0
        self.served = 0

    def __enter__(self):
        with self.lock:
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)

    def __exit__(self, *exc):
        with self.lock:
            self.in_flight -= 1
            self.served += 1


COUNTER = Counter()


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        # A request is in flight while the server works on it; the count drops before the
        # response goes out, so a client that starts its next request on receiving this one's
        # response is never counted together with it.
        if self.path == "/drip":
            self.drip()
            return
        with COUNTER:
            time.sleep(DELAY)
            if self.path == "/hang":
                time.sleep(HANG)
            if self.path == "/slow":
                time.sleep(SLOW)
        if self.path == "/hang":
            self.send_error(504)
            return
        if self.path == "/slow":
            self.reply({"slow": True})
            return
        parts = self.path.strip("/").split("/")
        if len(parts) != 2 or parts[0] != "users" or not parts[1].isdigit():
            self.send_error(404)
            return
        uid = int(parts[1])
        if uid % 7 == 0:
            self.send_error(503)
            return
        self.reply({"id": uid})

    def reply(self, value):
        body = json.dumps(value).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def drip(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        for i in range(DRIPS):
            if i:
                time.sleep(GAP)
            self.wfile.write(b"tick %d\n" % i)
            self.wfile.flush()

    def log_message(self, *args):
        pass


class Server(ThreadingHTTPServer):
    daemon_threads = True
    # The default backlog of 5 would itself bound the client and hide unbounded fan-out.
    request_queue_size = 256


def run_script(program, base_url, n):
    """Runs PROGRAM as `python PROGRAM base_url n` would: what it printed, and how it ended."""
    out = io.StringIO()
    sys.argv = [program, base_url, str(n)]
    error = None
    started = time.monotonic()
    with contextlib.redirect_stdout(out):
        try:
            runpy.run_path(program, run_name="__main__")
        except SystemExit:
            pass
        except BaseException as exc:
            error = f"{type(exc).__module__}.{type(exc).__qualname__}"
    return {
        "lines": out.getvalue().splitlines(),
        "error": error,
        "elapsed": time.monotonic() - started,
    }


def main():
    script = sys.argv[1] == "--script"
    if script:
        del sys.argv[1]
    program, n = sys.argv[1], int(sys.argv[2])
    server = Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base_url = "http://127.0.0.1:%d" % server.server_address[1]
    if script:
        try:
            result = run_script(program, base_url, n)
        finally:
            server.shutdown()
        print(json.dumps({"result": result, "peak": COUNTER.peak, "served": COUNTER.served}), flush=True)
        os._exit(0)
    spec = importlib.util.spec_from_file_location("program", program)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    try:
        # A synchronous main is called as it is: it may run its own event loop.
        result = module.main(base_url, n)
        if asyncio.iscoroutine(result):
            result = asyncio.run(asyncio.wait_for(result, 60))
    finally:
        server.shutdown()
    print(json.dumps({"result": result, "peak": COUNTER.peak, "served": COUNTER.served}), flush=True)
    os._exit(0)


if __name__ == "__main__":
    main()
