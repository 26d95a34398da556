using ModelStore.Diagnostics;
using ModelStore.States;

namespace ModelStore.Stores;

/// <summary>
/// The one exception family of the stores and the cache. <see cref="Error"/> says what went wrong;
/// <see cref="Key"/> names the state when one is involved. Messages never contain credentials: each one goes through
/// <see cref="SecretScrubber"/> (credential values of the environment, token shapes) and <see cref="UntrustedText"/>
/// (control characters of a server's words escaped) when the exception is created.
/// </summary>
public class StateStoreException : Exception
{
    /// <summary>Creates a store error.</summary>
    public StateStoreException(StateStoreError error, string message, StateKey? key = null, Exception? innerException = null)
        : base(SecretScrubber.Scrub(UntrustedText.Sanitize(message)), innerException)
    {
        Error = error;
        Key = key;
    }

    /// <summary>Creates a store error (for serializers and tooling).</summary>
    public StateStoreException()
        : this(StateStoreError.InvalidContent, "A state store operation failed.")
    {
    }

    /// <summary>Creates a store error (for serializers and tooling).</summary>
    public StateStoreException(string message)
        : this(StateStoreError.InvalidContent, message)
    {
    }

    /// <summary>Creates a store error (for serializers and tooling).</summary>
    public StateStoreException(string message, Exception innerException)
        : this(StateStoreError.InvalidContent, message, null, innerException)
    {
    }

    /// <summary>What went wrong.</summary>
    public StateStoreError Error { get; }

    /// <summary>The state concerned, if any.</summary>
    public StateKey? Key { get; }

    /// <summary>
    /// Whether trying again later may succeed: the store was unreachable, did not answer in time, or limited the
    /// request rate. Retries (of the downloads, of the HTTP-based stores) are made only for these.
    /// </summary>
    public bool IsTransient => Error is StateStoreError.Unreachable or StateStoreError.Timeout or StateStoreError.RateLimited;

    /// <summary>How long the store asked to wait before trying again (a rate limit's reset, a <c>Retry-After</c> header), when it said.</summary>
    public TimeSpan? RetryAfter { get; init; }

    internal static StateStoreException NotFound(StateKey key, string where) =>
        new(StateStoreError.NotFound, $"State {key} was not found in {where}.", key);

    internal static StateStoreException AlreadyExists(StateKey key, string where) =>
        new(StateStoreError.AlreadyExists, $"State {key} already exists in {where}; pass overwrite: true to replace it.", key);
}
