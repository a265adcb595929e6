# corral-case: wait-timeout=300 subprocess-timeout=900
import subprocess
from concurrent.futures import ThreadPoolExecutor

from .hashing import hash_files


def build_and_hash(pool: ThreadPoolExecutor, paths):
    subprocess.run(["make", "-C", "build"], check=True)
    future = pool.submit(hash_files, paths)
    return future.result()
