using ModelStore.States;

namespace ModelStore.Stores;

/// <summary>
/// A model whose weights can be saved to and loaded from a store (MoZuMa's <c>ModelWithState</c>).
/// </summary>
public interface IModelWithState
{
    /// <summary>The family of states this model can load.</summary>
    StateType StateType { get; }

    /// <summary>Writes the model's state to <paramref name="destination"/>.</summary>
    Task WriteStateAsync(Stream destination, CancellationToken cancellationToken = default);

    /// <summary>Replaces the model's state with the one read from <paramref name="source"/>.</summary>
    Task ReadStateAsync(Stream source, CancellationToken cancellationToken = default);
}
