"""The seed's client, timed: aiohttp fetching one SWAPI URL many times.

The seed program opens a new ``aiohttp.ClientSession`` for every request (so every
request pays for a TCP connect and a TLS handshake). ``--mode shared`` uses one session
for all requests instead, which keeps connections alive: the best aiohttp can do.

``n`` requests are shared by ``c`` worker coroutines, as in the Rust clients. Every body
is decoded as JSON, as the seed does. Prints one JSON line with the result.

Run by ``tinyloop-bench --only http`` against its local server; by hand::

    python3 bench/seed_aiohttp.py --url https://127.0.0.1:PORT/api/people/1/ \
        --cafile ca.pem --requests 2000 --concurrency 32 --mode per-request
"""

import argparse
import asyncio
import json
import ssl
import time

import aiohttp


async def fetch_with_new_session(url, ssl_context):
    """One request the seed's way: a session of its own, closed afterwards."""
    async with aiohttp.ClientSession() as session:
        async with session.get(url, ssl=ssl_context) as response:
            response.raise_for_status()
            return await response.json()


async def fetch_with_shared_session(session, url, ssl_context):
    """One request on a session shared by every worker."""
    async with session.get(url, ssl=ssl_context) as response:
        response.raise_for_status()
        return await response.json()


async def work(requests, concurrency, fetch):
    """Runs ``requests`` fetches on ``concurrency`` workers sharing one counter."""
    remaining = {"requests": requests}

    async def worker():
        while remaining["requests"] > 0:
            remaining["requests"] -= 1
            person = await fetch()
            assert person["name"] == "Luke Skywalker"

    await asyncio.gather(*(worker() for _ in range(concurrency)))


async def run(url, ssl_context, requests, concurrency, mode):
    """Returns the seconds ``requests`` fetches took."""
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as shared:
        if mode == "per-request":
            def fetch():
                return fetch_with_new_session(url, ssl_context)
        else:
            def fetch():
                return fetch_with_shared_session(shared, url, ssl_context)
            # Open the connections before timing, as the Rust clients do.
            await work(concurrency, concurrency, fetch)
        start = time.perf_counter()
        await work(requests, concurrency, fetch)
        return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--cafile", required=True, help="PEM CA the server chains to")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--mode", choices=["per-request", "shared"], default="per-request")
    args = parser.parse_args()

    ssl_context = ssl.create_default_context(cafile=args.cafile)
    seconds = asyncio.run(
        run(args.url, ssl_context, args.requests, args.concurrency, args.mode)
    )
    requests = args.requests
    print(
        json.dumps(
            {
                "mode": args.mode,
                "requests": requests,
                "seconds": seconds,
                "rps": requests / seconds,
                "aiohttp": aiohttp.__version__,
            }
        )
    )


if __name__ == "__main__":
    main()
