"""The concurrency example's sleep job in CPython: N sleeps at once, as asyncio tasks or
as threads, timed and measured the way the example's own modes are.

`cargo run --release --example concurrency` runs it for its `py-asyncio` and `py-threads`
rows (built into the example; python3 must be on the PATH). By hand:

    python3 examples/concurrency/sleep_job.py asyncio 100000 50

It prints one line: RESULT <wall ms> <peak RSS in KiB> <threads> <note>.
"""

import asyncio
import platform
import sys
import threading
import time


def peak_rss_kib():
    """This process's peak resident set (VmHWM), as the Rust modes read it."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    import resource  # not on Windows; /proc is Linux's

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


async def sleepers(n, seconds):
    # One task per job, all sleeping at once: the seed's coroutines.
    tasks = [asyncio.create_task(asyncio.sleep(seconds)) for _ in range(n)]
    await asyncio.gather(*tasks)


def with_asyncio(n, seconds):
    asyncio.run(sleepers(n, seconds))
    return 1, f"{n} tasks"


def with_threads(n, seconds):
    # One OS thread per job, as the Rust threads mode does.
    threads = [threading.Thread(target=time.sleep, args=(seconds,)) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return n, ""


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ("asyncio", "threads"):
        sys.exit("usage: sleep_job.py asyncio|threads N SLEEP_MS")
    mode, n, sleep_ms = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    run = with_asyncio if mode == "asyncio" else with_threads
    start = time.perf_counter()
    threads, note = run(n, sleep_ms / 1000)
    wall_ms = int((time.perf_counter() - start) * 1000)
    python = f"CPython {platform.python_version()}"
    note = f"{note}, {python}" if note else python
    print(f"RESULT {wall_ms} {peak_rss_kib()} {threads} {note}")


if __name__ == "__main__":
    main()
