#!/usr/bin/env python3
"""Generates one large Python file, as generated clients and big test modules are, for timing how
corral's cost grows with a file's size and its number of findings.

    python3 bench/generate.py functions 5000 > big.py   # 5,000 small functions, one gather
    python3 bench/generate.py gathers 1000 > fan.py     # 1,000 unbounded gathers

`functions N`: N small functions, each holding a `requests.get(..., timeout=3)` call (a call the
transforms read, but with its timeout already given), and one `asyncio.gather` over them at the
end. `gathers N`: N coroutines, each fanning out with an unbounded `asyncio.gather`: N findings,
each with a fix. The output depends only on the arguments.
"""

import sys

HEADER = '"""A generated module."""\n\nimport asyncio\n\nimport requests\n'


def functions(n):
    parts = [HEADER]
    for k in range(n):
        parts.append(f"\n\ndef fetch_{k}(url):\n    return requests.get(url, timeout=3)\n")
    parts.append(
        "\n\nasync def main(client, urls):\n"
        "    return await asyncio.gather(*[client.fetch(u) for u in urls])\n"
    )
    return "".join(parts)


def gathers(n):
    parts = [HEADER]
    for k in range(n):
        parts.append(
            f"\n\nasync def fan_out_{k}(client, items):\n"
            f"    return await asyncio.gather(*[client.fetch(item) for item in items])\n"
        )
    return "".join(parts)


def main():
    kinds = {"functions": functions, "gathers": gathers}
    if len(sys.argv) != 3 or sys.argv[1] not in kinds or not sys.argv[2].isdigit():
        sys.exit(f"usage: {sys.argv[0]} functions|gathers N")
    sys.stdout.write(kinds[sys.argv[1]](int(sys.argv[2])))


if __name__ == "__main__":
    main()
