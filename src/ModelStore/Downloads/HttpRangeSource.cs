using System.Net;
using System.Net.Http.Headers;
using ModelStore.IO;
using ModelStore.States;
using ModelStore.Stores;

namespace ModelStore.Downloads;

/// <summary>
/// A file behind an HTTP(S) address as a source of ranged reads for <see cref="ChunkedDownloader"/>: its size and
/// version come from a <c>HEAD</c> (or, where the server refuses <c>HEAD</c>, a one-byte ranged <c>GET</c>), its version is
/// the strong <c>ETag</c> (else <c>Last-Modified</c>), and every ranged <c>GET</c> carries <c>If-Range</c> so that a file
/// replaced during a download is noticed rather than mixed. Redirects are followed by the <see cref="HttpClient"/>.
/// </summary>
public sealed class HttpRangeSource : IRangeReadableSource
{
    private readonly HttpClient _client;
    private readonly Action<HttpRequestMessage>? _configureRequest;
    private readonly StateKey? _key;
    private readonly string? _accessHint;

    /// <summary>Creates a source; no request is made until <see cref="GetObjectAsync"/>.</summary>
    /// <param name="client">The client (its handler decides redirects, proxies and connection limits).</param>
    /// <param name="uri">The file's absolute HTTP or HTTPS address.</param>
    /// <param name="configureRequest">Adds headers (credentials) to each request; what it adds never reaches a message.</param>
    /// <param name="key">The state concerned, for errors.</param>
    /// <param name="accessHint">Appended to an access-denied error: how to give credentials.</param>
    /// <exception cref="ArgumentException">The address is not an absolute HTTP(S) URL.</exception>
    public HttpRangeSource(HttpClient client, Uri uri, Action<HttpRequestMessage>? configureRequest = null, StateKey? key = null, string? accessHint = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(uri);
        if (!uri.IsAbsoluteUri || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"'{UrlRedaction.Redact(uri)}' is not an absolute http:// or https:// address.", nameof(uri));
        }

        _client = client;
        Uri = uri;
        _configureRequest = configureRequest;
        _key = key;
        _accessHint = accessHint;
    }

    /// <summary>The file's address.</summary>
    public Uri Uri { get; }

    /// <inheritdoc />
    public string Description => UrlRedaction.Redact(Uri);

    /// <inheritdoc />
    public async Task<RemoteObject> GetObjectAsync(CancellationToken cancellationToken = default)
    {
        using var head = await SendAsync(HttpMethod.Head, null, null, cancellationToken).ConfigureAwait(false);
        if (head.StatusCode is HttpStatusCode.MethodNotAllowed or HttpStatusCode.NotImplemented || (head.IsSuccessStatusCode && head.Content.Headers.ContentLength is null))
        {
            // No HEAD, or no length in it: the first byte's range says the size.
            using var probe = await SendAsync(HttpMethod.Get, new RangeHeaderValue(0, 0), null, cancellationToken).ConfigureAwait(false);
            Throw(probe, "size request");
            var total = probe.Content.Headers.ContentRange?.Length ?? probe.Content.Headers.ContentLength;
            if (total is null)
            {
                throw new StateStoreException(StateStoreError.InvalidContent, $"{Description} has no known size (no Content-Length nor Content-Range); it cannot be downloaded safely.", _key);
            }

            return new RemoteObject(total.Value, VersionOf(probe), probe.StatusCode == HttpStatusCode.PartialContent);
        }

        Throw(head, "HEAD request");
        var acceptsRanges = head.Headers.AcceptRanges.Contains("bytes", StringComparer.OrdinalIgnoreCase);
        return new RemoteObject(head.Content.Headers.ContentLength!.Value, VersionOf(head), acceptsRanges);
    }

    /// <summary>
    /// The whole file in one plain <c>GET</c>, with no <c>HEAD</c> first (a small state whose hash the caller checks): its
    /// size is what the response says, or what arrives.
    /// </summary>
    internal Task<Stream> OpenWholeAsync(CancellationToken cancellationToken) =>
        OpenRangeAsync(new RemoteObject(0, null, AcceptsRanges: false), 0, 0, cancellationToken);

    /// <inheritdoc />
    public async Task<Stream> OpenRangeAsync(RemoteObject expected, long offset, long length, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(expected);
        var whole = offset == 0 && length == expected.Size;
        var range = expected.AcceptsRanges && !(whole && expected.Version is null) ? new RangeHeaderValue(offset, offset + length - 1) : null;
        var response = await SendAsync(HttpMethod.Get, range, range is null ? null : expected.Version, cancellationToken).ConfigureAwait(false);
        try
        {
            Throw(response, "download");
            if (range is not null && response.StatusCode != HttpStatusCode.PartialContent)
            {
                // If-Range answered with the whole file: it is no longer the version the download started with.
                if (!whole)
                {
                    throw new StateStoreException(StateStoreError.IntegrityMismatch, $"{Description} changed during the download (the server sent the whole new file instead of the range asked for); start again.", _key);
                }
            }
            else if (range is not null && response.Content.Headers.ContentRange is { From: var from } && from != offset)
            {
                throw new StateStoreException(StateStoreError.InvalidContent, $"{Description}: the server sent the range from {from} when {offset} was asked for.", _key);
            }

            if (VersionOf(response) is { } version && expected.Version is not null && version != expected.Version)
            {
                throw new StateStoreException(StateStoreError.IntegrityMismatch, $"{Description} changed during the download (version {version}, expected {expected.Version}); start again.", _key);
            }

            var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            return new OwnedStream(body, response);
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    // The strong ETag, else Last-Modified (If-Range takes either); a weak ETag cannot validate a range.
    private static string? VersionOf(HttpResponseMessage response) =>
        response.Headers.ETag is { IsWeak: false } etag ? etag.Tag
        : response.Content.Headers.LastModified is { } modified ? modified.ToString("R", System.Globalization.CultureInfo.InvariantCulture)
        : null;

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, RangeHeaderValue? range, string? ifRange, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, Uri);
        request.Headers.Range = range;
        if (ifRange is not null)
        {
            request.Headers.IfRange = ifRange.StartsWith('"') ? new RangeConditionHeaderValue(ifRange) : new RangeConditionHeaderValue(DateTimeOffset.Parse(ifRange, System.Globalization.CultureInfo.InvariantCulture));
        }

        // The bytes must arrive as they are stored: no transparent decompression that would change sizes and ranges.
        request.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue("identity"));
        _configureRequest?.Invoke(request);
        try
        {
            return await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (HttpStateErrors.IsTranslatable(e, cancellationToken))
        {
            throw HttpStateErrors.FromException(e, $"{method.Method} request for {Description}", _key);
        }
    }

    private void Throw(HttpResponseMessage response, string what)
    {
        if (HttpStateErrors.FromStatus(response, $"{what} for {Description}", _key, _accessHint) is { } error)
        {
            throw error;
        }
    }
}
