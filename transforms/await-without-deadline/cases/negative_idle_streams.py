# corral-case: timeout=5 target=py311
import asyncio


async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
    # A server's handler: the client decides when to speak; reading is an idle wait.
    while True:
        line = await reader.readline()
        if not line:
            break
        writer.write(line)
        await writer.drain()


async def serve():
    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    async with server:
        await server.serve_forever()


async def pump(host, port, sink):
    async with asyncio.timeout(5):
        reader, writer = await asyncio.open_connection(host, port)
    # A pump: idle between messages by design; a per-read deadline would kill it.
    while True:
        data = await reader.read(4096)
        if not data:
            return
        sink(data)


async def from_subprocess():
    proc = await asyncio.create_subprocess_exec("cat", stdout=asyncio.subprocess.PIPE)
    # A pipe from a child process is not a network peer.
    return await proc.stdout.read()


async def on_a_connected_socket(sock):
    reader, writer = await asyncio.open_connection(sock=sock)
    return reader, writer
