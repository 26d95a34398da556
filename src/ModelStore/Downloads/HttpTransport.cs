using System.Net;

namespace ModelStore.Downloads;

/// <summary>The HTTP client the core's HTTP-based stores share when given none.</summary>
internal static class HttpTransport
{
    /// <summary>How long a request may wait for its response headers (reads of a body are bounded by the downloader).</summary>
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(60);

    /// <summary>
    /// One client for the process: pooled connections renewed every few minutes (DNS changes), redirects followed
    /// (at most 10), no transparent decompression (the bytes must be the stored bytes), a bounded connect and request time.
    /// </summary>
    public static HttpClient Shared { get; } = new(new SocketsHttpHandler
    {
        AllowAutoRedirect = true,
        MaxAutomaticRedirections = 10,
        AutomaticDecompression = DecompressionMethods.None,
        ConnectTimeout = TimeSpan.FromSeconds(30),
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
    })
    {
        Timeout = RequestTimeout,
        DefaultRequestHeaders = { { "User-Agent", "ModelStore.Build" } },
    };
}
