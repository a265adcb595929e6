# corral-case: target=py311
"""A dashboard-style script: module code under a plain `if`, futures read as they complete."""

import concurrent.futures
import sys

import requests

API = "https://api.example.com/score"
texts = sys.argv[1:]
go = bool(texts)


def score(text):
    return requests.post(API, json={"text": text}, timeout=10).json()


if go:
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        futures = [pool.submit(score, t) for t in texts]
        for f in concurrent.futures.as_completed(futures):
            print(f.result())
