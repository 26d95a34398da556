using System.Security.Cryptography;
using System.Text.Json;
using ModelStore.States;

namespace ModelStore.Caching;

/// <summary>What <see cref="StateCache.VerifyEntriesAsync"/> found for one index entry.</summary>
public enum CacheEntryStatus
{
    /// <summary>The blob is there, has the entry's SHA-256 and size.</summary>
    Ok,

    /// <summary>The entry's blob is not in the cache.</summary>
    BlobMissing,

    /// <summary>The blob does not have the SHA-256 it is named after: its bytes changed on disk.</summary>
    BlobCorrupt,

    /// <summary>The blob is sound, but the entry records another size for it: the entry is wrong, not the blob.</summary>
    EntryMismatch,

    /// <summary>The entry cannot be read (malformed JSON, no valid key or SHA-256).</summary>
    Unreadable,
}

/// <summary>One index entry as <see cref="StateCache.VerifyEntriesAsync"/> found it.</summary>
/// <param name="IndexPath">The entry's file.</param>
/// <param name="StoreId">The store it records, when readable.</param>
/// <param name="Key">The state it records, when readable.</param>
/// <param name="Sha256">The SHA-256 it records, when readable.</param>
/// <param name="Size">The size it records (0 when unreadable).</param>
/// <param name="Status">What was found.</param>
public sealed record CacheEntryCheck(string IndexPath, string? StoreId, StateKey? Key, string? Sha256, long Size, CacheEntryStatus Status);

public sealed partial class StateCache
{
    /// <summary>
    /// Checks every index entry against its blob: present, hashing to its name, with the entry's size. Unlike
    /// <see cref="EnumerateStates"/>, entries whose blob is missing or does not match are reported, not skipped. Nothing
    /// is changed; <see cref="Discard(CacheEntryCheck)"/> removes what a check found wrong.
    /// </summary>
    public async IAsyncEnumerable<CacheEntryCheck> VerifyEntriesAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var index = Path.Combine(Root, "index");
        if (!Directory.Exists(index))
        {
            yield break;
        }

        foreach (var file in Directory.EnumerateFiles(index, "*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            cancellationToken.ThrowIfCancellationRequested();
            IndexEntry? entry;
            try
            {
                entry = JsonSerializer.Deserialize(File.ReadAllBytes(file), IndexJson.Default.IndexEntry);
            }
            catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
            {
                entry = null;
            }

            if (entry is null || !IsSha256(entry.Sha256) || !StateKey.TryParse(entry.Key, out var key) || string.IsNullOrWhiteSpace(entry.Store))
            {
                yield return new CacheEntryCheck(file, entry?.Store, null, null, 0, CacheEntryStatus.Unreadable);
                continue;
            }

            var status = await CheckBlobAsync(GetBlobPath(entry.Sha256), entry.Sha256, entry.Size, cancellationToken).ConfigureAwait(false);
            yield return new CacheEntryCheck(file, entry.Store, key, entry.Sha256, entry.Size, status);
        }
    }

    /// <summary>
    /// Removes what <paramref name="check"/> found wrong: the index entry (the state is fetched again next time), and the
    /// blob only when it fails its own hash (a sound blob may serve other entries).
    /// </summary>
    public void Discard(CacheEntryCheck check)
    {
        ArgumentNullException.ThrowIfNull(check);
        if (check.Status == CacheEntryStatus.Ok)
        {
            return;
        }

        if (check.Status == CacheEntryStatus.BlobCorrupt && check.Sha256 is { } sha256)
        {
            DropBundlesSharing(GetBlobPath(sha256));
            IO.AtomicFile.Discard(GetBlobPath(sha256));
        }

        IO.AtomicFile.Discard(check.IndexPath);
    }

    private static async Task<CacheEntryStatus> CheckBlobAsync(string blob, string sha256, long size, CancellationToken cancellationToken)
    {
        try
        {
            var stream = new FileStream(blob, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1 << 20, FileOptions.Asynchronous | FileOptions.SequentialScan);
            await using (stream.ConfigureAwait(false))
            {
                var hash = Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false));
                return !string.Equals(hash, sha256, StringComparison.Ordinal) ? CacheEntryStatus.BlobCorrupt
                    : stream.Length != size ? CacheEntryStatus.EntryMismatch
                    : CacheEntryStatus.Ok;
            }
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return CacheEntryStatus.BlobMissing;
        }
    }
}
