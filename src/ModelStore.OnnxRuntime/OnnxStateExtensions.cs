using Microsoft.ML.OnnxRuntime;
using ModelStore.States;
using ModelStore.Stores;

namespace ModelStore.OnnxRuntime;

/// <summary>
/// ONNX models as states: an <see cref="InferenceSession"/> from the verified bytes of a state resolved by the build
/// (<c>ModelStates.X.CreateInferenceSession()</c>) or read from any store. The bytes are read once into memory, as ONNX
/// Runtime needs the whole model to build a session; models with external data files are not supported this way.
/// </summary>
public static class OnnxStateExtensions
{
    /// <summary>
    /// Creates an inference session from <paramref name="state"/>'s bytes, verified (size and SHA-256) by
    /// <see cref="PretrainedState.OpenRead()"/> before ONNX Runtime sees them.
    /// </summary>
    /// <param name="state">A state resolved by the build, for example an <c>onnx/...</c> state.</param>
    /// <param name="options">Session options (execution providers, threads, graph optimisations), or <see langword="null"/> for the defaults.</param>
    /// <exception cref="StateStoreException">
    /// <see cref="StateStoreError.NotFound"/> or <see cref="StateStoreError.IntegrityMismatch"/> for missing or altered
    /// bytes; <see cref="StateStoreError.InvalidContent"/> when they are not an ONNX model (the message says what they are).
    /// </exception>
    public static InferenceSession CreateInferenceSession(this PretrainedState state, SessionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(state);
        byte[] model;
        using (var stream = state.OpenRead())
        {
            model = ReadAll(stream, state.Size);
        }

        return Create(model, options, state.Key);
    }

    /// <summary>Creates an inference session from the state <paramref name="key"/> of <paramref name="store"/>.</summary>
    /// <exception cref="StateStoreException">The store fails, has no such state, or the bytes are not an ONNX model (<see cref="StateStoreError.InvalidContent"/>).</exception>
    public static async Task<InferenceSession> CreateInferenceSessionAsync(this IStateStore store, StateKey key, SessionOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(key);
        var stream = await store.OpenReadAsync(key, cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            using var buffer = new MemoryStream();
            await stream.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
            return Create(buffer.ToArray(), options, key);
        }
    }

    private static InferenceSession Create(byte[] model, SessionOptions? options, StateKey key)
    {
        if (OnnxContent.DescribeOtherFormat(model) is { } other)
        {
            throw new StateStoreException(StateStoreError.InvalidContent, $"State {key} is {other}, not an ONNX model; an inference session needs an .onnx file.", key);
        }

        try
        {
            return options is null ? new InferenceSession(model) : new InferenceSession(model, options);
        }
        catch (OnnxRuntimeException e)
        {
            throw new StateStoreException(StateStoreError.InvalidContent, $"State {key} is not a valid ONNX model: {e.Message}", key, e);
        }
    }

    private static byte[] ReadAll(Stream stream, long size)
    {
        if (size > Array.MaxLength)
        {
            throw new StateStoreException(StateStoreError.InvalidContent, $"The state is {size} bytes long; an ONNX model held in one protobuf is at most 2 GB.");
        }

        var bytes = new byte[size];
        stream.ReadExactly(bytes);
        return bytes;
    }
}
