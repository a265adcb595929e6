"""blocking-wait-without-timeout must leave an idle consumer alone.

The consumer thread waits for its next item longer than the wait timeout in the test; a timeout
on its `get()` would kill it with queue.Empty and lose what comes later.
"""

import queue
import threading
import time

import requests


def consume(q: queue.Queue, out: list):
    while True:
        item = q.get()
        if item is None:
            return
        out.append(requests.get(item, timeout=5).status_code)


def main(base_url, n):
    q = queue.Queue()
    out = []
    worker = threading.Thread(target=consume, args=(q, out))
    worker.start()
    for uid in (1, 2, 3):
        q.put(f"{base_url}/users/{uid}")
        time.sleep(1.5)
    q.put(None)
    worker.join(30)
    return {"statuses": out, "alive": worker.is_alive()}
