using System.CommandLine;
using ModelStore.Resolution;
using ModelStore.Stores;

namespace ModelStore.Cli;

// modelstore restore: the CI prefetch, from a lock file alone (no MSBuild), under the lock file trust rules (docs/security.md).
public static partial class CliApp
{
    private static Command RestoreCommand(CommonOptions options, TextWriter output, TextWriter error)
    {
        var target = new Argument<string?>("project-or-lock-file") { Description = $"A project file or folder (its {StateLockFile.FileName} is read), or a lock file. Default: the current folder.", Arity = ArgumentArity.ZeroOrOne };
        var jobs = new Option<int>("--jobs", "-j") { Description = $"How many states to fetch at once (default {StateResolverOptions.DefaultMaxParallelFetches}).", DefaultValueFactory = _ => StateResolverOptions.DefaultMaxParallelFetches };
        var provider = new Option<string[]>("--provider") { Description = "A store provider you trust for a kind that is not built in: \"Namespace.ProviderType, path/to/provider.dll\". A lock file never names code to load." };
        var storeSetting = new Option<string[]>("--store-setting") { Description = "A setting of one of the lock file's stores, NAME:Setting=Value. It replaces the lock file's value, and confirms an address (Endpoint, BaseAddress, ServiceUrl, ServiceUri, AccountName) that only the lock file gives: credentials go only to addresses you confirm." };
        var offline = new Option<bool>("--offline") { Description = "Contact no store: the cache, and copies other programs keep on this machine (huggingface_hub's cache), must hold every state (as ModelStoreOffline in a build)." };
        var hfCache = HubCacheOption();
        var restore = new Command("restore", "Fill the cache with every state a lock file pins, each checked against its SHA-256 (a CI prefetch, without MSBuild). The lock file says what to fetch; you decide which code runs and where credentials go.")
        {
            target, jobs, provider, storeSetting, offline, hfCache,
        };
        restore.SetAction(Action(options, output, error, async (parse, cli, cancellationToken) =>
        {
            if (parse.GetValue(jobs) < 1)
            {
                throw new UsageException("--jobs must be 1 or more.");
            }

            // Read once: the count of the progress line, the stores --hf-cache names and the restore all see the same file.
            var (lockFile, locked) = StateResolver.ReadLockFileToRestore(FindLockFile(parse.GetValue(target)));

            // One line for all the states (each one is listed with --verbose).
            var verbose = parse.GetValue(options.Verbose);
            var progress = cli.ShowsProgress ? new StatesProgress(cli.Error, "restore:", LockFileStores.CreateRequests(locked).Count, cli.IsInteractive) : null;
            IReadOnlyList<StateResolution> outcomes;
            try
            {
                outcomes = await StateResolver.RestoreAsync(
                    locked,
                    lockFile,
                    new StateResolverOptions { Cache = OpenCache(parse.GetValue(options.Cache)), MaxParallelFetches = parse.GetValue(jobs), Verification = Verification(parse, options), Offline = parse.GetValue(offline), Resolved = progress },
                    new LockFileStoreOptions { Registry = WithProviders(parse.GetValue(provider) ?? []), Settings = StoreSettings([.. parse.GetValue(storeSetting) ?? [], .. HubCacheSharing(locked, parse.GetValue(hfCache))]) },
                    cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                progress?.Complete();
            }

            var results = new List<RestoreRowDocument>();
            int fetched = 0, copied = 0, cached = 0, failed = 0;
            foreach (var outcome in outcomes)
            {
                var store = Printable(outcome.Request.Store);
                if (outcome.Failure is { } failure)
                {
                    failed++;
                    await cli.FailAsync(failure.Code, failure.Message, failure.ExitCode).ConfigureAwait(false);
                    results.Add(new RestoreRowDocument(outcome.Key.ToString(), store, Sha256: null, "failed", Path: null, failure.Code, failure.Message));
                    continue;
                }

                var result = outcome.Source switch { StateSource.Cache => "cached", StateSource.LocalCopy => "copied", _ => "fetched" };
                if (result == "cached")
                {
                    cached++;
                }
                else if (result == "copied")
                {
                    copied++;
                }
                else
                {
                    fetched++;
                }

                if (verbose)
                {
                    await cli.LineAsync(result switch
                    {
                        "cached" => $"cached   {outcome.Key}  ({store})",
                        "copied" => $"copied   {outcome.Key}  ({store}, {ProgressBar.FormatBytes(outcome.Size)} from a copy on this machine, nothing downloaded)",
                        _ => $"fetched  {outcome.Key}  ({store}, {ProgressBar.FormatBytes(outcome.Size)})",
                    }).ConfigureAwait(false);
                }

                results.Add(new RestoreRowDocument(outcome.Key.ToString(), store, outcome.Sha256, result, outcome.Path, Error: null, Message: null));
            }

            var copies = copied == 0 ? "" : $", {copied} copied from this machine";
            await cli.LineAsync($"{outcomes.Count} state{(outcomes.Count == 1 ? "" : "s")} in {lockFile}: {fetched} fetched{copies}, {cached} already cached, {failed} failed.").ConfigureAwait(false);
            await cli.JsonAsync(new RestoreDocument(lockFile, results, fetched, copied, cached, failed)).ConfigureAwait(false);
            return failed == 0 ? 0 : outcomes.Where(outcome => outcome.Failure is not null).Max(outcome => outcome.Failure!.ExitCode);
        }));
        return restore;
    }

    // --hf-cache: ShareHubCache=true on every HuggingFace store of the lock file (a lock file never turns it on itself).
    private static IEnumerable<string> HubCacheSharing(StateLockFile lockFile, bool share) =>
        !share ? [] : lockFile.Stores.Values
            .Where(store => string.Equals(store.Kind, "HuggingFace", StringComparison.OrdinalIgnoreCase))
            .Select(store => $"{store.Name}:ShareHubCache=true");

    private static string FindLockFile(string? target)
    {
        var path = Path.GetFullPath(target ?? ".");
        if (Directory.Exists(path))
        {
            path = Path.Combine(path, StateLockFile.FileName);
        }
        else if (File.Exists(path) && !path.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
        {
            path = Path.Combine(Path.GetDirectoryName(path)!, StateLockFile.FileName);
        }

        return File.Exists(path) ? path : throw new UsageException($"no lock file at '{path}'. Build the project once (dotnet build) to write it, or name the lock file.");
    }

    // --provider "Namespace.Type, path/to/provider.dll": code the user chose to run, added to the built-in kinds.
    private static StateStoreRegistry WithProviders(string[] providers)
    {
        if (providers.Length == 0)
        {
            return StateStoreRegistry.Default;
        }

        var loaded = new List<IStateStoreProvider>();
        foreach (var text in providers)
        {
            var comma = text.IndexOf(',', StringComparison.Ordinal);
            var type = (comma < 0 ? text : text[..comma]).Trim();
            var assembly = comma < 0 ? null : Path.GetFullPath(text[(comma + 1)..].Trim());
            loaded.Add(StateStoreRegistry.LoadProvider(type, assembly));
        }

        return StateStoreRegistry.Default.With(loaded);
    }

    // --store-setting NAME:Setting=Value, grouped by store name.
    private static Dictionary<string, IReadOnlyDictionary<string, string>> StoreSettings(string[] values)
    {
        var byStore = new Dictionary<string, Dictionary<string, string>>(StringComparer.OrdinalIgnoreCase);
        foreach (var text in values)
        {
            var colon = text.IndexOf(':', StringComparison.Ordinal);
            var equals = colon < 0 ? -1 : text.IndexOf('=', colon);
            if (colon <= 0 || equals <= colon + 1)
            {
                throw new UsageException($"\"{Printable(text)}\" is not a store setting: expected NAME:Setting=Value, for example hub:Endpoint=https://hub.example.com.");
            }

            var store = text[..colon].Trim();
            if (!byStore.TryGetValue(store, out var settings))
            {
                byStore[store] = settings = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            }

            settings[text[(colon + 1)..equals].Trim()] = text[(equals + 1)..].Trim();
        }

        return byStore.ToDictionary(pair => pair.Key, pair => (IReadOnlyDictionary<string, string>)pair.Value, StringComparer.OrdinalIgnoreCase);
    }

    private static string Printable(string text) => StateStoreSettings.Printable(text);
}
