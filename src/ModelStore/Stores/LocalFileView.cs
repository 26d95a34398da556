using ModelStore.IO;
using ModelStore.States;

namespace ModelStore.Stores;

/// <summary>
/// One file of a <see cref="LocalStateStore"/>'s folder named by path (<see cref="LocalStateStore.ForFile"/>), served
/// under any key, and written by <see cref="WriteAsync"/>. A path whose links lead out of the folder is neither read nor written.
/// </summary>
internal sealed class LocalFileView(LocalStateStore store, string path) : StateStore
{
    private string FullPath => Path.Combine(store.Folder, path.Replace('/', Path.DirectorySeparatorChar));

    /// <inheritdoc />
    public override string Description => $"file {path} of {store.Description}";

    /// <inheritdoc />
    public override string Id => $"local-file:{store.Folder}/{path}";

    /// <inheritdoc />
    public override Task<bool> ExistsAsync(StateKey key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        return Task.FromResult(File.Exists(FullPath) && ConfinedPath.IsInside(FullPath, store.Folder));
    }

    /// <inheritdoc />
    /// <remarks>A single-file view lists nothing: it has no key of its own.</remarks>
    public override Task<IReadOnlyList<StateKey>> GetStateKeysAsync(StateType stateType, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stateType);
        return Task.FromResult<IReadOnlyList<StateKey>>([]);
    }

    /// <inheritdoc />
    public override Task<Stream> OpenReadAsync(StateKey key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        cancellationToken.ThrowIfCancellationRequested();
        if (File.Exists(FullPath) && !ConfinedPath.IsInside(FullPath, store.Folder))
        {
            throw new StateStoreException(StateStoreError.NotFound, $"The file {path} of {store.Description} is a link that leads out of the folder; it is not read.", key);
        }

        return Task.FromResult(store.OpenFile(FullPath, key, $"The file {path} (for {key})"));
    }

    /// <inheritdoc />
    /// <remarks>Writes the file (atomically, its folders created), whatever the key; a mirror holds bundle files this way.</remarks>
    /// <exception cref="StateStoreException"><see cref="StateStoreError.AccessDenied"/> when a link along the path leads out of the folder.</exception>
    public override Task WriteAsync(StateKey key, Stream content, bool overwrite = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(content);
        if (!ConfinedPath.IsInside(FullPath, store.Folder))
        {
            throw new StateStoreException(StateStoreError.AccessDenied, $"The file {path} of {store.Description} is behind a link that leads out of the folder; it is not written.", key);
        }

        Directory.CreateDirectory(Path.GetDirectoryName(FullPath)!);
        return store.WriteFileAsync(FullPath, key, content, overwrite, cancellationToken);
    }
}
