using System.CommandLine;
using ModelStore.Caching;
using ModelStore.Stores;

namespace ModelStore.Cli;

// modelstore restore: the CI prefetch, from a lock file alone (no MSBuild).
public static partial class CliApp
{
    /// <summary>The lock file's name beside a project.</summary>
    internal const string LockFileName = "modelstates.lock.json";

    private static Command RestoreCommand(CommonOptions options, TextWriter output, TextWriter error)
    {
        var target = new Argument<string?>("project-or-lock-file") { Description = $"A project file or folder (its {LockFileName} is read), or a lock file. Default: the current folder.", Arity = ArgumentArity.ZeroOrOne };
        var restore = new Command("restore", $"Fill the cache with every state a lock file pins, from the stores it records, each checked against its SHA-256 (a CI prefetch, without MSBuild).") { target };
        restore.SetAction(Action(options, output, error, async (parse, cli, cancellationToken) =>
        {
            var lockFile = FindLockFile(parse.GetValue(target));
            var (states, stores) = ReadLockFile(lockFile);
            if (stores is null && states.Any(state => !state.Store.StartsWith("url:", StringComparison.Ordinal)))
            {
                throw new UsageException($"the lock file '{lockFile}' records no store definitions (it was written by an older ModelStore.Build). Build the project once with this version to add them, then commit the lock file.");
            }

            var cache = OpenCache(parse.GetValue(options.Cache));
            var lockFolder = Path.GetDirectoryName(lockFile)!;
            var opened = new Dictionary<string, IStateStore>(StringComparer.OrdinalIgnoreCase);
            var results = new List<object>();
            int fetched = 0, cached = 0, failed = 0;
            foreach (var state in states)
            {
                try
                {
                    // The build finds a pinned state by its hash: a verified blob is all it needs.
                    var blob = new FileInfo(cache.GetBlobPath(state.Sha256));
                    if (blob.Exists && blob.Length == state.Size && await StateCache.VerifyAsync(new CachedState("", state.Key, state.Sha256, state.Size, blob.FullName), cancellationToken).ConfigureAwait(false))
                    {
                        cached++;
                        await cli.LineAsync($"cached   {state.Key}  ({state.Store})").ConfigureAwait(false);
                        results.Add(new { key = state.Key.ToString(), store = state.Store, sha256 = state.Sha256, result = "cached", path = blob.FullName });
                        continue;
                    }

                    var store = OpenLockedStore(stores, opened, state, lockFolder);
                    var result = await FetchAsync(cache, store, state.Key, state.Sha256, cli, cancellationToken).ConfigureAwait(false);
                    fetched++;
                    await cli.LineAsync($"fetched  {state.Key}  ({state.Store}, {ProgressBar.FormatBytes(result.Size)})").ConfigureAwait(false);
                    results.Add(new { key = state.Key.ToString(), store = state.Store, sha256 = result.Sha256, result = "fetched", path = result.BlobPath });
                }
                catch (Exception e) when (e is StateStoreException or ArgumentException or TimeoutException or IOException)
                {
                    failed++;
                    var code = e is StateStoreException store ? store.Error.ToString() : e is ArgumentException ? "InvalidStore" : "Error";
                    await cli.FailAsync(code, $"{state.Key} from store '{state.Store}': {e.Message}", 1).ConfigureAwait(false);
                    results.Add(new { key = state.Key.ToString(), store = state.Store, sha256 = state.Sha256, result = "failed", error = code, message = e.Message });
                }
            }

            await cli.LineAsync($"{states.Count} state{(states.Count == 1 ? "" : "s")} in {lockFile}: {fetched} fetched, {cached} already cached, {failed} failed.").ConfigureAwait(false);
            await cli.JsonAsync(new { lockFile, states = results, fetched, cached, failed }).ConfigureAwait(false);
            return failed == 0 ? 0 : 1;
        }));
        return restore;
    }

    private static string FindLockFile(string? target)
    {
        var path = Path.GetFullPath(target ?? ".");
        if (Directory.Exists(path))
        {
            path = Path.Combine(path, LockFileName);
        }
        else if (File.Exists(path) && !path.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
        {
            path = Path.Combine(Path.GetDirectoryName(path)!, LockFileName);
        }

        return File.Exists(path) ? path : throw new UsageException($"no lock file at '{path}'. Build the project once (dotnet build) to write it, or name the lock file.");
    }

    private static (IReadOnlyList<LockedState> States, IReadOnlyDictionary<string, LockedStoreDefinition>? Stores) ReadLockFile(string path)
    {
        try
        {
            return LockFileReader.Read(path);
        }
        catch (Exception e) when (e is InvalidDataException or ArgumentException)
        {
            throw new UsageException(e.Message);
        }
    }

    // The store as the build declared it (created once per definition, as the build does, and kept in opened), pinned to
    // the recorded revision and narrowed to the recorded file when it has them.
    private static IStateStore OpenLockedStore(IReadOnlyDictionary<string, LockedStoreDefinition>? stores, Dictionary<string, IStateStore> opened, LockedState state, string lockFolder)
    {
        // A Url state is recorded under its store's id, url:<address>.
        if (state.Store.StartsWith("url:", StringComparison.Ordinal) && Uri.TryCreate(state.Store["url:".Length..], UriKind.Absolute, out var address))
        {
            return new UrlStateStore(state.Key, address);
        }

        if (stores is null || !stores.TryGetValue(state.Store, out var definition))
        {
            throw new ArgumentException($"the lock file records no definition of store '{state.Store}'. Build the project once to write it.");
        }

        if (!opened.TryGetValue(definition.Name, out var store))
        {
            opened[definition.Name] = store = CreateLockedStore(definition, lockFolder);
        }

        return Narrow(store, state);
    }

    // A store from its definition in a lock file (relative folders start at the lock file's folder), as the build created it.
    private static IStateStore CreateLockedStore(LockedStoreDefinition definition, string lockFolder)
    {
        var baseDirectory = definition.BaseDirectory is { } relative ? Path.GetFullPath(relative, lockFolder) : lockFolder;
        var settings = new StateStoreSettings(definition.Name, definition.Kind, definition.Settings, baseDirectory);
        var registry = settings.Get("ProviderType") is { } type
            ? StateStoreRegistry.Default.With(StateStoreRegistry.LoadProvider(type, settings.GetPath("ProviderAssembly")))
            : StateStoreRegistry.Default;
        return Own(registry.Create(settings));
    }

    // The store pinned to the commit the lock entry records and narrowed to the file it records, when it records them.
    private static IStateStore Narrow(IStateStore store, LockedState state)
    {
        if (state.Revision is { } revision && store is IRevisionedStore revisioned)
        {
            store = revisioned.AtRevision(revision);
        }

        if (state.FilePath is { } file)
        {
            store = store is IFileAddressableStore files ? files.ForFile(file) : throw new ArgumentException($"store '{state.Store}' cannot name its files by path, so the recorded path '{file}' cannot be read.");
        }

        return store;
    }
}
