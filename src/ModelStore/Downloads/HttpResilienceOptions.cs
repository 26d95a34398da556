namespace ModelStore.Downloads;

/// <summary>
/// How long an HTTP request to a store may wait and how often it is tried again (<see cref="HttpResilience"/>): the
/// settings <c>RequestTimeoutSeconds</c> and <c>MaxRetries</c> of the HTTP-based stores.
/// </summary>
public sealed class HttpResilienceOptions
{
    /// <summary>
    /// The longest a request may wait for its answer (the response headers), its retries included; a server that
    /// accepts the connection and never answers fails with <see cref="Stores.StateStoreError.Timeout"/> after it.
    /// 60 s by default. Reading a response body is bounded separately, per read (<see cref="ChunkedDownloadOptions.ReadTimeout"/>).
    /// </summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// How many times a <c>GET</c> or <c>HEAD</c> is tried again after a transient failure (a refused or reset
    /// connection, a name that did not resolve, HTTP 408, 500, 502, 503, 504, or 429 with a short <c>Retry-After</c>),
    /// within <see cref="RequestTimeout"/>. 3 by default; 0 disables retries. Other methods (uploads) are never retried here.
    /// </summary>
    public int MaxRetries { get; init; } = 3;

    /// <summary>The wait before the first retry; it doubles at each following one, with jitter. 500 ms by default.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// The longest wait a <c>Retry-After</c> (or an exhausted <c>RateLimit</c> window) of a 429 or 503 may ask for and
    /// still be waited out before a retry; a server asking for more is answered at once with the error and the wait it
    /// asked for. 10 s by default.
    /// </summary>
    public TimeSpan MaxRateLimitWait { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The defaults.</summary>
    public static HttpResilienceOptions Default { get; } = new();

    /// <summary>Checks the values.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range.</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(RequestTimeout, TimeSpan.Zero, nameof(RequestTimeout));
        ArgumentOutOfRangeException.ThrowIfNegative(MaxRetries, nameof(MaxRetries));
        ArgumentOutOfRangeException.ThrowIfLessThan(RetryDelay, TimeSpan.Zero, nameof(RetryDelay));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxRateLimitWait, TimeSpan.Zero, nameof(MaxRateLimitWait));
    }
}
