using ModelStore.States;
using ModelStore.Stores;

namespace ModelStore.Testing;

/// <summary>A model whose whole state is a byte array: the simplest <see cref="IModelWithState"/>.</summary>
public sealed class BytesModel(StateType stateType, byte[]? state = null) : IModelWithState
{
    public StateType StateType { get; } = stateType;

    public byte[] State { get; set; } = state ?? [];

    /// <summary>When set, writing the state fails after this many bytes (a model crashing mid-save).</summary>
    public int? FailAfterBytes { get; set; }

    public async Task WriteStateAsync(Stream destination, CancellationToken cancellationToken = default)
    {
        if (FailAfterBytes is { } limit)
        {
            await destination.WriteAsync(State.AsMemory(0, Math.Min(limit, State.Length)), cancellationToken);
            throw new InvalidOperationException("The model failed while writing its state.");
        }

        await destination.WriteAsync(State, cancellationToken);
    }

    public async Task ReadStateAsync(Stream source, CancellationToken cancellationToken = default)
    {
        using var buffer = new MemoryStream();
        await source.CopyToAsync(buffer, cancellationToken);
        State = buffer.ToArray();
    }
}
