using System.Net;

namespace ModelStore.Downloads;

/// <summary>The HTTP client the core's HTTP-based stores share when given none.</summary>
internal static class HttpTransport
{
    /// <summary>
    /// One client for the process: pooled connections renewed every few minutes (DNS changes), redirects followed
    /// (at most 10), no transparent decompression (the bytes must be the stored bytes), a bounded connect time, and
    /// <see cref="HttpResilience"/>'s bounded waits and retries (each request may carry its store's own).
    /// </summary>
    public static HttpClient Shared { get; } = new(HttpResilience.CreateHandler(new SocketsHttpHandler
    {
        AllowAutoRedirect = true,
        MaxAutomaticRedirections = 10,
        AutomaticDecompression = DecompressionMethods.None,
        ConnectTimeout = TimeSpan.FromSeconds(30),
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
    }))
    {
        // The resilience handler bounds each request; the client's own timeout would cut it short without a clear error.
        Timeout = Timeout.InfiniteTimeSpan,
        DefaultRequestHeaders = { { "User-Agent", "ModelStore.Build" } },
    };
}
