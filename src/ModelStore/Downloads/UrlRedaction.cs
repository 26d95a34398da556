using System.Text.RegularExpressions;

namespace ModelStore.Downloads;

/// <summary>
/// Removes credentials from addresses before they reach a message, a log, a lock file or a cache index: the user
/// information of a URL (<c>https://user:secret@host/</c>) and the values of query parameters that carry signatures or
/// tokens (<c>sig</c>, <c>X-Amz-Signature</c>, <c>token</c>...).
/// </summary>
public static partial class UrlRedaction
{
    /// <summary>What replaces a removed secret.</summary>
    public const string Placeholder = "***";

    /// <summary><paramref name="url"/> without user information and with secret query values replaced.</summary>
    public static string Redact(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        return RedactText(url.IsAbsoluteUri ? url.AbsoluteUri : url.OriginalString);
    }

    /// <summary><paramref name="text"/> with every URL's user information and secret query values replaced.</summary>
    public static string RedactText(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        text = UserInfo().Replace(text, match => $"{match.Groups["scheme"].Value}://{Placeholder}@");
        return SecretQueryValue().Replace(text, match => $"{match.Groups["name"].Value}={Placeholder}");
    }

    /// <summary>Whether <paramref name="url"/> carries user information (<c>user:password@</c>).</summary>
    public static bool HasUserInfo(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        return url.IsAbsoluteUri && url.UserInfo.Length > 0;
    }

    [GeneratedRegex(@"(?<scheme>[A-Za-z][A-Za-z0-9+.\-]*)://[^/@\s""'<>]+@", RegexOptions.CultureInvariant)]
    private static partial Regex UserInfo();

    [GeneratedRegex(@"(?<=[?&])(?<name>sig|signature|token|access_token|api_key|apikey|key|password|x-amz-signature|x-amz-credential|x-amz-security-token|x-goog-signature|x-goog-credential)=[^&#\s""'<>]*", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex SecretQueryValue();
}
