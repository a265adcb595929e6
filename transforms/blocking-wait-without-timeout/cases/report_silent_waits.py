# corral-case: timeout=30
import threading
from concurrent.futures import ThreadPoolExecutor, wait


def run(fn):
    t = threading.Thread(target=fn)
    t.start()
    t.join()
    ready = threading.Event()
    ready.wait()
    lock = threading.Lock()
    lock.acquire()
    with ThreadPoolExecutor() as pool:
        done, _ = wait([pool.submit(fn)])
    return done
