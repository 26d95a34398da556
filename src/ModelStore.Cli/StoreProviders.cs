using ModelStore.S3;
using ModelStore.Stores;

namespace ModelStore.Cli;

/// <summary>The store kinds this command knows, by case-insensitive kind name.</summary>
internal static class StoreProviders
{
    private static readonly IStateStoreProvider[] All =
    [
        new LocalStateStoreProvider(),
        new S3StateStoreProvider(),
        new ModelStore.GitHub.GitHubStateStoreProvider(),
    ];

    public static IStateStore Create(StateStoreSettings settings)
    {
        var provider = All.FirstOrDefault(p => string.Equals(p.Kind, settings.Kind, StringComparison.OrdinalIgnoreCase))
            ?? throw new ArgumentException($"Store kind '{settings.Kind}' is not available in this build; known kinds: {string.Join(", ", All.Select(p => p.Kind))}.");
        return provider.Create(settings);
    }
}
