using System.Buffers;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using ModelStore.States;
using ModelStore.Stores;

namespace ModelStore.Oci.Registry;

// Pushing blobs (distribution-spec "Pushing blobs"): HEAD before PUT, cross-repository mounts, one PUT for a small blob,
// PATCH chunks of bounded size for a large one, the session cancelled when an upload fails.
internal sealed partial class RegistryClient
{
    /// <summary>
    /// Uploads <paramref name="content"/> as a blob unless the repository has it already (a seekable stream is hashed
    /// first and checked with <c>HEAD</c>, then mounted from <see cref="OciStoreOptions.MountFrom"/> when one of those
    /// repositories has it); a blob up to <see cref="OciStoreOptions.UploadChunkSize"/> goes in one <c>PUT</c>, a larger
    /// one in chunks of that size, so memory stays bounded whatever the size. Returns its descriptor.
    /// </summary>
    public async Task<OciDescriptor> PushBlobAsync(Stream content, string mediaType, string? filePath, Action<ReadOnlyMemory<byte>>? head, StateKey? key, CancellationToken cancellationToken)
    {
        if (content.CanSeek)
        {
            var start = content.Position;
            var (digest, size) = await HashAsync(content, head, cancellationToken).ConfigureAwait(false);
            var descriptor = new OciDescriptor(mediaType, digest, size, filePath);
            if (await BlobExistsAsync(digest, cancellationToken).ConfigureAwait(false))
            {
                return descriptor;
            }

            content.Position = start;
            var (mounted, session) = await StartUploadAsync(digest, key, cancellationToken).ConfigureAwait(false);
            if (mounted)
            {
                return descriptor;
            }

            var uploaded = await UploadAsync(session!, content, null, key, cancellationToken).ConfigureAwait(false);
            return uploaded.Digest == digest && uploaded.Size == size
                ? descriptor
                : throw new StateStoreException(StateStoreError.IntegrityMismatch, $"The content changed while it was uploaded to {Address}.", key);
        }

        var (_, location) = await StartUploadAsync(null, key, cancellationToken).ConfigureAwait(false);
        var (streamedDigest, streamedSize) = await UploadAsync(location!, content, head, key, cancellationToken).ConfigureAwait(false);
        return new OciDescriptor(mediaType, streamedDigest, streamedSize, filePath);
    }

    /// <summary>Pushes small bytes (a config) as a blob, after a <c>HEAD</c>.</summary>
    public Task<OciDescriptor> PushBlobAsync(byte[] bytes, string mediaType, StateKey? key, CancellationToken cancellationToken) =>
        PushBlobAsync(new MemoryStream(bytes, writable: false), mediaType, null, null, key, cancellationToken);

    // POST .../blobs/uploads/ (with ?mount=&from= for each MountFrom repository first): (true, null) when mounted, else the session.
    private async Task<(bool Mounted, Uri? Session)> StartUploadAsync(string? digest, StateKey? key, CancellationToken cancellationToken)
    {
        var sources = digest is null ? [] : _options.MountFrom.Where(source => source != Repository).ToArray();
        foreach (var source in sources.Append(null))
        {
            var address = new Uri(BaseAddress, source is null ? $"v2/{Repository}/blobs/uploads/" : $"v2/{Repository}/blobs/uploads/?mount={digest}&from={source}");
            using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Post, address), $"upload to {Address}", key, cancellationToken).ConfigureAwait(false);
            Throw(response, $"upload to {Address}", key);
            if (response.StatusCode == HttpStatusCode.Created && source is not null)
            {
                return (true, null);
            }

            var session = Location(response, $"upload to {Address}", key);
            if (source is null)
            {
                return (false, session);
            }

            await CancelUploadAsync(session).ConfigureAwait(false); // Not mounted: try the next source, or a plain upload.
        }

        throw new InvalidOperationException("unreachable");
    }

    private async Task<(string Digest, long Size)> UploadAsync(Uri session, Stream content, Action<ReadOnlyMemory<byte>>? head, StateKey? key, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(_options.UploadChunkSize);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var location = session;
        long offset = 0;
        try
        {
            var first = true;
            while (true)
            {
                var filled = await FillAsync(content, buffer.AsMemory(0, _options.UploadChunkSize), cancellationToken).ConfigureAwait(false);
                hash.AppendData(buffer, 0, filled);
                if (first)
                {
                    head?.Invoke(buffer.AsMemory(0, filled));
                }

                var last = filled < _options.UploadChunkSize;
                if (first && last)
                {
                    // Small: one PUT with the bytes and the digest (the monolithic upload).
                    var digest = "sha256:" + Convert.ToHexStringLower(hash.GetHashAndReset());
                    await PutUploadAsync(location, digest, buffer, filled, key, cancellationToken).ConfigureAwait(false);
                    return (digest, filled);
                }

                first = false;
                if (filled > 0)
                {
                    var chunkStart = offset;
                    var chunkAddress = location;
                    using var response = await SendAsync(() =>
                    {
                        var request = new HttpRequestMessage(HttpMethod.Patch, chunkAddress) { Content = new ByteArrayContent(buffer, 0, filled) };
                        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
                        request.Content.Headers.TryAddWithoutValidation("Content-Range", $"{chunkStart}-{chunkStart + filled - 1}");
                        return request;
                    }, $"upload to {Address}", key, cancellationToken).ConfigureAwait(false);
                    Throw(response, $"upload to {Address}", key);
                    location = Location(response, $"upload to {Address}", key);
                    offset += filled;
                }

                if (last)
                {
                    var digest = "sha256:" + Convert.ToHexStringLower(hash.GetHashAndReset());
                    await PutUploadAsync(location, digest, buffer, 0, key, cancellationToken).ConfigureAwait(false);
                    return (digest, offset);
                }
            }
        }
        catch
        {
            await CancelUploadAsync(location).ConfigureAwait(false);
            throw;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async Task PutUploadAsync(Uri location, string digest, byte[] buffer, int count, StateKey? key, CancellationToken cancellationToken)
    {
        var address = new Uri(location.AbsoluteUri + (location.Query.Length > 0 ? "&" : "?") + "digest=" + Uri.EscapeDataString(digest));
        using var response = await SendAsync(() =>
        {
            var request = new HttpRequestMessage(HttpMethod.Put, address) { Content = new ByteArrayContent(buffer, 0, count) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            return request;
        }, $"upload to {Address}", key, cancellationToken).ConfigureAwait(false);
        Throw(response, $"upload to {Address}", key);
    }

    // An abandoned session is cancelled so the registry can drop its bytes (best effort: the registry expires it anyway).
    private async Task CancelUploadAsync(Uri session)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            using var request = new HttpRequestMessage(HttpMethod.Delete, session);
            using var response = await _http.SendAsync(request, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or IOException or StateStoreException)
        {
            // Nothing to do: the session expires on the registry.
        }
    }

    private static async Task<(string Digest, long Size)> HashAsync(Stream content, Action<ReadOnlyMemory<byte>>? head, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = ArrayPool<byte>.Shared.Rent(1 << 20);
        try
        {
            long size = 0;
            int read;
            while ((read = await content.ReadAsync(buffer.AsMemory(0, 1 << 20), cancellationToken).ConfigureAwait(false)) > 0)
            {
                if (size == 0)
                {
                    head?.Invoke(buffer.AsMemory(0, read));
                }

                hash.AppendData(buffer, 0, read);
                size += read;
            }

            if (size == 0)
            {
                head?.Invoke(ReadOnlyMemory<byte>.Empty);
            }

            return ("sha256:" + Convert.ToHexStringLower(hash.GetHashAndReset()), size);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static async Task<int> FillAsync(Stream content, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var filled = 0;
        int read;
        while (filled < buffer.Length && (read = await content.ReadAsync(buffer[filled..], cancellationToken).ConfigureAwait(false)) > 0)
        {
            filled += read;
        }

        return filled;
    }
}
