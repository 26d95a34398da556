using System.Collections.Concurrent;
using ModelStore.Caching;
using ModelStore.Stores;

namespace ModelStore.Resolution;

/// <summary>
/// The one resolver of states, used by the build task, every command of <c>modelstore</c>, and plain C# (tools,
/// notebooks, tests): for each <see cref="StateRequest"/>, the expected hash from its pin or the lock file, then a
/// verified cache hit, or a repair and a fetch (mirrors first, then the store) through the cache; the outcome is a
/// <see cref="StateResolution"/> (bytes, hash, source, revision, warnings, or a typed failure), never a callback.
/// </summary>
/// <example>
/// <code>
/// var lockFile = StateLockFileFormat.Read("modelstates.lock.json");
/// var stores = new StoreCatalog();
/// stores.Add(new LocalStateStoreProvider(), new StateStoreSettings("local", "Local", [new("Folder", "states")], projectFolder));
/// var resolver = new StateResolver(new StateResolverOptions { Stores = stores, LockFile = lockFile });
/// var outcome = await resolver.ResolveAsync(new StateRequest(StateKey.Parse("pytorch/tiny-mlp.digits.v1"), "local"));
/// Console.WriteLine(outcome.Succeeded ? outcome.Path : outcome.Failure!.Message);
/// </code>
/// </example>
public sealed partial class StateResolver
{
    private readonly StateResolverOptions _options;
    private readonly ConcurrentDictionary<string, Lazy<Task<string>>> _branches = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Creates a resolver.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="StateResolverOptions.MaxParallelFetches"/> is below 1.</exception>
    public StateResolver(StateResolverOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxParallelFetches, 1, nameof(options));
        _options = options;
    }

    /// <summary>The cache resolved into.</summary>
    public StateCache Cache => _options.Cache;

    /// <summary>The stores requests may name.</summary>
    public StoreCatalog Stores => _options.Stores;

    /// <summary>
    /// Resolves every request, at most <see cref="StateResolverOptions.MaxParallelFetches"/> at once (stores are opened
    /// once and shared); the outcomes come back in the order of the requests. A failed state does not stop the others.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was canceled.</exception>
    public async Task<IReadOnlyList<StateResolution>> ResolveAllAsync(IEnumerable<StateRequest> requests, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(requests);
        var list = requests.ToList();
        var outcomes = new StateResolution[list.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, list.Count),
            new ParallelOptions { MaxDegreeOfParallelism = _options.MaxParallelFetches, CancellationToken = cancellationToken },
            async (index, token) =>
            {
                outcomes[index] = await ResolveAsync(list[index], token).ConfigureAwait(false);
                _options.Resolved?.Report(outcomes[index]);
            }).ConfigureAwait(false);
        return outcomes;
    }

    /// <summary>Resolves one request; every expected failure is in the outcome (<see cref="StateResolution.Failure"/>).</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was canceled.</exception>
    public async Task<StateResolution> ResolveAsync(StateRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var warnings = new List<ResolutionWarning>();
        try
        {
            var expected = Expect(request);
            var view = new StoreView(this, request, expected.Revision);
            if (request.Files is not null)
            {
                return await ResolveBundleAsync(request, expected, view, warnings, cancellationToken).ConfigureAwait(false);
            }

            if (_options.DescribeOnly)
            {
                return Describe(request, expected, warnings);
            }

            var cached = await FindVerifiedAsync(request, expected, view, warnings, cancellationToken).ConfigureAwait(false);
            if (cached is not null)
            {
                if (!_options.Offline && view.LacksRevision)
                {
                    // Found by hash, from a lock file without the commit: record the commit the branch is at.
                    await view.OpenAsync(cancellationToken).ConfigureAwait(false);
                }

                Cache.ReportHit(cached);
                return new StateResolution(request, cached.Sha256, cached.Size, cached.BlobPath, StateSource.Cache, warnings) { Revision = view.Revision };
            }

            var store = expected.Sha256 is null ? null : await OpenWithoutRequestAsync(view, cancellationToken).ConfigureAwait(false);
            if (await TakeLocalCopyAsync(store, request.Key, expected.Sha256, cancellationToken).ConfigureAwait(false) is { } copied)
            {
                return new StateResolution(request, copied.Sha256, copied.Size, copied.BlobPath, StateSource.LocalCopy, warnings) { Revision = view.Revision };
            }

            if (_options.Offline)
            {
                throw OfflineMiss(request, expected.Sha256);
            }

            return await FetchAsync(request, expected, view, warnings, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e) when (ResolutionFailure.FromException(e, $"ModelState '{request.Key}'") is { } failure)
        {
            return new StateResolution(request, await ExplainAsync(request, e, failure, cancellationToken).ConfigureAwait(false), warnings);
        }
    }

    /// <summary>
    /// Fills the cache with exactly what a project's lock file pins, without MSBuild (what <c>modelstore restore</c>
    /// does): the lock file's stores under the trust rules of <see cref="LockFileStores"/>, every state checked against
    /// its SHA-256, at most <see cref="StateResolverOptions.MaxParallelFetches"/> at once.
    /// </summary>
    /// <param name="lockFilePath">The lock file.</param>
    /// <param name="options">The cache, the parallelism and <see cref="StateResolverOptions.Offline"/> (its stores, lock file and locked mode are set here).</param>
    /// <param name="stores">What the user says about the lock file's stores (providers, confirmed addresses).</param>
    /// <param name="cancellationToken">Cancels the restore.</param>
    /// <exception cref="StateResolutionException">The lock file is invalid, or its stores cannot be used as they are (<see cref="ResolutionFailureKind.InvalidLockFile"/>); nothing was fetched.</exception>
    public static async Task<IReadOnlyList<StateResolution>> RestoreAsync(string lockFilePath, StateResolverOptions options, LockFileStoreOptions? stores = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var (full, lockFile) = ReadLockFileToRestore(lockFilePath);
        return await RestoreAsync(lockFile, full, options, stores, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The lock file <see cref="RestoreAsync(string, StateResolverOptions, LockFileStoreOptions?, CancellationToken)"/> restores, read once: its full path and its entries.</summary>
    /// <exception cref="StateResolutionException">There is no such file, or it is invalid (<see cref="ResolutionFailureKind.InvalidLockFile"/>).</exception>
    internal static (string Path, StateLockFile LockFile) ReadLockFileToRestore(string lockFilePath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(lockFilePath);
        var full = Path.GetFullPath(lockFilePath);
        if (!File.Exists(full))
        {
            throw new StateResolutionException(ResolutionFailureKind.InvalidLockFile, $"There is no lock file at '{full}'. Build the project once (dotnet build) to write it.");
        }

        return (full, StateLockFileFormat.Read(full));
    }

    /// <summary>The restore of a lock file already read by <see cref="ReadLockFileToRestore"/> from <paramref name="full"/>.</summary>
    internal static async Task<IReadOnlyList<StateResolution>> RestoreAsync(StateLockFile lockFile, string full, StateResolverOptions options, LockFileStoreOptions? stores, CancellationToken cancellationToken)
    {
        await using var catalog = LockFileStores.CreateCatalog(lockFile, Path.GetDirectoryName(full)!, stores);
        var resolver = new StateResolver(new StateResolverOptions
        {
            Cache = options.Cache,
            Stores = catalog,
            LockFile = lockFile,
            LockFilePath = full,
            Locked = true,
            Offline = options.Offline,
            MaxParallelFetches = options.MaxParallelFetches,
            Verification = options.Verification,
            Progress = options.Progress,
            Resolved = options.Resolved,
        });
        return await resolver.ResolveAllAsync(LockFileStores.CreateRequests(lockFile), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// <paramref name="store"/> pinned to <paramref name="commit"/> when it is versioned (no request is made), then
    /// narrowed to the file <paramref name="path"/> when given: the one place a store is pinned and narrowed.
    /// </summary>
    /// <returns>The store to read, and the revision it reads (<see langword="null"/> for a store that is not versioned).</returns>
    /// <exception cref="ArgumentException">The store cannot name its files by path, or the path or commit is invalid.</exception>
    public static (IStateStore Store, StoreRevision? Revision) Pin(IStateStore store, string? commit, string? path)
    {
        ArgumentNullException.ThrowIfNull(store);
        StoreRevision? revision = null;
        if (store is IRevisionedStore revisioned && commit is not null)
        {
            revision = new StoreRevision(revisioned.Revision, commit);
            store = revisioned.AtRevision(commit);
        }

        if (path is not null)
        {
            store = store is IFileAddressableStore files
                ? files.ForFile(path)
                : throw new StateResolutionException(ResolutionFailureKind.InvalidRequest, $"{store.Description} cannot name its files by path; only some kinds can (HuggingFace). Remove the path to read the store's layout, or use such a store.");
        }

        return (store, revision);
    }

    /// <summary>
    /// <paramref name="store"/> pinned to the commit its revision points to now (asking the store, for a versioned one),
    /// and narrowed to <paramref name="path"/>; see <see cref="Pin"/>.
    /// </summary>
    public static async Task<(IStateStore Store, StoreRevision? Revision)> PinAsync(IStateStore store, string? path, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        var commit = store is IRevisionedStore revisioned ? await revisioned.ResolveRevisionAsync(cancellationToken).ConfigureAwait(false) : null;
        return Pin(store, commit, path);
    }

    /// <summary>The commit the branch of the catalog store <paramref name="name"/> points to, asked once per run.</summary>
    internal Task<string> ResolveBranchAsync(string name, IStateStore store, CancellationToken cancellationToken) =>
        _branches.GetOrAdd(name, _ => new Lazy<Task<string>>(() => ((IRevisionedStore)store).ResolveRevisionAsync(cancellationToken))).Value;
}
