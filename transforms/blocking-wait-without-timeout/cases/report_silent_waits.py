# corral-case: wait-timeout=30 subprocess-timeout=30
import threading
from concurrent.futures import ThreadPoolExecutor, wait

POOL = ThreadPoolExecutor()


def run(fn):
    t = threading.Thread(target=fn)
    t.start()
    t.join()
    ready = threading.Event()
    ready.wait()
    done, _ = wait([POOL.submit(fn)])
    return done
