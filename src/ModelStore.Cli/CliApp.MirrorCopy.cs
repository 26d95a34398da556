using System.Net.Http;
using System.Security.Cryptography;
using ModelStore.Caching;
using ModelStore.States;
using ModelStore.Stores;

namespace ModelStore.Cli;

// One state of a mirror: origin -> machine-wide cache (verified, resumable) -> destination.
public static partial class CliApp
{
    private static async Task<MirrorResult> MirrorStateAsync(StateCache cache, MirrorItem item, IStateStore destination, bool overwrite, CliOutput cli, CancellationToken cancellationToken)
    {
        var key = item.Key.ToString();
        try
        {
            var source = item.Lock is { } locked ? Narrow(item.Source, locked) : item.Source;
            var state = await FetchVerifiedAsync(cache, source, item.Key, item.Sha256, cli, cancellationToken).ConfigureAwait(false);
            var replaced = false;
            if (await destination.ExistsAsync(item.Key, cancellationToken).ConfigureAwait(false))
            {
                var held = await HashAsync(destination, item.Key, cancellationToken).ConfigureAwait(false);
                if (held == state.Sha256)
                {
                    await cli.LineAsync($"skipped  {key}  (already there with the same bytes)").ConfigureAwait(false);
                    return new MirrorResult(key, state.Sha256, state.Size, "skipped");
                }

                if (!overwrite)
                {
                    throw new StateStoreException(StateStoreError.AlreadyExists, $"{destination.Description} holds other bytes under {key} (SHA-256 {held}, not {state.Sha256}); left as it is. Pass --overwrite to replace it.", item.Key);
                }

                replaced = true;
            }

            var blob = new FileStream(state.BlobPath, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1 << 20, FileOptions.Asynchronous | FileOptions.SequentialScan);
            await using (blob.ConfigureAwait(false))
            {
                await destination.WriteAsync(item.Key, blob, replaced, cancellationToken).ConfigureAwait(false);
            }

            await cli.LineAsync($"copied   {key}  ({ProgressBar.FormatBytes(state.Size)}{(replaced ? ", replacing other bytes" : "")})").ConfigureAwait(false);
            return new MirrorResult(key, state.Sha256, state.Size, "copied") { Replaced = replaced ? true : null };
        }
        catch (Exception e) when (e is StateStoreException or ArgumentException or TimeoutException or IOException or HttpRequestException or UnauthorizedAccessException)
        {
            var code = e switch
            {
                StateStoreException failure => failure.Error.ToString(),
                ArgumentException => "InvalidStore",
                TimeoutException => "Timeout",
                HttpRequestException => "Unreachable",
                _ => "Cache",
            };
            var message = Downloads.UrlRedaction.RedactText(e.Message);
            await cli.FailAsync(code, $"{key}: {message}", 1).ConfigureAwait(false);
            return new MirrorResult(key, item.Sha256, null, "failed") { Error = code, Message = message };
        }
    }

    // The cache's copy is what gets uploaded: one found there is re-hashed first (its name is only a claim), and a damaged
    // one is dropped and fetched again. With a locked hash, the fetch refuses other bytes.
    private static async Task<CachedState> FetchVerifiedAsync(StateCache cache, IStateStore source, StateKey key, string? expectedSha256, CliOutput cli, CancellationToken cancellationToken)
    {
        if (cache.TryGet(source.Id, key) is { } cached && (expectedSha256 is null || cached.Sha256 == expectedSha256) && !await StateCache.VerifyAsync(cached, cancellationToken).ConfigureAwait(false))
        {
            await cli.NoteAsync($"The cached copy of {key} ({cached.BlobPath}) was damaged; fetching it again.").ConfigureAwait(false);
            cache.Remove(cached.StoreId, key);
            File.Delete(cached.BlobPath);
        }

        return await FetchAsync(cache, source, key, expectedSha256, cli, cancellationToken).ConfigureAwait(false);
    }

    // No store offers an exact content hash of what it holds (S3 and Azure checksums depend on how an object was
    // uploaded; a GitHub asset is gzip), so the destination's bytes are streamed through SHA-256.
    private static async Task<string> HashAsync(IStateStore store, StateKey key, CancellationToken cancellationToken)
    {
        using var hasher = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var stream = await store.OpenReadAsync(key, cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            var buffer = new byte[1 << 20];
            int read;
            while ((read = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                hasher.AppendData(buffer, 0, read);
            }
        }

        return Convert.ToHexStringLower(hasher.GetHashAndReset());
    }

    /// <summary>One state to mirror: its key, the store to read it from, the SHA-256 it must have, and its lock entry.</summary>
    private sealed record MirrorItem(StateKey Key, IStateStore Source, string? Sha256)
    {
        public LockedState? Lock { get; init; }
    }

    /// <summary>What happened to one state (a row of the text report and of <c>--json</c>).</summary>
    private sealed record MirrorResult(string Key, string? Sha256, long? Size, string Result)
    {
        public bool? Replaced { get; init; }

        public string? Error { get; init; }

        public string? Message { get; init; }
    }
}
