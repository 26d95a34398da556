using ModelStore.States;

namespace ModelStore.Stores;

/// <summary>
/// The store contract (MoZuMa's <c>AbstractStateStore</c>): list, test, load and save model states,
/// on top of stream-level reads and writes.
/// </summary>
/// <remarks>
/// Failures are <see cref="StateStoreException"/>s with a <see cref="StateStoreError"/> code.
/// Saving over an existing key is refused unless <c>overwrite</c> is asked for.
/// Whoever creates a store (<see cref="StateStoreRegistry.Create"/>, a provider, a constructor) disposes it
/// (<c>await using</c>): a store that owns SDK or HTTP clients releases them; one that owns none does nothing.
/// </remarks>
public interface IStateStore : IAsyncDisposable
{
    /// <summary>Releases what the store owns; nothing by default (stores on shared clients own none).</summary>
    ValueTask IAsyncDisposable.DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>A short description of the store for messages (never contains credentials).</summary>
    string Description { get; }

    /// <summary>
    /// A stable identity of the store's location (kind and address, never credentials), for example
    /// <c>local:/srv/states</c> or <c>s3:http://127.0.0.1:9000/models/states/</c>. The machine-wide cache
    /// keys its index by it.
    /// </summary>
    string Id { get; }

    /// <summary>Whether a state exists under <paramref name="key"/>.</summary>
    Task<bool> ExistsAsync(StateKey key, CancellationToken cancellationToken = default);

    /// <summary>Lists the keys whose state type is compatible with <paramref name="stateType"/> (same backend and architecture).</summary>
    Task<IReadOnlyList<StateKey>> GetStateKeysAsync(StateType stateType, CancellationToken cancellationToken = default);

    /// <summary>Opens the state's bytes for reading. The caller disposes the stream.</summary>
    /// <exception cref="StateStoreException"><see cref="StateStoreError.NotFound"/> when the state is missing.</exception>
    Task<Stream> OpenReadAsync(StateKey key, CancellationToken cancellationToken = default);

    /// <summary>
    /// Opens the state's bytes, as <see cref="OpenReadAsync(StateKey, CancellationToken)"/> does, for a caller that expects
    /// <paramref name="expectedSize"/> bytes (from a pin or a lock file) and checks every one of them against a SHA-256
    /// itself. A store may use the size to read more cheaply and leave out checks of its own: the S3 store asks for one
    /// ranged GET, which the AWS SDK does not hash again with MD5. A state of another size is still read whole (the size
    /// is a claim, never a limit). By default, <see cref="OpenReadAsync(StateKey, CancellationToken)"/>. The caller
    /// disposes the stream.
    /// </summary>
    /// <exception cref="StateStoreException"><see cref="StateStoreError.NotFound"/> when the state is missing.</exception>
    Task<Stream> OpenSizedReadAsync(StateKey key, long expectedSize, CancellationToken cancellationToken = default) => OpenReadAsync(key, cancellationToken);

    /// <summary>Stores <paramref name="content"/> under <paramref name="key"/>; readers never see a partial state.</summary>
    /// <exception cref="StateStoreException"><see cref="StateStoreError.AlreadyExists"/> when the key exists and <paramref name="overwrite"/> is false.</exception>
    Task WriteAsync(StateKey key, Stream content, bool overwrite = false, CancellationToken cancellationToken = default);

    /// <summary>Loads the state <paramref name="key"/> into <paramref name="model"/>.</summary>
    /// <exception cref="StateStoreException"><see cref="StateStoreError.IncompatibleStateType"/> when the model cannot take this state.</exception>
    Task LoadAsync(IModelWithState model, StateKey key, CancellationToken cancellationToken = default);

    /// <summary>Saves the model's state under <c>(model.StateType, trainingId)</c> and returns that key.</summary>
    Task<StateKey> SaveAsync(IModelWithState model, string trainingId, bool overwrite = false, CancellationToken cancellationToken = default);
}
