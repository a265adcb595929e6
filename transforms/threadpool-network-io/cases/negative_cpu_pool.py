import hashlib
from concurrent.futures import ThreadPoolExecutor


def digest(blob):
    return hashlib.sha256(blob).hexdigest()


def digest_all(blobs):
    # CPU work (hashing releases the GIL): not network I/O, never touched.
    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(digest, blobs))


def parse_all(texts):
    with ThreadPoolExecutor() as pool:
        return list(pool.map(int, texts))


if __name__ == "__main__":
    print(digest_all([b"a"]))
