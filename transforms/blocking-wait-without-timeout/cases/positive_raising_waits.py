# corral-case: wait-timeout=30 subprocess-timeout=120
import multiprocessing
import queue
import subprocess
from concurrent.futures import ThreadPoolExecutor, as_completed

POOL = ThreadPoolExecutor(max_workers=4)


def jobs(items, mp_pool):
    work = queue.Queue()
    for item in items:
        work.put(item)
    first = work.get()
    futures = [POOL.submit(len, i) for i in items]
    for done in as_completed(futures):
        print(done.result())  # finished futures: never flagged
    single = POOL.submit(len, first)
    value = single.result()
    proc = subprocess.Popen(["uname", "-a"], stdout=subprocess.PIPE)
    proc.communicate()
    out = subprocess.check_output(
        ["git", "rev-parse", "HEAD"],
        text=True
    )
    async_result = mp_pool.apply_async(len, ("abc",))
    length = async_result.get()
    return value, out, length


def one_pool(mp: multiprocessing.pool.Pool):
    return mp
