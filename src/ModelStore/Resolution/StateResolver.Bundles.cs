using System.Diagnostics;
using ModelStore.Caching;
using ModelStore.Downloads;
using ModelStore.Stores;

namespace ModelStore.Resolution;

// Bundle states: the files a request's patterns select (or its lock entry pins), each verified and cached by content,
// then one folder of them.
public sealed partial class StateResolver
{
    /// <summary>
    /// Resolves a bundle: the lock entry's files when it pins them (no listing), else the store's listing at the pinned
    /// commit matched against the patterns; each file is taken from the cache by its hash when it is there, else fetched
    /// (checked against the pinned hash: a file changed at the store after locking fails); then the folder is built.
    /// </summary>
    private async Task<StateResolution> ResolveBundleAsync(StateRequest request, Expected expected, StoreView view, List<ResolutionWarning> warnings, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        if (_options.DescribeOnly)
        {
            // Design-time: the lock file's record, no store contacted and no file hashed.
            return expected.Files is { } described
                ? new StateResolution(request, expected.Sha256!, expected.Size ?? 0, Cache.GetBundlePath(expected.Sha256!), StateSource.Cache, warnings) { Files = described, Revision = expected.Revision }
                : throw new StateResolutionException(ResolutionFailureKind.OfflineMiss, $"ModelState '{request.Key}' is not in {LockFileName} yet.");
        }

        IFileListingStore? store = null;
        IReadOnlyList<StoreFile> wanted;
        if (expected.Files is { } pinned)
        {
            wanted = [.. pinned.Select(file => new StoreFile(file.Path, file.Size) { Sha256 = file.Sha256 })];
        }
        else if (_options.Offline)
        {
            throw OfflineMiss(request, null);
        }
        else
        {
            store = await OpenListingAsync(request, view, cancellationToken).ConfigureAwait(false);
            var listed = await store.ListFilesAsync(cancellationToken).ConfigureAwait(false);
            wanted = request.Files!.Select(listed, $"store '{request.Store}' ({store.Description})");
        }

        var files = new BundleFile?[wanted.Count];
        for (var i = 0; i < wanted.Count; i++)
        {
            // A store that lists no hashes: the file's last fetch from the same place (any bundle), like a single state's cache entry.
            var file = wanted[i];
            var known = file.Sha256 ?? (store is null ? null : Cache.TryGetFetchedFile(store.ForFile(file.Path).Id, file.Size));
            files[i] = await FindCachedFileAsync(request, file with { Sha256 = known }, warnings, cancellationToken).ConfigureAwait(false);
        }

        var missing = Enumerable.Range(0, wanted.Count).Where(i => files[i] is null).ToList();
        long downloaded = 0;
        var copied = 0;
        string? servedBy = null;
        if (missing.Count > 0)
        {
            // Files another program keeps on this machine are copied with no request; offline they are all there is.
            var local = await OpenWithoutRequestAsync(view, cancellationToken).ConfigureAwait(false) as IFileListingStore;
            if (_options.Offline && local is null)
            {
                throw OfflineMiss(request, null);
            }

            store ??= _options.Offline ? null : await OpenListingAsync(request, view, cancellationToken).ConfigureAwait(false);

            // The largest files first, so the last to finish is not a large one started late; each large file shares the
            // connections with the large ones still to fetch, up to the files fetched at once (see ConnectionBudget).
            var largeLeft = missing.Count(index => IsLarge(wanted[index]));
            await Parallel.ForEachAsync(
                missing.OrderByDescending(index => wanted[index].Size),
                new ParallelOptions { MaxDegreeOfParallelism = _options.MaxParallelFetches, CancellationToken = cancellationToken },
                async (index, token) =>
                {
                    var file = wanted[index];
                    using var share = ConnectionBudget.Share(Math.Clamp(Volatile.Read(ref largeLeft), 1, _options.MaxParallelFetches));
                    if (await TakeLocalCopyAsync(local?.ForFile(file.Path), request.Key, file.Sha256, token).ConfigureAwait(false) is { } copy)
                    {
                        Interlocked.Increment(ref copied);
                        files[index] = new BundleFile(file.Path, copy.Sha256, copy.Size);
                    }
                    else if (store is not null)
                    {
                        var origin = store.ForFile(file.Path);
                        var mirrors = OpenFileMirrors(request, origin, file.Sha256, warnings);
                        var progress = new FetchProgress(request, _options.Progress);
                        var state = await Cache.GetOrFetchAsync(origin, mirrors.Stores, request.Key, file.Sha256, file.Sha256 is null ? null : file.Size, mirrors.OnSource, progress, token).ConfigureAwait(false);
                        Interlocked.Add(ref downloaded, progress.Bytes);
                        if (progress.Started && mirrors.ServedBy is { } mirror)
                        {
                            // Files fetched at once may each name their mirror; any one of them is a true answer.
                            Interlocked.Exchange(ref servedBy, mirror);
                        }

                        files[index] = new BundleFile(file.Path, state.Sha256, state.Size);
                    }

                    if (IsLarge(file))
                    {
                        Interlocked.Decrement(ref largeLeft);
                    }
                }).ConfigureAwait(false);
            if (files.Any(file => file is null))
            {
                throw OfflineMiss(request, null);
            }
        }

        var resolved = files.Select(file => file!).ToList();
        var folder = await Cache.MaterializeBundleAsync(resolved, cancellationToken).ConfigureAwait(false);
        var source = downloaded > 0 ? (servedBy is null ? StateSource.Store : StateSource.Mirror) : copied > 0 ? StateSource.LocalCopy : StateSource.Cache;
        return new StateResolution(request, BundleFile.ManifestSha256(resolved), resolved.Sum(file => file.Size), folder, source, warnings)
        {
            Files = resolved,
            Mirror = source == StateSource.Mirror ? servedBy : null,
            Revision = view.Revision,
            BytesDownloaded = downloaded,
            Elapsed = downloaded > 0 ? clock.Elapsed : TimeSpan.Zero,
        };
    }

    /// <summary>A file whose hash is known (pinned, or listed by the store) taken from the cache by content, re-hashed; else <see langword="null"/>.</summary>
    private async Task<BundleFile?> FindCachedFileAsync(StateRequest request, StoreFile file, List<ResolutionWarning> warnings, CancellationToken cancellationToken)
    {
        if (file.Sha256 is not { } sha256)
        {
            return null;
        }

        var check = await Cache.CheckBlobAsync(sha256, _options.Verification, cancellationToken).ConfigureAwait(false);
        if (check.Condition == BlobCondition.Removed)
        {
            var what = $"ModelState '{request.Key}': the cached file '{check.Path}' of {file.Path} no longer had SHA-256 {sha256} (it was modified on disk) and was removed";
            if (_options.Offline)
            {
                throw new StateResolutionException(new ResolutionFailure(ResolutionFailureKind.HashMismatch, $"{what}. Resolve once online to fetch it again.", StateStoreError.IntegrityMismatch));
            }

            warnings.Add(new ResolutionWarning(ResolutionWarningKind.CacheRepaired, $"{what}; it is fetched again from store '{request.Store}'."));
        }

        return check.Condition == BlobCondition.Valid ? new BundleFile(file.Path, sha256, check.Size) : null;
    }

    // A file of more than one download chunk (by default): one that would open several streams on its own.
    private static bool IsLarge(StoreFile file) => file.Size > StateCache.SmallStateLimit;

    private static async Task<IFileListingStore> OpenListingAsync(StateRequest request, StoreView view, CancellationToken cancellationToken) =>
        await view.OpenAsync(cancellationToken).ConfigureAwait(false) as IFileListingStore
            ?? throw new StateResolutionException(ResolutionFailureKind.InvalidRequest, $"ModelState '{request.Key}' is a bundle (Files), but {view.Unpinned.Description} cannot list its files; the kinds that can are Local, S3, AzureBlob, HuggingFace and Oci. Declare one state per file with Path, or use such a store.");
}
