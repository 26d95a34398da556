using ModelStore.Caching;
using ModelStore.Stores;

namespace ModelStore.Build.Tasks;

public sealed partial class ResolveModelStates
{
    /// <summary>
    /// Design-time: the state as the lock file records it (or, when the lock file has no entry, as the cache index
    /// records it for the declared store), without contacting any store or hashing any file. A state known to neither
    /// gets no descriptor, so no accessor yet, and a warning (MST0022): the next real build resolves it.
    /// </summary>
    private ResolvedState? Describe(StateRequest request, DeclaredStores stores, IReadOnlyDictionary<string, LockEntry> locked, StateCache cache)
    {
        var spec = request.Key.ToString();
        string? sha256 = null;
        long size = 0;
        if (locked.TryGetValue(spec, out var entry)
            && string.Equals(entry.Store, request.Store, StringComparison.OrdinalIgnoreCase)
            && string.Equals(entry.FilePath, request.FilePath, StringComparison.Ordinal)
            && (request.PinnedSha256 is null || string.Equals(request.PinnedSha256, entry.Sha256, StringComparison.Ordinal)))
        {
            (sha256, size) = (entry.Sha256, entry.Size);
        }
        else if (request.FilePath is null && FindInCacheIndex(request, stores, cache) is { } cached)
        {
            (sha256, size) = (cached.Sha256, cached.Size);
        }

        if (sha256 is null)
        {
            Warning(ErrorCodes.NotYetResolved, $"ModelState '{spec}' is not in the lock file '{LockFile}' nor in the cache yet, so it has no accessor in this design-time build. Build the project (dotnet build) to fetch it.");
            return null;
        }

        return request.Resolved(sha256, size, cache.GetBlobPath(sha256));
    }

    // Creating a store contacts nothing (providers only check settings); a store that cannot be created is simply not looked up.
    private static CachedState? FindInCacheIndex(StateRequest request, DeclaredStores stores, StateCache cache)
    {
        try
        {
            var cached = cache.TryGet(OpenStore(request, stores).Id, request.Key);
            return cached is not null && (request.PinnedSha256 is null || string.Equals(request.PinnedSha256, cached.Sha256, StringComparison.Ordinal)) ? cached : null;
        }
        catch (ArgumentException)
        {
            return null;
        }
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
                Error(ErrorCodes.InvalidStore, $"ModelStoreProvider '{item.ItemSpec}' has no Type. Add Type=\"Namespace.ProviderType\" (a public IStateStoreProvider with a parameterless constructor).");
                continue;
            }

            try
            {
                loaded.Add(StateStoreRegistry.LoadProvider(type, assembly));
            }
            catch (ArgumentException e)
            {
                Error(ErrorCodes.InvalidStore, $"ModelStoreProvider '{item.ItemSpec}': {ArgumentExceptionText.WithoutParameterName(e)}");
            }
        }

        return loaded.Count == 0 ? registry : registry.With(loaded);
    }
}
