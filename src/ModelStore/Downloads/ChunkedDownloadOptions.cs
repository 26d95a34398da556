namespace ModelStore.Downloads;

/// <summary>How <see cref="ChunkedDownloader"/> splits, parallelises and retries a download.</summary>
public sealed class ChunkedDownloadOptions
{
    // The smallest ChunkSize: also the smallest a download journal left on disk may record.
    internal const long MinChunkSize = 64 * 1024;

    /// <summary>The size of each ranged read, and the unit of resumption. 8 MiB by default; at least 64 KiB.</summary>
    public long ChunkSize { get; init; } = 8L * 1024 * 1024;

    /// <summary>How many chunks are read at once (each holds one 256 KiB segment while it writes). 4 by default.</summary>
    public int Parallelism { get; init; } = 4;

    /// <summary>
    /// How many times a chunk is tried again after a transient failure (connection cut, timeout, rate limit, server
    /// error), continuing from the bytes it already wrote. 3 by default; 0 disables retries.
    /// </summary>
    public int MaxRetries { get; init; } = 3;

    /// <summary>The wait before the first retry; it doubles at each following one (with jitter). 500 ms by default.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// The longest wait for the next bytes of a response before the read counts as a timeout (a transient failure,
    /// retried). 60 s by default.
    /// </summary>
    public TimeSpan ReadTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The defaults.</summary>
    public static ChunkedDownloadOptions Default { get; } = new();

    /// <summary>These options with another split: every other value (retries, waits) kept.</summary>
    internal ChunkedDownloadOptions Split(long chunkSize, int parallelism) => new()
    {
        ChunkSize = chunkSize,
        Parallelism = parallelism,
        MaxRetries = MaxRetries,
        RetryDelay = RetryDelay,
        ReadTimeout = ReadTimeout,
    };

    /// <summary>Checks the values.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range.</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(ChunkSize, MinChunkSize, nameof(ChunkSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(Parallelism, 1, nameof(Parallelism));
        ArgumentOutOfRangeException.ThrowIfNegative(MaxRetries, nameof(MaxRetries));
        ArgumentOutOfRangeException.ThrowIfLessThan(RetryDelay, TimeSpan.Zero, nameof(RetryDelay));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ReadTimeout, TimeSpan.Zero, nameof(ReadTimeout));
    }
}
