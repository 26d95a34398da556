using System.CommandLine;
using ModelStore.HuggingFace;
using ModelStore.Resolution;
using ModelStore.States;
using ModelStore.Stores;

namespace ModelStore.Cli;

// modelstore mirror: fill a store near a build fleet from an origin, with hash checks (docs/build.md, "Mirrors for build fleets").
public static partial class CliApp
{
    private static Command MirrorCommand(CommonOptions options, TextWriter output, TextWriter error)
    {
        var from = new Option<string>("--from") { Description = "The origin: a store (local:FOLDER, s3://..., az://..., github:OWNER/REPOSITORY, hf:ORG/NAME), or with --lock the http(s) address of a Url state.", Required = true };
        var to = new Option<string>("--to") { Description = "The destination store (local:FOLDER, s3://BUCKET/BASE/PATH, az://CONTAINER/BASE/PATH, github:OWNER/REPOSITORY).", Required = true };
        var type = new Option<string?>("--type", "-t") { Description = "Mirror every state of the origin compatible with this state type: backend/architecture[.extra...]." };
        var lockFile = new Option<string?>("--lock") { Description = $"Mirror exactly the states a lock file pins from the origin, each checked against its SHA-256 ({StateLockFile.FileName}, or a project or folder beside it)." };
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace a state the destination holds with other bytes (otherwise it is reported and left)." };
        var fromSetting = new Option<string[]>("--from-setting") { Description = "A setting of the origin Name=Value, as --setting elsewhere (ServiceUrl, BaseAddress, Endpoint, Revision...)." };
        var toSetting = new Option<string[]>("--to-setting") { Description = "A setting of the destination Name=Value, as --setting elsewhere (ServiceUrl, Region, ServiceUri, BaseAddress...)." };
        var mirror = new Command("mirror", "Copy states from an origin to another store through the cache, with hash checks; states the destination already holds with the same bytes are skipped.")
        {
            from, to, type, lockFile, overwrite, fromSetting, toSetting,
        };
        mirror.SetAction(Action(options, output, error, async (parse, cli, cancellationToken) =>
        {
            if ((parse.GetValue(type) is null) == (parse.GetValue(lockFile) is null))
            {
                throw new UsageException("say which states to mirror: --type backend/architecture for every compatible state of the origin, or --lock FILE for the states a lock file pins.");
            }

            var destination = OpenDestination(parse.GetValue(to)!, parse.GetValue(toSetting));
            var fromText = parse.GetValue(from)!;
            var originUrl = StateRequest.LooksLikeUrl(fromText) ? ParseUrl(fromText, "--from") : null;
            var origin = originUrl is null ? CreateStore(fromText, parse.GetValue(fromSetting)) : null;
            if (origin is not null && origin.Id == destination.Id)
            {
                throw new UsageException($"--from and --to name the same store ({destination.Description}).");
            }

            IReadOnlyList<MirrorItem> plan;
            string? lockPath = null;
            string originDescription;
            if (parse.GetValue(type) is { } typeText)
            {
                var stateType = StateType.Parse(typeText);
                if (origin is null)
                {
                    throw new UsageException("a web address holds one file under no key of its own, so it cannot be listed by type; mirror it with --lock and the lock file that pins it.");
                }

                (origin, var revision) = await StateResolver.PinAsync(origin, null, cancellationToken).ConfigureAwait(false);
                if (revision is not null && revision.Requested != revision.Resolved)
                {
                    await cli.NoteAsync($"Revision {revision.Requested} is commit {revision.Resolved}.").ConfigureAwait(false);
                }

                originDescription = origin.Description;
                plan = await PlanByTypeAsync(origin, stateType, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                lockPath = FindLockFile(parse.GetValue(lockFile));
                (plan, originDescription) = await PlanFromLockFileAsync(lockPath, origin, originUrl, cli).ConfigureAwait(false);
            }

            var bundles = new StateLockFile([.. plan.Select(item => item.Bundle).OfType<StateLockEntry>()]);
            var resolver = new StateResolver(new StateResolverOptions { Cache = OpenCache(parse.GetValue(options.Cache)), Stores = SourcesOf(plan), LockFile = bundles });
            var results = new List<MirrorResult>();
            foreach (var item in plan)
            {
                results.Add(await MirrorStateAsync(resolver, item, destination, parse.GetValue(overwrite), cli, cancellationToken).ConfigureAwait(false));
            }

            int copied = results.Count(result => result.Result == "copied"), skipped = results.Count(result => result.Result == "skipped"), failed = results.Count(result => result.Result == "failed");
            await cli.LineAsync($"{plan.Count} state{(plan.Count == 1 ? "" : "s")} from {originDescription} to {destination.Description}: {copied} copied, {skipped} skipped, {failed} failed.").ConfigureAwait(false);
            await cli.JsonAsync(new MirrorDocument(originDescription, destination.Description, lockPath, results, copied, skipped, failed)).ConfigureAwait(false);
            return failed == 0 ? 0 : 1;
        }));
        return mirror;
    }

    // A store states can be written to: a read-only kind (a Hub repository, a web address) is a usage error, not n failures.
    private static IStateStore OpenDestination(string spec, string[]? settings)
    {
        if (StateRequest.LooksLikeUrl(spec))
        {
            throw new UsageException("--to must be a store states can be written to (local:FOLDER, s3://..., az://..., github:OWNER/REPOSITORY, oci://REGISTRY/REPOSITORY); a web address is read-only.");
        }

        var store = CreateStore(spec, settings);
        return store is HuggingFaceStateStore or ListStateStore or Oci.OciArtifactStore
            ? throw new UsageException($"--to must be a store states can be written to (local:FOLDER, s3://..., az://..., github:OWNER/REPOSITORY, oci://REGISTRY/REPOSITORY); {store.Description} is read-only.")
            : store;
    }

    private static async Task<IReadOnlyList<MirrorItem>> PlanByTypeAsync(IStateStore origin, StateType stateType, CancellationToken cancellationToken)
    {
        var keys = await ListKeysAsync(origin, stateType, cancellationToken).ConfigureAwait(false);
        return [.. keys.Select(key => new MirrorItem(key, origin, null))];
    }

    /// <summary>
    /// The lock file's states that come from the origin: those whose recorded store is the same store (the same
    /// <see cref="IStateStore.Id"/> once described from its recorded definition, which creates no connection), read at the
    /// recorded commit and path; for a web address, the entries of that address. A lock file without store definitions (an
    /// older build) cannot say where its states come from, so all its store entries are taken from the origin, and the
    /// locked SHA-256 refuses any that the origin serves with other bytes. The lock file names no code and no address
    /// here: the origin is the one the user gave.
    /// </summary>
    private static async Task<(IReadOnlyList<MirrorItem> Plan, string OriginDescription)> PlanFromLockFileAsync(string lockPath, IStateStore? origin, Uri? originUrl, CliOutput cli)
    {
        var lockFile = StateLockFileFormat.Read(lockPath);
        var lockFolder = Path.GetDirectoryName(lockPath)!;
        var plan = new List<MirrorItem>();
        var others = new SortedSet<string>(StringComparer.Ordinal);
        var origins = new Dictionary<string, bool>(StringComparer.OrdinalIgnoreCase);
        if (origin is not null && lockFile.Stores.Count == 0)
        {
            await cli.NoteAsync($"The lock file '{lockPath}' records no store definitions (an older build): every state it pins is taken from {origin.Description}, and one the origin serves with other bytes fails its SHA-256 check.").ConfigureAwait(false);
        }

        foreach (var entry in lockFile.States.Values)
        {
            var source = origin is null
                ? entry.Url is not null && new UrlStateStore(entry.Key, originUrl!).Id == entry.Store ? new UrlStateStore(entry.Key, originUrl!) : null
                : entry.Url is null && (lockFile.Stores.Count == 0 || (lockFile.Stores.TryGetValue(entry.Store, out var definition) && IsSameStore(origins, definition, lockFolder, origin)))
                    ? StateResolver.Pin(origin, entry.Revision?.Resolved, entry.Path).Store
                    : null;
            if (source is null)
            {
                others.Add(Printable(entry.Store));
            }
            else
            {
                // A bundle is pinned file by file: its entry, re-addressed to the source, tells the resolver each file's hash.
                plan.Add(new MirrorItem(entry.Key, source, entry.Sha256)
                {
                    Bundle = entry.Files is null ? null : new StateLockEntry(entry.Key, SourceName(source), entry.Sha256, entry.Size) { Patterns = entry.Patterns, Files = entry.Files },
                });
            }
        }

        var originDescription = origin?.Description ?? $"URL {Downloads.UrlRedaction.Redact(originUrl!)}";
        if (plan.Count == 0)
        {
            throw new UsageException($"no state of the lock file '{lockPath}' comes from {originDescription}. Its states come from: {(others.Count == 0 ? "nowhere (it pins no state)" : string.Join(", ", others))}.");
        }

        if (others.Count > 0)
        {
            var left = lockFile.States.Count - plan.Count;
            await cli.NoteAsync($"Left out {left} state{(left == 1 ? "" : "s")} the lock file pins from other stores ({string.Join(", ", others)}).").ConfigureAwait(false);
        }

        return (plan, originDescription);
    }

    // Whether the lock file's store definition describes the origin (checked once per definition). A definition of a kind
    // that is not built in, or with settings this version refuses, is another store; nothing is loaded or contacted.
    private static bool IsSameStore(Dictionary<string, bool> known, StateLockStore definition, string lockFolder, IStateStore origin)
    {
        if (!known.TryGetValue(definition.Name, out var same))
        {
            known[definition.Name] = same = LockFileStores.TryDescribe(definition, lockFolder)?.Id == origin.Id;
        }

        return same;
    }

    // Each source of the plan (the origin, or a view of it pinned to a commit and narrowed to a file) under a name of its own.
    private static StoreCatalog SourcesOf(IReadOnlyList<MirrorItem> plan)
    {
        var catalog = Own(new StoreCatalog());
        foreach (var source in plan.Select(item => item.Source).Distinct())
        {
            catalog.Add(SourceName(source), source);
        }

        return catalog;
    }

    private static string SourceName(IStateStore source) => Printable(source.Id);
}
