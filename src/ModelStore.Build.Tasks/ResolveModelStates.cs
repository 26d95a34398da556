using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
using ModelStore.Caching;
using ModelStore.States;
using ModelStore.Stores;

namespace ModelStore.Build.Tasks;

/// <summary>
/// Resolves the project's <c>ModelState</c> items to verified bytes in the machine-wide cache, pins them in
/// <c>modelstates.lock.json</c>, and writes the descriptors the source generator and the copy targets read.
/// </summary>
/// <remarks>
/// Every state goes through <see cref="StateCache.GetOrFetchAsync(string, ModelStore.States.StateKey, Func{CancellationToken, Task{Stream}}, string?, IProgress{long}?, CancellationToken)"/> (one fetch per machine, cross-process lock,
/// hash checked), and a blob already cached is re-hashed each time the task runs. Problems are coded errors
/// (<c>MST0001</c>…) logged against the project file; the task fails when any was logged.
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

    /// <summary>The folder for the <c>.modelstate</c> descriptors (under obj/).</summary>
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

    /// <summary>The cache root; empty for <see cref="StateCache.DefaultRoot"/>.</summary>
    public string? CacheRoot { get; set; }

    /// <summary>The resolved states: Include = key; metadata ResolvedPath, Sha256, Size, Store, AccessorName, OutputRelativePath, DescriptorPath.</summary>
    [Output]
    public ITaskItem[] ResolvedStates { get; private set; } = [];

    /// <summary>How often a running fetch logs its progress.</summary>
    internal TimeSpan ProgressInterval { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>The store kinds understood (tests substitute their own).</summary>
    internal StateStoreRegistry Registry { get; set; } = StateStoreRegistry.Default;

    /// <summary>How many times a store was asked for bytes during this run.</summary>
    internal int FetchCount { get; private set; }

    /// <inheritdoc />
    public void Cancel() => _cancellation.Cancel();

    /// <inheritdoc />
    public override bool Execute()
    {
        try
        {
            ExecuteCore(_cancellation.Token);
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

    private void ExecuteCore(CancellationToken cancellationToken)
    {
        var projectDirectory = Path.GetDirectoryName(Path.GetFullPath(ProjectFile))!;
        var cache = new StateCache(string.IsNullOrWhiteSpace(CacheRoot) ? StateCache.DefaultRoot : CacheRoot);
        var registry = WithProviderItems(Registry, projectDirectory);
        var stores = DeclaredStores.Read(Stores, projectDirectory, registry, (item, message) => Error(ErrorCodes.InvalidStore, message));

        IReadOnlyDictionary<string, LockEntry> locked;
        try
        {
            locked = Tasks.LockFile.Read(LockFile);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            Error(ErrorCodes.InvalidLockFile, $"The lock file '{LockFile}' cannot be read: {e.Message}. Fix it, or delete it to resolve every state again (not in locked mode).");
            return;
        }

        var resolved = new List<ResolvedState>();
        foreach (var request in ReadRequests(stores))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var state = DesignTime ? Describe(request, stores, locked, cache) : Resolve(request, stores, locked, cache, cancellationToken);
            if (state is not null)
            {
                resolved.Add(state);
            }
        }

        if (Log.HasLoggedErrors)
        {
            return;
        }

        WriteOutputs(resolved, stores);
    }

    private void WriteOutputs(List<ResolvedState> resolved, DeclaredStores declared)
    {
        try
        {
            var stores = LockedStores.Describe(declared, resolved.Select(state => state.Store), Path.GetDirectoryName(Path.GetFullPath(ProjectFile))!, LockFile);
            if (!LockedMode && !DesignTime && Tasks.LockFile.Write(LockFile, resolved.Select(state => new LockEntry(state.Key.ToString(), state.Store, state.Sha256, state.Size) { FilePath = state.FilePath, Revision = state.Revision }), stores))
            {
                Log.LogMessage(MessageImportance.Normal, "ModelStore: wrote {0}.", LockFile);
            }

            var descriptors = StateDescriptor.WriteAll(DescriptorDirectory, resolved, writeCopyFiles: !DesignTime);
            ResolvedStates = [.. resolved.Select(state => ToItem(state, descriptors[state.Key]))];
            if (StampFile is not null)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(StampFile))!);
                File.WriteAllLines(StampFile, resolved.Select(state => state.ResolvedPath).Distinct(StringComparer.Ordinal));
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Error(ErrorCodes.InvalidLockFile, $"The lock file or the descriptors under '{DescriptorDirectory}' cannot be written: {e.Message}");
        }
    }

    private static TaskItem ToItem(ResolvedState state, string descriptorPath)
    {
        var item = new TaskItem(state.ItemSpec);
        item.SetMetadata("Key", state.Key.ToString());
        item.SetMetadata("Store", state.Store);
        item.SetMetadata("ResolvedPath", state.ResolvedPath);
        item.SetMetadata("Sha256", state.Sha256);
        item.SetMetadata("Size", state.Size.ToString(System.Globalization.CultureInfo.InvariantCulture));
        item.SetMetadata("AccessorName", state.AccessorName ?? "");
        item.SetMetadata("OutputRelativePath", state.OutputRelativePath ?? "");
        item.SetMetadata("DescriptorPath", descriptorPath);
        return item;
    }

    private void Error(string code, string message) =>
        Log.LogError(ErrorCodes.Subcategory, code, null, ProjectFile, 0, 0, 0, 0, Printable(message));

    private void Warning(string code, string message) =>
        Log.LogWarning(ErrorCodes.Subcategory, code, null, ProjectFile, 0, 0, 0, 0, Printable(message));

    // A message may quote a server or a lock file: no credential, no terminal control sequence reaches the build log.
    private static string Printable(string message) =>
        Diagnostics.SecretScrubber.Scrub(Diagnostics.UntrustedText.Sanitize(message, keepLineBreaks: true));
}
