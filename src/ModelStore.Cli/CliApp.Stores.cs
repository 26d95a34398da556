using System.CommandLine;
using System.Security.Cryptography;
using ModelStore.Caching;
using ModelStore.IO;
using ModelStore.Resolution;
using ModelStore.States;
using ModelStore.Stores;

namespace ModelStore.Cli;

// The commands that talk to a store: list, pull, push, export.
public static partial class CliApp
{
    private static Command ListCommand(CommonOptions options, TextWriter output, TextWriter error)
    {
        var type = new Option<string>("--type", "-t") { Description = "The state type whose compatible states to list: backend/architecture[.extra...].", Required = true };
        var list = new Command("list", "List the states of a store compatible with a state type.") { options.Store, options.Setting, type };
        list.SetAction(Action(options, output, error, async (parse, cli, cancellationToken) =>
        {
            var stateType = StateType.Parse(parse.GetValue(type)!);
            var store = CreateStore(parse.GetValue(options.Store)!, parse.GetValue(options.Setting));
            var keys = await ListKeysAsync(store, stateType, cancellationToken).ConfigureAwait(false);
            foreach (var key in keys)
            {
                await cli.LineAsync(key.ToString()).ConfigureAwait(false);
            }

            await cli.JsonAsync(new ListDocument(store.Description, stateType.ToString(), keys.Select(key => key.ToString()))).ConfigureAwait(false);
            return 0;
        }));
        return list;
    }

    private static Command PullCommand(CommonOptions options, TextWriter output, TextWriter error)
    {
        var key = KeyArgument();
        var store = new Option<string?>("--store", "-s") { Description = "The store to read from: local:FOLDER (or a folder), s3://BUCKET/BASE/PATH, az://CONTAINER/BASE/PATH, github:OWNER/REPOSITORY, hf:ORG/NAME. Or --url." };
        var url = new Option<string?>("--url") { Description = "Instead of --store: the http:// or https:// address of the state's file (no user name or password; a pre-signed address is fine)." };
        var sha = new Option<string?>("--sha256") { Description = "The expected SHA-256; the pull fails if the bytes differ." };
        var path = new Option<string?>("--path") { Description = "A file of the store to serve under KEY instead of the layout's name (a Hugging Face Hub repository: model.safetensors, onnx/model.onnx)." };
        var include = new Option<string[]>("--include") { Description = "A bundle: the files of the store to fetch (paths or globs relative to its root: onnx/model.onnx, *.json, **/*.safetensors); repeat it for more.", AllowMultipleArgumentsPerToken = false };
        var exclude = new Option<string[]>("--exclude") { Description = "With --include: files to leave out (globs); repeat it for more." };
        var localDir = new Option<string?>("--local-dir") { Description = "With --include: also copy the bundle's files into this folder (their paths kept)." };
        var dryRun = new Option<bool>("--dry-run") { Description = "With --include: list the files the bundle would hold, with their sizes, and fetch nothing." };
        var hfCache = HubCacheOption();
        var pull = new Command("pull", "Fetch a state (or with --include a bundle of files) into the machine-wide cache (once, resumably) and print where it is.") { key, store, url, options.Setting, sha, path, include, exclude, localDir, dryRun, hfCache };
        pull.SetAction(Action(options, output, error, async (parse, cli, cancellationToken) =>
        {
            var stateKey = StateKey.Parse(parse.GetValue(key)!);
            var pin = parse.GetValue(sha) is { } text ? StateCache.NormalizeSha256(text) : null;
            var stores = Own(new StoreCatalog());
            var request = (parse.GetValue(store), parse.GetValue(url)) switch
            {
                (null, null) => throw new UsageException("say where the state comes from: --store STORE, or --url URL for a file on the web."),
                ({ }, { }) => throw new UsageException("--store and --url are mutually exclusive: a state comes from one place."),
                (null, { } address) => parse.GetValue(hfCache) ? throw new UsageException("--hf-cache writes into huggingface_hub's cache, so it needs an hf: store, not a --url.") : UrlRequest(stateKey, address, parse.GetValue(path), parse.GetValue(options.Setting)),
                ({ } spec, null) => new StateRequest(stateKey, AddStore(stores, spec, WithHubCacheSharing(spec, parse.GetValue(options.Setting), parse.GetValue(hfCache)))) { Path = parse.GetValue(path) },
            };
            if (BundlePatterns(parse.GetValue(include), parse.GetValue(exclude), parse.GetValue(localDir), parse.GetValue(dryRun)) is { } patterns)
            {
                return await PullBundleAsync(parse, options, cli, stores, request, patterns, parse.GetValue(localDir), parse.GetValue(dryRun), cancellationToken).ConfigureAwait(false);
            }

            var outcome = await ResolveAsync(OpenCache(parse.GetValue(options.Cache)), stores, request with { Sha256 = pin }, Verification(parse, options), cli, cancellationToken).ConfigureAwait(false);
            await cli.LineAsync($"{outcome.Key}  sha256:{outcome.Sha256}  {ProgressBar.FormatBytes(outcome.Size)}  {outcome.Path}").ConfigureAwait(false);
            await cli.JsonAsync(new PullDocument(outcome.Key.ToString(), outcome.Request.Store, outcome.Sha256, outcome.Size, outcome.Path, outcome.Revision?.Resolved)).ConfigureAwait(false);
            return 0;
        }));
        return pull;
    }

    // --hf-cache: also write downloads into huggingface_hub's cache, the HuggingFace store's ShareHubCache setting.
    private static Option<bool> HubCacheOption() =>
        new("--hf-cache") { Description = "Also write what hf: stores download into huggingface_hub's cache (HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub), so Python and @huggingface/hub find it without a request (the store setting ShareHubCache=true)." };

    private static string[]? WithHubCacheSharing(string spec, string[]? settings, bool share) =>
        !share ? settings
        : spec.StartsWith("hf:", StringComparison.OrdinalIgnoreCase) ? [.. settings ?? [], "ShareHubCache=true"]
        : throw new UsageException("--hf-cache writes into huggingface_hub's cache, so it needs an hf: store.");

    // The one file at a web address, served under the key (what a ModelState with Url reads in a build).
    private static StateRequest UrlRequest(StateKey key, string address, string? path, string[]? settings)
    {
        if (path is not null)
        {
            throw new UsageException("--path names a file of a --store; a --url already names the file. Give one of them.");
        }

        if (settings is { Length: > 0 })
        {
            throw new UsageException("--setting configures a --store; a --url download takes none.");
        }

        return StateRequest.FromUrl(key, ParseUrl(address, "--url"));
    }

    // The address a person typed, by the build's rules for a ModelState's Url; the message names the option.
    private static Uri ParseUrl(string address, string option)
    {
        try
        {
            return StateRequest.ParseUrl(address);
        }
        catch (ArgumentException e)
        {
            throw new UsageException($"{option} {ResolutionFailure.WithoutParameterName(e)}");
        }
    }

    private static Command PushCommand(CommonOptions options, TextWriter output, TextWriter error)
    {
        var file = new Argument<FileInfo>("file") { Description = "The state file to publish." };
        var key = KeyArgument();
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace a state that already exists under the key." };
        var push = new Command("push", "Publish a state file to a store under a key.") { file, key, options.Store, options.Setting, overwrite };
        push.SetAction(Action(options, output, error, async (parse, cli, cancellationToken) =>
        {
            var stateKey = StateKey.Parse(parse.GetValue(key)!);
            var source = parse.GetValue(file)!;
            if (!source.Exists)
            {
                throw new UsageException($"the file '{source.FullName}' does not exist.");
            }

            var store = CreateStore(parse.GetValue(options.Store)!, parse.GetValue(options.Setting));
            var stream = source.OpenRead();
            await using (stream.ConfigureAwait(false))
            {
                try
                {
                    await store.WriteAsync(stateKey, stream, parse.GetValue(overwrite), cancellationToken).ConfigureAwait(false);
                }
                catch (StateStoreException e) when (e.Error == StateStoreError.AlreadyExists)
                {
                    // The store speaks to code (overwrite: true); here the switch is --overwrite.
                    throw new StateStoreException(StateStoreError.AlreadyExists, $"State {stateKey} already exists in {store.Description}. Pass --overwrite to replace it.", stateKey, e);
                }
            }

            await cli.LineAsync($"Pushed {stateKey} ({ProgressBar.FormatBytes(source.Length)}) to {store.Description}.").ConfigureAwait(false);
            await cli.JsonAsync(new PushDocument(stateKey.ToString(), store.Description, source.Length)).ConfigureAwait(false);
            return 0;
        }));
        return push;
    }

    private static Command ExportCommand(CommonOptions options, TextWriter output, TextWriter error)
    {
        var key = KeyArgument();
        var to = new Option<DirectoryInfo>("--to") { Description = "The folder to write the file into (created if needed).", Required = true };
        var export = new Command("export", "Copy a cached state out of the cache as a plain file (MoZuMa's local file name), for tools outside .NET; with --store, fetch it first.") { key, to, options.OptionalStore, options.Setting };
        export.SetAction(Action(options, output, error, async (parse, cli, cancellationToken) =>
        {
            var stateKey = StateKey.Parse(parse.GetValue(key)!);
            var cache = OpenCache(parse.GetValue(options.Cache));
            CachedState state;
            if (parse.GetValue(options.OptionalStore) is { } spec)
            {
                var stores = Own(new StoreCatalog());
                var outcome = await ResolveAsync(cache, stores, new StateRequest(stateKey, AddStore(stores, spec, parse.GetValue(options.Setting))), Verification(parse, options), cli, cancellationToken).ConfigureAwait(false);
                state = new CachedState(outcome.Request.Store, stateKey, outcome.Sha256!, outcome.Size, outcome.Path!);
            }
            else
            {
                var cached = cache.EnumerateStates().Where(entry => entry.Key == stateKey).ToList();
                state = cached.DistinctBy(entry => entry.Sha256).Count() switch
                {
                    0 => throw new StateStoreException(StateStoreError.NotFound, $"State {stateKey} is not in the cache at {cache.Root}. Pull it first, or give --store to fetch it.", stateKey),
                    1 => cached[0],
                    _ => throw new UsageException($"state {stateKey} is cached from several stores with different bytes ({string.Join(", ", cached.Select(entry => entry.StoreId))}); give --store to choose one."),
                };
            }

            var folder = parse.GetValue(to)!;
            Directory.CreateDirectory(folder.FullName);
            var destination = Path.Combine(folder.FullName, LocalStateStore.GetFileName(stateKey));
            await CopyVerifiedAsync(state, destination, cancellationToken).ConfigureAwait(false);
            await cli.LineAsync(destination).ConfigureAwait(false);
            await cli.JsonAsync(new ExportDocument(state.Key.ToString(), state.StoreId, state.Sha256, state.Size, destination)).ConfigureAwait(false);
            return 0;
        }));
        return export;
    }

    // The keys of a store compatible with a type (list, mirror --type).
    private static Task<IReadOnlyList<StateKey>> ListKeysAsync(IStateStore store, StateType stateType, CancellationToken cancellationToken)
    {
        if (store is LocalStateStore { Folder: var folder } && !Directory.Exists(folder))
        {
            // The store lists nothing (as MoZuMa's); a person asking needs to know the folder is not there.
            throw new StateStoreException(StateStoreError.ContainerNotFound, $"The folder '{folder}' of the local store does not exist.");
        }

        return store.GetStateKeysAsync(stateType, cancellationToken);
    }

    private static Argument<string> KeyArgument() => new("key") { Description = "A state key: backend/architecture[.extra...].trainingId." };

    /// <summary>
    /// Resolves one request with the one resolver (verified cache hit, or a fetch through the cache), with a progress bar;
    /// a failure is thrown, for <see cref="Action"/> to report with its code.
    /// </summary>
    private static async Task<StateResolution> ResolveAsync(StateCache cache, StoreCatalog stores, StateRequest request, CacheVerification verification, CliOutput cli, CancellationToken cancellationToken)
    {
        var bar = cli.ShowsProgress ? new ProgressBar(cli.Error, $"Pulling {request.Key}", null, cli.IsInteractive) : null;
        var resolver = new StateResolver(new StateResolverOptions
        {
            Cache = cache,
            Stores = stores,
            Verification = verification,
            Progress = bar is null ? null : new BarProgress(bar),
        });
        var outcome = await resolver.ResolveAsync(request, cancellationToken).ConfigureAwait(false);
        if (outcome.Failure is { } failure)
        {
            throw new StateResolutionException(failure);
        }

        if (outcome.Revision is { } revision && !string.Equals(revision.Requested, revision.Resolved, StringComparison.Ordinal))
        {
            await cli.NoteAsync($"Revision {revision.Requested} is commit {revision.Resolved}.").ConfigureAwait(false);
        }

        foreach (var warning in outcome.Warnings)
        {
            await cli.NoteAsync(warning.Message).ConfigureAwait(false);
        }

        if (outcome.Source == StateSource.Cache)
        {
            await cli.NoteAsync($"{request.Key} was already in the cache.").ConfigureAwait(false);
        }
        else if (outcome.Source == StateSource.LocalCopy)
        {
            await cli.NoteAsync($"{request.Key} was copied from a copy on this machine (huggingface_hub's cache); nothing was downloaded.").ConfigureAwait(false);
        }
        else
        {
            bar?.Complete();
        }

        return outcome;
    }

    // The copy is hashed on the way and renamed into place: the exported file is the cached bytes or nothing.
    private static async Task CopyVerifiedAsync(CachedState state, string destination, CancellationToken cancellationToken)
    {
        var target = AtomicFile.CreateTemporary(destination, out var temporaryPath);
        try
        {
            using var hasher = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var source = new FileStream(state.BlobPath, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1 << 20, FileOptions.Asynchronous | FileOptions.SequentialScan);
            await using (source.ConfigureAwait(false))
            {
                var buffer = new byte[1 << 20];
                int read;
                while ((read = await source.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    hasher.AppendData(buffer, 0, read);
                    await target.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                }
            }

            var actual = Convert.ToHexStringLower(hasher.GetHashAndReset());
            if (!string.Equals(actual, state.Sha256, StringComparison.Ordinal))
            {
                throw new StateStoreException(StateStoreError.IntegrityMismatch, $"The cached file of {state.Key} ({state.BlobPath}) no longer has SHA-256 {state.Sha256}; nothing was exported. Run '{CommandName} verify', then pull it again.", state.Key);
            }

            await AtomicFile.CommitAsync(target, temporaryPath, destination, overwrite: true).ConfigureAwait(false);
        }
        catch
        {
            await target.DisposeAsync().ConfigureAwait(false);
            AtomicFile.Discard(temporaryPath);
            throw;
        }
    }

    // The resolver reports each fetch's bytes (and the total once known); the bar draws them.
    private sealed class BarProgress(ProgressBar bar) : IProgress<StateFetchProgress>
    {
        public void Report(StateFetchProgress value)
        {
            if (value.TotalBytes is { } total)
            {
                bar.ReportTotal(total);
            }

            bar.Report(value.Bytes);
        }
    }
}
