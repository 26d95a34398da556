using System.Collections.Concurrent;
using ModelStore.Stores;

namespace ModelStore.Resolution;

/// <summary>
/// The stores a resolution may read, by name, each with its mirrors: declared by a project's <c>ModelStore</c> items,
/// by command-line options, or (after the user's confirmation) by a lock file (<see cref="LockFileStores"/>). A store is
/// created on first use, once, and shared by every request that reads it, also when requests run in parallel.
/// Disposing the catalog disposes the stores it created (not those added as instances: their creator owns them).
/// </summary>
public sealed class StoreCatalog : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The store names, sorted.</summary>
    public IEnumerable<string> Names => _entries.Keys.Order(StringComparer.OrdinalIgnoreCase);

    /// <summary>Declares the store <paramref name="settings"/> describe, without mirrors; see <see cref="Add(IStateStoreProvider, StateStoreSettings, IReadOnlyList{string})"/>.</summary>
    /// <exception cref="ArgumentException">The name is taken, or a setting is invalid; the message names it.</exception>
    public void Add(IStateStoreProvider provider, StateStoreSettings settings) => Add(provider, settings, []);

    /// <summary>
    /// Declares the store <paramref name="settings"/> describe, created by <paramref name="provider"/> on first use. The
    /// settings are checked now (<see cref="IStateStoreProvider.Validate"/>, and the transport rule: an address is https,
    /// or http to loopback only), so a bad definition fails before any request.
    /// </summary>
    /// <param name="provider">The provider of the store's kind (from the project or the command line, never from a lock file).</param>
    /// <param name="settings">The definition.</param>
    /// <param name="mirrors">Names of other stores of this catalog holding copies of its states, in the order to try them.</param>
    /// <exception cref="ArgumentException">The name is taken, or a setting is invalid; the message names it.</exception>
    public void Add(IStateStoreProvider provider, StateStoreSettings settings, IReadOnlyList<string> mirrors)
    {
        ArgumentNullException.ThrowIfNull(provider);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(mirrors);
        StoreEndpoints.CheckTransport(settings);
        provider.Validate(settings);
        Register(settings.Name, new Entry(new Lazy<IStateStore>(() => provider.Create(settings)), mirrors, settings, Owned: true));
    }

    /// <summary>Declares an already created store under <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">The name is taken.</exception>
    public void Add(string name, IStateStore store) => Add(name, store, []);

    /// <summary>Declares an already created store under <paramref name="name"/>, with the names of its mirrors in the order to try them.</summary>
    /// <exception cref="ArgumentException">The name is taken.</exception>
    public void Add(string name, IStateStore store, IReadOnlyList<string> mirrors)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(mirrors);
        Register(LockFileRules.Text(name, "store name"), new Entry(new Lazy<IStateStore>(store), mirrors, null, Owned: false));
    }

    /// <summary>Whether <paramref name="name"/> is declared.</summary>
    public bool Contains(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return _entries.ContainsKey(name);
    }

    /// <summary>The definition of <paramref name="name"/> (<see langword="null"/> for a store added as an instance, or an unknown name).</summary>
    public StateStoreSettings? GetSettings(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return _entries.GetValueOrDefault(name)?.Settings;
    }

    /// <summary>The mirrors of <paramref name="name"/>, in order.</summary>
    public IReadOnlyList<string> GetMirrors(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return _entries.GetValueOrDefault(name)?.Mirrors ?? [];
    }

    /// <summary>The store <paramref name="name"/>, created on first use.</summary>
    /// <exception cref="StateResolutionException"><see cref="ResolutionFailureKind.UnknownStore"/>: no such store.</exception>
    /// <exception cref="ArgumentException">The provider refused the settings.</exception>
    public IStateStore Open(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return _entries.TryGetValue(name, out var entry)
            ? entry.Store.Value
            : throw new StateResolutionException(ResolutionFailureKind.UnknownStore, $"No store named '{StateStoreSettings.Printable(name)}' is declared. Declared stores: {(_entries.IsEmpty ? "none" : string.Join(", ", Names))}.");
    }

    private void Register(string name, Entry entry)
    {
        if (!_entries.TryAdd(name, entry))
        {
            throw new ArgumentException($"The store '{name}' is declared twice.", nameof(name));
        }
    }

    /// <summary>Disposes the stores this catalog created, once each.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var name in _entries.Keys.ToArray())
        {
            if (_entries.TryRemove(name, out var entry) && entry.Owned && entry.Store.IsValueCreated)
            {
                await entry.Store.Value.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private sealed record Entry(Lazy<IStateStore> Store, IReadOnlyList<string> Mirrors, StateStoreSettings? Settings, bool Owned);
}
