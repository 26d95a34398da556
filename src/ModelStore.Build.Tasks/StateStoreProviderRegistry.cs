using ModelStore.GitHub;
using ModelStore.S3;
using ModelStore.Stores;

namespace ModelStore.Build.Tasks;

/// <summary>
/// The store kinds the build understands, one <see cref="IStateStoreProvider"/> each.
/// A new backend is one line in <see cref="Default"/>.
/// </summary>
internal sealed class StateStoreProviderRegistry
{
    private readonly Dictionary<string, IStateStoreProvider> _providers = new(StringComparer.OrdinalIgnoreCase);

    public StateStoreProviderRegistry(params IEnumerable<IStateStoreProvider> providers)
    {
        foreach (var provider in providers)
        {
            _providers[provider.Kind] = provider;
        }
    }

    /// <summary>Every provider shipped in the package.</summary>
    public static StateStoreProviderRegistry Default { get; } = new(
        new LocalStateStoreProvider(),
        new S3StateStoreProvider(),
        new GitHubStateStoreProvider());

    /// <summary>The known kinds, sorted, for messages.</summary>
    public IEnumerable<string> Kinds => _providers.Keys.Order(StringComparer.OrdinalIgnoreCase);

    /// <summary>The provider of <paramref name="kind"/> (case-insensitive), or <see langword="null"/>.</summary>
    public IStateStoreProvider? Find(string kind) => _providers.GetValueOrDefault(kind);
}
