using ModelStore.Downloads;

namespace ModelStore.Cli;

/// <summary>
/// Reads the address of a state on the web (<c>pull --url</c>, <c>mirror --from</c>) by the build's rules for a
/// <c>ModelState</c>'s <c>Url</c>: absolute <c>http://</c> or <c>https://</c>, no user name or password. A pre-signed
/// address is fine; its secret query values never reach a message.
/// </summary>
internal static class StateUrl
{
    /// <summary>Whether <paramref name="text"/> is written as a web address (<c>http://</c>, <c>https://</c>).</summary>
    public static bool LooksLikeUrl(string text) =>
        text.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || text.StartsWith("https://", StringComparison.OrdinalIgnoreCase);

    /// <summary>The address in <paramref name="text"/>.</summary>
    /// <param name="text">What the user typed.</param>
    /// <param name="option">The option it came from, for the message (<c>--url</c>).</param>
    /// <exception cref="ArgumentException">Not an absolute http(s) address, or one with user information; the message never shows a password.</exception>
    public static Uri Parse(string text, string option)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!Uri.TryCreate(text.Trim(), UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
        {
            // Only the scheme is shown: what follows it may hold a password (ftp://user:secret@host/).
            var scheme = url is not null && text.Contains("://", StringComparison.Ordinal) ? $" (its scheme is '{url.Scheme}')" : "";
            throw new ArgumentException($"{option} needs an absolute http:// or https:// address{scheme}.");
        }

        if (UrlRedaction.HasUserInfo(url))
        {
            throw new ArgumentException($"{option} carries a user name or password ({UrlRedaction.Redact(url)}); ModelStore never takes credentials from addresses, which end up in logs and the cache index. Use a pre-signed address (its signature is kept out of every message), or a store kind that reads credentials from the environment.");
        }

        return url;
    }
}
