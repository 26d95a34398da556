using System.Globalization;
using System.Net;
using ModelStore.States;
using ModelStore.Stores;
using Octokit;

namespace ModelStore.GitHub;

/// <summary>Turns Octokit and HTTP failures into <see cref="StateStoreException"/>s whose messages name no secret.</summary>
internal static class GitHubErrors
{
    /// <summary>The store error for <paramref name="exception"/>, or <see langword="null"/> when it is not a transport or API failure.</summary>
    public static StateStoreException? Translate(Exception exception, string action, string where, GitHubCredentials credentials, StateKey? key = null) => exception switch
    {
        StateStoreException => null,
        RateLimitExceededException e => RateLimited(e.Reset, e.Limit, action, credentials, key, e),
        ApiException e when IsRateLimit(e) => RateLimited(ResetOf(e), e.HttpResponse?.ApiInfo?.RateLimit?.Limit ?? 0, action, credentials, key, e),
        AuthorizationException e => new StateStoreException(
            StateStoreError.AccessDenied,
            $"GitHub refused the {credentials.Describe()} while trying to {action} in {where} ({e.Message}). Check the token, or unset the variable to read anonymously.",
            key,
            e),
        ForbiddenException e => new StateStoreException(
            StateStoreError.AccessDenied,
            $"GitHub forbade {credentials.Describe()} to {action} in {where} ({e.Message}); a token with write access to the repository's contents is needed to save.",
            key,
            e),
        NotFoundException e => new StateStoreException(StateStoreError.ContainerNotFound, $"Could not {action}: {where} was not found on GitHub ({e.Message}).", key, e),
        TimeoutException e => new StateStoreException(StateStoreError.Timeout, $"GitHub did not answer in time while trying to {action} in {where}.", key, e),
        HttpRequestException e => new StateStoreException(StateStoreError.Unreachable, $"GitHub could not be reached to {action} in {where}: {e.Message}", key, e),
        ApiException e => new StateStoreException(StateStoreError.Unreachable, $"GitHub answered {(int)e.StatusCode} while trying to {action} in {where}: {e.Message}", key, e),
        _ => null,
    };

    /// <summary>Whether a validation failure (422) says that something of that name already exists.</summary>
    public static bool IsAlreadyExists(ApiValidationException exception) =>
        exception.ApiError?.Errors?.Any(error => string.Equals(error.Code, "already_exists", StringComparison.OrdinalIgnoreCase)) == true;

    /// <summary>A rate-limit answer from a download (no Octokit involved).</summary>
    public static GitHubRateLimitException? FromDownload(HttpResponseMessage response, string action, GitHubCredentials credentials, StateKey key)
    {
        if (response.StatusCode is not (HttpStatusCode.Forbidden or HttpStatusCode.TooManyRequests)
            || !response.Headers.TryGetValues("X-RateLimit-Remaining", out var remaining) || remaining.FirstOrDefault() != "0")
        {
            return null;
        }

        var reset = response.Headers.TryGetValues("X-RateLimit-Reset", out var values) && long.TryParse(values.FirstOrDefault(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var epoch)
            ? DateTimeOffset.FromUnixTimeSeconds(epoch)
            : DateTimeOffset.UtcNow.AddHours(1);
        var limit = response.Headers.TryGetValues("X-RateLimit-Limit", out var limits) && int.TryParse(limits.FirstOrDefault(), CultureInfo.InvariantCulture, out var parsed) ? parsed : 0;
        return RateLimited(reset, limit, action, credentials, key, null);
    }

    private static bool IsRateLimit(ApiException e) =>
        e.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.Forbidden
        && e.HttpResponse?.Headers is { } headers
        && headers.TryGetValue("X-RateLimit-Remaining", out var remaining) && remaining == "0";

    private static DateTimeOffset ResetOf(ApiException e) =>
        e.HttpResponse?.ApiInfo?.RateLimit is { ResetAsUtcEpochSeconds: > 0 } limit ? limit.Reset : DateTimeOffset.UtcNow.AddHours(1);

    private static GitHubRateLimitException RateLimited(DateTimeOffset reset, int limit, string action, GitHubCredentials credentials, StateKey? key, Exception? inner)
    {
        var advice = credentials.IsAnonymous
            ? " Anonymous callers get 60 API calls an hour: set GH_TOKEN (or GH_API_BASIC_AUTH=user:token) for 5,000."
            : string.Empty;
        var quota = limit > 0 ? $" of {limit.ToString(CultureInfo.InvariantCulture)} calls an hour" : string.Empty;
        return new GitHubRateLimitException(
            $"The GitHub API rate limit{quota} is exhausted ({credentials.Describe()}) while trying to {action}; it resets at {reset.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)} UTC.{advice}",
            reset,
            limit,
            key,
            inner);
    }
}
