using ModelStore.IO;
using ModelStore.TorchSharp.Formats;
using ModelStore.TorchSharp.Loading;
using static TorchSharp.torch;

namespace ModelStore.TorchSharp;

/// <summary>Loading and saving a TorchSharp module's state (parameters and buffers) in PyTorch or safetensors files.</summary>
public static class ModuleStateExtensions
{
    /// <summary>Loads a state file (format detected from its content) into the module.</summary>
    /// <param name="module">The module to fill.</param>
    /// <param name="path">A PyTorch state dict or a safetensors file.</param>
    /// <param name="strict">True: every name and shape must match (else nothing is loaded); false: load what fits.</param>
    /// <exception cref="StateLoadException">Strict load and the state does not match.</exception>
    /// <exception cref="StateFormatException">The file is not a valid state.</exception>
    public static StateLoadReport LoadState(this nn.Module module, string path, bool strict = true) =>
        module.LoadState(path, StateLoadOptions.For(strict));

    /// <summary>
    /// Loads a state file into the module with <paramref name="options"/>: where the state dict is inside a checkpoint,
    /// prefixes to strip or add, a rename callback, strictness.
    /// </summary>
    /// <exception cref="StateLoadException">Strict load and the state does not match.</exception>
    /// <exception cref="StateFormatException">The file is not a valid state, or holds no state dict at the path.</exception>
    public static StateLoadReport LoadState(this nn.Module module, string path, StateLoadOptions options)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(options);
        using var file = StateFile.Open(path, options.StateDictPath);
        return StateLoader.Load(module, file, options);
    }

    /// <summary>Loads a state from a stream with <paramref name="options"/> (see <see cref="LoadState(nn.Module, string, StateLoadOptions)"/>).</summary>
    public static async Task<StateLoadReport> LoadStateAsync(this nn.Module module, Stream source, StateLoadOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(options);
        using var file = await StateFile.OpenAsync(source, options.StateDictPath, leaveOpen: true, cancellationToken).ConfigureAwait(false);
        return StateLoader.Load(module, file, options);
    }

    /// <summary>Loads a state from a stream (format detected from its content; a stream that cannot seek is spooled to a temporary file).</summary>
    /// <exception cref="StateLoadException">Strict load and the state does not match.</exception>
    /// <exception cref="StateFormatException">The bytes are not a valid state.</exception>
    public static Task<StateLoadReport> LoadStateAsync(this nn.Module module, Stream source, bool strict = true, CancellationToken cancellationToken = default) =>
        module.LoadStateAsync(source, StateLoadOptions.For(strict), cancellationToken);

    /// <summary>Writes the module's state (parameters and buffers, by state-dict name) to a stream.</summary>
    public static void SaveState(this nn.Module module, Stream destination, StateFormat format = StateFormat.PyTorch)
    {
        ArgumentNullException.ThrowIfNull(module);
        StateWriter.Write(destination, module.state_dict(), format);
    }

    /// <summary>Writes the module's state to a file atomically: readers see the old file or the whole new one.</summary>
    public static async Task SaveStateAsync(this nn.Module module, string path, StateFormat format = StateFormat.PyTorch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentException.ThrowIfNullOrEmpty(path);
        var stream = AtomicFile.CreateTemporary(path, out var temporary);
        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            module.SaveState(stream, format);
            await AtomicFile.CommitAsync(stream, temporary, path, overwrite: true).ConfigureAwait(false);
        }
        catch
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            AtomicFile.Discard(temporary);
            throw;
        }
    }
}
