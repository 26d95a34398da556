using System.CommandLine;
using ModelStore.HuggingFace;
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
        var lockFile = new Option<string?>("--lock") { Description = $"Mirror exactly the states a lock file pins from the origin, each checked against its SHA-256 ({LockFileName}, or a project or folder beside it)." };
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
            var originUrl = StateUrl.LooksLikeUrl(fromText) ? StateUrl.Parse(fromText, "--from") : null;
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

                origin = await PinAsync(origin, null, cli, cancellationToken).ConfigureAwait(false);
                originDescription = origin.Description;
                plan = await PlanByTypeAsync(origin, stateType, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                lockPath = FindLockFile(parse.GetValue(lockFile));
                (plan, originDescription) = await PlanFromLockFileAsync(lockPath, origin, originUrl, cli).ConfigureAwait(false);
            }

            var cache = OpenCache(parse.GetValue(options.Cache));
            var results = new List<MirrorResult>();
            foreach (var item in plan)
            {
                results.Add(await MirrorStateAsync(cache, item, destination, parse.GetValue(overwrite), cli, cancellationToken).ConfigureAwait(false));
            }

            int copied = results.Count(result => result.Result == "copied"), skipped = results.Count(result => result.Result == "skipped"), failed = results.Count(result => result.Result == "failed");
            await cli.LineAsync($"{plan.Count} state{(plan.Count == 1 ? "" : "s")} from {originDescription} to {destination.Description}: {copied} copied, {skipped} skipped, {failed} failed.").ConfigureAwait(false);
            await cli.JsonAsync(new { from = originDescription, to = destination.Description, lockFile = lockPath, states = results, copied, skipped, failed }).ConfigureAwait(false);
            return failed == 0 ? 0 : 1;
        }));
        return mirror;
    }

    // A store states can be written to: a read-only kind (a Hub repository, a web address) is a usage error, not n failures.
    private static IStateStore OpenDestination(string spec, string[]? settings)
    {
        if (StateUrl.LooksLikeUrl(spec))
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
    /// <see cref="IStateStore.Id"/> once created from its recorded definition), read at the recorded commit and path; for
    /// a web address, the <c>url:</c> entries of that address. A lock file without store definitions (an older build)
    /// cannot say where its states come from, so all its store entries are taken from the origin, and the locked
    /// SHA-256 refuses any that the origin serves with other bytes.
    /// </summary>
    private static async Task<(IReadOnlyList<MirrorItem> Plan, string OriginDescription)> PlanFromLockFileAsync(string lockPath, IStateStore? origin, Uri? originUrl, CliOutput cli)
    {
        var (states, stores) = ReadLockFile(lockPath);
        var lockFolder = Path.GetDirectoryName(lockPath)!;
        var plan = new List<MirrorItem>();
        var others = new SortedSet<string>(StringComparer.Ordinal);
        if (origin is null)
        {
            foreach (var state in states)
            {
                var source = new UrlStateStore(state.Key, originUrl!);
                if (state.Store == source.Id)
                {
                    plan.Add(new MirrorItem(state.Key, source, state.Sha256));
                }
                else
                {
                    others.Add(state.Store);
                }
            }
        }
        else
        {
            if (stores is null)
            {
                await cli.NoteAsync($"The lock file '{lockPath}' records no store definitions (an older build): every state it pins is taken from {origin.Description}, and one the origin serves with other bytes fails its SHA-256 check.").ConfigureAwait(false);
            }

            var origins = new Dictionary<string, bool>(StringComparer.OrdinalIgnoreCase);
            foreach (var state in states)
            {
                var fromOrigin = !state.Store.StartsWith("url:", StringComparison.Ordinal)
                    && (stores is null || (stores.TryGetValue(state.Store, out var definition) && IsSameStore(origins, definition, lockFolder, origin)));
                if (fromOrigin)
                {
                    plan.Add(new MirrorItem(state.Key, origin, state.Sha256) { Lock = state });
                }
                else
                {
                    others.Add(state.Store);
                }
            }
        }

        var originDescription = origin?.Description ?? $"URL {Downloads.UrlRedaction.Redact(originUrl!)}";
        if (plan.Count == 0)
        {
            throw new UsageException($"no state of the lock file '{lockPath}' comes from {originDescription}. Its states come from: {(others.Count == 0 ? "nowhere (it pins no state)" : string.Join(", ", others))}.");
        }

        if (others.Count > 0)
        {
            await cli.NoteAsync($"Left out {states.Count - plan.Count} state{(states.Count - plan.Count == 1 ? "" : "s")} the lock file pins from other stores ({string.Join(", ", others)}).").ConfigureAwait(false);
        }

        return (plan, originDescription);
    }

    // Whether the lock file's store definition creates the origin (checked once per definition). A definition that
    // cannot be created here (a provider not installed, settings this version refuses) is another store.
    private static bool IsSameStore(Dictionary<string, bool> known, LockedStoreDefinition definition, string lockFolder, IStateStore origin)
    {
        if (!known.TryGetValue(definition.Name, out var same))
        {
            try
            {
                same = CreateLockedStore(definition, lockFolder).Id == origin.Id;
            }
            catch (ArgumentException)
            {
                same = false;
            }

            known[definition.Name] = same;
        }

        return same;
    }
}
