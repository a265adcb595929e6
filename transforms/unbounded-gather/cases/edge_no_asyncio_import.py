#!/usr/bin/env python3
"""A script that only imports gather."""
from asyncio import gather, run


async def ping(host):
    return host


async def main(hosts):
    return await gather(*[ping(h) for h in hosts])


if __name__ == "__main__":
    print(run(main(["a", "b"])))
