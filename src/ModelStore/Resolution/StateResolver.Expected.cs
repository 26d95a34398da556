using ModelStore.Stores;

namespace ModelStore.Resolution;

// What a request must resolve to: its pin, else its lock file entry while that entry still applies.
public sealed partial class StateResolver
{
    private string LockFileName => _options.LockFilePath is { } path ? $"the lock file '{path}'" : "the lock file";

    /// <summary>
    /// The hash (and size and commit) the state must have: the request's pin, else its lock file entry, with the commit
    /// that entry records for a versioned store. An entry made for another store, another path or another configured
    /// revision no longer applies; in locked mode that, a missing entry or a pin that disagrees is a failure.
    /// </summary>
    private Expected Expect(StateRequest request)
    {
        var entry = _options.LockFile.Find(request.Key);
        var drift = entry switch
        {
            null => null,
            _ when !string.Equals(entry.Store, request.Store, StringComparison.OrdinalIgnoreCase) => $"comes from store '{request.Store}', but {LockFileName} records store '{entry.Store}'",
            _ when !string.Equals(entry.Path, request.Path, StringComparison.Ordinal) => $"reads {Described(request.Path)}, but {LockFileName} records {Described(entry.Path)}",
            _ when !SamePatterns(entry.Patterns, request.Files?.Patterns) => $"holds {DescribedFiles(request.Files?.Patterns)}, but {LockFileName} records {DescribedFiles(entry.Patterns)}",
            // Offline no store is created, so the configured revision is not compared (the cache alone is used anyway).
            { Revision: { } revision } when !_options.Offline && !_options.DescribeOnly && request.Url is null && Stores.Open(request.Store) is IRevisionedStore store && !string.Equals(store.Revision, revision.Requested, StringComparison.Ordinal)
                => $"reads revision '{store.Revision}' of store '{request.Store}', but {LockFileName} records revision '{revision.Requested}' (commit {revision.Resolved})",
            _ => null,
        };
        if (drift is not null)
        {
            if (_options.Locked)
            {
                throw new StateResolutionException(ResolutionFailureKind.LockedDrift, $"ModelState '{request.Key}' {drift}. Resolve without locked mode (ModelStoreLockedMode) to update the lock file, and commit it.");
            }

            entry = null; // The request changed: resolve again and rewrite the entry.
        }

        if (entry is null)
        {
            return _options.Locked
                ? throw new StateResolutionException(ResolutionFailureKind.LockedDrift, $"ModelState '{request.Key}' is not in {LockFileName} and locked mode (ModelStoreLockedMode) is on. Resolve once without locked mode to add it, and commit the lock file.")
                : new Expected(request.Sha256, null, null);
        }

        if (request.Sha256 is not null && !string.Equals(request.Sha256, entry.Sha256, StringComparison.Ordinal))
        {
            // The pin wins; the entry, commit included, is rewritten.
            return _options.Locked
                ? throw new StateResolutionException(ResolutionFailureKind.LockedDrift, $"ModelState '{request.Key}' is pinned to SHA-256 {request.Sha256}, but {LockFileName} records {entry.Sha256}. Resolve without locked mode (ModelStoreLockedMode) to update the lock file, and commit it.")
                : new Expected(request.Sha256, null, null);
        }

        // A commit pins only a versioned store (offline nothing is opened: the entry is carried over as it is).
        var offline = _options.Offline || _options.DescribeOnly;
        var pinned = entry.Revision is not null && (offline || (request.Url is null && Stores.Open(request.Store) is IRevisionedStore)) ? entry.Revision : null;
        return new Expected(entry.Sha256, entry.Size, pinned) { FromLockFile = true, Files = entry.Files };
    }

    // Design-time: the lock file's (or the cache index's) record, with no store contacted and no file hashed.
    private StateResolution Describe(StateRequest request, Expected expected, List<ResolutionWarning> warnings)
    {
        if (expected is { Sha256: { } sha256, Size: { } size })
        {
            return new StateResolution(request, sha256, size, Cache.GetBlobPath(sha256), StateSource.Cache, warnings) { Revision = expected.Revision };
        }

        if (request.Path is null && FindInCacheIndex(request) is { } cached)
        {
            return new StateResolution(request, cached.Sha256, cached.Size, cached.BlobPath, StateSource.Cache, warnings);
        }

        throw new StateResolutionException(ResolutionFailureKind.OfflineMiss, $"ModelState '{request.Key}' is not in {LockFileName} nor in the cache yet.");
    }

    // Creating a store contacts nothing (providers only check settings); a store that cannot be created is simply not looked up.
    private Caching.CachedState? FindInCacheIndex(StateRequest request)
    {
        try
        {
            var store = request.Url is { } url ? new UrlStateStore(request.Key, url) : Stores.Open(request.Store);
            var cached = Cache.TryGet(store.Id, request.Key);
            return cached is not null && (request.Sha256 is null || string.Equals(request.Sha256, cached.Sha256, StringComparison.Ordinal)) ? cached : null;
        }
        catch (Exception e) when (e is ArgumentException or StateResolutionException)
        {
            return null;
        }
    }

    private StateResolutionException OfflineMiss(StateRequest request, string? expected)
    {
        var hint = expected is null
            ? "Resolve once online (without ModelStoreOffline) to fill the cache and write the lock file"
            : $"Resolve once online to fetch it (expected SHA-256 {expected})";
        return new StateResolutionException(ResolutionFailureKind.OfflineMiss, $"ModelState '{request.Key}' is not in the cache at '{Cache.Root}' and offline mode (ModelStoreOffline) is on, so no store is contacted. {hint}, or copy the cache from a machine that has it.");
    }

    private static bool SamePatterns(IReadOnlyList<string>? a, IReadOnlyList<string>? b) =>
        a is null || b is null ? a is null && b is null : a.SequenceEqual(b, StringComparer.Ordinal);

    private static string DescribedFiles(IReadOnlyList<string>? patterns) => patterns is null ? "one file" : $"the files '{string.Join(';', patterns)}'";

    private static string Described(string? path) => path is null ? "the store's layout" : $"Path '{path}'";

    /// <summary>What a request must resolve to.</summary>
    private sealed record Expected(string? Sha256, long? Size, StoreRevision? Revision)
    {
        public bool FromLockFile { get; init; }

        /// <summary>A bundle's files as the lock file pins them.</summary>
        public IReadOnlyList<BundleFile>? Files { get; init; }
    }
}
