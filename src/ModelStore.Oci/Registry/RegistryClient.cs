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
internal sealed partial class RegistryClient
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
