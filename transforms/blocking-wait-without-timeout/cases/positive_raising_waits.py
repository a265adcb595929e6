# corral-case: timeout=30
import multiprocessing
import queue
import subprocess
from concurrent.futures import ThreadPoolExecutor, as_completed


def jobs(items):
    work = queue.Queue()
    for item in items:
        work.put(item)
    first = work.get()
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = [pool.submit(len, i) for i in items]
        for done in as_completed(futures):
            print(done.result())  # finished futures: never flagged
        single = pool.submit(len, first)
        value = single.result()
    proc = subprocess.Popen(["sleep", "1"])
    proc.communicate()
    proc.wait()
    out = subprocess.check_output(
        ["echo", "hi"],
        text=True
    )
    with multiprocessing.Pool(2) as mp:
        async_result = mp.apply_async(len, ("abc",))
        length = async_result.get()
    return value, out, length
