using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.RegularExpressions;
using ModelStore.Downloads;
using Octokit;
using Octokit.Caching;
using Octokit.Internal;

namespace ModelStore.GitHub.Http;

/// <summary>
/// Octokit's transport, replaced because Octokit's own adapter copies every request body into memory before
/// sending it (to replay it on a redirect): an asset upload here streams from its temporary file instead.
/// </summary>
internal sealed partial class StreamingHttpClient(HttpClient http, int maxRetries) : IHttpClient
{
    private static readonly string[] BinaryMediaTypes = ["application/octet-stream", "application/zip", "application/x-gzip", "application/gzip"];

    // Octokit gives every request this timeout unless the call sets its own (an upload does).
    private static readonly TimeSpan OctokitDefaultTimeout = TimeSpan.FromSeconds(100);

    private readonly System.Collections.Concurrent.ConcurrentDictionary<TimeSpan, HttpResilienceOptions> _resilience = new();
    private TimeSpan? _requestTimeout;

    public async Task<IResponse> Send(IRequest request, CancellationToken cancellationToken, Func<object, object>? preprocessResponseBody = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        var limit = request.Timeout == OctokitDefaultTimeout && _requestTimeout is { } configured ? configured : request.Timeout;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (limit > TimeSpan.Zero && limit != Timeout.InfiniteTimeSpan)
        {
            timeout.CancelAfter(limit);
        }

        using var message = new HttpRequestMessage(request.Method, new Uri(request.BaseAddress, request.Endpoint));

        // The shared client's resilience handler bounds the call by the same limit and retries a GET that meets a
        // transient failure (never an upload).
        var bound = limit > TimeSpan.Zero && limit != Timeout.InfiniteTimeSpan ? limit : TimeSpan.FromDays(1);
        HttpResilience.Configure(message, _resilience.GetOrAdd(bound, static (bound, retries) => new HttpResilienceOptions { RequestTimeout = bound, MaxRetries = retries }, maxRetries));
        foreach (var (name, value) in request.Headers)
        {
            message.Headers.TryAddWithoutValidation(name, value);
        }

        message.Content = request.Body switch
        {
            HttpContent content => content,
            string text => new StringContent(text, Encoding.UTF8, request.ContentType),
            Stream stream => new BorrowedStreamContent(stream) { Headers = { ContentType = MediaTypeHeaderValue.Parse(request.ContentType ?? "application/octet-stream") } },
            _ => null,
        };

        try
        {
            using var response = await http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            var contentType = response.Content.Headers.ContentType?.MediaType;
            object? body = contentType is not null && (contentType.StartsWith("image/", StringComparison.Ordinal) || BinaryMediaTypes.Contains(contentType, StringComparer.OrdinalIgnoreCase))
                ? await CopyToMemoryAsync(response.Content, timeout.Token).ConfigureAwait(false)
                : await response.Content.ReadAsStringAsync(timeout.Token).ConfigureAwait(false);
            if (preprocessResponseBody is not null && body is not null)
            {
                body = preprocessResponseBody(body);
            }

            var headers = response.Headers.ToDictionary(header => header.Key, header => header.Value.First(), StringComparer.OrdinalIgnoreCase);
            return new CachedResponse.V1(body, headers, ParseApiInfo(headers), response.StatusCode, contentType);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"{request.Method} {request.Endpoint} did not complete within {limit}.", e);
        }
    }

    /// <summary>The timeout of API calls that do not set their own (the shared HttpClient has none).</summary>
    public void SetRequestTimeout(TimeSpan timeout) => _requestTimeout = timeout;

    public void Dispose()
    {
        // The HttpClient is shared by every store of the process and lives as long as it.
    }

    /// <summary>The rate limit, ETag and pagination links of a response, as Octokit's own parser reads them.</summary>
    internal static ApiInfo ParseApiInfo(IReadOnlyDictionary<string, string> headers)
    {
        var links = new Dictionary<string, Uri>();
        if (headers.TryGetValue("Link", out var link))
        {
            foreach (Match match in LinkPattern().Matches(link))
            {
                if (Uri.TryCreate(match.Groups["url"].Value, UriKind.Absolute, out var uri))
                {
                    links[match.Groups["rel"].Value] = uri;
                }
            }
        }

        headers.TryGetValue("ETag", out var etag);
        return new ApiInfo(links, [], [], etag, new RateLimit(headers.ToDictionary(StringComparer.OrdinalIgnoreCase)));
    }

    // Binary API answers are never large here (assets are downloaded outside Octokit); a copy keeps the
    // response disposable.
    private static async Task<Stream> CopyToMemoryAsync(HttpContent content, CancellationToken cancellationToken)
    {
        var copy = new MemoryStream();
        await content.CopyToAsync(copy, cancellationToken).ConfigureAwait(false);
        copy.Position = 0;
        return copy;
    }

    [GeneratedRegex("<(?<url>[^>]+)>\\s*;\\s*rel=\"(?<rel>[^\"]+)\"")]
    private static partial Regex LinkPattern();
}
