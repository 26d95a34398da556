using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text.RegularExpressions;
using ModelStore.States;
using ModelStore.Stores;

namespace ModelStore.Downloads;

/// <summary>
/// Turns what can go wrong with an HTTP request into a <see cref="StateStoreException"/> with its
/// <see cref="StateStoreError"/>: a status code, a refused or reset connection, a name that does not resolve, a TLS
/// failure, a response that ends early, a server that does not answer in time. Used by every HTTP-based store, so
/// they all fail the same way. Messages name the resource through <see cref="UrlRedaction"/> (no credentials).
/// </summary>
public static partial class HttpStateErrors
{
    /// <summary>Whether <see cref="FromException"/> translates <paramref name="exception"/> (a cancellation the caller asked for is not translated).</summary>
    public static bool IsTranslatable(Exception exception, CancellationToken cancellationToken) => exception switch
    {
        StateStoreException => false,
        OperationCanceledException => !cancellationToken.IsCancellationRequested,
        HttpRequestException or IOException or TimeoutException or SocketException or AuthenticationException => true,
        _ => false,
    };

    /// <summary>The store error for a failed request (<see cref="IsTranslatable"/> must hold).</summary>
    /// <param name="exception">What the request threw.</param>
    /// <param name="what">What was attempted, for the message (for example <c>download of https://host/file.pt</c>); never holds credentials.</param>
    /// <param name="key">The state concerned, if any.</param>
    public static StateStoreException FromException(Exception exception, string what, StateKey? key = null)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var (error, reason) = exception switch
        {
            RequestTimeoutException => (StateStoreError.Timeout, exception.Message),
            OperationCanceledException or TimeoutException => (StateStoreError.Timeout, "the server did not answer in time"),
            HttpRequestException { HttpRequestError: HttpRequestError.NameResolutionError } => (StateStoreError.Unreachable, "the host name does not resolve"),
            HttpRequestException { HttpRequestError: HttpRequestError.SecureConnectionError } => (StateStoreError.Unreachable, $"the TLS connection failed ({Innermost(exception)})"),
            HttpRequestException { HttpRequestError: HttpRequestError.ResponseEnded } => (StateStoreError.Unreachable, "the server closed the connection before the response was complete"),
            HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError } => (StateStoreError.Unreachable, $"the connection failed ({Innermost(exception)})"),
            AuthenticationException => (StateStoreError.Unreachable, $"the TLS connection failed ({exception.Message})"),
            _ => (StateStoreError.Unreachable, $"the connection failed ({Innermost(exception)})"),
        };
        return new StateStoreException(error, UrlRedaction.RedactText($"The {what} failed: {reason}."), key, exception);
    }

    /// <summary>The store error for an unsuccessful status code, or <see langword="null"/> for a success.</summary>
    /// <param name="response">The response.</param>
    /// <param name="what">What was attempted, for the message; never holds credentials.</param>
    /// <param name="key">The state concerned, if any.</param>
    /// <param name="accessHint">Appended to an access-denied message: how to give credentials (for example which environment variable to set).</param>
    public static StateStoreException? FromStatus(HttpResponseMessage response, string what, StateKey? key = null, string? accessHint = null)
    {
        ArgumentNullException.ThrowIfNull(response);
        if (response.IsSuccessStatusCode)
        {
            return null;
        }

        var status = (int)response.StatusCode;
        var retryAfter = RetryAfter(response);
        var error = ErrorOf(status);
        var reason = error switch
        {
            StateStoreError.AccessDenied => $"{Describe(status)} (HTTP {status}).{(accessHint is null ? "" : " " + accessHint)}",
            StateStoreError.RateLimited or StateStoreError.Unreachable when retryAfter is { } wait => $"{Describe(status)} (HTTP {status} {response.ReasonPhrase}); retry in {wait.TotalSeconds.ToString("0", CultureInfo.InvariantCulture)} s.",
            _ => $"{Describe(status)} (HTTP {status} {response.ReasonPhrase}).",
        };
        return new StateStoreException(error, UrlRedaction.RedactText($"The {what} failed: {reason}"), key) { RetryAfter = retryAfter };
    }

    /// <summary>
    /// The one table from an unsuccessful HTTP status to a store error, shared by every store (S3 and Azure use it when
    /// the service names no error code of its own): 401/403 <see cref="StateStoreError.AccessDenied"/>, 404/410
    /// <see cref="StateStoreError.NotFound"/>, 412 <see cref="StateStoreError.IntegrityMismatch"/>, 429
    /// <see cref="StateStoreError.RateLimited"/>, 408/504 <see cref="StateStoreError.Timeout"/>, other 5xx (503 included)
    /// <see cref="StateStoreError.Unreachable"/>, other 4xx <see cref="StateStoreError.InvalidContent"/>.
    /// </summary>
    /// <remarks>
    /// HTTP 503 means "unavailable for now" (a server restarting, overloaded, in maintenance), so it is
    /// <see cref="StateStoreError.Unreachable"/> everywhere; throttling is <see cref="StateStoreError.RateLimited"/> only when
    /// the server says so: HTTP 429, or a service's own code (S3 <c>SlowDown</c>, Azure <c>ServerBusy</c>). Both are
    /// transient and retried alike.
    /// </remarks>
    public static StateStoreError ErrorOf(int status) => status switch
    {
        401 or 403 => StateStoreError.AccessDenied,
        404 or 410 => StateStoreError.NotFound,
        412 => StateStoreError.IntegrityMismatch,
        429 => StateStoreError.RateLimited,
        408 or 504 => StateStoreError.Timeout,
        >= 500 => StateStoreError.Unreachable,
        _ => StateStoreError.InvalidContent,
    };

    /// <summary>What an unsuccessful HTTP status means, in the words of the messages (see <see cref="ErrorOf"/>).</summary>
    public static string Describe(int status) => status switch
    {
        401 or 403 => "access was refused",
        404 or 410 => "it does not exist",
        412 => "it changed since the download started",
        429 => "the server limits the request rate",
        408 or 504 => "the server timed out",
        503 => "the server is unavailable for now",
        >= 500 => "the server failed",
        _ => "the server refused the request",
    };

    /// <summary>
    /// How long the server asked to wait: <c>Retry-After</c> (seconds or a date; a date already past is no wait), else
    /// the reset of an exhausted <c>RateLimit</c> window (<c>"api";r=0;t=55</c>, as the Hugging Face Hub sends it);
    /// <see langword="null"/> when it did not say. The one reader of these headers for every store and for the retries.
    /// </summary>
    public static TimeSpan? RetryAfter(HttpResponseMessage? response)
    {
        switch (response?.Headers.RetryAfter)
        {
            case { Delta: { } delta }:
                return delta;
            case { Date: { } date }:
                return date - DateTimeOffset.UtcNow is var wait && wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
        }

        // IETF draft-ietf-httpapi-ratelimit-headers: RateLimit: "api";r=0;t=55 (remaining 0, reset in 55 s).
        return response is not null && response.Headers.TryGetValues("RateLimit", out var values)
            && values.FirstOrDefault() is { } limit && RateLimitPattern().Match(limit) is { Success: true } match
            && match.Groups["r"].Value == "0"
            && int.TryParse(match.Groups["t"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            ? TimeSpan.FromSeconds(seconds)
            : null;
    }

    /// <summary>The message of the innermost exception (the socket's or TLS's own words, not the wrapper's).</summary>
    internal static string Innermost(Exception exception)
    {
        while (exception.InnerException is not null)
        {
            exception = exception.InnerException;
        }

        return exception.Message;
    }

    [GeneratedRegex(@"""(?<resource>\w+)""\s*;\s*r\s*=\s*(?<r>\d+)\s*;\s*t\s*=\s*(?<t>\d+)", RegexOptions.CultureInvariant)]
    private static partial Regex RateLimitPattern();
}
