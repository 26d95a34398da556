using System.Globalization;
using ModelStore.Caching;
using ModelStore.Downloads;
using ModelStore.Stores;

namespace ModelStore.Resolution;

/// <summary>
/// The rules every value of a lock file follows, checked when an entry is made and when a file is read: a lock file is
/// committed data from anyone, so nothing in it may inject a line, a terminal escape or a path outside a store.
/// </summary>
internal static class LockFileRules
{
    /// <summary>A single line of printable text (trimmed; no control character, ESC included).</summary>
    public static string Text(string? value, string what, bool allowEmpty = false)
    {
        if (value is null || (!allowEmpty && string.IsNullOrWhiteSpace(value)))
        {
            throw new ArgumentException($"The {what} is empty.", nameof(value));
        }

        var index = value.AsSpan().IndexOfAnyInRange('\u0000', '\u001F');
        if (index < 0)
        {
            index = value.AsSpan().IndexOfAnyInRange('\u007F', '\u009F');
        }

        return index < 0
            ? value.Trim()
            : throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"The {what} '{StateStoreSettings.Printable(value)}' holds the control character U+{(int)value[index]:X4}."), nameof(value));
    }

    /// <summary>64 hexadecimal digits, normalized to lower case.</summary>
    public static string Sha256(string? value)
    {
        var text = Text(value, "sha256");
        try
        {
            return StateCache.NormalizeSha256(text);
        }
        catch (ArgumentException)
        {
            throw new ArgumentException($"The sha256 '{text}' is not 64 hexadecimal digits.", nameof(value));
        }
    }

    /// <summary>A file of a store: relative, <c>/</c>-separated, no empty, <c>.</c> or <c>..</c> segment, no <c>\</c>.</summary>
    public static string FilePath(string value)
    {
        var text = Text(value, "path");
        return FilePathProblem(text) is { } problem
            ? throw new ArgumentException($"The path '{text}' {problem}.", nameof(value))
            : text;
    }

    /// <summary>Why <paramref name="path"/> is not a store file path (for the <c>Path</c> metadata and the lock file alike), or <see langword="null"/>.</summary>
    public static string? FilePathProblem(string path) =>
        path.Any(char.IsControl) ? "contains a control character"
        : path.Contains('\\', StringComparison.Ordinal) ? "contains '\\' (separate folders with '/')"
        : path.StartsWith('/') ? "starts with '/' (paths are relative to the store's root)"
        : path.Split('/').Any(segment => segment.Trim().Length == 0 || segment is "." or "..") ? "has an empty, '.' or '..' folder"
        : null;

    /// <summary>An absolute http(s) address without user information.</summary>
    public static Uri Url(Uri value)
    {
        if (!value.IsAbsoluteUri || (value.Scheme != Uri.UriSchemeHttp && value.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException("The url is not an absolute http:// or https:// address.", nameof(value));
        }

        if (UrlRedaction.HasUserInfo(value))
        {
            throw new ArgumentException($"The url {UrlRedaction.Redact(value)} carries a user name or password.", nameof(value));
        }

        Text(value.OriginalString, "url");
        return value;
    }

    /// <summary>A revision (branch, tag or commit): one printable word, no <c>..</c>.</summary>
    public static string Revision(string value, string what)
    {
        var text = Text(value, what);
        return text.Any(char.IsWhiteSpace) || text.Contains("..", StringComparison.Ordinal)
            ? throw new ArgumentException($"The {what} '{text}' is not a revision (a branch, a tag or a commit: no spaces, no '..').", nameof(value))
            : text;
    }
}
