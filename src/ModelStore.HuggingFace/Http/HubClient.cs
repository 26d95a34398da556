using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using ModelStore.Downloads;
using ModelStore.States;
using ModelStore.Stores;

namespace ModelStore.HuggingFace.Http;

/// <summary>
/// The HTTP side of the Hub store: its addresses (huggingface_hub's <c>hf_hub_url</c> and <c>HfApi</c> routes), the token
/// sent to the Hub and never to the storage hosts it redirects to, redirects followed by hand for that reason, bounded
/// waits, retries of transient failures, and the Hub's errors translated by <see cref="HubErrors"/>.
/// </summary>
internal sealed class HubClient
{
    private const int MaxRedirects = 10;
    private const string LinkedETagHeader = "X-Linked-Etag";
    private const string LinkedSizeHeader = "X-Linked-Size";

    // One connection pool for the process. Redirects are followed by hand: the token goes to the Hub only.
    private static readonly HttpClient SharedHttp = new(new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.None,
        ConnectTimeout = TimeSpan.FromSeconds(30),
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
    })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    private static readonly ProductInfoHeaderValue UserAgent = new("ModelStore.HuggingFace", typeof(HubClient).Assembly.GetName().Version?.ToString(3) ?? "1.0.0");

    private readonly HuggingFaceCredentials _credentials;
    private readonly HuggingFaceStoreOptions _options;
    private readonly bool _offline;
    private readonly string _apiPrefix;
    private readonly string _resolvePrefix;

    public HubClient(Uri endpoint, string repository, HuggingFaceRepoType repoType, HuggingFaceCredentials credentials, HuggingFaceStoreOptions options, bool offline)
    {
        Endpoint = endpoint;
        Repository = repository;
        RepoType = repoType;
        _credentials = credentials;
        _options = options;
        _offline = offline;
        var typePrefix = repoType == HuggingFaceRepoType.Dataset ? "datasets/" : "";
        RepositoryPage = new Uri(endpoint, typePrefix + repository);
        _apiPrefix = $"api/{(repoType == HuggingFaceRepoType.Dataset ? "datasets" : "models")}/{repository}";
        _resolvePrefix = $"{typePrefix}{repository}/resolve/";
    }

    /// <summary>The Hub's address (ends with <c>/</c>).</summary>
    public Uri Endpoint { get; }

    /// <summary>The repository id, <c>org/name</c>.</summary>
    public string Repository { get; }

    public HuggingFaceRepoType RepoType { get; }

    /// <summary>The repository's web page (<c>{endpoint}/{org}/{name}</c>, or <c>/datasets/...</c>).</summary>
    public Uri RepositoryPage { get; }

    public HuggingFaceCredentials Credentials => _credentials;

    /// <summary>The repository as users see it in messages: <c>model acme/tiny on https://huggingface.co</c>.</summary>
    public string RepositoryLabel => $"{(RepoType == HuggingFaceRepoType.Dataset ? "dataset" : "model")} repository {Repository} on {Endpoint.GetLeftPart(UriPartial.Authority)}";

    /// <summary><c>{endpoint}/{repo}/resolve/{revision}/{path}</c>: the file's bytes (huggingface_hub's <c>hf_hub_url</c>).</summary>
    public Uri ResolveUri(string revision, string path) =>
        new(Endpoint, $"{_resolvePrefix}{Uri.EscapeDataString(revision)}/{HubNames.EscapePath(path)}");

    /// <summary>
    /// The file's metadata from a <c>HEAD</c> of its resolve address, following only the Hub's own redirects (a renamed
    /// repository), not the one to a storage host, whose answer carries the large file's <c>X-Linked-*</c> headers.
    /// </summary>
    /// <exception cref="StateStoreException">A <see cref="HubMissingException"/> when the revision or the file is missing; another failure.</exception>
    public async Task<HubFileMetadata> GetFileMetadataAsync(string revision, string path, StateKey? key, CancellationToken cancellationToken)
    {
        var what = $"metadata request for {path} at revision {revision}";
        var uri = ResolveUri(revision, path);
        for (var hop = 0; ; hop++)
        {
            using var response = await SendAsync(HttpMethod.Head, uri, null, what, key, retry: true, cancellationToken).ConfigureAwait(false);
            var location = RedirectTarget(response, uri);
            if (location is not null && IsHub(location) && !response.Headers.Contains(LinkedETagHeader) && hop < MaxRedirects)
            {
                uri = location;
                continue;
            }

            if (location is null && !response.IsSuccessStatusCode)
            {
                throw HubErrors.FromResponse(response, what, RepositoryLabel, RepositoryPage, _credentials, key);
            }

            var commit = HubErrors.Header(response, HubErrors.RepoCommitHeader)
                ?? throw new StateStoreException(StateStoreError.InvalidContent, $"The {what} from {UrlRedaction.Redact(Endpoint)} got an answer without {HubErrors.RepoCommitHeader}: the endpoint is not a Hugging Face Hub, or a proxy in between changed the answer. Check Endpoint (or HF_ENDPOINT).", key);
            var etag = NormalizeETag(HubErrors.Header(response, LinkedETagHeader) ?? response.Headers.ETag?.ToString())
                ?? throw new StateStoreException(StateStoreError.InvalidContent, $"The {what} got an answer without an ETag: the file's content cannot be checked, so it is not downloaded.", key);
            var sizeText = HubErrors.Header(response, LinkedSizeHeader);
            long? size = sizeText is not null && long.TryParse(sizeText, NumberStyles.None, CultureInfo.InvariantCulture, out var linked) ? linked
                : location is null ? response.Content.Headers.ContentLength
                : null;
            if (size is null)
            {
                throw new StateStoreException(StateStoreError.InvalidContent, $"The {what} got an answer without the file's size ({LinkedSizeHeader} or Content-Length).", key);
            }

            // A storage host (a CDN) serves ranges; the Hub itself says so in Accept-Ranges.
            var ranges = location is not null || response.Headers.AcceptRanges.Contains("bytes", StringComparer.OrdinalIgnoreCase);
            return new HubFileMetadata(path, commit, etag, size.Value, location, ranges);
        }
    }

    /// <summary>
    /// A <c>GET</c> of <paramref name="uri"/> (optionally ranged), following every redirect: the token is sent while the
    /// address is on the Hub and dropped when a redirect leaves it. The caller disposes the answer.
    /// </summary>
    public async Task<HttpResponseMessage> GetAsync(Uri uri, RangeHeaderValue? range, string what, StateKey? key, bool retry, CancellationToken cancellationToken)
    {
        for (var hop = 0; ; hop++)
        {
            var response = await SendAsync(HttpMethod.Get, uri, range, what, key, retry, cancellationToken).ConfigureAwait(false);
            var location = RedirectTarget(response, uri);
            if (location is not null && hop < MaxRedirects)
            {
                response.Dispose();
                uri = location;
                continue;
            }

            if (!response.IsSuccessStatusCode)
            {
                using (response)
                {
                    throw IsHub(uri)
                        ? HubErrors.FromResponse(response, what, RepositoryLabel, RepositoryPage, _credentials, key)
                        : HttpStateErrors.FromStatus(response, $"{what} (from the storage host {uri.Authority})", key) ?? new StateStoreException(StateStoreError.InvalidContent, $"The {what} got too many redirects.", key);
                }
            }

            return response;
        }
    }

    /// <summary>Every entry under <paramref name="folder"/> (the root when empty) at <paramref name="revision"/>, page after page (the <c>Link: rel="next"</c> cursor).</summary>
    /// <exception cref="StateStoreException">A <see cref="HubMissingException"/> when the revision or the folder is missing; another failure.</exception>
    public async IAsyncEnumerable<HubTreeEntry> ListTreeAsync(string revision, string folder, bool recursive, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var what = $"listing of {(folder.Length == 0 ? "the repository's root" : folder)} at revision {revision}";
        var encodedFolder = folder.Length == 0 ? "" : "/" + Uri.EscapeDataString(folder.TrimEnd('/'));
        Uri? page = new(Endpoint, $"{_apiPrefix}/tree/{Uri.EscapeDataString(revision)}{encodedFolder}?recursive={(recursive ? "true" : "false")}&expand=false");
        while (page is not null)
        {
            List<HubTreeEntry> entries;
            Uri? next;
            using (var response = await GetJsonAsync(page, what, cancellationToken).ConfigureAwait(false))
            {
                using var document = await ReadJsonAsync(response, what, cancellationToken).ConfigureAwait(false);
                entries = ParseTree(document.RootElement, what);
                next = NextPage(response, page);
            }

            foreach (var entry in entries)
            {
                yield return entry;
            }

            page = next;
        }
    }

    /// <summary>The commit <paramref name="revision"/> points to now (<c>GET /api/{models|datasets}/{repo}/revision/{revision}?expand=sha</c>).</summary>
    public async Task<string> GetCommitAsync(string revision, CancellationToken cancellationToken)
    {
        var what = $"resolution of revision {revision}";
        using var response = await GetJsonAsync(new Uri(Endpoint, $"{_apiPrefix}/revision/{Uri.EscapeDataString(revision)}?expand=sha"), what, cancellationToken).ConfigureAwait(false);
        using var document = await ReadJsonAsync(response, what, cancellationToken).ConfigureAwait(false);
        return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("sha", out var sha) && sha.ValueKind == JsonValueKind.String && HubNames.IsCommit(sha.GetString()!)
            ? sha.GetString()!
            : throw new StateStoreException(StateStoreError.InvalidContent, $"The {what} in the {RepositoryLabel} got an answer without a commit id (\"sha\").");
    }

    /// <summary>The repository's branch and tag names (<c>GET /api/{models|datasets}/{repo}/refs</c>).</summary>
    public async Task<IReadOnlyList<string>> ListRefNamesAsync(CancellationToken cancellationToken)
    {
        const string what = "listing of branches and tags";
        using var response = await GetJsonAsync(new Uri(Endpoint, $"{_apiPrefix}/refs"), what, cancellationToken).ConfigureAwait(false);
        using var document = await ReadJsonAsync(response, what, cancellationToken).ConfigureAwait(false);
        var names = new List<string>();
        if (document.RootElement.ValueKind == JsonValueKind.Object)
        {
            foreach (var group in (string[])["branches", "tags"])
            {
                if (document.RootElement.TryGetProperty(group, out var refs) && refs.ValueKind == JsonValueKind.Array)
                {
                    names.AddRange(refs.EnumerateArray()
                        .Select(item => item.ValueKind == JsonValueKind.Object && item.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String ? name.GetString() : null)
                        .OfType<string>());
                }
            }
        }

        return names;
    }

    /// <summary>Whether <paramref name="uri"/> is on the Hub (where the token may go).</summary>
    public bool IsHub(Uri uri) => string.Equals(uri.GetLeftPart(UriPartial.Authority), Endpoint.GetLeftPart(UriPartial.Authority), StringComparison.OrdinalIgnoreCase);

    private static Uri? RedirectTarget(HttpResponseMessage response, Uri requested) =>
        (int)response.StatusCode is 301 or 302 or 303 or 307 or 308 && response.Headers.Location is { } location ? new Uri(requested, location) : null;

    // huggingface_hub's _normalize_etag: W/"x" and "x" both become x.
    private static string? NormalizeETag(string? etag)
    {
        if (string.IsNullOrWhiteSpace(etag))
        {
            return null;
        }

        var value = etag.Trim();
        value = value.StartsWith("W/", StringComparison.Ordinal) ? value[2..] : value;
        value = value.Trim('"');
        return value.Length == 0 ? null : value;
    }

    private async Task<HttpResponseMessage> GetJsonAsync(Uri uri, string what, CancellationToken cancellationToken)
    {
        for (var hop = 0; ; hop++)
        {
            var response = await SendAsync(HttpMethod.Get, uri, null, what, null, retry: true, cancellationToken).ConfigureAwait(false);
            var location = RedirectTarget(response, uri);
            if (location is not null && IsHub(location) && hop < MaxRedirects)
            {
                response.Dispose();
                uri = location;
                continue;
            }

            if (!response.IsSuccessStatusCode || location is not null)
            {
                using (response)
                {
                    throw HubErrors.FromResponse(response, what, RepositoryLabel, RepositoryPage, _credentials, null);
                }
            }

            return response;
        }
    }

    private async Task<JsonDocument> ReadJsonAsync(HttpResponseMessage response, string what, CancellationToken cancellationToken)
    {
        try
        {
            var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            await using (body.ConfigureAwait(false))
            {
                return await JsonDocument.ParseAsync(body, default, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (JsonException e)
        {
            throw new StateStoreException(StateStoreError.InvalidContent, $"The {what} in the {RepositoryLabel} got an answer that is not JSON ({e.Message}).", null, e);
        }
        catch (Exception e) when (HttpStateErrors.IsTranslatable(e, cancellationToken))
        {
            throw HttpStateErrors.FromException(e, $"{what} in the {RepositoryLabel}");
        }
    }

    private List<HubTreeEntry> ParseTree(JsonElement root, string what)
    {
        if (root.ValueKind != JsonValueKind.Array)
        {
            throw new StateStoreException(StateStoreError.InvalidContent, $"The {what} in the {RepositoryLabel} got an answer that is not a JSON array.");
        }

        var entries = new List<HubTreeEntry>();
        foreach (var item in root.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Object || !item.TryGetProperty("path", out var path) || path.ValueKind != JsonValueKind.String)
            {
                continue;
            }

            var isFile = item.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String && type.GetString() == "file";
            var size = item.TryGetProperty("size", out var sizeElement) && sizeElement.TryGetInt64(out var bytes) ? bytes : 0;
            string? sha256 = null;
            if (item.TryGetProperty("lfs", out var lfs) && lfs.ValueKind == JsonValueKind.Object)
            {
                sha256 = lfs.TryGetProperty("oid", out var oid) && oid.ValueKind == JsonValueKind.String ? oid.GetString() : null;
                size = lfs.TryGetProperty("size", out var lfsSize) && lfsSize.TryGetInt64(out var real) ? real : size;
            }

            entries.Add(new HubTreeEntry(path.GetString()!, isFile, size, sha256));
        }

        return entries;
    }

    // Link: <https://huggingface.co/api/models/x/tree/main?cursor=...>; rel="next" (the GitHub form).
    private static Uri? NextPage(HttpResponseMessage response, Uri current)
    {
        if (!response.Headers.TryGetValues("Link", out var values))
        {
            return null;
        }

        foreach (var link in values.SelectMany(value => value.Split(',')))
        {
            var parts = link.Split(';');
            var target = parts[0].Trim();
            if (target.StartsWith('<') && target.EndsWith('>') && parts.Skip(1).Any(part => part.Trim().Replace(" ", "", StringComparison.Ordinal) is "rel=\"next\"" or "rel=next"))
            {
                return new Uri(current, target[1..^1]);
            }
        }

        return null;
    }

    /// <summary>Sends one request; transient failures (unreachable, timeout, 5xx, a rate limit that resets soon) are tried again when <paramref name="retry"/> is set.</summary>
    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, Uri uri, RangeHeaderValue? range, string what, StateKey? key, bool retry, CancellationToken cancellationToken)
    {
        if (_offline)
        {
            throw new StateStoreException(StateStoreError.Unreachable, $"The {what} was not sent: HF_HUB_OFFLINE is set, so the Hugging Face Hub is not contacted. Unset it, or build offline from a warm cache.", key);
        }

        for (var attempt = 0; ; attempt++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            StateStoreException failure;
            HttpResponseMessage? response = null;
            try
            {
                response = await SendOnceAsync(method, uri, range, what, key, cancellationToken).ConfigureAwait(false);
                if (!retry || !IsTransient(response))
                {
                    return response;
                }

                failure = IsHub(uri)
                    ? HubErrors.FromResponse(response, what, RepositoryLabel, RepositoryPage, _credentials, key)
                    : HttpStateErrors.FromStatus(response, what, key)!;
                response.Dispose();
            }
            catch (StateStoreException e) when (retry && e.IsTransient)
            {
                failure = e;
            }

            var wait = failure.RetryAfter is { } after ? (after <= _options.MaxRateLimitWait ? after : (TimeSpan?)null) : _options.RetryDelay * Math.Pow(2, attempt);
            if (attempt >= _options.MaxRetries || wait is null)
            {
                throw failure;
            }

            await Task.Delay(wait.Value, cancellationToken).ConfigureAwait(false);
        }
    }

    private static bool IsTransient(HttpResponseMessage response) =>
        (int)response.StatusCode is 408 or 429 or 500 or 502 or 503 or 504;

    private async Task<HttpResponseMessage> SendOnceAsync(HttpMethod method, Uri uri, RangeHeaderValue? range, string what, StateKey? key, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, uri);
        request.Headers.UserAgent.Add(UserAgent);
        request.Headers.Range = range;
        // The bytes must arrive as stored: sizes, ranges and hashes are those of the file.
        request.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue("identity"));
        if (IsHub(uri))
        {
            _credentials.ApplyTo(request);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.RequestTimeout);
        try
        {
            return await SharedHttp.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new StateStoreException(StateStoreError.Timeout, $"The {what} in the {RepositoryLabel} got no answer within {_options.RequestTimeout.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)} s.", key, e);
        }
        catch (Exception e) when (HttpStateErrors.IsTranslatable(e, cancellationToken))
        {
            throw HttpStateErrors.FromException(e, $"{what} in the {RepositoryLabel} ({UrlRedaction.Redact(uri)})", key);
        }
    }
}
