using System.Security.Cryptography;
using System.Text;
using ModelStore.States;
using ModelStore.Stores;

namespace ModelStore.HuggingFace;

/// <summary>
/// Files of a Hub repository named by path rather than by MoZuMa's layout: one file served under any key
/// (<see cref="HuggingFaceStateStore.ForFile"/>, what a <c>ModelState</c> item's <c>Path</c> uses), or a fixed list of
/// keys, each with its file (<see cref="HuggingFaceStateStore.ForFiles"/>). Read-only; downloads, content checks and
/// errors are the store's.
/// </summary>
internal sealed class HuggingFaceFileView : StateStore, IFileDownloadingStore, ILocalCopyStore
{
    private readonly HuggingFaceStateStore _store;
    private readonly string? _path;
    private readonly IReadOnlyDictionary<StateKey, string>? _files;
    private readonly List<StateKey> _keys = [];

    /// <summary>One file, served under any key.</summary>
    public HuggingFaceFileView(HuggingFaceStateStore store, string path)
    {
        _store = store;
        _path = path;
        Description = $"file {path} of the {store.RevisionDescription}";
        Id = $"hf-file:{store.RepositoryAddress}@{store.Revision}/{path}";
    }

    /// <summary>A fixed list of keys, each with its file.</summary>
    public HuggingFaceFileView(HuggingFaceStateStore store, IReadOnlyDictionary<StateKey, string> files)
    {
        _store = store;
        _files = files;
        _keys.AddRange(files.Keys.OrderBy(key => key.ToString(), StringComparer.Ordinal));

        // Two lists may give one key different files: the identity (and so the cache index) includes the mapping.
        var mapping = string.Join('\n', _keys.Select(key => $"{key}={files[key]}"));
        var digest = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(mapping)))[..16];
        Description = $"{files.Count} file(s) of the {store.RevisionDescription}";
        Id = $"hf-files:{store.RepositoryAddress}@{store.Revision}#{digest}";
    }

    /// <inheritdoc />
    public override string Description { get; }

    /// <inheritdoc />
    public override string Id { get; }

    /// <inheritdoc />
    public override async Task<bool> ExistsAsync(StateKey key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        return PathOf(key) is { } path && await _store.FileExistsAsync(path, key, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    /// <remarks>A single-file view lists nothing (it has no key of its own); a list lists its compatible keys.</remarks>
    public override Task<IReadOnlyList<StateKey>> GetStateKeysAsync(StateType stateType, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stateType);
        cancellationToken.ThrowIfCancellationRequested();
        IReadOnlyList<StateKey> keys = _keys.Where(key => key.StateType.IsCompatibleWith(stateType)).ToList();
        return Task.FromResult(keys);
    }

    /// <inheritdoc />
    public override async Task<Stream> OpenReadAsync(StateKey key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        return await _store.OpenFileAsync(RequirePath(key), key, NotFound(key), cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    /// <remarks>Always: the Hub is asked for the file's metadata before any read, and a download may also go into huggingface_hub's cache.</remarks>
    bool IFileDownloadingStore.DownloadsEveryState => true;

    /// <inheritdoc />
    public async Task<FileDownload> DownloadToFileAsync(StateKey key, string path, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        return await _store.DownloadFileAsync(RequirePath(key), key, NotFound(key), path, progress, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<FileDownload?> CopyLocalAsync(StateKey key, string sha256, string path, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        return PathOf(key) is { } file ? await _store.CopyLocalFileAsync(file, sha256, path, cancellationToken).ConfigureAwait(false) : null;
    }

    /// <inheritdoc />
    /// <exception cref="StateStoreException">Always: <see cref="StateStoreError.ReadOnly"/>.</exception>
    public override Task WriteAsync(StateKey key, Stream content, bool overwrite = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(content);
        throw HuggingFaceStateStore.ReadOnly(key, Description);
    }

    /// <inheritdoc />
    /// <exception cref="StateStoreException">Always: <see cref="StateStoreError.ReadOnly"/>.</exception>
    public override Task<StateKey> SaveAsync(IModelWithState model, string trainingId, bool overwrite = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        throw HuggingFaceStateStore.ReadOnly(new StateKey(model.StateType, trainingId), Description);
    }

    private string? PathOf(StateKey key) => _path ?? _files!.GetValueOrDefault(key);

    private string RequirePath(StateKey key) =>
        PathOf(key) ?? throw new StateStoreException(StateStoreError.NotFound, $"State {key} was not found in {Description}: it lists {string.Join(", ", _keys)}.", key);

    private string NotFound(StateKey key) => $"State {key} (file {PathOf(key)}) was not found in the {_store.RevisionDescription}";
}
