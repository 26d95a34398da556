using Microsoft.Build.Framework;
using ModelStore.Stores;

namespace ModelStore.Build.Tasks;

/// <summary>
/// The <c>ModelStore</c> items of the project, validated up front and turned into stores only when a state
/// actually has to be fetched (so a warm or offline build creates none). Owns the stores it created: disposing it
/// disposes them.
/// </summary>
internal sealed class DeclaredStores : IDisposable
{
    private readonly Dictionary<string, Declaration> _declarations = new(StringComparer.OrdinalIgnoreCase);

    private DeclaredStores()
    {
    }

    /// <summary>The declared store names, sorted, for messages.</summary>
    public IEnumerable<string> Names => _declarations.Keys.Order(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Validates every item: a Kind the registry knows and settings its provider accepts (checked by creating the
    /// store lazily later; here only the shape). <paramref name="invalid"/> receives (item, message) for each bad one.
    /// </summary>
    public static DeclaredStores Read(IEnumerable<ITaskItem> items, string baseDirectory, StateStoreRegistry registry, Action<ITaskItem, string> invalid)
    {
        var stores = new DeclaredStores();
        foreach (var item in items)
        {
            var name = item.ItemSpec.Trim();
            var kind = item.GetMetadata("Kind").Trim();
            if (stores._declarations.ContainsKey(name))
            {
                invalid(item, $"ModelStore '{name}' is declared twice. Give each ModelStore item a distinct Include.");
                stores._declarations[name] = Declaration.Invalid;
                continue;
            }

            var providerType = item.GetMetadata("ProviderType").Trim();
            IStateStoreProvider? provider;
            if (providerType.Length > 0)
            {
                // A kind from outside this package, named on the item itself: ProviderType, and ProviderAssembly unless the type is already loadable.
                var assembly = item.GetMetadata("ProviderAssembly").Trim();
                try
                {
                    provider = StateStoreRegistry.LoadProvider(providerType, assembly.Length == 0 ? null : Path.GetFullPath(assembly, baseDirectory));
                }
                catch (ArgumentException e)
                {
                    invalid(item, $"ModelStore '{name}' names a provider that cannot be used: {ArgumentExceptionText.WithoutParameterName(e)}");
                    stores._declarations[name] = Declaration.Invalid;
                    continue;
                }

                if (kind.Length > 0 && !string.Equals(kind, provider.Kind, StringComparison.OrdinalIgnoreCase))
                {
                    invalid(item, $"ModelStore '{name}' has Kind '{kind}', but its provider '{providerType}' creates stores of kind '{provider.Kind}'. Remove Kind or make them agree.");
                    stores._declarations[name] = Declaration.Invalid;
                    continue;
                }

                kind = provider.Kind;
            }
            else if (kind.Length == 0)
            {
                invalid(item, $"ModelStore '{name}' has no Kind. Add Kind=\"{string.Join("|", registry.Kinds)}\".");
                stores._declarations[name] = Declaration.Invalid;
                continue;
            }
            else
            {
                provider = registry.Find(kind);
                if (provider is null)
                {
                    invalid(item, $"ModelStore '{name}' has the unknown Kind '{kind}'. Known kinds: {string.Join(", ", registry.Kinds)}. A kind from another package needs ProviderType (and ProviderAssembly), or a ModelStoreProvider item.");
                    stores._declarations[name] = Declaration.Invalid;
                    continue;
                }
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

            // Names, addresses and settings are checked now, before any request and even when every state is cached.
            StateStoreSettings settings;
            try
            {
                settings = new StateStoreSettings(name, kind, values, baseDirectory);
                provider.Validate(settings);
            }
            catch (ArgumentException e)
            {
                invalid(item, $"ModelStore '{StateStoreSettingsText.Printable(name)}' is not a valid store definition: {ArgumentExceptionText.WithoutParameterName(e)}");
                stores._declarations[name] = Declaration.Invalid;
                continue;
            }

            stores._declarations[name] = new Declaration(item, provider, settings) { Mirrors = MirrorNames(item) };
        }

        // Mirrors name other ModelStore items, declared anywhere in the project.
        foreach (var (name, declaration) in stores._declarations.Where(pair => pair.Value.Provider is not null).ToList())
        {
            var problem = declaration.Mirrors.FirstOrDefault(mirror => string.Equals(mirror, name, StringComparison.OrdinalIgnoreCase)) is { } self
                ? $"ModelStore '{name}' lists itself in Mirrors. Mirrors are other ModelStore items holding copies of its states."
                : declaration.Mirrors.FirstOrDefault(mirror => !stores._declarations.ContainsKey(mirror)) is { } unknown
                    ? $"ModelStore '{name}' has the mirror '{unknown}' in Mirrors, which no ModelStore item declares. Declared stores: {string.Join(", ", stores.Names)}."
                    : null;
            if (problem is not null)
            {
                invalid(declaration.Item!, problem);
                stores._declarations[name] = Declaration.Invalid;
            }
        }

        return stores;
    }

    /// <summary>The mirrors of <paramref name="name"/> (metadata <c>Mirrors</c>), in the order to try them; those declared invalid are left out.</summary>
    public IReadOnlyList<string> GetMirrors(string name) =>
        _declarations.TryGetValue(name, out var declaration) ? [.. declaration.Mirrors.Where(IsValid)] : [];

    /// <summary>Whether <paramref name="name"/> is declared (validly or not).</summary>
    public bool IsDeclared(string name) => _declarations.ContainsKey(name);

    /// <summary>Whether <paramref name="name"/> is declared and valid.</summary>
    public bool IsValid(string name) => _declarations.TryGetValue(name, out var declaration) && declaration.Provider is not null;

    /// <summary>The settings of the valid store <paramref name="name"/>, or <see langword="null"/>.</summary>
    public StateStoreSettings? GetSettings(string name) => _declarations.GetValueOrDefault(name)?.Settings;

    /// <summary>The item that declared <paramref name="name"/>.</summary>
    public ITaskItem? GetItem(string name) => _declarations.GetValueOrDefault(name)?.Item;

    /// <summary>Creates (once) the store <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">The provider rejected the settings; the message names the setting.</exception>
    public IStateStore Open(string name)
    {
        var declaration = _declarations[name];
        return declaration.Store ??= declaration.Provider!.Create(declaration.Settings!);
    }

    /// <summary>Disposes the stores <see cref="Open"/> created (their SDK clients), once.</summary>
    public void Dispose()
    {
        foreach (var declaration in _declarations.Values)
        {
            // A store's disposal releases clients synchronously (the task itself is synchronous).
            declaration.Store?.DisposeAsync().AsTask().GetAwaiter().GetResult();
            declaration.Store = null;
        }
    }

    // Metadata Mirrors="a;b": store names, separated by semicolons (MSBuild's list separator) or commas.
    private static string[] MirrorNames(ITaskItem item) =>
        item.GetMetadata("Mirrors").Split([';', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private sealed class Declaration(ITaskItem? item, IStateStoreProvider? provider, StateStoreSettings? settings)
    {
        public IReadOnlyList<string> Mirrors { get; init; } = [];

        public static Declaration Invalid => new(null, null, null);

        public ITaskItem? Item { get; } = item;

        public IStateStoreProvider? Provider { get; } = provider;

        public StateStoreSettings? Settings { get; } = settings;

        public IStateStore? Store { get; set; }
    }
}
