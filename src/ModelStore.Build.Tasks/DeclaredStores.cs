using Microsoft.Build.Framework;
using ModelStore.Resolution;
using ModelStore.Stores;

namespace ModelStore.Build.Tasks;

/// <summary>
/// The <c>ModelStore</c> items of the project, validated up front (each bad one is an MST0008 on its item) and declared
/// in a <see cref="StoreCatalog"/>, which creates a store only when a state has to be fetched (a warm or offline build
/// creates none). Disposing it disposes the stores the catalog created.
/// </summary>
internal sealed class DeclaredStores : IAsyncDisposable
{
    private readonly HashSet<string> _declared = new(StringComparer.OrdinalIgnoreCase);

    private DeclaredStores()
    {
    }

    /// <summary>The valid stores.</summary>
    public StoreCatalog Catalog { get; } = new();

    /// <summary>The declared store names (valid or not), sorted, for messages.</summary>
    public IEnumerable<string> Names => _declared.Order(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Validates every item: a Kind the registry knows (or a provider the item names), settings its provider accepts,
    /// mirrors that name other declared stores. <paramref name="invalid"/> receives (item, message) for each bad one.
    /// </summary>
    public static DeclaredStores Read(IEnumerable<ITaskItem> items, string baseDirectory, StateStoreRegistry registry, Action<ITaskItem, string> invalid)
    {
        var stores = new DeclaredStores();
        var valid = new List<(ITaskItem Item, IStateStoreProvider Provider, StateStoreSettings Settings, string[] Mirrors)>();
        foreach (var item in items)
        {
            var name = item.ItemSpec.Trim();
            if (!stores._declared.Add(name))
            {
                invalid(item, $"ModelStore '{name}' is declared twice. Give each ModelStore item a distinct Include.");
                valid.RemoveAll(store => string.Equals(store.Settings.Name, name, StringComparison.OrdinalIgnoreCase));
                continue;
            }

            if (FindProvider(item, name, baseDirectory, registry, invalid) is not { } provider)
            {
                continue;
            }

            var values = new List<KeyValuePair<string, string>>();
            var metadata = item.CloneCustomMetadata();
            foreach (string metadataName in metadata.Keys)
            {
                // Mirrors is the build's business, not a setting of the store itself.
                if (!string.Equals(metadataName, "Mirrors", StringComparison.OrdinalIgnoreCase))
                {
                    values.Add(new(metadataName, metadata[metadataName] as string ?? ""));
                }
            }

            try
            {
                valid.Add((item, provider, new StateStoreSettings(name, provider.Kind, values, baseDirectory), MirrorNames(item)));
            }
            catch (ArgumentException e)
            {
                invalid(item, $"ModelStore '{StateStoreSettings.Printable(name)}' is not a valid store definition: {ResolutionFailure.WithoutParameterName(e)}");
            }
        }

        // Mirrors name other ModelStore items, declared anywhere in the project. Names, addresses and settings are checked
        // now, before any request and even when every state is cached.
        foreach (var (item, provider, settings, mirrors) in valid)
        {
            var name = settings.Name;
            var problem = mirrors.FirstOrDefault(mirror => string.Equals(mirror, name, StringComparison.OrdinalIgnoreCase)) is not null
                ? $"ModelStore '{name}' lists itself in Mirrors. Mirrors are other ModelStore items holding copies of its states."
                : mirrors.FirstOrDefault(mirror => !stores._declared.Contains(mirror)) is { } unknown
                    ? $"ModelStore '{name}' has the mirror '{unknown}' in Mirrors, which no ModelStore item declares. Declared stores: {string.Join(", ", stores.Names)}."
                    : null;
            if (problem is not null)
            {
                invalid(item, problem);
                continue;
            }

            try
            {
                stores.Catalog.Add(provider, settings, [.. mirrors.Where(mirror => valid.Any(store => string.Equals(store.Settings.Name, mirror, StringComparison.OrdinalIgnoreCase)))]);
            }
            catch (ArgumentException e)
            {
                invalid(item, $"ModelStore '{StateStoreSettings.Printable(name)}' is not a valid store definition: {ResolutionFailure.WithoutParameterName(e)}");
            }
        }

        return stores;
    }

    /// <summary>Disposes the stores the catalog created (their SDK clients), once.</summary>
    public ValueTask DisposeAsync() => Catalog.DisposeAsync();

    /// <summary>Whether <paramref name="name"/> is declared (validly or not).</summary>
    public bool IsDeclared(string name) => _declared.Contains(name);

    /// <summary>Whether <paramref name="name"/> is declared and valid.</summary>
    public bool IsValid(string name) => Catalog.Contains(name);

    // The item's provider: its Kind from the registry, or a kind from outside this package named on the item itself
    // (ProviderType, and ProviderAssembly unless the type is already loadable). Project items are the user's code to run.
    private static IStateStoreProvider? FindProvider(ITaskItem item, string name, string baseDirectory, StateStoreRegistry registry, Action<ITaskItem, string> invalid)
    {
        var kind = item.GetMetadata("Kind").Trim();
        var providerType = item.GetMetadata("ProviderType").Trim();
        if (providerType.Length > 0)
        {
            var assembly = item.GetMetadata("ProviderAssembly").Trim();
            IStateStoreProvider provider;
            try
            {
                provider = StateStoreRegistry.LoadProvider(providerType, assembly.Length == 0 ? null : Path.GetFullPath(assembly, baseDirectory));
            }
            catch (ArgumentException e)
            {
                invalid(item, $"ModelStore '{name}' names a provider that cannot be used: {ResolutionFailure.WithoutParameterName(e)}");
                return null;
            }

            if (kind.Length > 0 && !string.Equals(kind, provider.Kind, StringComparison.OrdinalIgnoreCase))
            {
                invalid(item, $"ModelStore '{name}' has Kind '{kind}', but its provider '{providerType}' creates stores of kind '{provider.Kind}'. Remove Kind or make them agree.");
                return null;
            }

            return provider;
        }

        if (kind.Length == 0)
        {
            invalid(item, $"ModelStore '{name}' has no Kind. Add Kind=\"{string.Join("|", registry.Kinds)}\".");
            return null;
        }

        var known = registry.Find(kind);
        if (known is null)
        {
            invalid(item, $"ModelStore '{name}' has the unknown Kind '{kind}'. Known kinds: {string.Join(", ", registry.Kinds)}. A kind from another package needs ProviderType (and ProviderAssembly), or a ModelStoreProvider item.");
        }

        return known;
    }

    // Metadata Mirrors="a;b": store names, separated by semicolons (MSBuild's list separator) or commas.
    private static string[] MirrorNames(ITaskItem item) =>
        item.GetMetadata("Mirrors").Split([';', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
