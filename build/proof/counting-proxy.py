#!/usr/bin/env python3
"""A TCP proxy on 127.0.0.1 that counts the bytes sent from the upstream server to clients.

usage: counting-proxy.py LISTEN_PORT UPSTREAM_PORT COUNT_FILE [BYTES_PER_SECOND]
With BYTES_PER_SECOND, the bytes to clients flow at most that fast in all (a slower link, so that kill points can
land anywhere in a transfer on a fast machine). The running total is written to COUNT_FILE (one integer) at least every 100 ms while bytes flow and whenever a
connection closes, so a script can read how many bytes a command downloaded through it. The proof suite uses it
to check that a download resumed (it transferred fewer bytes than the object) and stops it to cut connections.
"""
import asyncio
import os
import sys
import time

listen_port, upstream_port, count_file = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
rate = int(sys.argv[4]) if len(sys.argv) > 4 else 0
total = 0
# A token bucket shared by every connection: refilled at `rate`, holding at most a quarter second of it, so an idle
# proxy does not save up a burst.
tokens = 0.0
refilled = time.monotonic()


async def pace(count):
    global tokens, refilled
    while True:
        now = time.monotonic()
        tokens = min(rate / 4, tokens + (now - refilled) * rate)
        refilled = now
        if tokens >= count or tokens >= rate / 4:
            tokens -= count
            return
        await asyncio.sleep((count - tokens) / rate)
last_write = 0.0


def write_count(force=False):
    global last_write
    now = time.monotonic()
    if force or now - last_write >= 0.1:
        tmp = count_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(str(total))
        os.replace(tmp, count_file)
        last_write = now


async def pipe(reader, writer, counted):
    global total
    try:
        while True:
            data = await reader.read(256 * 1024)
            if not data:
                break
            if counted:
                total += len(data)
                write_count()
                if rate:
                    await pace(len(data))
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        try:
            writer.close()
        except Exception:
            pass
        write_count(force=True)


async def handle(client_reader, client_writer):
    try:
        upstream_reader, upstream_writer = await asyncio.open_connection("127.0.0.1", upstream_port)
    except OSError:
        client_writer.close()
        return
    await asyncio.gather(pipe(client_reader, upstream_writer, False), pipe(upstream_reader, client_writer, True))


async def main():
    write_count(force=True)
    server = await asyncio.start_server(handle, "127.0.0.1", listen_port)
    async with server:
        await server.serve_forever()


asyncio.run(main())
