using System.Net;
using System.Net.Sockets;

namespace ModelStore.Testing;

/// <summary>
/// A TCP proxy on 127.0.0.1 in front of a real server (radosgw, say), for the faults a client meets on the way: a
/// connection cut after some bytes of the answer, a server that goes away mid-transfer (<see cref="Stop"/>) and comes
/// back on the same port (<see cref="Start"/>), and a bandwidth limit so that a transfer takes long enough to be
/// interrupted. It counts the bytes it forwards from the server, so tests can tell a resumed download from a new one.
/// </summary>
public sealed class TcpFaultProxy : IDisposable
{
    private readonly IPEndPoint _target;
    private readonly object _gate = new();
    private readonly List<TcpClient> _connections = [];
    private TcpListener? _listener;
    private CancellationTokenSource? _running;
    private long _bytesFromServer;
    private int _cutsLeft;

    /// <summary>Starts a proxy to <paramref name="target"/> (<c>http://127.0.0.1:PORT</c> or <c>host:port</c>).</summary>
    public TcpFaultProxy(Uri target)
    {
        ArgumentNullException.ThrowIfNull(target);
        _target = new IPEndPoint(IPAddress.Loopback, target.Port);
        Port = RadosGatewayServer.FreePort();
        Start();
    }

    /// <summary>The proxy's port on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary>The proxy's address, <c>http://127.0.0.1:PORT</c>.</summary>
    public string Endpoint => $"http://127.0.0.1:{Port}";

    /// <summary>The bytes forwarded from the server to clients so far.</summary>
    public long BytesFromServer => Interlocked.Read(ref _bytesFromServer);

    /// <summary>How many bytes of the server's answer a cut connection forwards before it is dropped.</summary>
    public long CutAfterBytes { get; set; } = 256 * 1024;

    /// <summary>The number of new connections still to be cut after <see cref="CutAfterBytes"/>.</summary>
    public int CutConnections
    {
        get => Volatile.Read(ref _cutsLeft);
        set => Volatile.Write(ref _cutsLeft, value);
    }

    /// <summary>The most bytes a second forwarded from the server over each connection (0: no limit).</summary>
    public long BytesPerSecond { get; set; }

    /// <summary>Listens again (on the same port) after <see cref="Stop"/>.</summary>
    public void Start()
    {
        lock (_gate)
        {
            if (_listener is not null)
            {
                return;
            }

            _running = new CancellationTokenSource();
            _listener = new TcpListener(IPAddress.Loopback, Port);
            _listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            _listener.Start();
            _ = AcceptAsync(_listener, _running.Token);
        }
    }

    /// <summary>The server goes away: every open connection is reset and new ones are refused until <see cref="Start"/>.</summary>
    public void Stop()
    {
        lock (_gate)
        {
            _running?.Cancel();
            _listener?.Stop();
            _listener = null;
            foreach (var connection in _connections)
            {
                Reset(connection);
            }

            _connections.Clear();
        }
    }

    /// <inheritdoc />
    public void Dispose() => Stop();

    private async Task AcceptAsync(TcpListener listener, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync(cancellationToken);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            _ = ForwardAsync(client, cancellationToken);
        }
    }

    private async Task ForwardAsync(TcpClient client, CancellationToken cancellationToken)
    {
        var server = new TcpClient();
        lock (_gate)
        {
            _connections.Add(client);
            _connections.Add(server);
        }

        try
        {
            await server.ConnectAsync(_target, cancellationToken);
            var cutAt = Interlocked.Decrement(ref _cutsLeft) >= 0 ? CutAfterBytes : long.MaxValue;
            using var done = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var up = CopyAsync(client.GetStream(), server.GetStream(), long.MaxValue, countFromServer: false, done.Token);
            var down = CopyAsync(server.GetStream(), client.GetStream(), cutAt, countFromServer: true, done.Token);
            await Task.WhenAny(up, down);
            await done.CancelAsync();
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
        finally
        {
            // A reset, as a dropped connection looks to the client.
            Reset(client);
            server.Dispose();
            lock (_gate)
            {
                _connections.Remove(client);
                _connections.Remove(server);
            }
        }
    }

    private static void Reset(TcpClient connection)
    {
        try
        {
            if (connection.Client is { Connected: true } socket)
            {
                socket.LingerState = new LingerOption(true, 0);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }

        connection.Dispose();
    }

    private async Task CopyAsync(Stream from, Stream to, long limit, bool countFromServer, CancellationToken cancellationToken)
    {
        var buffer = new byte[16 * 1024];
        long copied = 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            while (copied < limit)
            {
                var read = await from.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, limit - copied)), cancellationToken);
                if (read == 0)
                {
                    return;
                }

                await to.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                copied += read;
                if (countFromServer)
                {
                    Interlocked.Add(ref _bytesFromServer, read);
                    if (BytesPerSecond > 0 && TimeSpan.FromSeconds((double)copied / BytesPerSecond) - clock.Elapsed is { } ahead && ahead > TimeSpan.Zero)
                    {
                        await Task.Delay(ahead, cancellationToken);
                    }
                }
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }
}
