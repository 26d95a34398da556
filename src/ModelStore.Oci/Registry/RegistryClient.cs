using System.Buffers;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelStore.Downloads;
using ModelStore.IO;
using ModelStore.States;
using ModelStore.Stores;

namespace ModelStore.Oci.Registry;

/// <summary>
/// The OCI distribution API of one repository (distribution-spec <c>spec.md</c>), on <see cref="HttpClient"/>: manifests
/// by tag or digest, blobs (ranged reads, uploads in one request or in chunks, cross-repository mounts), tags with
/// pagination. Every failure is a <see cref="StateStoreException"/>; every message names the repository, never a secret.
/// </summary>
internal sealed class RegistryClient
{
    private const int MaxTagPages = 10_000;

    private readonly HttpClient _http;
    private readonly RegistryAuthHandler _auth;
    private readonly HttpResilienceOptions _resilience;
    private readonly OciStoreOptions _options;

    public RegistryClient(string registry, string repository, OciStoreOptions options)
    {
        Registry = registry;
        Repository = repository;
        _options = options;
        BaseAddress = new Uri($"{(options.Insecure ? "http" : "https")}://{registry}/");
        _auth = new RegistryAuthHandler(BaseAddress, () => RegistryCredentials.Find(registry, options.EnvironmentVariables), RegistryTransport.For(options.CaCertificateFile));
        _http = new HttpClient(_auth, disposeHandler: false)
        {
            Timeout = Timeout.InfiniteTimeSpan,
            DefaultRequestHeaders = { { "User-Agent", "ModelStore.Build" } },
        };
        _resilience = new HttpResilienceOptions { RequestTimeout = options.RequestTimeout, MaxRetries = options.MaxRetries };
    }

    /// <summary>The registry, <c>host[:port]</c>.</summary>
    public string Registry { get; }

    /// <summary>The repository name.</summary>
    public string Repository { get; }

    /// <summary><c>https://host[:port]/</c> (or <c>http</c> when declared insecure).</summary>
    public Uri BaseAddress { get; }

    /// <summary><c>host[:port]/repository</c>, for messages and ids.</summary>
    public string Address => $"{Registry}/{Repository}";

    /// <summary>How to give credentials, for access-denied messages.</summary>
    public string AccessHint => $"The store ran as {_auth.DescribeCredentials()}; set {RegistryCredentials.UsernameVariable} and {RegistryCredentials.PasswordVariable}, or log in with `docker login {Registry}` (or REGISTRY_AUTH_FILE).";

    private Uri ManifestUri(string reference, string? repository = null) => new(BaseAddress, $"v2/{repository ?? Repository}/manifests/{reference}");

    private Uri BlobUri(string digest) => new(BaseAddress, $"v2/{Repository}/blobs/{digest}");

    /// <summary>The manifest <paramref name="reference"/> (a tag or a digest) points to, or <see langword="null"/> when it does not exist.</summary>
    public async Task<OciManifest?> GetManifestAsync(string reference, StateKey? key, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(() => ManifestRequest(HttpMethod.Get, reference), $"manifest request for {Address}:{reference}", key, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        Throw(response, $"manifest request for {Address}:{reference}", key);
        if (response.Content.Headers.ContentLength > OciManifest.MaxSize)
        {
            throw new StateStoreException(StateStoreError.InvalidContent, $"The manifest {Address}:{reference} is larger than {OciManifest.MaxSize} bytes.", key);
        }

        var body = await ReadBoundedAsync(response, OciManifest.MaxSize, $"manifest {Address}:{reference}", key, cancellationToken).ConfigureAwait(false);
        var digest = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(body));
        var claimed = response.Headers.TryGetValues("Docker-Content-Digest", out var values) ? values.FirstOrDefault() : null;
        if ((OciNames.IsDigest(reference) && reference != digest) || (OciNames.IsDigest(claimed) && claimed != digest))
        {
            throw new StateStoreException(StateStoreError.IntegrityMismatch, $"The manifest {Address}:{reference} is not the one asked for: its bytes hash to {digest}.", key);
        }

        return OciManifest.Parse(body, digest, $"{Address}:{reference}", key);
    }

    /// <summary>The digest of the manifest <paramref name="reference"/> points to (from a <c>HEAD</c>), or <see langword="null"/> when it does not exist.</summary>
    public async Task<string?> HeadManifestAsync(string reference, StateKey? key, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(() => ManifestRequest(HttpMethod.Head, reference), $"manifest request for {Address}:{reference}", key, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        Throw(response, $"manifest request for {Address}:{reference}", key);
        var digest = response.Headers.TryGetValues("Docker-Content-Digest", out var values) ? values.FirstOrDefault() : null;
        if (OciNames.IsDigest(digest))
        {
            return digest;
        }

        // A registry that gives no digest in a HEAD: the manifest's own bytes say it.
        return (await GetManifestAsync(reference, key, cancellationToken).ConfigureAwait(false))?.Digest;
    }

    /// <summary>Puts a manifest under <paramref name="reference"/> (a tag, or its own digest) and returns its digest.</summary>
    public async Task<string> PutManifestAsync(string reference, byte[] manifest, StateKey? key, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(() =>
        {
            var request = new HttpRequestMessage(HttpMethod.Put, ManifestUri(reference)) { Content = new ByteArrayContent(manifest) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue(ModelPack.ManifestMediaType);
            return request;
        }, $"manifest upload to {Address}:{reference}", key, cancellationToken).ConfigureAwait(false);
        Throw(response, $"manifest upload to {Address}:{reference}", key);
        return "sha256:" + Convert.ToHexStringLower(SHA256.HashData(manifest));
    }

    /// <summary>Whether the repository holds the blob <paramref name="digest"/>.</summary>
    public async Task<bool> BlobExistsAsync(string digest, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Head, BlobUri(digest)), $"blob request for {Address}@{digest}", null, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }

        Throw(response, $"blob request for {Address}@{digest}", null);
        return true;
    }

    /// <summary>The blob as a source of ranged reads (for <see cref="ChunkedDownloader"/>).</summary>
    public HttpRangeSource BlobSource(OciDescriptor blob, StateKey? key) =>
        new(_http, BlobUri(blob.Digest), request => HttpResilience.Configure(request, _resilience), key, AccessHint);

    /// <summary>The blob's bytes, checked against <paramref name="blob"/>'s size and digest as they are read.</summary>
    public async Task<Stream> OpenBlobAsync(OciDescriptor blob, StateKey? key, CancellationToken cancellationToken)
    {
        var what = $"download of {Address}@{blob.Digest}";
        var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, BlobUri(blob.Digest)), what, key, cancellationToken, HttpCompletionOption.ResponseHeadersRead).ConfigureAwait(false);
        try
        {
            Throw(response, what, key);
            var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            var guarded = new TransportGuardedStream(body, null, $"{Address}@{blob.Digest}", key, _options.Download.ReadTimeout);
            return new DigestVerifyingStream(guarded, response, blob, Address, key);
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

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

    /// <summary>Every tag of the repository, following the <c>Link</c> header page after page; empty when the repository does not exist.</summary>
    public async Task<IReadOnlyList<string>> ListTagsAsync(CancellationToken cancellationToken)
    {
        var tags = new List<string>();
        Uri? next = new(BaseAddress, $"v2/{Repository}/tags/list?n={_options.TagPageSize}");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var page = 0; next is not null; page++)
        {
            if (page >= MaxTagPages || !seen.Add(next.AbsoluteUri))
            {
                throw new StateStoreException(StateStoreError.InvalidContent, $"The tag list of {Address} does not end (page {page}).");
            }

            var address = next;
            using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, address), $"tag listing of {Address}", null, cancellationToken).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                return tags; // No repository yet: no tag.
            }

            Throw(response, $"tag listing of {Address}", null);
            var body = await ReadBoundedAsync(response, 16 * 1024 * 1024, $"tag listing of {Address}", null, cancellationToken).ConfigureAwait(false);
            try
            {
                if ((JsonNode.Parse(body) as JsonObject)?["tags"] is JsonArray page1)
                {
                    tags.AddRange(page1.Select(node => node?.GetValue<string>()).OfType<string>());
                }
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException)
            {
                throw new StateStoreException(StateStoreError.InvalidContent, $"The tag listing of {Address} is malformed JSON.", null, e);
            }

            next = NextPage(response);
        }

        return tags;
    }

    // Link: </v2/name/tags/list?n=1000&last=x>; rel="next" — followed only on the registry itself.
    private Uri? NextPage(HttpResponseMessage response)
    {
        if (!response.Headers.TryGetValues("Link", out var links))
        {
            return null;
        }

        foreach (var link in links.SelectMany(value => value.Split(',')))
        {
            var open = link.IndexOf('<', StringComparison.Ordinal);
            var close = link.IndexOf('>', StringComparison.Ordinal);
            if (open >= 0 && close > open && link[close..].Contains("rel=\"next\"", StringComparison.OrdinalIgnoreCase)
                && Uri.TryCreate(BaseAddress, link[(open + 1)..close], out var uri))
            {
                return uri.Authority == BaseAddress.Authority && uri.Scheme == BaseAddress.Scheme
                    ? uri
                    : throw new StateStoreException(StateStoreError.InvalidContent, $"The tag listing of {Address} links its next page on another host.");
            }
        }

        return null;
    }

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

    private HttpRequestMessage ManifestRequest(HttpMethod method, string reference)
    {
        var request = new HttpRequestMessage(method, ManifestUri(reference));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(ModelPack.ManifestMediaType));
        return request;
    }

    private Uri Location(HttpResponseMessage response, string what, StateKey? key) =>
        response.Headers.Location is { } location && Uri.TryCreate(BaseAddress, location, out var absolute) && (absolute.Scheme == Uri.UriSchemeHttps || absolute.Scheme == Uri.UriSchemeHttp)
            ? absolute
            : throw new StateStoreException(StateStoreError.InvalidContent, $"The {what} failed: the registry gave no upload location.", key);

    private async Task<HttpResponseMessage> SendAsync(Func<HttpRequestMessage> create, string what, StateKey? key, CancellationToken cancellationToken, HttpCompletionOption completion = HttpCompletionOption.ResponseContentRead)
    {
        using var request = create();
        HttpResilience.Configure(request, _resilience);
        try
        {
            return await _http.SendAsync(request, completion, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (HttpStateErrors.IsTranslatable(e, cancellationToken))
        {
            throw HttpStateErrors.FromException(e, what, key);
        }
    }

    private void Throw(HttpResponseMessage response, string what, StateKey? key)
    {
        if (HttpStateErrors.FromStatus(response, what, key, AccessHint) is { } error)
        {
            throw error;
        }
    }

    private static async Task<byte[]> ReadBoundedAsync(HttpResponseMessage response, int limit, string what, StateKey? key, CancellationToken cancellationToken)
    {
        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            using var copy = new MemoryStream();
            var buffer = new byte[81920];
            int read;
            while ((read = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                if (copy.Length + read > limit)
                {
                    throw new StateStoreException(StateStoreError.InvalidContent, $"The {what} is larger than {limit} bytes.", key);
                }

                copy.Write(buffer, 0, read);
            }

            return copy.ToArray();
        }
    }
}
