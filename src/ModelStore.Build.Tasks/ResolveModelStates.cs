using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
using ModelStore.Caching;
using ModelStore.Resolution;
using ModelStore.Stores;

namespace ModelStore.Build.Tasks;

/// <summary>
/// Resolves the project's <c>ModelState</c> items to verified bytes in the machine-wide cache, pins them in
/// <c>modelstates.lock.json</c>, and writes the descriptors the source generator and the copy targets read.
/// </summary>
/// <remarks>
/// A thin adapter of <see cref="StateResolver"/>: items become <see cref="StateRequest"/>s, outcomes become items,
/// descriptors, the lock file, and coded errors (<see cref="ResolutionFailure.BuildCode"/>, <c>MST0001</c>…) logged
/// against the project file; the task fails when any was logged.
/// </remarks>
public sealed partial class ResolveModelStates : Microsoft.Build.Utilities.Task, ICancelableTask
{
    private readonly CancellationTokenSource _cancellation = new();

    /// <summary>The <c>ModelStore</c> items: Include = store name, <c>Kind</c>, and the store's settings as metadata.</summary>
    public ITaskItem[] Stores { get; set; } = [];

    /// <summary>
    /// The <c>ModelStoreProvider</c> items: store kinds from outside this package. Include = the provider's assembly;
    /// <c>Type</c> = its full type name (a public <see cref="IStateStoreProvider"/> with a parameterless constructor).
    /// </summary>
    public ITaskItem[] Providers { get; set; } = [];

    /// <summary>The <c>ModelState</c> items: Include = key; <c>Store</c>; optional <c>AccessorName</c>, <c>Sha256</c>, <c>CopyToOutputDirectory</c>, <c>StateDictPath</c>, <c>Path</c>.</summary>
    [Required]
    public ITaskItem[] States { get; set; } = [];

    /// <summary>The project file (errors are reported against it; relative store paths start at its folder).</summary>
    [Required]
    public string ProjectFile { get; set; } = "";

    /// <summary>The lock file path (<c>modelstates.lock.json</c> beside the project by default).</summary>
    [Required]
    public string LockFile { get; set; } = "";

    /// <summary>The folder for the descriptor file (<c>states.modelstates</c>) and the copy list, under obj/.</summary>
    [Required]
    public string DescriptorDirectory { get; set; } = "";

    /// <summary>When set, written on success with the resolved blob paths, one a line (the targets' incremental stamp).</summary>
    public string? StampFile { get; set; }

    /// <summary>Fail on any state missing from the lock file or resolving to another hash.</summary>
    public bool LockedMode { get; set; }

    /// <summary>Use the cache only; create no store.</summary>
    public bool Offline { get; set; }

    /// <summary>
    /// An IDE design-time build: describe the states the lock file (or the cache index) already knows, warn about the
    /// others (MST0022), contact no store, hash nothing, and write neither the lock file nor copy files.
    /// </summary>
    public bool DesignTime { get; set; }

    /// <summary>How many states are fetched at once (<c>ModelStoreMaxParallelFetches</c>); 0 for the default, 4.</summary>
    public int MaxParallelFetches { get; set; }

    /// <summary>
    /// How cached states are checked (<c>ModelStoreVerify</c>): <c>stamp</c> (default; a blob unchanged since it was
    /// hashed is not hashed again) or <c>full</c> (every blob is hashed; for CI).
    /// </summary>
    public string? Verify { get; set; }

    /// <summary>The cache root; empty for <see cref="StateCache.DefaultRoot"/>.</summary>
    public string? CacheRoot { get; set; }

    private string CacheFolder => string.IsNullOrWhiteSpace(CacheRoot) ? StateCache.DefaultRoot : CacheRoot;

    /// <summary>The resolved states: Include = key; metadata ResolvedPath, Sha256, Size, Store, AccessorName, OutputRelativePath, DescriptorPath (the descriptor file holding every state).</summary>
    [Output]
    public ITaskItem[] ResolvedStates { get; private set; } = [];

    /// <summary>How often a running fetch logs its progress.</summary>
    internal TimeSpan ProgressInterval { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>Above this many fetches a build logs one summary line instead of a line per state (each is still logged at normal verbosity).</summary>
    internal const int ManyFetches = 10;

    /// <summary>The store kinds understood (tests substitute their own).</summary>
    internal StateStoreRegistry Registry { get; set; } = StateStoreRegistry.Default;

    /// <summary>How many states were fetched from a store during this run.</summary>
    internal int FetchCount { get; private set; }

    /// <inheritdoc />
    public void Cancel() => _cancellation.Cancel();

    /// <inheritdoc />
    public override bool Execute()
    {
        try
        {
            // MSBuild tasks are synchronous: the one wait of the task, around the whole asynchronous resolution.
            ExecuteAsync(_cancellation.Token).GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (_cancellation.IsCancellationRequested)
        {
            Log.LogMessage(MessageImportance.High, "ModelStore: resolution canceled.");
        }

        if (Log.HasLoggedErrors && StampFile is not null && File.Exists(StampFile))
        {
            // A failed run must run again next time, whatever the timestamps say.
            File.Delete(StampFile);
        }

        return !Log.HasLoggedErrors;
    }

    private async System.Threading.Tasks.Task ExecuteAsync(CancellationToken cancellationToken)
    {
        var projectDirectory = Path.GetDirectoryName(Path.GetFullPath(ProjectFile))!;
        if (!string.Equals(Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(DescriptorDirectory))), StateDescriptor.OutputFolder, StringComparison.Ordinal))
        {
            // The task rewrites and deletes descriptor files: only ever in a folder of its own.
            Error(ResolutionFailureKind.InvalidRequest, $"The descriptor folder '{DescriptorDirectory}' is not a '{StateDescriptor.OutputFolder}' folder of the project's intermediate output; ModelStore writes and deletes descriptors only there.");
            return;
        }

        if (ParseVerification(Verify) is not { } verification)
        {
            Error(ResolutionFailureKind.InvalidRequest, $"ModelStoreVerify is '{Verify}', but it can only be 'stamp' (the default: a cached state unchanged since it was hashed is not hashed again) or 'full' (every cached state is hashed; for CI).");
            return;
        }

        var registry = WithProviderItems(Registry, projectDirectory);
        await using var stores = DeclaredStores.Read(Stores, projectDirectory, registry, (item, message) => Error(ResolutionFailureKind.InvalidStore, message));
        StateLockFile locked;
        try
        {
            locked = StateLockFileFormat.Read(LockFile);
        }
        catch (StateResolutionException e)
        {
            Error(e.Failure);
            return;
        }

        var requests = ReadRequests(stores);
        var progress = new ConcurrentDictionary<ModelStore.States.StateKey, FetchProgressLogger>();
        var resolver = new StateResolver(new StateResolverOptions
        {
            Cache = new StateCache(CacheFolder),
            Stores = stores.Catalog,
            LockFile = locked,
            LockFilePath = LockFile,
            Offline = Offline,
            Locked = LockedMode,
            DescribeOnly = DesignTime,
            Verification = verification,
            MaxParallelFetches = MaxParallelFetches > 0 ? MaxParallelFetches : StateResolverOptions.DefaultMaxParallelFetches,
            Progress = new Progress(report => progress.GetOrAdd(report.Key, key => Started(key)).Report(report.Bytes)),
        });
        var started = System.Diagnostics.Stopwatch.StartNew();
        var outcomes = await resolver.ResolveAllAsync(requests.Select(request => request.Request), cancellationToken).ConfigureAwait(false);
        var resolved = new List<ResolvedState>();
        var fetched = outcomes.Where(outcome => outcome.Succeeded && outcome.Source != StateSource.Cache).ToList();
        var eachFetch = fetched.Count > ManyFetches ? MessageImportance.Normal : MessageImportance.High;
        foreach (var (request, outcome) in requests.Zip(outcomes))
        {
            if (Report(outcome, progress.GetValueOrDefault(outcome.Key), eachFetch))
            {
                resolved.Add(request.Resolved(outcome));
            }
        }

        if (eachFetch != MessageImportance.High)
        {
            // Many states, one line (each one is listed at normal verbosity, -v:n).
            Log.LogMessage(
                MessageImportance.High,
                "ModelStore: fetched {0} states ({1}) in {2}, each checked against its SHA-256.",
                fetched.Count.ToString(CultureInfo.InvariantCulture),
                FetchProgressLogger.FormatBytes(fetched.Sum(outcome => outcome.Size)),
                FetchProgressLogger.FormatSeconds(started.Elapsed));
        }

        if (!Log.HasLoggedErrors)
        {
            await WriteOutputsAsync(resolved, stores, projectDirectory, cancellationToken).ConfigureAwait(false);
        }

        FetchProgressLogger Started(ModelStore.States.StateKey key)
        {
            Log.LogMessage(MessageImportance.Normal, "ModelStore: downloading {0}.", key);
            return new FetchProgressLogger(Log, key.ToString(), ProgressInterval);
        }
    }

    private static CacheVerification? ParseVerification(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        null or "" or "stamp" => CacheVerification.Stamp,
        "full" => CacheVerification.Full,
        _ => null,
    };

    /// <summary>Logs an outcome (its warnings, and its failure as a coded error); returns whether it resolved.</summary>
    private bool Report(StateResolution outcome, FetchProgressLogger? progress, MessageImportance eachFetch)
    {
        foreach (var warning in outcome.Warnings)
        {
            if (warning.BuildCode is { } code)
            {
                Warning(code, warning.Message);
            }
            else
            {
                Log.LogMessage(MessageImportance.High, "ModelStore: {0}", warning.Message);
            }
        }

        if (outcome.Failure is { } failure)
        {
            if (DesignTime && failure.Kind == ResolutionFailureKind.OfflineMiss)
            {
                Warning(NotYetResolved, $"ModelState '{outcome.Key}' is not in the lock file '{LockFile}' nor in the cache yet, so it has no accessor in this design-time build. Build the project (dotnet build) to fetch it.");
            }
            else
            {
                Error(failure);
            }

            return false;
        }

        var store = $"store '{outcome.Request.Store}'";
        switch (outcome.Source)
        {
            case StateSource.Cache when progress is not null:
                Log.LogMessage(MessageImportance.Normal, "ModelStore: {0} was fetched by another build; using the cached copy.", outcome.Key);
                break;
            case StateSource.Cache:
                Log.LogMessage(MessageImportance.Low, "ModelStore: {0} found in the cache ({1}), SHA-256 verified.", outcome.Key, outcome.Path);
                break;
            case StateSource.LocalCopy:
                Log.LogMessage(MessageImportance.High, "ModelStore: {0} copied from a copy of {1} on this machine (huggingface_hub's cache), nothing downloaded, SHA-256 {2}.", outcome.Key, store, outcome.Sha256);
                break;
            default:
                FetchCount++;
                Log.LogMessage(
                    eachFetch,
                    "ModelStore: fetched {0} from {1}: {2} in {3} ({4}), SHA-256 {5}.",
                    outcome.Key,
                    outcome.Mirror is { } mirror ? $"mirror '{mirror}' of {store}" : store,
                    // A bundle may take some files from the cache (shared with another bundle): say how much came over the wire.
                    outcome.Files is not null && outcome.BytesDownloaded < outcome.Size
                        ? $"{FetchProgressLogger.FormatBytes(outcome.BytesDownloaded)} downloaded of {FetchProgressLogger.FormatBytes(outcome.Size)}"
                        : FetchProgressLogger.FormatBytes(outcome.Size),
                    FetchProgressLogger.FormatSeconds(outcome.Elapsed),
                    FetchProgressLogger.FormatRate(outcome.Size, outcome.Elapsed),
                    outcome.Sha256);
                break;
        }

        return true;
    }

    private async System.Threading.Tasks.Task WriteOutputsAsync(List<ResolvedState> resolved, DeclaredStores declared, string projectDirectory, CancellationToken cancellationToken)
    {
        try
        {
            if (!LockedMode && !DesignTime)
            {
                var stores = resolved.Select(state => state.Store).Distinct(StringComparer.OrdinalIgnoreCase)
                    .Select(declared.Catalog.GetSettings).OfType<StateStoreSettings>()
                    .Select(settings => LockFileStores.Describe(settings, projectDirectory, LockFile));
                if (await StateLockFileFormat.WriteAsync(LockFile, new StateLockFile(resolved.Select(state => state.Outcome.ToLockEntry()), stores), cancellationToken).ConfigureAwait(false))
                {
                    Log.LogMessage(MessageImportance.Normal, "ModelStore: wrote {0}.", LockFile);
                }
            }

            var descriptor = await StateDescriptor.WriteAllAsync(DescriptorDirectory, resolved, writeCopyFiles: !DesignTime, new StateCache(CacheFolder), cancellationToken).ConfigureAwait(false);
            ResolvedStates = [.. resolved.Select(state => ToItem(state, descriptor))];
            if (StampFile is not null)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(StampFile))!);
                await File.WriteAllLinesAsync(StampFile, resolved.Select(state => state.ResolvedPath).Distinct(StringComparer.Ordinal), cancellationToken).ConfigureAwait(false);
            }
        }
        catch (StateResolutionException e)
        {
            Error(e.Failure);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Error(ResolutionFailureKind.InvalidLockFile, $"The descriptors under '{DescriptorDirectory}' cannot be written: {e.Message}");
        }
    }

    private static TaskItem ToItem(ResolvedState state, string descriptorPath)
    {
        var item = new TaskItem(state.ItemSpec);
        item.SetMetadata("Key", state.Key.ToString());
        item.SetMetadata("Store", state.Store);
        item.SetMetadata("ResolvedPath", state.ResolvedPath);
        item.SetMetadata("Sha256", state.Sha256);
        item.SetMetadata("Size", state.Size.ToString(CultureInfo.InvariantCulture));
        item.SetMetadata("AccessorName", state.AccessorName ?? "");
        item.SetMetadata("OutputRelativePath", state.OutputRelativePath ?? "");
        item.SetMetadata("DescriptorPath", descriptorPath);
        return item;
    }

    /// <summary>The registry plus the providers named by <see cref="Providers"/> items; a provider that cannot be loaded is MST0008.</summary>
    private StateStoreRegistry WithProviderItems(StateStoreRegistry registry, string projectDirectory)
    {
        var loaded = new List<IStateStoreProvider>();
        foreach (var item in Providers)
        {
            var type = item.GetMetadata("Type").Trim();
            var assembly = Path.GetFullPath(item.ItemSpec.Trim(), projectDirectory);
            if (type.Length == 0)
            {
                Error(ResolutionFailureKind.InvalidStore, $"ModelStoreProvider '{item.ItemSpec}' has no Type. Add Type=\"Namespace.ProviderType\" (a public IStateStoreProvider with a parameterless constructor).");
                continue;
            }

            try
            {
                loaded.Add(StateStoreRegistry.LoadProvider(type, assembly));
            }
            catch (ArgumentException e)
            {
                Error(ResolutionFailureKind.InvalidStore, $"ModelStoreProvider '{item.ItemSpec}': {ResolutionFailure.WithoutParameterName(e)}");
            }
        }

        return loaded.Count == 0 ? registry : registry.With(loaded);
    }

    private void Error(ResolutionFailure failure) => Error(failure.Kind, failure.Message);

    private void Error(ResolutionFailureKind kind, string message) =>
        Log.LogError(Subcategory, ResolutionFailure.BuildCodeOf(kind), null, ProjectFile, 0, 0, 0, 0, Printable(message));

    private void Warning(string code, string message) =>
        Log.LogWarning(Subcategory, code, null, ProjectFile, 0, 0, 0, 0, Printable(message));

    // A message may quote a server or a lock file: no credential, no terminal control sequence reaches the build log.
    private static string Printable(string message) =>
        Diagnostics.SecretScrubber.Scrub(Diagnostics.UntrustedText.Sanitize(message, keepLineBreaks: true));

    /// <summary>The subcategory shown before the code.</summary>
    private const string Subcategory = "ModelStore";

    /// <summary>A design-time build met a state the lock file and the cache do not know yet (a warning; docs/build.md).</summary>
    private const string NotYetResolved = "MST0022";

    /// <summary>Reports on the thread that reports (<see cref="System.Progress{T}"/> would post to a captured context).</summary>
    private sealed class Progress(Action<StateFetchProgress> report) : IProgress<StateFetchProgress>
    {
        public void Report(StateFetchProgress value) => report(value);
    }
}
