using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using ModelStore.Downloads;
using ModelStore.States;
using ModelStore.Stores;

namespace ModelStore.HuggingFace.Http;

/// <summary>
/// The HTTP side of the Hub store: its addresses (huggingface_hub's <c>hf_hub_url</c> and <c>HfApi</c> routes), the token
/// sent to the Hub and never to the storage hosts it redirects to, redirects followed by hand for that reason, bounded
/// waits, retries of transient failures, and the Hub's errors translated by <see cref="HubErrors"/>.
/// </summary>
internal sealed partial class HubClient
{
    private const int MaxRedirects = 10;
    private const string LinkedETagHeader = "X-Linked-Etag";
    private const string LinkedSizeHeader = "X-Linked-Size";

    // One connection pool for the process, behind the shared transport policy (HttpResilience: RequestTimeout bounds a
    // request and its retries together). Redirects are followed by hand: the token goes to the Hub only.
    private static readonly HttpClient SharedHttp = new(HttpResilience.CreateHandler(new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.None,
        ConnectTimeout = TimeSpan.FromSeconds(30),
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
    }))
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    private static readonly ProductInfoHeaderValue UserAgent = new("ModelStore.HuggingFace", typeof(HubClient).Assembly.GetName().Version?.ToString(3) ?? "1.0.0");

    private readonly HuggingFaceCredentials _credentials;
    private readonly HttpResilienceOptions _retried;
    private readonly HttpResilienceOptions _once;
    private readonly string? _offlineVariable;
    private readonly string _apiPrefix;
    private readonly string _resolvePrefix;

    /// <summary>A client of one repository; no request is made until one is asked for.</summary>
    public HubClient(Uri endpoint, string repository, HuggingFaceRepoType repoType, HuggingFaceCredentials credentials, HuggingFaceStoreOptions options, string? offlineVariable)
    {
        Endpoint = endpoint;
        Repository = repository;
        RepoType = repoType;
        _credentials = credentials;
        _retried = new HttpResilienceOptions { RequestTimeout = options.RequestTimeout, MaxRetries = options.MaxRetries, RetryDelay = options.RetryDelay, MaxRateLimitWait = options.MaxRateLimitWait };
        _once = new HttpResilienceOptions { RequestTimeout = options.RequestTimeout, MaxRetries = 0 };
        _offlineVariable = offlineVariable;
        var typePrefix = repoType == HuggingFaceRepoType.Dataset ? "datasets/" : "";
        RepositoryPage = new Uri(endpoint, typePrefix + repository);
        _apiPrefix = $"api/{(repoType == HuggingFaceRepoType.Dataset ? "datasets" : "models")}/{repository}";
        _resolvePrefix = $"{typePrefix}{repository}/resolve/";
    }

    /// <summary>The Hub's address (ends with <c>/</c>).</summary>
    public Uri Endpoint { get; }

    /// <summary>The repository id, <c>org/name</c>.</summary>
    public string Repository { get; }

    /// <summary>A model or a dataset repository.</summary>
    public HuggingFaceRepoType RepoType { get; }

    /// <summary>The repository's web page (<c>{endpoint}/{org}/{name}</c>, or <c>/datasets/...</c>).</summary>
    public Uri RepositoryPage { get; }

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

    /// <summary>
    /// Sends one request through the shared transport policy: transient failures (unreachable, 5xx, a rate limit that
    /// resets soon) are tried again when <paramref name="retry"/> is set, all within RequestTimeout.
    /// </summary>
    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, Uri uri, RangeHeaderValue? range, string what, StateKey? key, bool retry, CancellationToken cancellationToken)
    {
        if (_offlineVariable is not null)
        {
            throw new StateStoreException(StateStoreError.Unreachable, $"The {what} was not sent: {_offlineVariable} is set to a true value, so the Hugging Face Hub is not contacted. Unset it, or build offline from a warm cache.", key);
        }

        using var request = new HttpRequestMessage(method, uri);
        request.Headers.UserAgent.Add(UserAgent);
        request.Headers.Range = range;
        // The bytes must arrive as stored: sizes, ranges and hashes are those of the file.
        request.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue("identity"));
        if (IsHub(uri))
        {
            _credentials.ApplyTo(request);
        }

        HttpResilience.Configure(request, retry ? _retried : _once);
        try
        {
            return await SharedHttp.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (HttpStateErrors.IsTranslatable(e, cancellationToken))
        {
            throw HttpStateErrors.FromException(e, $"{what} in the {RepositoryLabel} ({UrlRedaction.Redact(uri)})", key);
        }
    }
}
