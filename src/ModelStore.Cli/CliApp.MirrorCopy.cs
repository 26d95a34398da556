using System.Security.Cryptography;
using ModelStore.Resolution;
using ModelStore.States;
using ModelStore.Stores;

namespace ModelStore.Cli;

// One state of a mirror: origin -> machine-wide cache (verified, resumable) -> destination.
public static partial class CliApp
{
    private static async Task<MirrorResult> MirrorStateAsync(StateResolver resolver, MirrorItem item, IStateStore destination, bool overwrite, CliOutput cli, CancellationToken cancellationToken)
    {
        var key = item.Key.ToString();
        try
        {
            // The cache's copy is what gets uploaded: the resolver re-hashes one found there (its name is only a claim),
            // replaces a damaged one, and with a locked hash refuses other bytes.
            var outcome = await resolver.ResolveAsync(new StateRequest(item.Key, SourceName(item.Source)) { Sha256 = item.Sha256 }, cancellationToken).ConfigureAwait(false);
            if (outcome.Failure is { } failure)
            {
                throw new StateResolutionException(failure);
            }

            foreach (var warning in outcome.Warnings)
            {
                await cli.NoteAsync(warning.Message).ConfigureAwait(false);
            }

            var sha256 = outcome.Sha256!;
            var replaced = false;
            if (await destination.ExistsAsync(item.Key, cancellationToken).ConfigureAwait(false))
            {
                var held = await HashAsync(destination, item.Key, cancellationToken).ConfigureAwait(false);
                if (held == sha256)
                {
                    await cli.LineAsync($"skipped  {key}  (already there with the same bytes)").ConfigureAwait(false);
                    return new MirrorResult(key, sha256, outcome.Size, "skipped");
                }

                if (!overwrite)
                {
                    throw new StateStoreException(StateStoreError.AlreadyExists, $"{destination.Description} holds other bytes under {key} (SHA-256 {held}, not {sha256}); left as it is. Pass --overwrite to replace it.", item.Key);
                }

                replaced = true;
            }

            var blob = new FileStream(outcome.Path!, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1 << 20, FileOptions.Asynchronous | FileOptions.SequentialScan);
            await using (blob.ConfigureAwait(false))
            {
                await destination.WriteAsync(item.Key, blob, replaced, cancellationToken).ConfigureAwait(false);
            }

            await cli.LineAsync($"copied   {key}  ({ProgressBar.FormatBytes(outcome.Size)}{(replaced ? ", replacing other bytes" : "")})").ConfigureAwait(false);
            return new MirrorResult(key, sha256, outcome.Size, "copied") { Replaced = replaced ? true : null };
        }
        catch (Exception e) when (e is not OperationCanceledException && ResolutionFailure.FromException(e, key) is { } failure)
        {
            await cli.FailAsync(failure.Code, failure.Message, 1).ConfigureAwait(false);
            return new MirrorResult(key, item.Sha256, null, "failed") { Error = failure.Code, Message = failure.Message };
        }
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

    /// <summary>One state to mirror: its key, the store to read it from (pinned and narrowed as the lock entry says), and the SHA-256 it must have.</summary>
    private sealed record MirrorItem(StateKey Key, IStateStore Source, string? Sha256);

    /// <summary>What happened to one state (a row of the text report and of <c>--json</c>).</summary>
    private sealed record MirrorResult(string Key, string? Sha256, long? Size, string Result)
    {
        public bool? Replaced { get; init; }

        public string? Error { get; init; }

        public string? Message { get; init; }
    }
}
