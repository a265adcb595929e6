#!/usr/bin/env python3
"""A script that only imports gather."""
from asyncio import gather, open_connection, run


async def ping(host):
    reader, writer = await open_connection(host, 80)
    writer.close()
    return host


async def main(hosts):
    return await gather(*[ping(h) for h in hosts])


if __name__ == "__main__":
    print(run(main(["a", "b"])))
