using ModelStore.States;
using ModelStore.Stores;
using ModelStore.TorchSharp.Formats;
using ModelStore.TorchSharp.Loading;
using static TorchSharp.torch;

namespace ModelStore.TorchSharp;

/// <summary>
/// Makes any TorchSharp module an <see cref="IModelWithState"/>, so stores save and load it:
/// <c>await store.SaveAsync(new TorchModuleState(model, type), "v1")</c>,
/// <c>await store.LoadAsync(new TorchModuleState(model, type), key)</c>.
/// Reading accepts either format (detected by content); writing uses <see cref="Format"/>.
/// </summary>
public sealed class TorchModuleState : IModelWithState
{
    /// <summary>Wraps <paramref name="module"/>.</summary>
    /// <param name="module">The module whose parameters and buffers are the state.</param>
    /// <param name="stateType">The state family, for example <c>pytorch/resnet18.cls2</c>.</param>
    /// <param name="format">The format states are written in (PyTorch by default, as MoZuMa stores them).</param>
    /// <param name="strict">Whether a loaded state must match every name and shape (else what fits is loaded; see <see cref="LastLoadReport"/>).</param>
    public TorchModuleState(nn.Module module, StateType stateType, StateFormat format = StateFormat.PyTorch, bool strict = true)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(stateType);
        Module = module;
        StateType = stateType;
        Format = format;
        Strict = strict;
    }

    /// <summary>The wrapped module.</summary>
    public nn.Module Module { get; }

    /// <inheritdoc />
    public StateType StateType { get; }

    /// <summary>The format states are written in.</summary>
    public StateFormat Format { get; }

    /// <summary>Whether loads are strict.</summary>
    public bool Strict { get; }

    /// <summary>What the last load did (useful after a partial load).</summary>
    public StateLoadReport? LastLoadReport { get; private set; }

    /// <inheritdoc />
    public Task WriteStateAsync(Stream destination, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        cancellationToken.ThrowIfCancellationRequested();
        Module.SaveState(destination, Format);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public async Task ReadStateAsync(Stream source, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        LastLoadReport = await Module.LoadStateAsync(source, Strict, cancellationToken).ConfigureAwait(false);
    }
}
