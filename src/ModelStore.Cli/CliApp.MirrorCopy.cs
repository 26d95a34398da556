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
            var request = new StateRequest(item.Key, SourceName(item.Source)) { Sha256 = item.Sha256, Files = item.Bundle?.Patterns is { } patterns ? new FilePatterns(patterns) : null };
            var outcome = await resolver.ResolveAsync(request, cancellationToken).ConfigureAwait(false);
            if (outcome.Failure is { } failure)
            {
                throw new StateResolutionException(failure);
            }

            foreach (var warning in outcome.Warnings)
            {
                await cli.NoteAsync(warning.Message).ConfigureAwait(false);
            }

            var sha256 = outcome.Sha256!;
            if (outcome.Files is { } files)
            {
                return await MirrorBundleAsync(outcome, files, destination, overwrite, cli, cancellationToken).ConfigureAwait(false);
            }

            var replaced = await CopyAsync(destination, item.Key, outcome.Path!, sha256, overwrite, cancellationToken).ConfigureAwait(false);
            if (replaced is null)
            {
                await cli.LineAsync($"skipped  {key}  (already there with the same bytes)").ConfigureAwait(false);
                return new MirrorResult(key, sha256, outcome.Size, "skipped");
            }

            await cli.LineAsync($"copied   {key}  ({ProgressBar.FormatBytes(outcome.Size)}{(replaced == true ? ", replacing other bytes" : "")})").ConfigureAwait(false);
            return new MirrorResult(key, sha256, outcome.Size, "copied") { Replaced = replaced == true ? true : null };
        }
        catch (Exception e) when (e is not OperationCanceledException && ResolutionFailure.FromException(e, key) is { } failure)
        {
            await cli.FailAsync(failure.Code, failure.Message, 1).ConfigureAwait(false);
            return new MirrorResult(key, item.Sha256, null, "failed") { Error = failure.Code, Message = failure.Message };
        }
    }

    // A bundle's files go to the destination by content, where a build that names it in Mirrors looks for them
    // (StateResolver.GetMirrorFilePath); files other bundles already put there are skipped.
    private static async Task<MirrorResult> MirrorBundleAsync(StateResolution outcome, IReadOnlyList<BundleFile> files, IStateStore destination, bool overwrite, CliOutput cli, CancellationToken cancellationToken)
    {
        var key = outcome.Key.ToString();
        if (destination is not IFileAddressableStore byPath)
        {
            throw new StateStoreException(StateStoreError.ReadOnly, $"{destination.Description} cannot hold the files of bundle {key} (it names no file by path); mirror bundles to a Local, S3 or AzureBlob store.", outcome.Key);
        }

        int copied = 0, replaced = 0;
        foreach (var file in files)
        {
            var copy = await CopyAsync(byPath.ForFile(StateResolver.GetMirrorFilePath(file.Sha256)), outcome.Key, Path.Combine(outcome.Path!, file.Path), file.Sha256, overwrite, cancellationToken).ConfigureAwait(false);
            copied += copy is null ? 0 : 1;
            replaced += copy == true ? 1 : 0;
        }

        if (copied == 0)
        {
            await cli.LineAsync($"skipped  {key}  (its {files.Count} files are already there with the same bytes)").ConfigureAwait(false);
            return new MirrorResult(key, outcome.Sha256, outcome.Size, "skipped");
        }

        await cli.LineAsync($"copied   {key}  ({copied} of {files.Count} files, {ProgressBar.FormatBytes(outcome.Size)} in all{(replaced > 0 ? $", {replaced} replacing other bytes" : "")})").ConfigureAwait(false);
        return new MirrorResult(key, outcome.Sha256, outcome.Size, "copied") { Replaced = replaced > 0 ? true : null };
    }

    /// <summary>
    /// Writes the verified <paramref name="blob"/> to <paramref name="destination"/> under <paramref name="key"/>:
    /// <see langword="null"/> when it already holds those bytes (skipped), <see langword="false"/> when written,
    /// <see langword="true"/> when it replaced other bytes (only with <paramref name="overwrite"/>).
    /// </summary>
    private static async Task<bool?> CopyAsync(IStateStore destination, StateKey key, string blob, string sha256, bool overwrite, CancellationToken cancellationToken)
    {
        var replaced = false;
        if (await destination.ExistsAsync(key, cancellationToken).ConfigureAwait(false))
        {
            var held = await HashAsync(destination, key, cancellationToken).ConfigureAwait(false);
            if (held == sha256)
            {
                return null;
            }

            if (!overwrite)
            {
                throw new StateStoreException(StateStoreError.AlreadyExists, $"{destination.Description} holds other bytes under {key} (SHA-256 {held}, not {sha256}); left as it is. Pass --overwrite to replace it.", key);
            }

            replaced = true;
        }

        var stream = new FileStream(blob, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1 << 20, FileOptions.Asynchronous | FileOptions.SequentialScan);
        await using (stream.ConfigureAwait(false))
        {
            await destination.WriteAsync(key, stream, replaced, cancellationToken).ConfigureAwait(false);
        }

        return replaced;
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
    private sealed record MirrorItem(StateKey Key, IStateStore Source, string? Sha256)
    {
        /// <summary>For a bundle, its lock entry addressed to the source (the resolver reads each file's hash from it); else <see langword="null"/>.</summary>
        public StateLockEntry? Bundle { get; init; }
    }

    /// <summary>What happened to one state (a row of the text report and of <c>--json</c>).</summary>
    internal sealed record MirrorResult(string Key, string? Sha256, long? Size, string Result)
    {
        public bool? Replaced { get; init; }

        public string? Error { get; init; }

        public string? Message { get; init; }
    }
}
