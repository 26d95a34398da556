namespace ModelStore.Downloads;

/// <summary>
/// How downloads that run side by side share connections: together they open no more streams at once than one download
/// would alone (<see cref="ChunkedDownloadOptions.Parallelism"/>, 4 by default). A download sharing the budget with
/// <c>n</c> others in flight gets <c>Parallelism / n</c> streams of <see cref="ChunkedDownloadOptions.ChunkSize"/>
/// ranges; when that is one stream, it reads the whole file in one request, in order (as huggingface_hub's workers and
/// <c>aria2c -j</c> do), so its hash follows the bytes as they arrive and nothing is read back. A whole-file read still
/// resumes from its journal's mid-chunk checkpoints, and a resumed download keeps the chunks its journal recorded.
/// </summary>
/// <remarks>
/// Many ranged streams per file on top of many files in flight cost requests, context switches and chunks that land
/// ahead of the hash (kept in memory or read back) without moving more bytes: a 4-shard snapshot read as 4 × 4 streams
/// of 8 MiB ranges took 134 requests where 4 whole-file streams take 10. The resolver sets the share (see
/// <see cref="Resolution.StateResolver"/>'s bundles); other callers download alone with their options as given.
/// </remarks>
internal static class ConnectionBudget
{
    // The number of downloads in flight the current flow shares the budget with (itself included); 0 or 1: alone.
    private static readonly AsyncLocal<int> SharedBy = new();

    /// <summary>Until disposed, the downloads this flow starts share the budget with <paramref name="downloads"/> in flight (itself included).</summary>
    public static IDisposable Share(int downloads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(downloads, 1);
        var previous = SharedBy.Value;
        SharedBy.Value = downloads;
        return new Scope(previous);
    }

    /// <summary>The options of one download of <paramref name="size"/> bytes under the current share: its streams and its chunk size.</summary>
    public static ChunkedDownloadOptions Apply(ChunkedDownloadOptions options, long size)
    {
        ArgumentNullException.ThrowIfNull(options);
        var downloads = SharedBy.Value;
        if (downloads <= 1)
        {
            return options;
        }

        var streams = Math.Max(1, options.Parallelism / downloads);
        return streams > 1 ? options.Split(options.ChunkSize, streams)
            : options.Split(Math.Max(options.ChunkSize, size), 1);
    }

    private sealed class Scope(int previous) : IDisposable
    {
        public void Dispose() => SharedBy.Value = previous;
    }
}
