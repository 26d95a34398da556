using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace ModelStore.Testing;

/// <summary>One request a <see cref="RecordingServer"/> received: the method, the path with its query, and every header.</summary>
public sealed record RecordedRequest(string Method, string PathAndQuery, IReadOnlyDictionary<string, string> Headers);

/// <summary>
/// A real HTTP server (Kestrel on 127.0.0.1, a free port) that records every request with all its headers, the way an
/// attacker's host would, and serves bytes only at exact path-and-query addresses (a pre-signed URL's signature
/// included); anything else is <c>404</c>. For the trust tests: where credentials and signatures go.
/// </summary>
public sealed class RecordingServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, byte[]> _files = new(StringComparer.Ordinal);

    private RecordingServer(WebApplication app) => _app = app;

    /// <summary>The server's address (<c>http://127.0.0.1:PORT/</c>).</summary>
    public Uri BaseAddress { get; private init; } = null!;

    /// <summary>Every request received, in order.</summary>
    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    /// <summary>Starts a server.</summary>
    public static async Task<RecordingServer> StartAsync()
    {
        RecordingServer server = null!;
        var (app, address) = await LoopbackHttp.StartAsync(context => server.ServeAsync(context));
        server = new RecordingServer(app) { BaseAddress = address };
        return server;
    }

    /// <summary>Serves <paramref name="content"/> at exactly <paramref name="pathAndQuery"/>; returns its address.</summary>
    public Uri Put(string pathAndQuery, byte[] content)
    {
        var address = new Uri(BaseAddress, pathAndQuery.TrimStart('/'));
        _files[address.PathAndQuery] = content;
        return address;
    }

    /// <summary>Whether any request carried <paramref name="secret"/> anywhere (address or header value).</summary>
    public bool Received(string secret) =>
        Requests.Any(request => request.PathAndQuery.Contains(secret, StringComparison.Ordinal) || request.Headers.Values.Any(value => value.Contains(secret, StringComparison.Ordinal)));

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task ServeAsync(HttpContext context)
    {
        var request = context.Request;
        var pathAndQuery = request.Path.Value + request.QueryString.Value;
        Requests.Enqueue(new RecordedRequest(request.Method, pathAndQuery, request.Headers.ToDictionary(header => header.Key, header => header.Value.ToString(), StringComparer.OrdinalIgnoreCase)));
        if (!_files.TryGetValue(pathAndQuery, out var content))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        context.Response.ContentLength = content.Length;
        context.Response.Headers.ETag = "\"fixed\"";
        if (!HttpMethods.IsHead(request.Method))
        {
            await context.Response.Body.WriteAsync(content);
        }
    }
}
