using System.Security.Cryptography;
using System.Text;
using ModelStore.IO;
using ModelStore.States;
using ModelStore.Stores;

namespace ModelStore.Plums.Publishing;

/// <summary>
/// Bridges PMF model packages and state stores: a checkpoint of a package is published to any
/// <see cref="IStateStore"/> as a state, and a package can be initialised from a state in a store.
/// </summary>
public static class PlumsStates
{
    private const int ModelPartLength = 50;
    private const int CheckpointPartLength = 40;

    /// <summary>
    /// The training id a checkpoint is published under: <c>{model id}-{checkpoint}-{hash8}</c>, where each readable
    /// part keeps letters, digits, <c>_</c> and <c>-</c> and turns any other character into <c>_</c> (the model id
    /// cut to 50 characters, the checkpoint to 40), and <c>hash8</c> is the first 8 hex digits of the MD5 of
    /// <c>"{model id}\n{str|int}:{checkpoint}"</c> (UTF-8). The result always passes the state-name rule, at most 100
    /// characters, and differs for different (model id, checkpoint) pairs even when the readable parts collide
    /// (<c>a.b</c> and <c>a_b</c>, or the text <c>'1'</c> and the number <c>1</c>).
    /// </summary>
    public static string GetTrainingId(string modelId, CheckpointReference checkpoint)
    {
        ArgumentNullException.ThrowIfNull(modelId);
        var identity = $"{modelId}\n{(checkpoint.IsNumber ? "int" : "str")}:{checkpoint.Text}";
        var hash = Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(identity)))[..8];
        var id = $"{Readable(modelId, ModelPartLength)}-{Readable(checkpoint.Text, CheckpointPartLength)}-{hash}";
        return StateName.Validate(id, "training id");
    }

    /// <summary>
    /// Publishes the checkpoint's weight file, byte for byte, as the state <c>(stateType, trainingId)</c>; the file is
    /// checked against its recorded MD5 first.
    /// </summary>
    /// <param name="model">The package.</param>
    /// <param name="checkpoint">The checkpoint reference.</param>
    /// <param name="store">The destination store.</param>
    /// <param name="stateType">The state type (backend, architecture, extras) the weights belong to.</param>
    /// <param name="trainingId">The training id; by default <see cref="GetTrainingId"/> of the model id and checkpoint.</param>
    /// <param name="overwrite">Replace an existing state with the same key.</param>
    /// <param name="cancellationToken">Cancels the upload.</param>
    /// <returns>The key the state was written under.</returns>
    /// <exception cref="KeyNotFoundException">The model has no such checkpoint.</exception>
    /// <exception cref="PlumsException">
    /// <see cref="PlumsErrorCode.CheckpointFileUnavailable"/> when the checkpoint has no file;
    /// <see cref="PlumsErrorCode.IntegrityMismatch"/> when the file does not match its MD5.
    /// </exception>
    /// <exception cref="StateStoreException">The store refused the write (for example <see cref="StateStoreError.AlreadyExists"/>).</exception>
    public static async Task<StateKey> PublishCheckpointAsync(
        this Model model,
        CheckpointReference checkpoint,
        IStateStore store,
        StateType stateType,
        string? trainingId = null,
        bool overwrite = false,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(stateType);
        var entry = model.CheckpointCollection[checkpoint];
        if (entry.Path is null || !File.Exists(entry.Path))
        {
            throw new PlumsException(PlumsErrorCode.CheckpointFileUnavailable, $"Checkpoint {checkpoint} of model {model.Id} has no weight file to publish.");
        }

        var key = new StateKey(stateType, trainingId ?? GetTrainingId(model.Id, checkpoint));
        var stream = new FileStream(entry.Path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous);
        await using (stream.ConfigureAwait(false))
        {
            var actual = Convert.ToHexStringLower(await MD5.HashDataAsync(stream, cancellationToken).ConfigureAwait(false));
            if (actual != entry.Hash)
            {
                throw new PlumsException(PlumsErrorCode.IntegrityMismatch, $"Checkpoint {checkpoint} of model {model.Id}: {entry.Path} has MD5 {actual}, the package records {entry.Hash}.");
            }

            stream.Position = 0;
            await store.WriteAsync(key, stream, overwrite, cancellationToken).ConfigureAwait(false);
        }

        return key;
    }

    /// <summary>
    /// Downloads the state <paramref name="key"/> into <paramref name="downloadFolder"/> (as
    /// <c>{backend}.{architecture}[.{extra}...].{trainingId}.pt</c>, written atomically) and registers it as the
    /// model's file initialisation, named by the key's text form.
    /// </summary>
    /// <returns>The registered initialisation.</returns>
    /// <exception cref="StateStoreException">The store could not provide the state (for example <see cref="StateStoreError.NotFound"/>).</exception>
    public static async Task<FileInitialisation> InitialiseFromStateAsync(
        this Model model,
        IStateStore store,
        StateKey key,
        string downloadFolder,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(downloadFolder);
        var destination = Path.Combine(Path.GetFullPath(downloadFolder), LocalStateStore.GetFileName(key));
        var source = await store.OpenReadAsync(key, cancellationToken).ConfigureAwait(false);
        await using (source.ConfigureAwait(false))
        {
            var temporary = AtomicFile.CreateTemporary(destination, out var temporaryPath);
            try
            {
                await source.CopyToAsync(temporary, 1 << 20, cancellationToken).ConfigureAwait(false);
                await AtomicFile.CommitAsync(temporary, temporaryPath, destination, overwrite: true).ConfigureAwait(false);
            }
            catch
            {
                await temporary.DisposeAsync().ConfigureAwait(false);
                AtomicFile.Discard(temporaryPath);
                throw;
            }
        }

        var initialisation = new FileInitialisation(key.ToString(), destination);
        model.RegisterInitialisation(initialisation);
        return initialisation;
    }

    private static string Readable(string text, int maxLength)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var rune in text.EnumerateRunes())
        {
            if (builder.Length >= maxLength)
            {
                break;
            }

            var keep = Rune.IsLetterOrDigit(rune) || rune.Value is '_' or '-';
            if (keep && builder.Length + rune.Utf16SequenceLength <= maxLength)
            {
                builder.Append(rune.ToString());
            }
            else
            {
                builder.Append('_');
            }
        }

        return builder.Length == 0 ? "_" : builder.ToString();
    }
}
