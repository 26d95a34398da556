using System.Net.Http;
using Microsoft.Build.Framework;
using ModelStore.Caching;
using ModelStore.States;
using ModelStore.Stores;

namespace ModelStore.Build.Tasks;

public sealed partial class ResolveModelStates
{
    /// <summary>Resolves one state to verified cached bytes, or logs why it cannot and returns <see langword="null"/>.</summary>
    private ResolvedState? Resolve(StateRequest request, DeclaredStores stores, IReadOnlyDictionary<string, LockEntry> locked, StateCache cache, CancellationToken cancellationToken)
    {
        var spec = request.Key.ToString();
        if (!TryGetExpectedHash(request, locked, out var expected, out var expectedSize))
        {
            return null;
        }

        try
        {
            var cached = FindVerified(request, expected, expectedSize, stores, cache, out var damaged, cancellationToken);
            if (cached is null && damaged && Offline)
            {
                return null; // MST0004 already logged.
            }

            if (cached is null && Offline)
            {
                var hint = expected is null
                    ? "Build once online (without ModelStoreOffline) to fill the cache and write the lock file"
                    : $"Build once online to fetch it (expected SHA-256 {expected})";
                Error(ErrorCodes.OfflineMiss, $"ModelState '{spec}' is not in the cache at '{cache.Root}' and ModelStoreOffline is true, so no store is contacted. {hint}, or copy the cache from a machine that has it.");
                return null;
            }

            if (cached is null && !Offline)
            {
                cached = Fetch(request, expected, stores, cache, cancellationToken);
            }

            return cached is null ? null : new ResolvedState(
                request.Key,
                request.Item.ItemSpec.Trim(),
                request.Store,
                cached.Sha256,
                cached.Size,
                cached.BlobPath,
                request.AccessorName,
                request.CopyToOutput ? StateDescriptor.OutputRelativePath(request.Key) : null)
            {
                StateDictPath = StateDictPathMetadata.TryRead(request.Item, out var stateDictPath, out _) ? stateDictPath : null,
            };
        }
        catch (StateStoreException e) when (e.Error == StateStoreError.NotFound)
        {
            Error(ErrorCodes.NotInStore, $"ModelState '{spec}' is not in store '{request.Store}' ({SafeDescription(stores, request.Store)}). {CompatibleKeys(request, stores, cancellationToken)}");
        }
        catch (StateStoreException e) when (e.Error == StateStoreError.IntegrityMismatch)
        {
            var source = request.PinnedSha256 is not null ? "its Sha256 metadata" : $"the lock file '{LockFile}'";
            Error(ErrorCodes.HashMismatch, $"ModelState '{spec}': the bytes in store '{request.Store}' do not match the SHA-256 expected by {source}. {e.Message} If the state was republished on purpose, update the pin or delete its entry from the lock file; otherwise the store content changed and should be checked.");
        }
        catch (StateStoreException e)
        {
            Error(ErrorCodes.StoreError, $"ModelState '{spec}': store '{request.Store}' failed ({e.Error}): {e.Message} Check the store's settings, credentials and network, or build with ModelStoreOffline=true on a warm cache.");
        }
        catch (HttpRequestException e)
        {
            Error(ErrorCodes.StoreError, $"ModelState '{spec}': store '{request.Store}' cannot be reached: {e.Message} Check the network and the store's address, or build with ModelStoreOffline=true on a warm cache.");
        }
        catch (ArgumentException e)
        {
            // The provider's message names the setting; the parameter name it appends means nothing in a project file.
            var message = e.ParamName is null ? e.Message : e.Message.Replace($" (Parameter '{e.ParamName}')", "", StringComparison.Ordinal);
            Error(ErrorCodes.InvalidStore, $"ModelStore '{request.Store}' is not a valid store definition: {message}");
        }
        catch (TimeoutException e)
        {
            Error(ErrorCodes.CacheError, $"ModelState '{spec}': {e.Message} Another build may be stuck fetching it; retry, or end that build.");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Error(ErrorCodes.CacheError, $"ModelState '{spec}': the cache at '{cache.Root}' cannot be used: {e.Message} Check its permissions and free space, or set ModelStoreHome to another folder.");
        }

        return null;
    }

    /// <summary>
    /// The hash the state must have: the item's pin, else its lock file entry. In locked mode a missing or different
    /// entry is an error (MST0007).
    /// </summary>
    private bool TryGetExpectedHash(StateRequest request, IReadOnlyDictionary<string, LockEntry> locked, out string? expected, out long? expectedSize)
    {
        var spec = request.Key.ToString();
        expected = request.PinnedSha256;
        expectedSize = null;
        locked.TryGetValue(spec, out var entry);
        if (entry is not null && !string.Equals(entry.Store, request.Store, StringComparison.OrdinalIgnoreCase))
        {
            if (LockedMode)
            {
                Error(ErrorCodes.LockedDrift, $"ModelState '{spec}' comes from store '{request.Store}', but the lock file '{LockFile}' records store '{entry.Store}'. Build without ModelStoreLockedMode to update the lock file, and commit it.");
                return false;
            }

            entry = null; // The store changed: resolve again and rewrite the entry.
        }

        if (entry is null)
        {
            if (LockedMode)
            {
                Error(ErrorCodes.LockedDrift, $"ModelState '{spec}' is not in the lock file '{LockFile}' and ModelStoreLockedMode is true. Build once without ModelStoreLockedMode to add it, and commit the lock file.");
                return false;
            }

            return true;
        }

        if (expected is not null && !string.Equals(expected, entry.Sha256, StringComparison.Ordinal))
        {
            if (LockedMode)
            {
                Error(ErrorCodes.LockedDrift, $"ModelState '{spec}' is pinned to SHA-256 {expected}, but the lock file '{LockFile}' records {entry.Sha256}. Build without ModelStoreLockedMode to update the lock file, and commit it.");
                return false;
            }

            return true; // The pin wins; the lock entry is rewritten.
        }

        expected = entry.Sha256;
        expectedSize = entry.Size;
        return true;
    }

    /// <summary>The state's cached blob after re-hashing it, or <see langword="null"/> when it is absent or was damaged (MST0004 logged).</summary>
    private CachedState? FindVerified(StateRequest request, string? expected, long? expectedSize, DeclaredStores stores, StateCache cache, out bool damaged, CancellationToken cancellationToken)
    {
        damaged = false;
        CachedState? candidate;
        string? storeId = null;
        if (expected is not null)
        {
            var blob = new FileInfo(cache.GetBlobPath(expected));
            candidate = blob.Exists ? new CachedState("", request.Key, expected, expectedSize ?? blob.Length, blob.FullName) : null;
        }
        else if (Offline)
        {
            // No store is created offline, so its identity is unknown: accept the key's cached bytes from any store when unambiguous.
            var matches = cache.EnumerateStates().Where(state => state.Key == request.Key).DistinctBy(state => state.Sha256).ToList();
            candidate = matches.Count == 1 ? matches[0] : null;
        }
        else
        {
            storeId = stores.Open(request.Store).Id;
            candidate = cache.TryGet(storeId, request.Key);
        }

        if (candidate is null)
        {
            return null;
        }

        if (StateCache.VerifyAsync(candidate, cancellationToken).GetAwaiter().GetResult())
        {
            Log.LogMessage(MessageImportance.Low, "ModelStore: {0} found in the cache ({1}), SHA-256 verified.", request.Key, candidate.BlobPath);
            return candidate;
        }

        damaged = true;
        if (Offline)
        {
            Error(ErrorCodes.HashMismatch, $"ModelState '{request.Key}': the cached file '{candidate.BlobPath}' no longer has SHA-256 {candidate.Sha256} (it was modified on disk). Build once online to fetch it again, or delete the file.");
            return null;
        }

        Warning(ErrorCodes.HashMismatch, $"ModelState '{request.Key}': the cached file '{candidate.BlobPath}' no longer has SHA-256 {candidate.Sha256} (it was modified on disk); fetching it again from store '{request.Store}'.");
        File.Delete(candidate.BlobPath);
        cache.Remove(storeId ?? stores.Open(request.Store).Id, request.Key);
        return null;
    }

    /// <summary>Fetches the state through the cache (once per machine), logging progress.</summary>
    private CachedState Fetch(StateRequest request, string? expected, DeclaredStores stores, StateCache cache, CancellationToken cancellationToken)
    {
        var store = stores.Open(request.Store);
        var progress = new FetchProgressLogger(Log, $"{request.Key} from store '{request.Store}'", ProgressInterval);
        var fetched = false;
        var gate = new Lock();
        void Started()
        {
            lock (gate)
            {
                if (!fetched)
                {
                    fetched = true;
                    FetchCount++;
                    Log.LogMessage(MessageImportance.Normal, "ModelStore: downloading {0} from {1}.", request.Key, store.Description);
                }
            }
        }

        var state = (store is IFileDownloadingStore
                // Parallel ranged GETs straight into the cache, resumed after an interrupted build (S3). The download's
                // first progress report, made once the store has found the state, marks that this build fetches it.
                ? cache.GetOrFetchAsync(store, request.Key, expected, new StartObservingProgress(progress, Started), cancellationToken)
                : cache.GetOrFetchAsync(
                    store.Id,
                    request.Key,
                    token =>
                    {
                        Started();
                        return store.OpenReadAsync(request.Key, token);
                    },
                    expected,
                    progress,
                    cancellationToken))
            .GetAwaiter().GetResult();
        if (fetched)
        {
            Log.LogMessage(
                MessageImportance.High,
                "ModelStore: fetched {0} from store '{1}': {2} in {3:0.0} s ({4}), SHA-256 {5}.",
                request.Key,
                request.Store,
                FetchProgressLogger.FormatBytes(state.Size),
                progress.Elapsed.TotalSeconds,
                FetchProgressLogger.FormatRate(state.Size, progress.Elapsed),
                state.Sha256);
        }
        else
        {
            Log.LogMessage(MessageImportance.Normal, "ModelStore: {0} was fetched by another build; using the cached copy.", request.Key);
        }

        return state;
    }

    private static string SafeDescription(DeclaredStores stores, string name)
    {
        try
        {
            return stores.Open(name).Description;
        }
        catch (ArgumentException)
        {
            return name;
        }
    }

    private static string CompatibleKeys(StateRequest request, DeclaredStores stores, CancellationToken cancellationToken)
    {
        try
        {
            var keys = stores.Open(request.Store).GetStateKeysAsync(request.Key.StateType, cancellationToken).GetAwaiter().GetResult();
            return keys.Count == 0
                ? $"The store has no state of type {request.Key.StateType.Backend}/{request.Key.StateType.Architecture} at all. Check the key, or publish the state to the store."
                : $"Compatible states in that store: {string.Join(", ", keys.Select(key => key.ToString()).Order(StringComparer.Ordinal))}. Use one of them, or publish the state to the store.";
        }
        catch (StateStoreException)
        {
            return "Check the key, or publish the state to the store.";
        }
    }

    /// <summary>Forwards progress, calling <c>started</c> before the first report.</summary>
    private sealed class StartObservingProgress(IProgress<long> inner, Action started) : IProgress<long>
    {
        public void Report(long value)
        {
            started();
            inner.Report(value);
        }
    }
}
