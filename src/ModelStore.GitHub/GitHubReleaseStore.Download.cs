using System.IO.Compression;
using System.Security.Cryptography;
using ModelStore.Downloads;
using ModelStore.States;
using ModelStore.Stores;

namespace ModelStore.GitHub;

// Resumable downloads: the asset (a gzip of the state) is fetched with ChunkedDownloader into a partial file beside the
// cache's download path, then decompressed into it with the size cap.
public sealed partial class GitHubReleaseStore
{
    /// <summary>The suffix of the compressed asset kept beside a download in progress (resumed after an interruption).</summary>
    public const string CompressedSuffix = ".gzip";

    /// <inheritdoc />
    /// <remarks>
    /// The asset is downloaded from the public download address (from the API's asset address with the credentials when
    /// that is not found and credentials are set) into <c>{path}.gzip</c>, in parallel ranges where the storage honours
    /// them, resumed after an interruption while its ETag and size are unchanged; each request is bounded by
    /// <see cref="GitHubReleaseStoreOptions.RequestTimeout"/> and retried <see cref="GitHubReleaseStoreOptions.MaxRetries"/>
    /// times. It is then decompressed into <paramref name="path"/> (refused past
    /// <see cref="GitHubReleaseStoreOptions.MaxDecompressedSize"/>), hashed on the way, and the compressed file deleted.
    /// </remarks>
    public async Task<FileDownload> DownloadToFileAsync(StateKey key, string path, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        cancellationToken.ThrowIfCancellationRequested();
        path = Path.GetFullPath(path);
        var (source, remote) = await FindAssetSourceAsync(key, cancellationToken).ConfigureAwait(false);
        var compressed = path + CompressedSuffix;
        var options = new ChunkedDownloadOptions { ChunkSize = _options.DownloadChunkSize, Parallelism = _options.DownloadParallelism, MaxRetries = _options.MaxRetries, ReadTimeout = _options.RequestTimeout };
        var download = await ChunkedDownloader.DownloadAsync(source, remote, compressed, options, progress, cancellationToken).ConfigureAwait(false);
        var (size, sha256) = await DecompressAsync(compressed, path, key, cancellationToken).ConfigureAwait(false);
        File.Delete(compressed);

        // Kept by a cache that commits the download itself: the compressed file is gone, so its journal goes too.
        ChunkedDownloader.DiscardJournal(compressed);
        return new FileDownload(size, download.BytesTransferred, sha256);
    }

    // The public download address first (no API call); a private repository's asset through the API with credentials.
    private async Task<(HttpRangeSource Source, RemoteObject Remote)> FindAssetSourceAsync(StateKey key, CancellationToken cancellationToken)
    {
        var source = new HttpRangeSource(SharedHttp, GetDownloadUri(key), request => PrepareDownload(request, authenticated: false), key, CredentialHint);
        try
        {
            return (source, await source.GetObjectAsync(cancellationToken).ConfigureAwait(false));
        }
        catch (StateStoreException e) when (e.Error == StateStoreError.NotFound && !_credentials.IsAnonymous)
        {
            var asset = await FindAssetAsync(key, cancellationToken).ConfigureAwait(false) ?? throw MissingAsset(key);
            var authenticated = new HttpRangeSource(SharedHttp, new Uri(asset.Url), request => PrepareDownload(request, authenticated: true), key, CredentialHint);
            return (authenticated, await authenticated.GetObjectAsync(cancellationToken).ConfigureAwait(false));
        }
        catch (StateStoreException e) when (e.Error == StateStoreError.NotFound)
        {
            throw MissingAsset(key);
        }
    }

    private string CredentialHint => _credentials.IsAnonymous
        ? "Set GH_TOKEN (or GH_API_BASIC_AUTH=user:token) if the repository is private."
        : $"Check the {_credentials.Describe()}.";

    private StateStoreException MissingAsset(StateKey key)
    {
        var hint = _credentials.IsAnonymous ? " If the repository is private, set GH_TOKEN (or GH_API_BASIC_AUTH=user:token)." : string.Empty;
        return new StateStoreException(StateStoreError.NotFound, $"State {key} was not found in {Description} (no asset {GitHubReleaseLayout.GetAssetName(key)} in release {Layout.GetTag(key.StateType)}).{hint}", key);
    }

    private async Task<(long Size, string Sha256)> DecompressAsync(string compressed, string path, StateKey key, CancellationToken cancellationToken)
    {
        using var hasher = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long size = 0;
        var input = new FileStream(compressed, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
        await using (input.ConfigureAwait(false))
        {
            var gzip = new GZipStream(input, CompressionMode.Decompress);
            await using (gzip.ConfigureAwait(false))
            {
                var output = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
                await using (output.ConfigureAwait(false))
                {
                    var buffer = new byte[1 << 20];
                    while (true)
                    {
                        int read;
                        try
                        {
                            // One byte more than the cap is asked for, so crossing it is seen without reading further.
                            read = await gzip.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, _options.MaxDecompressedSize - size + 1)), cancellationToken).ConfigureAwait(false);
                        }
                        catch (InvalidDataException e)
                        {
                            File.Delete(compressed);
                            throw DecompressingStateStream.Corrupt(key, Description, e);
                        }

                        if (read == 0)
                        {
                            break;
                        }

                        size += read;
                        if (size > _options.MaxDecompressedSize)
                        {
                            File.Delete(compressed);
                            throw DecompressingStateStream.TooLarge(key, Description, _options.MaxDecompressedSize);
                        }

                        hasher.AppendData(buffer, 0, read);
                        await output.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                    }
                }
            }
        }

        return (size, Convert.ToHexStringLower(hasher.GetHashAndReset()));
    }
}
