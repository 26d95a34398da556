using ModelStore.States;
using ModelStore.Stores;

namespace ModelStore.Oci;

/// <summary>
/// One file of ModelPack artifacts as a read-only store: the key picks the artifact (its tag, or the one pinned
/// artifact), <c>path</c> picks the layer by its <c>org.cncf.model.filepath</c> annotation.
/// </summary>
internal sealed class OciFileView(OciArtifacts artifacts, Func<StateKey, string> referenceOf, string path, string id, string description) : StateStore, IFileDownloadingStore
{
    public override string Description => description;

    public override string Id => id;

    public override Task<bool> ExistsAsync(StateKey key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        return artifacts.ExistsAsync(referenceOf(key), path, key, cancellationToken);
    }

    public override Task<IReadOnlyList<StateKey>> GetStateKeysAsync(StateType stateType, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stateType);
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult<IReadOnlyList<StateKey>>([]);
    }

    public override Task<Stream> OpenReadAsync(StateKey key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        return artifacts.OpenReadAsync(referenceOf(key), path, key, cancellationToken);
    }

    public Task<FileDownload> DownloadToFileAsync(StateKey key, string target, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        return artifacts.DownloadToFileAsync(referenceOf(key), path, key, target, progress, cancellationToken);
    }

    public override Task WriteAsync(StateKey key, Stream content, bool overwrite = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(content);
        throw OciArtifactStore.ReadOnly(key, Description);
    }

    public override Task<StateKey> SaveAsync(IModelWithState model, string trainingId, bool overwrite = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        throw OciArtifactStore.ReadOnly(new StateKey(model.StateType, trainingId), Description);
    }
}
