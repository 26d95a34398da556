using System.CommandLine;
using ModelStore.Caching;
using ModelStore.States;
using ModelStore.Stores;

namespace ModelStore.Cli;

/// <summary>The <c>modelstore</c> command line: list, pull, push, verify and clean.</summary>
/// <remarks>Exit codes: 0 success, 1 a store or cache error, 2 a usage error (bad key, bad store).</remarks>
public static class CliApp
{
    /// <summary>Runs the command line with the given writers (the tests pass their own).</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        var root = BuildCommand(output, error);
        return await root.Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = error }, cancellationToken).ConfigureAwait(false);
    }

    private static RootCommand BuildCommand(TextWriter output, TextWriter error)
    {
        var cacheOption = new Option<string?>("--cache") { Description = "Cache root (default: $MODELSTORE_HOME, else ~/.modelstore).", Recursive = true };
        var storeOption = new Option<string>("--store", "-s") { Description = "The store: local:FOLDER (or a folder), s3://BUCKET/BASE/PATH, az://CONTAINER/BASE/PATH, github:OWNER/REPOSITORY, hf:ORG/NAME.", Required = true };
        var settingOption = new Option<string[]>("--setting") { Description = "An extra store setting Name=Value (ServiceUrl, Region, Branch, Revision...), as in a ModelStore item.", AllowMultipleArgumentsPerToken = false };
        var keyArgument = new Argument<string>("key") { Description = "A state key: backend/architecture[.extra...].trainingId." };

        var typeOption = new Option<string>("--type", "-t") { Description = "The state type whose compatible states to list: backend/architecture[.extra...].", Required = true };
        var list = new Command("list", "List the states of a store compatible with a state type.") { storeOption, settingOption, typeOption };
        list.SetAction((parse, ct) => Guard(error, async () =>
        {
            var store = CreateStore(parse.GetValue(storeOption)!, parse.GetValue(settingOption));
            var type = StateType.Parse(parse.GetValue(typeOption)!);
            foreach (var key in await store.GetStateKeysAsync(type, ct).ConfigureAwait(false))
            {
                await output.WriteLineAsync(key.ToString()).ConfigureAwait(false);
            }

            return 0;
        }));

        var shaOption = new Option<string?>("--sha256") { Description = "The expected SHA-256; the pull fails if the bytes differ." };
        var pathOption = new Option<string?>("--path") { Description = "A file of the store to serve under KEY instead of the layout's name (a Hugging Face Hub repository: model.safetensors, onnx/model.onnx)." };
        var pull = new Command("pull", "Fetch a state into the machine-wide cache (once) and print where it is.") { keyArgument, storeOption, settingOption, shaOption, pathOption };
        pull.SetAction((parse, ct) => Guard(error, async () =>
        {
            var key = StateKey.Parse(parse.GetValue(keyArgument)!);
            var store = await PinAsync(CreateStore(parse.GetValue(storeOption)!, parse.GetValue(settingOption)), parse.GetValue(pathOption), error, ct).ConfigureAwait(false);
            var cache = OpenCache(parse.GetValue(cacheOption));
            ProgressBar? bar = null;
            var state = await cache.GetOrFetchAsync(
                store.Id,
                key,
                async token =>
                {
                    var stream = await store.OpenReadAsync(key, token).ConfigureAwait(false);
                    bar = new ProgressBar(error, $"Pulling {key}", stream.CanSeek ? stream.Length : null, !Console.IsErrorRedirected && ReferenceEquals(error, Console.Error));
                    return stream;
                },
                parse.GetValue(shaOption),
                new DelegateProgress(value => bar?.Report(value)),
                ct).ConfigureAwait(false);
            bar?.Complete();
            await output.WriteLineAsync($"{state.Key}  sha256:{state.Sha256}  {ProgressBar.FormatBytes(state.Size)}  {state.BlobPath}").ConfigureAwait(false);
            return 0;
        }));

        var fileArgument = new Argument<FileInfo>("file") { Description = "The state file to publish." };
        var overwriteOption = new Option<bool>("--overwrite") { Description = "Replace a state that already exists under the key." };
        var push = new Command("push", "Publish a state file to a store under a key.") { fileArgument, keyArgument, storeOption, settingOption, overwriteOption };
        push.SetAction((parse, ct) => Guard(error, async () =>
        {
            var store = CreateStore(parse.GetValue(storeOption)!, parse.GetValue(settingOption));
            var key = StateKey.Parse(parse.GetValue(keyArgument)!);
            var file = parse.GetValue(fileArgument)!;
            if (!file.Exists)
            {
                await error.WriteLineAsync($"error: the file '{file.FullName}' does not exist.").ConfigureAwait(false);
                return 2;
            }

            var source = file.OpenRead();
            await using (source.ConfigureAwait(false))
            {
                await store.WriteAsync(key, source, parse.GetValue(overwriteOption), ct).ConfigureAwait(false);
            }

            await output.WriteLineAsync($"Pushed {key} ({ProgressBar.FormatBytes(file.Length)}) to {store.Description}.").ConfigureAwait(false);
            return 0;
        }));

        var verify = new Command("verify", "Re-hash every cached state; exit 1 if any has changed.");
        verify.SetAction((parse, ct) => Guard(error, async () =>
        {
            var cache = OpenCache(parse.GetValue(cacheOption));
            int good = 0, bad = 0;
            foreach (var state in cache.EnumerateStates())
            {
                if (await StateCache.VerifyAsync(state, ct).ConfigureAwait(false))
                {
                    good++;
                    await output.WriteLineAsync($"ok       {state.Key}  ({state.StoreId})").ConfigureAwait(false);
                }
                else
                {
                    bad++;
                    cache.Remove(state.StoreId, state.Key);
                    File.Delete(state.BlobPath);
                    await output.WriteLineAsync($"CORRUPT  {state.Key}  ({state.StoreId}): removed from the cache; it will be fetched again.").ConfigureAwait(false);
                }
            }

            await output.WriteLineAsync($"{good} verified, {bad} corrupt.").ConfigureAwait(false);
            return bad == 0 ? 0 : 1;
        }));

        var cacheList = new Command("cache", "List the states in the machine-wide cache.");
        cacheList.SetAction((parse, ct) => Guard(error, async () =>
        {
            var cache = OpenCache(parse.GetValue(cacheOption));
            foreach (var state in cache.EnumerateStates().OrderBy(s => s.Key.ToString(), StringComparer.Ordinal))
            {
                await output.WriteLineAsync($"{state.Key}  {ProgressBar.FormatBytes(state.Size)}  sha256:{state.Sha256[..12]}  {state.StoreId}").ConfigureAwait(false);
            }

            return 0;
        }));

        var allOption = new Option<bool>("--all") { Description = "Remove every cached state, not only unreferenced blobs." };
        var clean = new Command("clean", "Free disk space: remove blobs no cached state refers to (or everything with --all).") { allOption };
        clean.SetAction((parse, ct) => Guard(error, async () =>
        {
            var cache = OpenCache(parse.GetValue(cacheOption));
            if (parse.GetValue(allOption))
            {
                foreach (var state in cache.EnumerateStates().ToList())
                {
                    cache.Remove(state.StoreId, state.Key);
                }
            }

            var freed = cache.RemoveUnreferencedBlobs();
            await output.WriteLineAsync($"Freed {ProgressBar.FormatBytes(freed)} in {cache.Root}.").ConfigureAwait(false);
            return 0;
        }));

        return new RootCommand("modelstore: pretrained model states as verified, cached dependencies.")
        {
            cacheOption, list, pull, push, verify, cacheList, clean,
        };
    }

    private static IStateStore CreateStore(string spec, string[]? settings) =>
        StateStoreRegistry.Default.Create(StoreSpec.Parse(spec, settings ?? [], Environment.CurrentDirectory));

    // A versioned store (a Hub repository) is read at the commit its branch points to now, so the cache entry names that
    // commit; a --path reads one file of the store instead of the layout.
    private static async Task<IStateStore> PinAsync(IStateStore store, string? path, TextWriter error, CancellationToken cancellationToken)
    {
        if (store is IRevisionedStore revisioned)
        {
            var commit = await revisioned.ResolveRevisionAsync(cancellationToken).ConfigureAwait(false);
            if (!string.Equals(commit, revisioned.Revision, StringComparison.Ordinal))
            {
                await error.WriteLineAsync($"Revision {revisioned.Revision} is commit {commit}.").ConfigureAwait(false);
            }

            store = revisioned.AtRevision(commit);
        }

        if (path is null)
        {
            return store;
        }

        return store is IFileAddressableStore files
            ? files.ForFile(path)
            : throw new ArgumentException($"--path needs a store whose files can be named by path (a Hugging Face Hub repository); {store.Description} cannot.");
    }

    private static StateCache OpenCache(string? root) => new(root ?? StateCache.DefaultRoot);

    private static async Task<int> Guard(TextWriter error, Func<Task<int>> action)
    {
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (StateStoreException e)
        {
            await error.WriteLineAsync($"error ({e.Error}): {e.Message}").ConfigureAwait(false);
            return 1;
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            await error.WriteLineAsync($"error: {e.Message}").ConfigureAwait(false);
            return 2;
        }
    }

    private sealed class DelegateProgress(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }
}
