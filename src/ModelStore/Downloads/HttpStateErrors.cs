using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using ModelStore.States;
using ModelStore.Stores;

namespace ModelStore.Downloads;

/// <summary>
/// Turns what can go wrong with an HTTP request into a <see cref="StateStoreException"/> with its
/// <see cref="StateStoreError"/>: a status code, a refused or reset connection, a name that does not resolve, a TLS
/// failure, a response that ends early, a server that does not answer in time. Used by every HTTP-based store, so
/// they all fail the same way. Messages name the resource through <see cref="UrlRedaction"/> (no credentials).
/// </summary>
public static class HttpStateErrors
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
        var (error, reason) = response.StatusCode switch
        {
            HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => (StateStoreError.AccessDenied, $"access was refused (HTTP {status}).{(accessHint is null ? "" : " " + accessHint)}"),
            HttpStatusCode.NotFound or HttpStatusCode.Gone => (StateStoreError.NotFound, $"it does not exist (HTTP {status})."),
            HttpStatusCode.PreconditionFailed => (StateStoreError.IntegrityMismatch, $"it changed since the download started (HTTP {status})."),
            HttpStatusCode.TooManyRequests => (StateStoreError.RateLimited, $"the server limits the request rate (HTTP 429){(retryAfter is { } wait ? $"; retry in {wait.TotalSeconds.ToString("0", CultureInfo.InvariantCulture)} s" : "")}."),
            HttpStatusCode.RequestTimeout or HttpStatusCode.GatewayTimeout => (StateStoreError.Timeout, $"the server timed out (HTTP {status})."),
            _ when status >= 500 => (StateStoreError.Unreachable, $"the server failed (HTTP {status} {response.ReasonPhrase})."),
            _ => (StateStoreError.InvalidContent, $"the server refused the request (HTTP {status} {response.ReasonPhrase})."),
        };
        return new StateStoreException(error, UrlRedaction.RedactText($"The {what} failed: {reason}"), key) { RetryAfter = retryAfter };
    }

    /// <summary>How long <c>Retry-After</c> asks to wait (a date already past is no wait), or <see langword="null"/> without it.</summary>
    internal static TimeSpan? RetryAfter(HttpResponseMessage? response) => response?.Headers.RetryAfter switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date - DateTimeOffset.UtcNow is var wait && wait > TimeSpan.Zero ? wait : TimeSpan.Zero,
        _ => null,
    };

    /// <summary>The message of the innermost exception (the socket's or TLS's own words, not the wrapper's).</summary>
    internal static string Innermost(Exception exception)
    {
        while (exception.InnerException is not null)
        {
            exception = exception.InnerException;
        }

        return exception.Message;
    }
}
