using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace ModelStore.Testing;

/// <summary>One request the file server answered.</summary>
public sealed record ServedRequest(string Method, string Path, string? Range, string? IfRange, string? Authorization, int Status, long BodyBytes);

/// <summary>
/// A real HTTP server (Kestrel on 127.0.0.1, a free port) serving files with the headers downloads depend on
/// (<c>Content-Length</c>, strong <c>ETag</c>, <c>Last-Modified</c>, <c>Accept-Ranges</c>, <c>206</c> with
/// <c>Content-Range</c>, <c>If-Range</c>, <c>416</c>), and the faults they must survive: a connection cut after some
/// bytes, a server that stops answering, no range support, no <c>HEAD</c>, a file replaced mid-download, redirects,
/// status codes on demand. Files are read from disk per request, never held in memory.
/// </summary>
public sealed class LoopbackFileServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, ServedFile> _files = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _redirects = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _statuses = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _failuresLeft = new(StringComparer.Ordinal);
    private int _cutsLeft;
    private long _bytesServed;
    private int _inFlight;

    private LoopbackFileServer(WebApplication app, string storage)
    {
        _app = app;
        Storage = storage;
    }

    /// <summary>The server's address (<c>http://127.0.0.1:PORT/</c>).</summary>
    public Uri BaseAddress { get; private init; } = null!;

    /// <summary>Where the served files are kept.</summary>
    public string Storage { get; }

    /// <summary>Every request answered, in order.</summary>
    public ConcurrentQueue<ServedRequest> Requests { get; } = new();

    /// <summary>The body bytes sent so far, over all requests.</summary>
    public long BytesServed => Interlocked.Read(ref _bytesServed);

    /// <summary>Whether ranged GETs are honoured (<c>206</c>); when false the whole file is sent (<c>200</c>) and no <c>Accept-Ranges</c> is advertised.</summary>
    public bool SupportsRanges { get; set; } = true;

    /// <summary>Whether <c>HEAD</c> is answered; when false it gets <c>405</c>.</summary>
    public bool SupportsHead { get; set; } = true;

    /// <summary>How many bytes of a body are sent before the connection is cut, for the next <see cref="CutConnections"/> GETs.</summary>
    public long CutAfterBytes { get; set; } = 64 * 1024;

    /// <summary>How long the server stays silent before answering any request (a stalled server).</summary>
    public TimeSpan Stall { get; set; }

    /// <summary>How long the server stays silent after sending <see cref="CutAfterBytes"/> of a body, when <see cref="StallMidBody"/> is set, instead of cutting.</summary>
    public bool StallMidBody { get; set; }

    /// <summary>The number of GETs with a body still to be cut after <see cref="CutAfterBytes"/> bytes.</summary>
    public int CutConnections
    {
        get => Volatile.Read(ref _cutsLeft);
        set => Volatile.Write(ref _cutsLeft, value);
    }

    /// <summary>
    /// Waits until no request is being answered (at most 10 s): the requests of a client process that has just exited may
    /// still be in their handlers, counting bytes into <see cref="BytesServed"/>; a test that measures what the next
    /// client moves takes its starting count after this.
    /// </summary>
    public async Task WaitUntilIdleAsync(CancellationToken cancellationToken = default)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (Volatile.Read(ref _inFlight) > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20, cancellationToken);
        }
    }

    /// <summary>Starts a server.</summary>
    public static async Task<LoopbackFileServer> StartAsync()
    {
        LoopbackFileServer server = null!;
        var (app, address) = await LoopbackHttp.StartAsync(context => server.ServeAsync(context));
        server = new LoopbackFileServer(app, Directory.CreateTempSubdirectory("loopback-files-").FullName) { BaseAddress = address };
        return server;
    }

    /// <summary>Serves <paramref name="content"/> at <paramref name="path"/> (replacing a file there: a new ETag); returns its address.</summary>
    public Uri Put(string path, byte[] content)
    {
        var file = Path.Combine(Storage, Guid.NewGuid().ToString("N"));
        File.WriteAllBytes(file, content);
        return PutFile(path, file);
    }

    /// <summary>Serves the file <paramref name="file"/> (which stays where it is) at <paramref name="path"/>; returns its address.</summary>
    public Uri PutFile(string path, string file)
    {
        path = path.TrimStart('/');
        _files[path] = new ServedFile(file, $"\"{Guid.NewGuid():N}\"", DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds()));
        return new Uri(BaseAddress, path);
    }

    /// <summary>Answers <paramref name="path"/> with a <c>302</c> to <paramref name="target"/>.</summary>
    public void Redirect(string path, Uri target) => _redirects[path.TrimStart('/')] = target.AbsoluteUri;

    /// <summary>Answers every request for <paramref name="path"/> with <paramref name="status"/> (and <c>Retry-After: 1</c> for 429 and 503).</summary>
    public void FailWith(string path, int status) => _statuses[path.TrimStart('/')] = status;

    /// <summary>Answers the next <paramref name="count"/> requests for <paramref name="path"/> with <paramref name="status"/>, then serves it again.</summary>
    public void FailNext(string path, int status, int count)
    {
        _statuses[path.TrimStart('/')] = status;
        _failuresLeft[path.TrimStart('/')] = count;
    }

    /// <summary>Stops failing <paramref name="path"/>.</summary>
    public void StopFailing(string path) => _statuses.TryRemove(path.TrimStart('/'), out _);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        try
        {
            Directory.Delete(Storage, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private async Task ServeAsync(HttpContext context)
    {
        var request = context.Request;
        var response = context.Response;
        var path = request.Path.Value!.TrimStart('/');
        long sent = 0;
        var recorded = false;
        Interlocked.Increment(ref _inFlight);
        try
        {
            if (Stall > TimeSpan.Zero)
            {
                await Task.Delay(Stall, context.RequestAborted);
            }

            if (_statuses.TryGetValue(path, out var status) && (!_failuresLeft.ContainsKey(path) || _failuresLeft.AddOrUpdate(path, 0, (_, value) => value - 1) >= 0))
            {
                response.StatusCode = status;
                if (status is 429 or 503)
                {
                    response.Headers.RetryAfter = "1";
                }

                return;
            }

            if (_redirects.TryGetValue(path, out var target))
            {
                response.StatusCode = StatusCodes.Status302Found;
                response.Headers.Location = target;
                return;
            }

            if (!_files.TryGetValue(path, out var file))
            {
                response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }

            if (HttpMethods.IsHead(request.Method) && !SupportsHead)
            {
                response.StatusCode = StatusCodes.Status405MethodNotAllowed;
                return;
            }

            var length = new FileInfo(file.Path).Length;
            response.Headers.ETag = file.ETag;
            response.Headers.LastModified = file.LastModified.ToString("R");
            if (SupportsRanges)
            {
                response.Headers.AcceptRanges = "bytes";
            }

            var (start, end) = (0L, length - 1);
            var ranged = SupportsRanges && RangeHeaderValue.TryParse(request.Headers.Range.ToString(), out var range) && range.Ranges.Count == 1
                && (StringValuesEmpty(request.Headers.IfRange) || request.Headers.IfRange.ToString() == file.ETag || request.Headers.IfRange.ToString() == file.LastModified.ToString("R"));
            if (ranged)
            {
                var item = RangeHeaderValue.Parse(request.Headers.Range.ToString()).Ranges.Single();
                (start, end) = item.From is { } from ? (from, Math.Min(item.To ?? length - 1, length - 1)) : (length - item.To!.Value, length - 1);
                if (start >= length || start > end)
                {
                    response.StatusCode = StatusCodes.Status416RangeNotSatisfiable;
                    response.Headers.ContentRange = $"bytes */{length}";
                    return;
                }

                response.StatusCode = StatusCodes.Status206PartialContent;
                response.Headers.ContentRange = $"bytes {start}-{end}/{length}";
            }

            response.ContentLength = end - start + 1;
            if (HttpMethods.IsHead(request.Method))
            {
                return;
            }

            var cutAt = Interlocked.Decrement(ref _cutsLeft) >= 0 ? CutAfterBytes : long.MaxValue;
            await using var stream = new FileStream(file.Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16, FileOptions.Asynchronous);
            stream.Position = start;
            var buffer = new byte[64 * 1024];
            var remaining = end - start + 1;
            while (remaining > 0)
            {
                var read = await stream.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, Math.Min(remaining, cutAt - sent))), context.RequestAborted);
                if (read == 0)
                {
                    break;
                }

                sent += read;
                Interlocked.Add(ref _bytesServed, read);
                remaining -= read;
                if (remaining == 0)
                {
                    // Recorded before the last bytes go out: a client that has the whole body may be done (and its test
                    // counting requests) before this handler reaches its end.
                    Record(request, path, response.StatusCode, sent);
                    recorded = true;
                }

                await response.Body.WriteAsync(buffer.AsMemory(0, read), context.RequestAborted);
                if (sent >= cutAt && remaining > 0)
                {
                    await response.Body.FlushAsync(context.RequestAborted);
                    if (StallMidBody)
                    {
                        await Task.Delay(Timeout.Infinite, context.RequestAborted);
                    }

                    context.Abort();
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The client went away.
        }
        finally
        {
            if (!recorded)
            {
                Record(request, path, response.StatusCode, sent);
            }

            Interlocked.Decrement(ref _inFlight);
        }
    }

    private void Record(HttpRequest request, string path, int status, long sent) =>
        Requests.Enqueue(new ServedRequest(request.Method, path, NullIfEmpty(request.Headers.Range), NullIfEmpty(request.Headers.IfRange), NullIfEmpty(request.Headers.Authorization), status, sent));

    private static bool StringValuesEmpty(Microsoft.Extensions.Primitives.StringValues values) => values.Count == 0 || string.IsNullOrEmpty(values.ToString());

    private static string? NullIfEmpty(Microsoft.Extensions.Primitives.StringValues values) => StringValuesEmpty(values) ? null : values.ToString();

    private sealed record ServedFile(string Path, string ETag, DateTimeOffset LastModified);
}
