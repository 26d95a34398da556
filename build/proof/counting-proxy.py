#!/usr/bin/env python3
"""A TCP proxy on 127.0.0.1 that counts the bytes sent from the upstream server to clients.

usage: counting-proxy.py LISTEN_PORT UPSTREAM_PORT COUNT_FILE
The running total is written to COUNT_FILE (one integer) at least every 100 ms while bytes flow and whenever a
connection closes, so a script can read how many bytes a command downloaded through it. The proof suite uses it
to check that a download resumed (it transferred fewer bytes than the object) and stops it to cut connections.
"""
import asyncio
import os
import sys
import time

listen_port, upstream_port, count_file = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
total = 0
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
