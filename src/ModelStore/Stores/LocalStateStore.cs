using ModelStore.IO;
using ModelStore.States;

namespace ModelStore.Stores;

/// <summary>
/// A store in one local folder, laid out exactly as MoZuMa's <c>LocalStateStore</c>:
/// flat, one file per state, <c>{folder}/{backend}.{architecture}[.{extra}...].{trainingId}.pt</c>.
/// </summary>
/// <remarks>
/// Writes are atomic (a hidden temporary file in the same folder, then a rename), so a crash never leaves a
/// half-written state under a real name. Files that are not state files are ignored when listing.
/// </remarks>
public sealed class LocalStateStore : StateStore, IFileListingStore
{
    /// <summary>The extension MoZuMa gives state files.</summary>
    public const string Extension = ".pt";

    /// <summary>Creates a store on <paramref name="folder"/> (created on first write).</summary>
    public LocalStateStore(string folder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        Folder = Path.GetFullPath(folder);
    }

    /// <summary>The absolute path of the store's folder.</summary>
    public string Folder { get; }

    /// <inheritdoc />
    public override string Description => $"local store '{Folder}'";

    /// <inheritdoc />
    public override string Id => $"local:{Folder}";

    /// <summary>The file name of a state: <c>{backend}.{architecture}[.{extra}...].{trainingId}.pt</c>.</summary>
    public static string GetFileName(StateKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var type = key.StateType;
        return string.Join('.', [type.Backend, type.Architecture, .. type.Extras, key.TrainingId]) + Extension;
    }

    /// <summary>Turns a state file name back into its key; <see langword="null"/> for any other file.</summary>
    public static StateKey? TryParseFileName(string fileName)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        if (!fileName.EndsWith(Extension, StringComparison.Ordinal))
        {
            return null;
        }

        var parts = fileName[..^Extension.Length].Split('.');
        if (parts.Length < 3 || !Array.TrueForAll(parts, StateName.IsValid))
        {
            return null;
        }

        return new StateKey(new StateType(parts[0], parts[1], parts[2..^1]), parts[^1]);
    }

    /// <summary>The full path where <paramref name="key"/> is stored.</summary>
    public string GetPath(StateKey key) => Path.Combine(Folder, GetFileName(key));

    /// <inheritdoc />
    public override Task<bool> ExistsAsync(StateKey key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(File.Exists(GetPath(key)));
    }

    /// <inheritdoc />
    public override Task<IReadOnlyList<StateKey>> GetStateKeysAsync(StateType stateType, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stateType);
        cancellationToken.ThrowIfCancellationRequested();
        if (!Directory.Exists(Folder))
        {
            return Task.FromResult<IReadOnlyList<StateKey>>([]);
        }

        // The pattern narrows the scan; exact backend and architecture matching happens on the parsed key
        // (MoZuMa's prefix match would list clip-image-rn50 under clip).
        var pattern = $"{stateType.Backend}.{stateType.Architecture}.*{Extension}";
        var keys = new List<StateKey>();
        foreach (var path in Directory.EnumerateFiles(Folder, pattern, SearchOption.TopDirectoryOnly))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var key = TryParseFileName(Path.GetFileName(path));
            if (key is not null && key.StateType.IsCompatibleWith(stateType))
            {
                keys.Add(key);
            }
        }

        keys.Sort((a, b) => string.CompareOrdinal(a.ToString(), b.ToString()));
        return Task.FromResult<IReadOnlyList<StateKey>>(keys);
    }

    /// <inheritdoc />
    public override Task<Stream> OpenReadAsync(StateKey key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(OpenFile(GetPath(key), key, $"State {key}"));
    }

    /// <inheritdoc />
    /// <remarks>The view's <see cref="IStateStore.Id"/> is <c>local-file:{folder}/{path}</c>; a path whose links lead out of the folder is not found.</remarks>
    public IStateStore ForFile(string path) => new LocalFileView(this, Resolution.LockFileRules.FilePath(path));

    /// <inheritdoc />
    /// <remarks>Files whose links lead out of the folder are left out; a missing folder is <see cref="StateStoreError.NotFound"/>.</remarks>
    public Task<IReadOnlyList<StoreFile>> ListFilesAsync(CancellationToken cancellationToken = default)
    {
        if (!Directory.Exists(Folder))
        {
            throw new StateStoreException(StateStoreError.NotFound, $"The files of {Description} cannot be listed: the folder '{Folder}' does not exist. Check the store's Folder (relative folders start at the project's folder).");
        }

        var files = new List<StoreFile>();
        foreach (var file in Directory.EnumerateFiles(Folder, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0, IgnoreInaccessible = true }))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var relative = Path.GetRelativePath(Folder, file).Replace(Path.DirectorySeparatorChar, '/');
            if (ConfinedPath.IsPlainRelative(relative) && ConfinedPath.IsInside(file, Folder))
            {
                files.Add(new StoreFile(relative, new FileInfo(file).Length));
            }
        }

        files.Sort((a, b) => string.CompareOrdinal(a.Path, b.Path));
        return Task.FromResult<IReadOnlyList<StoreFile>>(files);
    }

    /// <summary>Opens a file of the folder for reading, with the store's errors (<paramref name="what"/> starts them).</summary>
    internal Stream OpenFile(string path, StateKey key, string what)
    {
        try
        {
            // FileShare.Delete lets a writer replace the file while this reader keeps the old bytes.
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
        }
        catch (FileNotFoundException e)
        {
            throw new StateStoreException(StateStoreError.NotFound, $"{what} was not found in {Description}.", key, e);
        }
        catch (DirectoryNotFoundException e)
        {
            // Not found (the state is not there), saying why: the whole folder is missing.
            throw new StateStoreException(StateStoreError.NotFound, $"{what} was not found in {Description}: the folder '{Path.GetDirectoryName(path)}' does not exist. Check the store's Folder (relative folders start at the project's folder).", key, e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new StateStoreException(StateStoreError.AccessDenied, $"{what} in {Description} cannot be read: {e.Message}", key, e);
        }
    }

    /// <inheritdoc />
    public override Task WriteAsync(StateKey key, Stream content, bool overwrite = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(content);
        return WriteFileAsync(GetPath(key), key, content, overwrite, cancellationToken);
    }

    /// <summary>Writes <paramref name="destination"/> (a file of the folder) atomically, for <paramref name="key"/>.</summary>
    internal async Task WriteFileAsync(string destination, StateKey key, Stream content, bool overwrite, CancellationToken cancellationToken)
    {
        if (!overwrite && File.Exists(destination))
        {
            throw StateStoreException.AlreadyExists(key, Description);
        }

        FileStream temporary;
        string temporaryPath;
        try
        {
            temporary = AtomicFile.CreateTemporary(destination, out temporaryPath);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new StateStoreException(StateStoreError.AccessDenied, $"State {key} cannot be written to {Description}: {e.Message}", key, e);
        }

        try
        {
            await content.CopyToAsync(temporary, 1 << 20, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await temporary.DisposeAsync().ConfigureAwait(false);
            AtomicFile.Discard(temporaryPath);
            throw;
        }

        try
        {
            await AtomicFile.CommitAsync(temporary, temporaryPath, destination, overwrite).ConfigureAwait(false);
        }
        catch (IOException e) when (!overwrite && File.Exists(destination))
        {
            // Another writer committed the same key first: ours is discarded, theirs stays whole.
            AtomicFile.Discard(temporaryPath);
            throw new StateStoreException(StateStoreError.AlreadyExists, $"State {key} already exists in {Description}; pass overwrite: true to replace it.", key, e);
        }
        catch
        {
            AtomicFile.Discard(temporaryPath);
            throw;
        }
    }

    /// <summary>Deletes a state; returns whether it existed.</summary>
    public bool Delete(StateKey key)
    {
        var path = GetPath(key);
        if (!File.Exists(path))
        {
            return false;
        }

        File.Delete(path);
        return true;
    }
}
