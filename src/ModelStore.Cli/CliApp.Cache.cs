using System.CommandLine;
using System.Globalization;
using ModelStore.Caching;
using ModelStore.States;
using ModelStore.Stores;

namespace ModelStore.Cli;

// The commands on the machine-wide cache: cache, rm, verify, clean.
public static partial class CliApp
{
    private static Command CacheCommand(CommonOptions options, TextWriter output, TextWriter error)
    {
        var cache = new Command("cache", "List the cached states with their size, when they were fetched and last used, and the total (like huggingface-cli scan-cache).");
        cache.SetAction(Action(options, output, error, async (parse, cli, cancellationToken) =>
        {
            var root = OpenCache(parse.GetValue(options.Cache));
            var states = root.EnumerateStates().OrderBy(state => state.Key.ToString(), StringComparer.Ordinal).ThenBy(state => state.StoreId, StringComparer.Ordinal).ToList();
            var rows = states.Select(state => new CacheRowDocument(state.Key.ToString(), state.StoreId, state.Sha256, state.Size, root.GetFetchedUtc(state), LastUsed(state), state.BlobPath)).ToList();
            var onDisk = states.DistinctBy(state => state.Sha256).Sum(state => state.Size);
            foreach (var row in rows)
            {
                await cli.LineAsync(string.Create(CultureInfo.InvariantCulture, $"{row.Key}  {ProgressBar.FormatBytes(row.Size)}  fetched {Ago(row.FetchedUtc)}  used {Ago(row.LastUsedUtc)}  sha256:{row.Sha256[..12]}  {row.Store}")).ConfigureAwait(false);
            }

            await cli.LineAsync($"{rows.Count} state{(rows.Count == 1 ? "" : "s")}, {ProgressBar.FormatBytes(onDisk)} on disk in {root.Root}.").ConfigureAwait(false);
            await cli.JsonAsync(new CacheDocument(root.Root, rows, rows.Count, onDisk)).ConfigureAwait(false);
            return 0;
        }));
        return cache;
    }

    private static Command RemoveCommand(CommonOptions options, TextWriter output, TextWriter error)
    {
        var key = KeyArgument();
        var rm = new Command("rm", "Remove a state from the cache (from one store with --store, else from every store); its bytes go unless another entry uses them.") { key, options.OptionalStore, options.Setting };
        rm.SetAction(Action(options, output, error, async (parse, cli, cancellationToken) =>
        {
            var stateKey = StateKey.Parse(parse.GetValue(key)!);
            var cache = OpenCache(parse.GetValue(options.Cache));
            var storeId = parse.GetValue(options.OptionalStore) is { } spec ? CreateStore(spec, parse.GetValue(options.Setting)).Id : null;
            var removed = cache.EnumerateStates().Where(state => state.Key == stateKey && (storeId is null || state.StoreId == storeId)).ToList();
            if (removed.Count == 0)
            {
                throw new StateStoreException(StateStoreError.NotFound, $"State {stateKey} is not in the cache at {cache.Root}{(storeId is null ? "" : $" from {storeId}")}.", stateKey);
            }

            foreach (var state in removed)
            {
                cache.Remove(state.StoreId, state.Key);
            }

            var inUse = cache.EnumerateStates().Select(state => state.Sha256).ToHashSet(StringComparer.Ordinal);
            long freed = 0;
            foreach (var blob in removed.DistinctBy(state => state.Sha256).Where(state => !inUse.Contains(state.Sha256)))
            {
                freed += blob.Size;
                File.Delete(blob.BlobPath);
            }

            foreach (var state in removed)
            {
                await cli.LineAsync($"Removed {state.Key} ({state.StoreId}).").ConfigureAwait(false);
            }

            await cli.LineAsync($"Freed {ProgressBar.FormatBytes(freed)}.").ConfigureAwait(false);
            await cli.JsonAsync(new RemoveDocument(removed.Select(state => new RemovedStateDocument(state.Key.ToString(), state.StoreId)), freed)).ConfigureAwait(false);
            return 0;
        }));
        return rm;
    }

    private static Command VerifyCommand(CommonOptions options, TextWriter output, TextWriter error)
    {
        var verify = new Command("verify", "Check every cache entry: its blob is there, hashes to its name and has the entry's size. A wrong entry is removed (fetched again next time), a changed blob too, and the exit code is 1.");
        verify.SetAction(Action(options, output, error, async (parse, cli, cancellationToken) =>
        {
            var cache = OpenCache(parse.GetValue(options.Cache));
            var results = new List<VerifyRowDocument>();
            int good = 0, bad = 0;
            await foreach (var check in cache.VerifyEntriesAsync(cancellationToken).ConfigureAwait(false))
            {
                var what = check.Key is null ? Path.GetFileName(check.IndexPath) : $"{check.Key}  ({check.StoreId})";
                if (check.Status == CacheEntryStatus.Ok)
                {
                    good++;
                    await cli.LineAsync($"ok       {what}").ConfigureAwait(false);
                }
                else
                {
                    bad++;
                    cache.Discard(check);
                    var why = check.Status switch
                    {
                        CacheEntryStatus.BlobMissing => "its blob is missing",
                        CacheEntryStatus.BlobCorrupt => "its blob changed on disk and was deleted",
                        CacheEntryStatus.EntryMismatch => $"the entry records {check.Size} bytes, not the blob's",
                        _ => "the entry cannot be read",
                    };
                    await cli.LineAsync($"CORRUPT  {what}: {why}; removed from the cache, it will be fetched again.").ConfigureAwait(false);
                }

                results.Add(new VerifyRowDocument(check.Key?.ToString(), check.StoreId, check.Status.ToString(), check.Status == CacheEntryStatus.Ok));
            }

            await cli.LineAsync($"{good} verified, {bad} corrupt.").ConfigureAwait(false);
            await cli.JsonAsync(new VerifyDocument(results, good, bad)).ConfigureAwait(false);
            return bad == 0 ? 0 : 1;
        }));
        return verify;
    }

    private static Command CleanCommand(CommonOptions options, TextWriter output, TextWriter error)
    {
        var all = new Option<bool>("--all") { Description = "Remove every cached state, not only unreferenced blobs." };
        var clean = new Command("clean", "Free disk space: remove blobs no cached state refers to and partial downloads no running process works on (or everything with --all).") { all };
        clean.SetAction(Action(options, output, error, async (parse, cli, cancellationToken) =>
        {
            var cache = OpenCache(parse.GetValue(options.Cache));
            if (parse.GetValue(all))
            {
                foreach (var state in cache.EnumerateStates().ToList())
                {
                    cache.Remove(state.StoreId, state.Key);
                }
            }

            var freed = cache.RemoveUnreferencedBlobs();
            await cli.LineAsync($"Freed {ProgressBar.FormatBytes(freed)} in {cache.Root}.").ConfigureAwait(false);
            await cli.JsonAsync(new CleanDocument(cache.Root, freed)).ConfigureAwait(false);
            return 0;
        }));
        return clean;
    }

    // Like huggingface_hub's scan-cache: the blob's last access time (file systems mounted relatime update it at most daily).
    private static DateTimeOffset LastUsed(CachedState state) => new(File.GetLastAccessTimeUtc(state.BlobPath), TimeSpan.Zero);

    private static string Ago(DateTimeOffset? when)
    {
        if (when is not { } time)
        {
            return "?";
        }

        var age = DateTimeOffset.UtcNow - time;
        return age switch
        {
            { TotalMinutes: < 1 } => "just now",
            { TotalHours: < 1 } => string.Create(CultureInfo.InvariantCulture, $"{age.TotalMinutes:0} min ago"),
            { TotalDays: < 2 } => string.Create(CultureInfo.InvariantCulture, $"{age.TotalHours:0} h ago"),
            _ => string.Create(CultureInfo.InvariantCulture, $"{age.TotalDays:0} days ago"),
        };
    }
}
