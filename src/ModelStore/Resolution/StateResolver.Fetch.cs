using System.Diagnostics;
using ModelStore.Caching;
using ModelStore.Downloads;
using ModelStore.Stores;

namespace ModelStore.Resolution;

// The cache hit (verified, repaired when damaged) and the fetch through the cache, mirrors first.
public sealed partial class StateResolver
{
    /// <summary>The state's cached blob after checking it (its stamp, or its hash; see <see cref="StateResolverOptions.Verification"/>), or <see langword="null"/> when it is absent or was damaged (and removed).</summary>
    private async Task<CachedState?> FindVerifiedAsync(StateRequest request, Expected expected, StoreView view, List<ResolutionWarning> warnings, CancellationToken cancellationToken)
    {
        string? storeId = null;
        CachedState? candidate;
        if (expected.Sha256 is not null)
        {
            candidate = new CachedState("", request.Key, expected.Sha256, expected.Size ?? 0, Cache.GetBlobPath(expected.Sha256));
        }
        else if (_options.Offline)
        {
            // No store is created offline, so its identity is unknown: accept the key's cached bytes from any store when unambiguous.
            var matches = Cache.EnumerateStates().Where(state => state.Key == request.Key).DistinctBy(state => state.Sha256).ToList();
            candidate = matches.Count == 1 ? matches[0] : null;
        }
        else
        {
            storeId = (await view.OpenAsync(cancellationToken).ConfigureAwait(false)).Id;
            candidate = Cache.TryGet(storeId, request.Key);
        }

        if (candidate is null)
        {
            return null;
        }

        var check = await Cache.CheckBlobAsync(candidate.Sha256, _options.Verification, cancellationToken).ConfigureAwait(false);
        switch (check.Condition)
        {
            case BlobCondition.Valid when expected.Size is { } claimed && claimed != check.Size:
                // The bytes are the ones the hash names; the entry's size is what is wrong. The blob is never deleted for it.
                var wrong = $"ModelState '{request.Key}': {LockFileName} records {claimed} bytes for SHA-256 {candidate.Sha256}, but the bytes with that hash have {check.Size}; the entry is wrong";
                if (_options.Locked)
                {
                    throw new StateResolutionException(ResolutionFailureKind.LockedDrift, $"{wrong}. Resolve without locked mode (ModelStoreLockedMode) to correct it, and commit the lock file.");
                }

                warnings.Add(new ResolutionWarning(ResolutionWarningKind.LockEntryCorrected, $"{wrong} and is corrected."));
                return candidate with { Size = check.Size };
            case BlobCondition.Valid:
                return candidate with { Size = check.Size };
            case BlobCondition.Removed:
                if (storeId is not null)
                {
                    Cache.Remove(storeId, request.Key);
                }

                if (_options.Offline)
                {
                    throw new StateResolutionException(new ResolutionFailure(ResolutionFailureKind.HashMismatch, $"ModelState '{request.Key}': the cached file '{check.Path}' no longer had SHA-256 {candidate.Sha256} (it was modified on disk) and was removed. Resolve once online to fetch it again.", StateStoreError.IntegrityMismatch));
                }

                warnings.Add(new ResolutionWarning(ResolutionWarningKind.CacheRepaired, $"ModelState '{request.Key}': the cached file '{check.Path}' no longer had SHA-256 {candidate.Sha256} (it was modified on disk); it was removed and the state is fetched again from store '{request.Store}'."));
                return null;
            default:
                return null;
        }
    }

    /// <summary>Fetches the state through the cache (once per machine), from the store's mirrors first when its hash is known.</summary>
    private async Task<StateResolution> FetchAsync(StateRequest request, Expected expected, StoreView view, List<ResolutionWarning> warnings, CancellationToken cancellationToken)
    {
        var origin = await view.OpenAsync(cancellationToken).ConfigureAwait(false);
        var mirrors = OpenMirrors(request, origin, warnings);
        var progress = new FetchProgress(request, _options.Progress);
        var state = await Cache.GetOrFetchAsync(origin, mirrors.Stores, request.Key, expected.Sha256, expected.Size, mirrors.OnSource, progress, cancellationToken).ConfigureAwait(false);
        if (progress.Started && request.Url is not null && request.Sha256 is null)
        {
            warnings.Add(new ResolutionWarning(ResolutionWarningKind.PinRecommended, $"ModelState '{request.Key}' comes from a Url without a Sha256 pin: the lock file now pins SHA-256 {state.Sha256}, but the item should too, so that a changed file at that address is an error wherever the project builds. Add Sha256=\"{state.Sha256}\" to the item."));
        }

        return new StateResolution(request, state.Sha256, state.Size, state.BlobPath, !progress.Started ? StateSource.Cache : mirrors.ServedBy is null ? StateSource.Store : StateSource.Mirror, warnings)
        {
            Mirror = progress.Started ? mirrors.ServedBy : null,
            Revision = view.Revision,
            BytesDownloaded = progress.Bytes,
            Elapsed = progress.Elapsed,
        };
    }

    /// <summary>A failure with what the user can do about it: the compatible keys a store has, the folder that is missing.</summary>
    private async Task<ResolutionFailure> ExplainAsync(StateRequest request, Exception exception, ResolutionFailure failure, CancellationToken cancellationToken)
    {
        var key = request.Key;
        if (exception is StateResolutionException)
        {
            return failure;
        }

        var store = $"store '{request.Store}'";
        switch (failure.Kind)
        {
            case ResolutionFailureKind.NotInStore when request.Url is not null:
                return new(failure.Kind, $"ModelState '{key}': there is no file at its Url. {Clean(exception.Message)} Check the address.", failure.StoreError);
            case ResolutionFailureKind.NotInStore:
                var description = SafeDescription(request);
                var hint = request.Path is not null ? Clean(exception.Message)
                    : request.Url is null && Stores.Open(request.Store) is LocalStateStore { Folder: var folder } && !Directory.Exists(folder) ? $"The store's folder '{folder}' does not exist: check its Folder (relative folders start at the project's folder)."
                    : await CompatibleKeysAsync(request, exception.Message, cancellationToken).ConfigureAwait(false);
                var own = request.Path is null && hint.StartsWith("Compatible", StringComparison.Ordinal) ? $"{Clean(exception.Message)} " : "";
                return new(failure.Kind, $"ModelState '{key}' is not in {store} ({description}). {own}{hint}", failure.StoreError);
            case ResolutionFailureKind.HashMismatch:
                var source = request.Sha256 is not null ? "its Sha256 metadata" : LockFileName;
                return new(failure.Kind, $"ModelState '{key}': the bytes in {store} do not match the SHA-256 expected by {source}. {Clean(exception.Message)} If the state was republished on purpose, update the pin or delete its entry from the lock file; otherwise the store content changed and should be checked.", failure.StoreError);
            case ResolutionFailureKind.StoreError when exception is StateStoreException e:
                return new(failure.Kind, $"ModelState '{key}': {store} failed ({e.Error}): {Clean(e.Message)} Check the store's settings, credentials and network, or resolve offline (ModelStoreOffline) on a warm cache.", failure.StoreError);
            case ResolutionFailureKind.StoreError:
                return new(failure.Kind, $"ModelState '{key}': {store} cannot be reached: {Clean(exception.Message)} Check the network and the store's address, or resolve offline (ModelStoreOffline) on a warm cache.", failure.StoreError);
            case ResolutionFailureKind.InvalidStore:
                return new(failure.Kind, $"ModelStore '{request.Store}' is not a valid store definition: {Clean(ResolutionFailure.WithoutParameterName((ArgumentException)exception))}");
            case ResolutionFailureKind.CacheError when exception is not TimeoutException:
                return new(failure.Kind, $"ModelState '{key}': the cache at '{Cache.Root}' cannot be used: {Clean(exception.Message)} Check its permissions and free space, or set ModelStoreHome (MODELSTORE_HOME) to another folder.", failure.StoreError);
            default:
                return failure;
        }
    }

    private string SafeDescription(StateRequest request)
    {
        try
        {
            return request.Url is { } url ? new UrlStateStore(request.Key, url).Description : Stores.Open(request.Store).Description;
        }
        catch (Exception e) when (e is ArgumentException or StateResolutionException)
        {
            return request.Store;
        }
    }

    private async Task<string> CompatibleKeysAsync(StateRequest request, string notFound, CancellationToken cancellationToken)
    {
        try
        {
            var keys = await Stores.Open(request.Store).GetStateKeysAsync(request.Key.StateType, cancellationToken).ConfigureAwait(false);
            return keys.Count == 0
                ? $"The store has no state of type {request.Key.StateType.Backend}/{request.Key.StateType.Architecture} at all. Check the key, or publish the state to the store."
                : $"Compatible states in that store: {string.Join(", ", keys.Select(key => key.ToString()).Order(StringComparer.Ordinal))}. Use one of them, or publish the state to the store.";
        }
        catch (StateStoreException)
        {
            // The store cannot list either (a missing revision, for instance): its own message says why.
            return $"{Clean(notFound)} Check the key, or publish the state to the store.";
        }
    }

    private static string Clean(string message) => StateStoreSettings.Printable(UrlRedaction.RedactText(message));

    /// <summary>Counts a fetch's bytes and forwards them; the first report marks that this run fetches the state.</summary>
    private sealed class FetchProgress(StateRequest request, IProgress<StateFetchProgress>? sink) : IDownloadProgress
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private long? _total;

        public bool Started { get; private set; }

        public long Bytes { get; private set; }

        public TimeSpan Elapsed => _clock.Elapsed;

        public void Report(long value)
        {
            Started = true;
            Bytes = value;
            sink?.Report(new StateFetchProgress(request.Key, value, _total, _clock.Elapsed));
        }

        public void ReportTotal(long totalBytes) => _total = totalBytes;
    }
}
