using ModelStore.States;

namespace ModelStore.Stores;

/// <summary>
/// A read-only store defined by a fixed list of keys, each with a downloader
/// (MoZuMa's <c>AbstractListStateStore</c>): useful to expose weights published elsewhere
/// (a paper's release, a model hub) under state keys.
/// </summary>
public class ListStateStore : StateStore
{
    private readonly IReadOnlyDictionary<StateKey, Func<CancellationToken, Task<Stream>>> _downloaders;

    /// <summary>Creates a store from keys and the functions that open each state's bytes.</summary>
    /// <exception cref="ArgumentException">A key is listed twice.</exception>
    public ListStateStore(IEnumerable<KeyValuePair<StateKey, Func<CancellationToken, Task<Stream>>>> states, string? description = null)
    {
        ArgumentNullException.ThrowIfNull(states);
        var downloaders = new Dictionary<StateKey, Func<CancellationToken, Task<Stream>>>();
        var order = new List<StateKey>();
        foreach (var (key, downloader) in states)
        {
            ArgumentNullException.ThrowIfNull(key);
            ArgumentNullException.ThrowIfNull(downloader);
            if (!downloaders.TryAdd(key, downloader))
            {
                throw new ArgumentException($"State {key} is listed twice.", nameof(states));
            }

            order.Add(key);
        }

        _downloaders = downloaders;
        AvailableStateKeys = order;
        Description = description ?? $"list store of {order.Count} state(s)";
    }

    /// <summary>Every key this store serves, in the order given.</summary>
    public IReadOnlyList<StateKey> AvailableStateKeys { get; }

    /// <inheritdoc />
    public override string Description { get; }

    /// <inheritdoc />
    public override string Id => $"list:{Description}";

    /// <inheritdoc />
    public override Task<bool> ExistsAsync(StateKey key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        return Task.FromResult(_downloaders.ContainsKey(key));
    }

    /// <inheritdoc />
    public override Task<IReadOnlyList<StateKey>> GetStateKeysAsync(StateType stateType, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stateType);
        IReadOnlyList<StateKey> keys = AvailableStateKeys.Where(key => key.StateType.IsCompatibleWith(stateType)).ToList();
        return Task.FromResult(keys);
    }

    /// <inheritdoc />
    public override async Task<Stream> OpenReadAsync(StateKey key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (!_downloaders.TryGetValue(key, out var downloader))
        {
            throw StateStoreException.NotFound(key, Description);
        }

        return await downloader(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    /// <exception cref="StateStoreException">Always: <see cref="StateStoreError.ReadOnly"/>.</exception>
    public override Task WriteAsync(StateKey key, Stream content, bool overwrite = false, CancellationToken cancellationToken = default) =>
        throw ReadOnly(key);

    /// <inheritdoc />
    /// <exception cref="StateStoreException">Always: <see cref="StateStoreError.ReadOnly"/>.</exception>
    public override Task<StateKey> SaveAsync(IModelWithState model, string trainingId, bool overwrite = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        throw ReadOnly(new StateKey(model.StateType, trainingId));
    }

    private StateStoreException ReadOnly(StateKey key) =>
        new(StateStoreError.ReadOnly, $"Cannot save {key}: {Description} is read-only; save to a local, S3 or GitHub store instead.", key);
}
