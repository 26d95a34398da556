using ModelStore.Stores;
using ModelStore.TorchSharp.Formats;
using ModelStore.TorchSharp.Loading;
using static TorchSharp.torch;

namespace ModelStore.TorchSharp;

/// <summary>Loads the typed accessors of the build integration (<c>ModelStates.X</c>) straight into TorchSharp modules.</summary>
public static class PretrainedStateExtensions
{
    /// <summary>
    /// Loads <paramref name="state"/> into <paramref name="module"/>: the bytes are verified (size and SHA-256,
    /// once per process) by <see cref="PretrainedState.OpenRead()"/>, the format is detected from the content, the state
    /// dict is found inside a checkpoint (at <see cref="PretrainedState.StateDictPath"/> when the item sets it), and
    /// tensors are read from the file straight into the module's parameters and buffers.
    /// </summary>
    /// <param name="state">A state resolved by the build (for example <c>ModelStates.Resnet18Cls1000Imagenet</c>).</param>
    /// <param name="module">The module to fill.</param>
    /// <param name="strict">True: every name and shape must match, else nothing is loaded; false: load what fits and report the rest.</param>
    /// <returns>What was loaded, missing, unexpected and mismatched.</returns>
    /// <exception cref="StateStoreException">The bytes are missing (<see cref="StateStoreError.NotFound"/>) or altered (<see cref="StateStoreError.IntegrityMismatch"/>).</exception>
    /// <exception cref="StateLoadException">Strict load and the state does not match the module.</exception>
    /// <exception cref="StateFormatException">The bytes are not a valid state.</exception>
    public static StateLoadReport LoadInto(this PretrainedState state, nn.Module module, bool strict = true) =>
        LoadInto(state, module, StateLoadOptions.For(strict));

    /// <summary>
    /// Loads <paramref name="state"/> into <paramref name="module"/> with <paramref name="options"/> (prefixes, renames,
    /// strictness). The state dict is taken at <see cref="StateLoadOptions.StateDictPath"/>, else at the item's
    /// <c>StateDictPath</c> metadata (<see cref="PretrainedState.StateDictPath"/>), else found by the conventional keys.
    /// </summary>
    /// <exception cref="StateStoreException">The bytes are missing (<see cref="StateStoreError.NotFound"/>) or altered (<see cref="StateStoreError.IntegrityMismatch"/>).</exception>
    /// <exception cref="StateLoadException">Strict load and the state does not match the module.</exception>
    /// <exception cref="StateFormatException">The bytes are not a valid state, or hold no state dict at the path.</exception>
    public static StateLoadReport LoadInto(this PretrainedState state, nn.Module module, StateLoadOptions options)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(options);
        var path = options.StateDictPath ?? state.StateDictPath;
        var stream = state.OpenRead();
        using var file = stream.CanSeek
            ? StateFile.Open(stream, path, leaveOpen: false)
            : StateFile.OpenAsync(stream, path, leaveOpen: false).GetAwaiter().GetResult();
        return StateLoader.Load(module, file, options);
    }
}
