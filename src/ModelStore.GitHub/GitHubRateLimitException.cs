using ModelStore.States;
using ModelStore.Stores;

namespace ModelStore.GitHub;

/// <summary>
/// GitHub's API request quota is spent (<see cref="StateStoreError.RateLimited"/>): 60 calls an hour for anonymous
/// callers, 5,000 with a token. <see cref="ResetsAt"/> says when it is replenished.
/// </summary>
public sealed class GitHubRateLimitException : StateStoreException
{
    /// <summary>Creates the error.</summary>
    public GitHubRateLimitException(string message, DateTimeOffset resetsAt, int limit, StateKey? key = null, Exception? innerException = null)
        : base(StateStoreError.RateLimited, message, key, innerException)
    {
        ResetsAt = resetsAt;
        Limit = limit;
    }

    /// <summary>Creates the error (for serializers and tooling).</summary>
    public GitHubRateLimitException()
        : this("The GitHub API rate limit is exhausted.", DateTimeOffset.MinValue, 0)
    {
    }

    /// <summary>Creates the error (for serializers and tooling).</summary>
    public GitHubRateLimitException(string message)
        : this(message, DateTimeOffset.MinValue, 0)
    {
    }

    /// <summary>Creates the error (for serializers and tooling).</summary>
    public GitHubRateLimitException(string message, Exception innerException)
        : this(message, DateTimeOffset.MinValue, 0, null, innerException)
    {
    }

    /// <summary>When GitHub replenishes the quota (UTC).</summary>
    public DateTimeOffset ResetsAt { get; }

    /// <summary>The quota per hour GitHub reported (0 when unknown).</summary>
    public int Limit { get; }
}
