# corral-case: target=py311 network-calls=shop.api.fetch_order
"""A project's own network wrapper, declared in `network-calls`: it keeps its library
and runs through asyncio.to_thread."""

from concurrent.futures import ThreadPoolExecutor

from shop.api import fetch_order


def orders(ids):
    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(fetch_order, ids))


if __name__ == "__main__":
    print(orders([1, 2]))
