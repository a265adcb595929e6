# corral-case: wait-timeout=30 subprocess-timeout=30
import asyncio
import queue
import subprocess
import threading


def fine(fut_source, q: queue.Queue, aq: asyncio.Queue):
    subprocess.run(["true"], timeout=5)
    q.get(timeout=1)
    q.get(False)
    t = threading.Thread(target=print)
    t.start()
    t.join(5)
    unknown = fut_source()
    unknown.result()  # nothing shows it is a concurrent future
    return aq.get_nowait()


async def consumer(aq: asyncio.Queue):
    return await aq.get()  # an asyncio queue: not a blocking wait
