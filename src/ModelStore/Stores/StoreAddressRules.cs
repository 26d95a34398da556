namespace ModelStore.Stores;

/// <summary>
/// Rules shared by the store kinds for the parts of an address users type, checked before any request so that an
/// address cannot reach outside what it names (a base path <c>../other</c> collapsing into another bucket's keys).
/// </summary>
public static class StoreAddressRules
{
    /// <summary>
    /// Why <paramref name="basePath"/> is not a valid base path (a prefix of object names such as <c>pretrained-models/</c>),
    /// or <see langword="null"/> when it is: relative <c>/</c>-separated segments, none of them empty, <c>.</c> or
    /// <c>..</c>, no <c>\</c>, no control character. One leading and one trailing <c>/</c> are tolerated (they are
    /// normalised away); an empty base path is the container's root.
    /// </summary>
    public static string? BasePathProblem(string? basePath)
    {
        var trimmed = (basePath ?? string.Empty).Trim();
        if (trimmed.StartsWith('/'))
        {
            trimmed = trimmed[1..];
        }

        if (trimmed.EndsWith('/'))
        {
            trimmed = trimmed[..^1];
        }

        if (trimmed.Length == 0)
        {
            return null;
        }

        return trimmed switch
        {
            _ when trimmed.Any(char.IsControl) => "it holds a control character",
            _ when trimmed.Contains('\\', StringComparison.Ordinal) => "it holds '\\' (segments are separated by '/')",
            _ when trimmed.StartsWith('/') => "it is absolute (it starts with '//')",
            _ when trimmed.Split('/').Any(segment => segment.Length == 0) => "it has an empty segment ('//')",
            _ when trimmed.Split('/').Any(segment => segment is "." or "..") => "it has a '.' or '..' segment",
            _ => null,
        };
    }

    /// <summary>Checks <paramref name="basePath"/> with <see cref="BasePathProblem"/>.</summary>
    /// <param name="basePath">The base path as written.</param>
    /// <param name="owner">Names the store in the message, for example <c>Store 'team' of kind S3</c>.</param>
    /// <exception cref="ArgumentException">The base path breaks a rule; the message names it.</exception>
    public static void ValidateBasePath(string? basePath, string owner)
    {
        if (BasePathProblem(basePath) is { } problem)
        {
            throw new ArgumentException($"{owner}: the base path '{StateStoreSettings.Printable(basePath!)}' is not valid: {problem}. Write it as relative segments separated by '/', such as pretrained-models/ or team/states/.", nameof(basePath));
        }
    }
}
