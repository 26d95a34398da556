using System.Net.Http;
using Microsoft.Build.Framework;
using ModelStore.Caching;
using ModelStore.Downloads;
using ModelStore.States;
using ModelStore.Stores;

namespace ModelStore.Build.Tasks;

public sealed partial class ResolveModelStates
{
    /// <summary>Resolves one state to verified cached bytes, or logs why it cannot and returns <see langword="null"/>.</summary>
    private ResolvedState? Resolve(StateRequest request, DeclaredStores stores, IReadOnlyDictionary<string, LockEntry> locked, StateCache cache, CancellationToken cancellationToken)
    {
        var spec = request.Key.ToString();
        try
        {
            if (!TryGetExpectedHash(request, stores, locked, out var expected, out var expectedSize, out var lockedRevision) || !CanServePath(request, stores))
            {
                return null;
            }

            var target = new StoreTarget(request, () => OpenStore(request, stores), lockedRevision);
            var cached = FindVerified(request, expected, expectedSize, target, cache, out var damaged, cancellationToken);
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
                cached = Fetch(request, expected, target, stores, cache, cancellationToken);
            }

            if (cached is not null && !Offline && target.LacksRevision)
            {
                // Found by hash in the cache, from a lock file without the commit: record the commit the branch is at.
                target.Open(cancellationToken);
            }

            return cached is null ? null : request.Resolved(cached.Sha256, cached.Size, cached.BlobPath, target.Revision);
        }
        catch (StateStoreException e) when (e.Error == StateStoreError.NotFound && request.Url is not null)
        {
            Error(ErrorCodes.NotInStore, $"ModelState '{spec}': there is no file at its Url. {e.Message} Check the address.");
        }
        catch (StateStoreException e) when (e.Error == StateStoreError.NotFound)
        {
            // A file named by Path has no compatible keys to list: the store's message names the close files instead.
            var hint = request.FilePath is not null ? e.Message
                : request.Url is null && stores.Open(request.Store) is LocalStateStore { Folder: var folder } && !Directory.Exists(folder) ? $"The store's folder '{folder}' does not exist: check its Folder (relative folders start at the project's folder)."
                : CompatibleKeys(request, stores, e, cancellationToken);
            Error(ErrorCodes.NotInStore, $"ModelState '{spec}' is not in store '{request.Store}' ({SafeDescription(request, stores)}). {hint}");
        }
        catch (StateStoreException e) when (e.Error == StateStoreError.IntegrityMismatch)
        {
            var source = request.PinnedSha256 is not null ? "its Sha256 metadata" : $"the lock file '{LockFile}'";
            Error(ErrorCodes.HashMismatch, $"ModelState '{spec}': the bytes in store '{request.Store}' do not match the SHA-256 expected by {source}. {e.Message} If the state was republished on purpose, update the pin or delete its entry from the lock file; otherwise the store content changed and should be checked.");
        }
        catch (StateStoreException e)
        {
            Error(ErrorCodes.StoreError, $"ModelState '{spec}': store '{request.Store}' failed ({e.Error}): {UrlRedaction.RedactText(e.Message)} Check the store's settings, credentials and network, or build with ModelStoreOffline=true on a warm cache.");
        }
        catch (HttpRequestException e)
        {
            Error(ErrorCodes.StoreError, $"ModelState '{spec}': store '{request.Store}' cannot be reached: {UrlRedaction.RedactText(e.Message)} Check the network and the store's address, or build with ModelStoreOffline=true on a warm cache.");
        }
        catch (ArgumentException e)
        {
            Error(ErrorCodes.InvalidStore, $"ModelStore '{request.Store}' is not a valid store definition: {ArgumentExceptionText.WithoutParameterName(e)}");
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
    /// The hash the state must have: the item's pin, else its lock file entry, with the commit that entry records for a
    /// versioned store. An entry made for another store, another <c>Path</c> or another configured revision no longer
    /// applies; in locked mode that, or a missing or different entry, is an error (MST0007).
    /// </summary>
    private bool TryGetExpectedHash(StateRequest request, DeclaredStores stores, IReadOnlyDictionary<string, LockEntry> locked, out string? expected, out long? expectedSize, out StoreRevision? lockedRevision)
    {
        var spec = request.Key.ToString();
        expected = request.PinnedSha256;
        expectedSize = null;
        lockedRevision = null;
        locked.TryGetValue(spec, out var entry);
        var drift = entry switch
        {
            null => null,
            _ when !string.Equals(entry.Store, request.Store, StringComparison.OrdinalIgnoreCase) => $"comes from store '{request.Store}', but the lock file '{LockFile}' records store '{entry.Store}'",
            _ when !string.Equals(entry.FilePath, request.FilePath, StringComparison.Ordinal) => $"reads {(request.FilePath is null ? "the store's layout" : $"Path '{request.FilePath}'")}, but the lock file '{LockFile}' records {(entry.FilePath is null ? "the store's layout" : $"Path '{entry.FilePath}'")}",
            // Offline no store is created, so the configured revision is not compared (the cache alone is used anyway).
            { Revision: { } revision } when !Offline && OpenStore(request, stores) is IRevisionedStore store && !string.Equals(store.Revision, revision.Requested, StringComparison.Ordinal)
                => $"reads revision '{store.Revision}' of store '{request.Store}', but the lock file '{LockFile}' records revision '{revision.Requested}' (commit {revision.Resolved})",
            _ => null,
        };
        if (drift is not null)
        {
            if (LockedMode)
            {
                Error(ErrorCodes.LockedDrift, $"ModelState '{spec}' {drift}. Build without ModelStoreLockedMode to update the lock file, and commit it.");
                return false;
            }

            entry = null; // The item changed: resolve again and rewrite the entry.
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

        // A commit pins only a versioned store (offline nothing is opened: the entry is carried over as it is).
        lockedRevision = entry.Revision is not null && (Offline || OpenStore(request, stores) is IRevisionedStore) ? entry.Revision : null;
        if (expected is not null && !string.Equals(expected, entry.Sha256, StringComparison.Ordinal))
        {
            if (LockedMode)
            {
                Error(ErrorCodes.LockedDrift, $"ModelState '{spec}' is pinned to SHA-256 {expected}, but the lock file '{LockFile}' records {entry.Sha256}. Build without ModelStoreLockedMode to update the lock file, and commit it.");
                return false;
            }

            lockedRevision = null; // The pin wins; the entry, commit included, is rewritten.
            return true;
        }

        expected = entry.Sha256;
        expectedSize = entry.Size;
        return true;
    }

    /// <summary>A <c>Path</c> needs a store whose files can be named (MST0011 otherwise); offline no store is created, so nothing is checked.</summary>
    private bool CanServePath(StateRequest request, DeclaredStores stores)
    {
        if (request.FilePath is null || Offline || OpenStore(request, stores) is IFileAddressableStore)
        {
            return true;
        }

        Error(ErrorCodes.InvalidStateItem, $"ModelState '{request.Key}' has Path=\"{request.FilePath}\", but store '{request.Store}' ({SafeDescription(request, stores)}) cannot name its files by path; only some kinds can (HuggingFace). Remove Path to read the store's layout, or use such a store.");
        return false;
    }

    /// <summary>The state's cached blob after re-hashing it, or <see langword="null"/> when it is absent or was damaged (MST0004 logged).</summary>
    private CachedState? FindVerified(StateRequest request, string? expected, long? expectedSize, StoreTarget target, StateCache cache, out bool damaged, CancellationToken cancellationToken)
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
            storeId = target.Open(cancellationToken).Id;
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
        cache.Remove(storeId ?? target.Open(cancellationToken).Id, request.Key);
        return null;
    }

    /// <summary>
    /// Fetches the state through the cache (once per machine), from the store's mirrors first when its hash is known,
    /// logging progress and which source served it. The origin is the request's store pinned and narrowed by
    /// <paramref name="target"/>; mirrors hold copies under the same key.
    /// </summary>
    private CachedState Fetch(StateRequest request, string? expected, StoreTarget target, DeclaredStores stores, StateCache cache, CancellationToken cancellationToken)
    {
        var origin = target.Open(cancellationToken);
        var mirrorNames = request.Url is null ? stores.GetMirrors(request.Store) : [];
        var mirrors = mirrorNames.Select(stores.Open).ToList();
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
                    Log.LogMessage(MessageImportance.Normal, "ModelStore: downloading {0}.", request.Key);
                }
            }
        }

        string NameOf(IStateStore source) => ReferenceEquals(source, origin) ? request.Store : mirrorNames[mirrors.IndexOf(source)];
        var servedBy = request.Store;
        void OnSource(IStateStore source, StateStoreException? failure)
        {
            if (failure is null)
            {
                servedBy = NameOf(source);
            }
            else
            {
                Log.LogMessage(MessageImportance.High, "ModelStore: mirror '{0}' skipped for {1} ({2}): {3}", NameOf(source), request.Key, failure.Error, failure.Message);
            }
        }

        // The first progress report, made once a source has found the state and bytes flow, marks that this build fetches it.
        var state = cache.GetOrFetchAsync(origin, mirrors, request.Key, expected, OnSource, new StartObservingProgress(progress, Started), cancellationToken).GetAwaiter().GetResult();
        if (fetched)
        {
            var from = servedBy == request.Store ? $"store '{request.Store}'" : $"mirror '{servedBy}' of store '{request.Store}'";
            Log.LogMessage(
                MessageImportance.High,
                "ModelStore: fetched {0} from {1}: {2} in {3} ({4}), SHA-256 {5}.",
                request.Key,
                from,
                FetchProgressLogger.FormatBytes(state.Size),
                FetchProgressLogger.FormatSeconds(progress.Elapsed),
                FetchProgressLogger.FormatRate(state.Size, progress.Elapsed),
                state.Sha256);
            if (request.Url is not null && request.PinnedSha256 is null)
            {
                Warning(ErrorCodes.UnpinnedUrl, $"ModelState '{request.Key}' comes from a Url without a Sha256 pin: the lock file now pins SHA-256 {state.Sha256}, but the item should too, so that a changed file at that address is an error wherever the project builds. Add Sha256=\"{state.Sha256}\" to the item.");
            }
        }
        else
        {
            Log.LogMessage(MessageImportance.Normal, "ModelStore: {0} was fetched by another build; using the cached copy.", request.Key);
        }

        return state;
    }

    /// <summary>The store a request reads: its declared store, or for a <c>Url</c> state the one file at that address.</summary>
    private static IStateStore OpenStore(StateRequest request, DeclaredStores stores) =>
        request.Url is { } url ? new UrlStateStore(request.Key, url) : stores.Open(request.Store);

    private static string SafeDescription(StateRequest request, DeclaredStores stores)
    {
        try
        {
            return OpenStore(request, stores).Description;
        }
        catch (ArgumentException)
        {
            return request.Store;
        }
    }

    private static string CompatibleKeys(StateRequest request, DeclaredStores stores, StateStoreException notFound, CancellationToken cancellationToken)
    {
        try
        {
            var keys = OpenStore(request, stores).GetStateKeysAsync(request.Key.StateType, cancellationToken).GetAwaiter().GetResult();
            return keys.Count == 0
                ? $"The store has no state of type {request.Key.StateType.Backend}/{request.Key.StateType.Architecture} at all. Check the key, or publish the state to the store."
                : $"Compatible states in that store: {string.Join(", ", keys.Select(key => key.ToString()).Order(StringComparer.Ordinal))}. Use one of them, or publish the state to the store.";
        }
        catch (StateStoreException)
        {
            // The store cannot list either (a missing revision, for instance): its own message says why.
            return $"{notFound.Message} Check the key, or publish the state to the store.";
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
