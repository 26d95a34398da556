using System.IO.Compression;
using ModelStore.States;
using ModelStore.Stores;
using Octokit;

namespace ModelStore.GitHub;

// Saving: gzip to a temporary file, find or create the release, upload the asset from the file.
public sealed partial class GitHubReleaseStore
{
    private const int MaxReplaceAttempts = 8;

    /// <inheritdoc />
    /// <remarks>
    /// The state is gzipped to a temporary file first (never held in memory), then uploaded. Without
    /// <paramref name="overwrite"/>, GitHub's refusal of a second asset of the same name makes the creation atomic.
    /// With it, the new asset is uploaded under a temporary name, the old one deleted and the new one renamed,
    /// so a failed upload leaves the old state intact (it is missing for the instant between delete and rename).
    /// </remarks>
    /// <exception cref="StateStoreException"><see cref="StateStoreError.AccessDenied"/> without credentials (no call is made).</exception>
    public override async Task WriteAsync(StateKey key, Stream content, bool overwrite = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(content);
        EnsureCanWrite(key);
        cancellationToken.ThrowIfCancellationRequested();

        var temporary = new FileStream(
            Path.Combine(Path.GetTempPath(), $"modelstore-github-{Guid.NewGuid():N}.gzip"),
            System.IO.FileMode.CreateNew,
            FileAccess.ReadWrite,
            FileShare.None,
            1 << 16,
            FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        await using (temporary.ConfigureAwait(false))
        {
            var gzip = new GZipStream(temporary, _options.CompressionLevel, leaveOpen: true);
            await using (gzip.ConfigureAwait(false))
            {
                await content.CopyToAsync(gzip, 1 << 20, cancellationToken).ConfigureAwait(false);
            }

            var release = await GetOrCreateReleaseAsync(Layout.GetTag(key.StateType), key, cancellationToken).ConfigureAwait(false);
            var name = GitHubReleaseLayout.GetAssetName(key);
            if (!overwrite)
            {
                try
                {
                    await UploadAsync(release, name, temporary, key, cancellationToken).ConfigureAwait(false);
                }
                catch (ApiValidationException e) when (GitHubErrors.IsAlreadyExists(e))
                {
                    throw new StateStoreException(StateStoreError.AlreadyExists, $"State {key} already exists in {Description}; pass overwrite: true to replace it.", key, e);
                }

                return;
            }

            await ReplaceAsync(release, name, temporary, key, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    /// <exception cref="StateStoreException"><see cref="StateStoreError.AccessDenied"/> without credentials (no call is made).</exception>
    public override Task<StateKey> SaveAsync(IModelWithState model, string trainingId, bool overwrite = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        EnsureCanWrite(new StateKey(model.StateType, trainingId));
        return base.SaveAsync(model, trainingId, overwrite, cancellationToken);
    }

    private void EnsureCanWrite(StateKey key)
    {
        if (_credentials.IsAnonymous)
        {
            var problem = _credentials.Problem is null ? string.Empty : $" ({_credentials.Problem})";
            throw new StateStoreException(
                StateStoreError.AccessDenied,
                $"Cannot save state {key} to {Description} anonymously: set GH_API_BASIC_AUTH=user:token, GH_TOKEN or GITHUB_TOKEN to a token with write access to the repository{problem}.",
                key);
        }
    }

    private async Task<Release> GetOrCreateReleaseAsync(string tag, StateKey key, CancellationToken cancellationToken)
    {
        if (await FindReleaseAsync(tag, cancellationToken).ConfigureAwait(false) is { } existing)
        {
            return existing;
        }

        cancellationToken.ThrowIfCancellationRequested();
        var release = new NewRelease(tag)
        {
            Name = tag,
            TargetCommitish = Branch,
            Body = $"Model states of {tag[(Layout.ReleaseNamePrefix.Length + 1)..].Replace('.', '/')} (ModelStore / MoZuMa layout).",
            MakeLatest = MakeLatestQualifier.False,
        };
        try
        {
            return await _client.Repository.Release.Create(Owner, Repository, release).ConfigureAwait(false);
        }
        catch (ApiValidationException e) when (GitHubErrors.IsAlreadyExists(e))
        {
            // Another writer created it first.
            return await FindReleaseAsync(tag, cancellationToken).ConfigureAwait(false)
                ?? throw new StateStoreException(StateStoreError.Unreachable, $"GitHub reported release {tag} as existing but does not return it.", key, e);
        }
        catch (ApiValidationException e)
        {
            throw new StateStoreException(
                StateStoreError.ContainerNotFound,
                $"GitHub refused to create release {tag} on branch '{Branch}' of {Owner}/{Repository} ({e.Message}). Does the branch exist? MoZuMa recommends an orphan branch named model-store.",
                key,
                e);
        }
        catch (Exception e) when (Translate(e, $"create release {tag}", key) is { } error)
        {
            throw error;
        }
    }

    private async Task<ReleaseAsset> UploadAsync(Release release, string name, FileStream gzipped, StateKey key, CancellationToken cancellationToken)
    {
        gzipped.Position = 0;
        try
        {
            return await _client.Repository.Release.UploadAsset(release, new ReleaseAssetUpload(name, "application/gzip", gzipped, _options.UploadTimeout), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (!(e is ApiValidationException invalid && GitHubErrors.IsAlreadyExists(invalid)) && Translate(e, $"upload {name} to release {release.TagName}", key) is { } error)
        {
            throw error;
        }
    }

    private async Task ReplaceAsync(Release release, string name, FileStream gzipped, StateKey key, CancellationToken cancellationToken)
    {
        // The temporary name does not end with .state.gzip, so no listing ever shows the half-done upload.
        var uploaded = await UploadAsync(release, $"{name}.{Guid.NewGuid():N}.uploading", gzipped, key, cancellationToken).ConfigureAwait(false);
        try
        {
            for (var attempt = 0; attempt < MaxReplaceAttempts; attempt++)
            {
                var assets = await GetAssetsAsync(release, CancellationToken.None).ConfigureAwait(false);
                foreach (var old in assets.Where(asset => string.Equals(asset.Name, name, StringComparison.Ordinal)))
                {
                    await DeleteAssetAsync(old.Id, key).ConfigureAwait(false);
                }

                try
                {
                    await _client.Repository.Release.EditAsset(Owner, Repository, uploaded.Id, new ReleaseAssetUpdate(name)).ConfigureAwait(false);
                    return;
                }
                catch (ApiValidationException e) when (GitHubErrors.IsAlreadyExists(e))
                {
                    // A concurrent writer put its asset in place between our delete and rename: replace it too.
                }
            }

            throw new StateStoreException(StateStoreError.Unreachable, $"State {key} could not replace the existing asset in {Description} after {MaxReplaceAttempts} attempts (concurrent writers).", key);
        }
        catch
        {
            await TryDeleteAssetAsync(uploaded.Id).ConfigureAwait(false);
            throw;
        }
    }

    private async Task DeleteAssetAsync(int assetId, StateKey key)
    {
        try
        {
            await _client.Repository.Release.DeleteAsset(Owner, Repository, assetId).ConfigureAwait(false);
        }
        catch (NotFoundException)
        {
            // Already gone (another writer deleted it).
        }
        catch (Exception e) when (Translate(e, "delete the previous state asset", key) is { } error)
        {
            throw error;
        }
    }

    private async Task TryDeleteAssetAsync(int assetId)
    {
        try
        {
            await _client.Repository.Release.DeleteAsset(Owner, Repository, assetId).ConfigureAwait(false);
        }
        catch (Exception e) when (e is ApiException or HttpRequestException or TimeoutException)
        {
            // Best effort: a leftover *.uploading asset is never listed as a state.
        }
    }
}
