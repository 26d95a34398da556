using System.Buffers;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using ModelStore.IO;
using ModelStore.States;
using ModelStore.Stores;

namespace ModelStore.Caching;

/// <summary>
/// The machine-wide cache of states: content-addressed blobs, an index from (store, key) to blob, and a
/// lock per state so that concurrent processes fetch each state once.
/// </summary>
/// <remarks>
/// Layout under <see cref="Root"/> (<c>~/.modelstore</c>, or <c>$MODELSTORE_HOME</c>):
/// <code>
/// blobs/sha256/{ab}/{abcdef...}     the bytes, named by their SHA-256
/// index/{store}/{key}.json          (store, key) → sha256 and size
/// stamps/sha256/{ab}/{abcdef...}    what the file system said of the blob when it was last hashed (see CheckBlobAsync)
/// locks/{hash}.lock                 the lock file of a (store, key); on Linux also a byte of locks/.ranges, all a small state takes (see CrossProcessLock)
/// tmp/                              downloads in progress, never visible under a real name
/// </code>
/// Every insert hashes the bytes as they are written and checks them against the expected hash when one
/// is given; blobs and index entries appear by atomic rename only.
/// </remarks>
public sealed partial class StateCache
{
    /// <summary>The environment variable that overrides the cache root.</summary>
    public const string HomeVariable = "MODELSTORE_HOME";

    /// <summary>Opens the cache at <paramref name="root"/> (created on first write).</summary>
    public StateCache(string root)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        Root = Path.GetFullPath(root);
    }

    /// <summary>The cache at <see cref="DefaultRoot"/>.</summary>
    public static StateCache Default => new(DefaultRoot);

    /// <summary><c>$MODELSTORE_HOME</c> when set, else <c>~/.modelstore</c>.</summary>
    public static string DefaultRoot
    {
        get
        {
            var home = Environment.GetEnvironmentVariable(HomeVariable);
            return string.IsNullOrWhiteSpace(home)
                ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".modelstore")
                : home;
        }
    }

    /// <summary>The cache's root folder.</summary>
    public string Root { get; }

    /// <summary>How long to wait for another process fetching the same state.</summary>
    public TimeSpan LockTimeout { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>The path of the blob with the given SHA-256 (it may not exist).</summary>
    public string GetBlobPath(string sha256)
    {
        var hash = NormalizeSha256(sha256);
        return Path.Combine(Root, "blobs", "sha256", hash[..2], hash);
    }

    /// <summary>Returns the cached state for (store, key) if its index entry and blob are present; does not re-hash.</summary>
    public CachedState? TryGet(string storeId, StateKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var indexPath = GetIndexPath(storeId, key);
        if (!File.Exists(indexPath))
        {
            return null;
        }

        IndexEntry? entry;
        try
        {
            entry = JsonSerializer.Deserialize(File.ReadAllBytes(indexPath), IndexJson.Default.IndexEntry);
        }
        catch (JsonException)
        {
            return null;
        }
        catch (IOException)
        {
            return null;
        }

        if (entry is null || !IsSha256(entry.Sha256))
        {
            return null;
        }

        var blob = GetBlobPath(entry.Sha256);
        var info = new FileInfo(blob);
        return info.Exists && info.Length == entry.Size ? new CachedState(storeId, key, entry.Sha256, entry.Size, blob) : null;
    }

    /// <summary>
    /// Returns the cached state for (store, key), fetching it with <paramref name="open"/> when it is missing.
    /// Concurrent callers in any process wait for one fetch.
    /// </summary>
    /// <param name="storeId">A stable identity of the store (kind and location, never credentials).</param>
    /// <param name="key">The state.</param>
    /// <param name="open">Opens the state's bytes at the store.</param>
    /// <param name="expectedSha256">When given, the fetched bytes must have this hash (also checked for a cache hit).</param>
    /// <param name="progress">Receives the number of bytes fetched so far.</param>
    /// <param name="cancellationToken">Cancels the fetch; nothing partial is left behind.</param>
    /// <exception cref="StateStoreException"><see cref="StateStoreError.IntegrityMismatch"/> when the bytes do not match <paramref name="expectedSha256"/>.</exception>
    public async Task<CachedState> GetOrFetchAsync(
        string storeId,
        StateKey key,
        Func<CancellationToken, Task<Stream>> open,
        string? expectedSha256 = null,
        IProgress<long>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(open);
        return await GetOrFetchCoreAsync(
            storeId,
            key,
            expectedSha256,
            async token =>
            {
                var source = await open(token).ConfigureAwait(false);
                await using (source.ConfigureAwait(false))
                {
                    return await InsertLockedAsync(storeId, key, source, expectedSha256, expectedSize: null, progress, token).ConfigureAwait(false);
                }
            },
            cancellationToken).ConfigureAwait(false);
    }

    // The cache hit, the cross-process lock and the pinned-blob reuse shared by every fetch; fetchLocked runs under the lock.
    // createLockFile false: the state's lock without a lock file on Linux (see CrossProcessLock), for small states only.
    private async Task<CachedState> GetOrFetchCoreAsync(string storeId, StateKey key, string? expectedSha256, Func<CancellationToken, Task<CachedState>> fetchLocked, CancellationToken cancellationToken, bool createLockFile = true)
    {
        using var activity = StartFetch(storeId, key);
        var hit = TryGetMatching(storeId, key, expectedSha256);
        if (hit is not null)
        {
            return Hit(activity, hit);
        }

        using var held = await CrossProcessLock.AcquireAsync(GetLockPath(storeId, key), LockTimeout, createLockFile, cancellationToken).ConfigureAwait(false);

        // Another process may have fetched it while this one waited for the lock.
        hit = TryGetMatching(storeId, key, expectedSha256);
        if (hit is not null)
        {
            return Hit(activity, hit);
        }

        // A blob with the pinned hash may already be here under another store or key; its name is only a
        // claim, so it is re-hashed before it is trusted (a damaged one is replaced by the fetch below).
        if (expectedSha256 is not null && File.Exists(GetBlobPath(expectedSha256)))
        {
            var sha256 = NormalizeSha256(expectedSha256);
            var blob = GetBlobPath(sha256);
            var candidate = new CachedState(storeId, key, sha256, new FileInfo(blob).Length, blob);
            if (await VerifyAsync(candidate, cancellationToken).ConfigureAwait(false))
            {
                return Hit(activity, await IndexAsync(storeId, key, sha256, candidate.Size, cancellationToken).ConfigureAwait(false));
            }

            Log.Damaged(Logger, key.ToString(), sha256);
        }

        var started = Missed(activity, storeId, key);
        var fetched = await fetchLocked(cancellationToken).ConfigureAwait(false);
        Fetched(fetched, started);
        return fetched;
    }

    /// <summary>Adds bytes to the cache under (store, key), verifying <paramref name="expectedSha256"/> when given.</summary>
    public async Task<CachedState> AddAsync(string storeId, StateKey key, Stream content, string? expectedSha256 = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        using var held = await CrossProcessLock.AcquireAsync(GetLockPath(storeId, key), LockTimeout, cancellationToken).ConfigureAwait(false);
        return await InsertLockedAsync(storeId, key, content, expectedSha256, expectedSize: null, progress: null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Re-hashes a cached blob; returns whether it still has the recorded hash and size.</summary>
    public static async Task<bool> VerifyAsync(CachedState state, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(state);
        using var activity = Diagnostics.ModelStoreTelemetry.Source.StartActivity(Diagnostics.ModelStoreTelemetry.VerifyActivity);
        activity?.SetTag(Diagnostics.ModelStoreTelemetry.KeyTag, state.Key.ToString());
        try
        {
            var stream = new FileStream(state.BlobPath, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1 << 20, FileOptions.Asynchronous | FileOptions.SequentialScan);
            await using (stream.ConfigureAwait(false))
            {
                if (stream.Length != state.Size)
                {
                    return false;
                }

                var hash = await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false);
                CountTransfer(state.StoreId, downloaded: 0, verified: state.Size);
                return string.Equals(Convert.ToHexStringLower(hash), state.Sha256, StringComparison.Ordinal);
            }
        }
        catch (FileNotFoundException)
        {
            return false;
        }
        catch (DirectoryNotFoundException)
        {
            return false;
        }
    }

    /// <summary>Lists every indexed state whose blob is present.</summary>
    public IEnumerable<CachedState> EnumerateStates()
    {
        var index = Path.Combine(Root, "index");
        if (!Directory.Exists(index))
        {
            yield break;
        }

        foreach (var file in Directory.EnumerateFiles(index, "*.json", SearchOption.AllDirectories))
        {
            IndexEntry? entry;
            try
            {
                entry = JsonSerializer.Deserialize(File.ReadAllBytes(file), IndexJson.Default.IndexEntry);
            }
            catch (Exception e) when (e is JsonException or IOException)
            {
                continue;
            }

            if (entry is not null && StateKey.TryParse(entry.Key, out var key))
            {
                var state = TryGet(entry.Store, key);
                if (state is not null)
                {
                    yield return state;
                }
            }
        }
    }

    /// <summary>When the cached state was fetched (from its index entry), or <see langword="null"/> when unknown.</summary>
    public DateTimeOffset? GetFetchedUtc(CachedState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllBytes(GetIndexPath(state.StoreId, state.Key)), IndexJson.Default.IndexEntry)?.FetchedUtc;
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Removes the index entry of (store, key); the blob stays until <see cref="RemoveUnreferencedBlobs"/>.</summary>
    public bool Remove(string storeId, StateKey key)
    {
        var path = GetIndexPath(storeId, key);
        if (!File.Exists(path))
        {
            return false;
        }

        File.Delete(path);
        return true;
    }

    /// <summary>
    /// Deletes blobs that no index entry refers to, and the partial downloads no live process is working on (see
    /// <see cref="RemoveAbandonedDownloads"/>); returns the bytes freed.
    /// </summary>
    public long RemoveUnreferencedBlobs()
    {
        var referenced = EnumerateStates().Select(state => state.Sha256).ToHashSet(StringComparer.Ordinal);
        long freed = 0;
        var blobs = Path.Combine(Root, "blobs", "sha256");
        if (Directory.Exists(blobs))
        {
            foreach (var file in Directory.EnumerateFiles(blobs, "*", SearchOption.AllDirectories))
            {
                if (!referenced.Contains(Path.GetFileName(file)))
                {
                    freed += new FileInfo(file).Length;
                    DropBundlesSharing(file);
                    File.Delete(file);
                }
            }
        }

        return freed + RemoveAbandonedDownloads();
    }

    /// <summary>Normalizes and validates a hex SHA-256.</summary>
    /// <exception cref="ArgumentException">Not 64 hex digits.</exception>
    public static string NormalizeSha256(string sha256)
    {
        ArgumentNullException.ThrowIfNull(sha256);
        var lower = sha256.Trim().ToLowerInvariant();
        return IsSha256(lower) ? lower : throw new ArgumentException($"\"{sha256}\" is not a SHA-256: expected 64 hexadecimal digits.", nameof(sha256));
    }

    private static bool IsSha256(string? text) =>
        text is { Length: 64 } && text.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f');

    private CachedState? TryGetMatching(string storeId, StateKey key, string? expectedSha256)
    {
        var hit = TryGet(storeId, key);
        return hit is not null && (expectedSha256 is null || string.Equals(hit.Sha256, NormalizeSha256(expectedSha256), StringComparison.Ordinal))
            ? hit
            : null;
    }

    // The bytes are hashed from memory as they are written, flushed to disk once and renamed into the blobs: the one durable
    // write of a fetch (the index entry after it is a hint, see IndexAsync).
    private async Task<CachedState> InsertLockedAsync(string storeId, StateKey key, Stream source, string? expectedSha256, long? expectedSize, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        var expected = expectedSha256 is null ? null : NormalizeSha256(expectedSha256);
        var tmpFolder = Path.Combine(Root, "tmp");
        Folder.Ensure(tmpFolder);
        // One name per (store, key), used under the state's lock: what a killed fetch left is replaced, never piled up.
        var temporaryPath = Path.Combine(tmpFolder, StateStem(storeId, key) + AtomicFile.PartialSuffix);
        try
        {
            string actual;
            long size = 0;
            // Written on this thread, a whole buffer at a time: an asynchronous FileStream makes the same pwrite on a thread of
            // the pool, a hop for every write, and allocates a buffer of its own for every state.
            using (var target = LinkSafeFile.OpenHandle(temporaryPath, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                var total = source.CanSeek ? source.Length - source.Position : expectedSize;
                if (total is { } known && progress is Downloads.IDownloadProgress sized)
                {
                    sized.ReportTotal(known);
                }

                using var hasher = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

                // A small state needs a small buffer (one more byte than it has, so that its end is one read away and it is
                // written at once); a size from a lock file is only a claim, so a wrong one costs reads, never correctness.
                // Rented: a restore of many small states reuses a few buffers instead of allocating one per state.
                var buffer = ArrayPool<byte>.Shared.Rent(total is { } length and < (1 << 20) ? (int)Math.Max(length + 1, 1 << 16) : 1 << 20);
                try
                {
                    var filled = 0;
                    int read;
                    var lastReport = Stopwatch.StartNew();
                    while ((read = await source.ReadAsync(buffer.AsMemory(filled), cancellationToken).ConfigureAwait(false)) > 0)
                    {
                        hasher.AppendData(buffer, filled, read);
                        filled += read;
                        size += read;
                        if (filled == buffer.Length)
                        {
                            RandomAccess.Write(target, buffer.AsSpan(0, filled), size - filled);
                            filled = 0;
                        }

                        if (progress is not null && lastReport.ElapsedMilliseconds >= 250)
                        {
                            progress.Report(size);
                            lastReport.Restart();
                        }
                    }

                    RandomAccess.Write(target, buffer.AsSpan(0, filled), size - filled);
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }

                progress?.Report(size);
                actual = Convert.ToHexStringLower(hasher.GetHashAndReset());
                cancellationToken.ThrowIfCancellationRequested();
                RandomAccess.FlushToDisk(target);
            }

            if (expected is not null && !string.Equals(expected, actual, StringComparison.Ordinal))
            {
                throw new StateStoreException(
                    StateStoreError.IntegrityMismatch,
                    $"State {key} from {storeId} has SHA-256 {actual} ({size} bytes), but {expected} was expected. The download was discarded.",
                    key);
            }

            CountTransfer(storeId, downloaded: size, verified: size);
            await PlaceBlobAsync(temporaryPath, actual, cancellationToken).ConfigureAwait(false);
            return await IndexAsync(storeId, key, actual, size, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            AtomicFile.Discard(temporaryPath);
            throw;
        }
    }

    // The entry appears by rename (never half-written to a reader), but is not flushed to disk: it is a hint that every reader
    // checks against the blob (TryGet: parsed defensively, the blob present with its size; a pinned hash never reads it),
    // so one lost or torn by a power cut reads as a miss, and the blob, flushed before it, is found again by its hash.
    private async Task<CachedState> IndexAsync(string storeId, StateKey key, string sha256, long size, CancellationToken cancellationToken)
    {
        var entry = new IndexEntry(storeId, key.ToString(), sha256, size, DateTimeOffset.UtcNow);
        var path = GetIndexPath(storeId, key);
        var temporary = AtomicFile.CreateTemporary(path, out var temporaryPath);
        try
        {
            await using (temporary.ConfigureAwait(false))
            {
                await temporary.WriteAsync(JsonSerializer.SerializeToUtf8Bytes(entry, IndexJson.Default.IndexEntry), cancellationToken).ConfigureAwait(false);
            }

            File.Move(temporaryPath, path, overwrite: true);
        }
        catch
        {
            AtomicFile.Discard(temporaryPath);
            throw;
        }

        return new CachedState(storeId, key, sha256, size, GetBlobPath(sha256));
    }

    private string GetIndexPath(string storeId, StateKey key) =>
        Path.Combine(Root, "index", StoreFolder(storeId), LocalStateStore.GetFileName(key)[..^LocalStateStore.Extension.Length] + ".json");

    internal string GetLockPath(string storeId, StateKey key) => GetLockPath(StateStem(storeId, key));

    // The lock of a stem; every temporary file of (store, key) in tmp/ starts with the same stem, so clean can tell
    // whether a live process still works on it.
    private string GetLockPath(string stem) => Path.Combine(Root, "locks", stem + ".lock");

    private static string StateStem(string storeId, StateKey key) => ShortHash($"{storeId}\n{key}");

    // Store ids are free text (URLs, paths): the folder gets a readable, file-system-safe prefix plus a hash.
    private static string StoreFolder(string storeId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(storeId);
        var readable = new StringBuilder();
        foreach (var ch in storeId)
        {
            if (readable.Length >= 40)
            {
                break;
            }

            readable.Append(char.IsAsciiLetterOrDigit(ch) || ch is '-' or '_' ? ch : '_');
        }

        return $"{readable}-{ShortHash(storeId)}";
    }

    private static string ShortHash(string text) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16];

    private sealed record IndexEntry(string Store, string Key, string Sha256, long Size, DateTimeOffset FetchedUtc);

    // Source-generated (and so precompiled with the rest of the assembly): no reflection or emitted accessors on the first
    // read or write of an entry, which every command does. The same JSON as the reflection serializer wrote.
    [JsonSourceGenerationOptions(WriteIndented = true)]
    [JsonSerializable(typeof(IndexEntry))]
    private sealed partial class IndexJson : JsonSerializerContext;
}
