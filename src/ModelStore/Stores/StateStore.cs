using ModelStore.States;

namespace ModelStore.Stores;

/// <summary>
/// Base class for stores: <see cref="LoadAsync"/> and <see cref="SaveAsync"/> are written once on top of
/// the stream-level members that each backend implements.
/// </summary>
public abstract class StateStore : IStateStore
{
    /// <summary>Releases what the store owns (SDK or HTTP clients of its own); the base owns nothing.</summary>
    public virtual ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public abstract string Description { get; }

    /// <inheritdoc />
    public abstract string Id { get; }

    /// <inheritdoc />
    public abstract Task<bool> ExistsAsync(StateKey key, CancellationToken cancellationToken = default);

    /// <inheritdoc />
    public abstract Task<IReadOnlyList<StateKey>> GetStateKeysAsync(StateType stateType, CancellationToken cancellationToken = default);

    /// <inheritdoc />
    public abstract Task<Stream> OpenReadAsync(StateKey key, CancellationToken cancellationToken = default);

    /// <inheritdoc />
    public abstract Task WriteAsync(StateKey key, Stream content, bool overwrite = false, CancellationToken cancellationToken = default);

    /// <inheritdoc />
    public virtual async Task LoadAsync(IModelWithState model, StateKey key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(key);
        if (!model.StateType.IsCompatibleWith(key.StateType))
        {
            throw new StateStoreException(
                StateStoreError.IncompatibleStateType,
                $"State {key} cannot be loaded into a model of state type {model.StateType}: backend and architecture must match.",
                key);
        }

        var stream = await OpenReadAsync(key, cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            await model.ReadStateAsync(stream, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public virtual async Task<StateKey> SaveAsync(IModelWithState model, string trainingId, bool overwrite = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        var key = new StateKey(model.StateType, trainingId);
        if (!overwrite && await ExistsAsync(key, cancellationToken).ConfigureAwait(false))
        {
            throw StateStoreException.AlreadyExists(key, Description);
        }

        // The model writes to a temporary file first: stores that need the length up front (S3, GitHub)
        // get a seekable stream, and a model that fails half-way never reaches the store.
        var temporary = Path.Combine(Path.GetTempPath(), $"modelstore-save-{Guid.NewGuid():N}.tmp");
        var buffer = new FileStream(temporary, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        await using (buffer.ConfigureAwait(false))
        {
            await model.WriteStateAsync(buffer, cancellationToken).ConfigureAwait(false);
            buffer.Position = 0;
            await WriteAsync(key, buffer, overwrite, cancellationToken).ConfigureAwait(false);
        }

        return key;
    }
}
