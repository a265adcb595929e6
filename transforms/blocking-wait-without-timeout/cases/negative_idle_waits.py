# corral-case: wait-timeout=30 subprocess-timeout=30
import os
import queue
import subprocess
import threading
from concurrent.futures import ThreadPoolExecutor, as_completed


def consumer(q: queue.Queue, handle):
    # A consumer waits for its next item: idle, not stuck.
    while True:
        item = q.get()
        if item is None:
            return
        handle(item)


def drain(q: queue.Queue):
    items = []
    while not q.empty():
        items.append(q.get())
    return items


class Worker(threading.Thread):
    def __init__(self):
        super().__init__()
        self.wake = threading.Event()
        self.stopping = False

    def run(self):
        while not self.stopping:
            self.wake.wait()
            self.wake.clear()

    def stop(self):
        self.stopping = True
        self.wake.set()
        self.join()


def stop_thread(t: threading.Thread, stop: threading.Event):
    stop.set()
    t.join()


def locks(lock: threading.Lock):
    if lock.acquire(False):
        lock.release()
    lock.acquire()
    try:
        pass
    finally:
        lock.release()


def after_communicate(args):
    proc = subprocess.Popen(args, stdout=subprocess.PIPE)
    out, _ = proc.communicate(timeout=5)
    proc.wait()
    return out


def inside_waiting_blocks(urls, fetch):
    with subprocess.Popen(["cat"], stdin=subprocess.PIPE, stdout=subprocess.PIPE) as proc:
        out, _ = proc.communicate(b"x")
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = [pool.submit(fetch, u) for u in urls]
        for f in as_completed(futures):
            print(f.result())
        first = pool.submit(fetch, urls[0])
        return out, first.result()


def interactive(path, db):
    subprocess.run([os.environ.get("EDITOR", "vi"), path])
    subprocess.call(["psql", db])
    subprocess.check_call(["pip", "install", "-r", "requirements.txt"], stdout=subprocess.PIPE)
    subprocess.run(["make", "-C", "build"], capture_output=True)
    subprocess.run(["python", "manage.py", "runserver"])


def caller_chooses(proc: subprocess.Popen, timeout=None):
    return proc.wait(timeout) if timeout else proc.wait()


def test_round_trip(q: queue.Queue):
    q.put(1)
    assert q.get() == 1
