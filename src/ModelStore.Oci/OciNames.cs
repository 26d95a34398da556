using System.Text.RegularExpressions;
using ModelStore.States;

namespace ModelStore.Oci;

/// <summary>
/// The naming rules of the OCI distribution specification (registry, repository, tag, digest) and the mapping of a
/// MoZuMa state key to a tag: <c>pytorch/resnet18.cls1000.imagenet</c> is the tag <c>pytorch.resnet18.cls1000.imagenet</c>
/// (the key with its one <c>/</c> turned into a <c>.</c>, as MoZuMa's local store names its files), so one repository
/// holds a team's states and listing its tags lists them.
/// </summary>
internal static partial class OciNames
{
    /// <summary>The longest tag the distribution specification allows.</summary>
    public const int MaxTagLength = 128;

    // distribution/reference: path components of lowercase alphanumerics joined by one '.', one or two '_' or dashes.
    [GeneratedRegex(@"^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$", RegexOptions.CultureInvariant)]
    private static partial Regex RepositoryPattern();

    [GeneratedRegex(@"^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$", RegexOptions.CultureInvariant)]
    private static partial Regex TagPattern();

    [GeneratedRegex(@"^sha256:[a-f0-9]{64}$", RegexOptions.CultureInvariant)]
    private static partial Regex DigestPattern();

    /// <summary>Checks a registry address, <c>host[:port]</c> with no scheme, path or credentials, and returns it lowercased.</summary>
    /// <exception cref="ArgumentException">It is not a host with an optional port; the message says why.</exception>
    public static string ValidateRegistry(string? registry, string parameter)
    {
        if (string.IsNullOrWhiteSpace(registry))
        {
            throw new ArgumentException("The registry is empty: give its host and optional port, such as ghcr.io or 127.0.0.1:5000.", parameter);
        }

        var text = registry.Trim();
        if (text.Contains("://", StringComparison.Ordinal) || text.Contains('/', StringComparison.Ordinal) || text.Contains('@', StringComparison.Ordinal)
            || text.Any(char.IsWhiteSpace) || text.Any(char.IsControl)
            || !Uri.TryCreate("https://" + text, UriKind.Absolute, out var uri) || uri.PathAndQuery != "/" || uri.UserInfo.Length > 0
            || !string.Equals(uri.Authority, text, StringComparison.OrdinalIgnoreCase) && !string.Equals(uri.Host + ":" + uri.Port, text, StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException($"'{Downloads.UrlRedaction.RedactText(text)}' is not a registry address: give its host and optional port only (no scheme, path or credentials), such as ghcr.io or 127.0.0.1:5000. Plain http needs Insecure=\"true\".", parameter);
        }

        return text.ToLowerInvariant();
    }

    /// <summary>Checks a repository name (lowercase path components such as <c>team/models</c>).</summary>
    /// <exception cref="ArgumentException">It breaks the distribution specification's rule; the message says how.</exception>
    public static string ValidateRepository(string? repository, string parameter)
    {
        if (string.IsNullOrEmpty(repository) || repository.Length > 255 || !RepositoryPattern().IsMatch(repository))
        {
            throw new ArgumentException($"'{repository}' is not an OCI repository name: lowercase letters and digits in '/'-separated components, joined inside a component by '.', '_', '__' or dashes (such as team/models), at most 255 characters.", parameter);
        }

        return repository;
    }

    /// <summary>Whether <paramref name="reference"/> is a <c>sha256:</c> digest.</summary>
    public static bool IsDigest(string? reference) => reference is not null && DigestPattern().IsMatch(reference);

    /// <summary>Checks a <c>sha256:</c> digest.</summary>
    /// <exception cref="ArgumentException">It is not <c>sha256:</c> and 64 lowercase hex digits.</exception>
    public static string ValidateDigest(string? digest, string parameter) => IsDigest(digest)
        ? digest!
        : throw new ArgumentException($"'{Clip(digest)}' is not a manifest digest: expected sha256: and 64 lowercase hex digits.", parameter);

    /// <summary>Checks a reference: a tag or a <c>sha256:</c> digest.</summary>
    /// <exception cref="ArgumentException">It is neither.</exception>
    public static string ValidateReference(string? reference, string parameter) => IsDigest(reference) || (reference is not null && TagPattern().IsMatch(reference))
        ? reference!
        : throw new ArgumentException($"'{Clip(reference)}' is neither a tag ([A-Za-z0-9_] then up to 127 of [A-Za-z0-9._-]) nor a sha256: digest.", parameter);

    /// <summary>The tag of <paramref name="key"/>: the key with its <c>/</c> turned into a <c>.</c>.</summary>
    /// <exception cref="ArgumentException">The key cannot be a tag (a name with non-ASCII letters, starting with a dash, or longer than 128 characters).</exception>
    public static string TagOf(StateKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var tag = key.ToString().Replace('/', '.');
        if (!TagPattern().IsMatch(tag))
        {
            throw new ArgumentException($"State {key} cannot be stored in an OCI registry: its tag '{tag}' breaks the tag rule (ASCII letters, digits, '_', '.' and '-', not starting with '.' or '-', at most {MaxTagLength} characters).", nameof(key));
        }

        return tag;
    }

    /// <summary>The key a tag names, or <see langword="null"/> for a tag of another kind (<c>latest</c>, <c>v1</c>).</summary>
    public static StateKey? TryParseTag(string tag)
    {
        var firstDot = tag.IndexOf('.', StringComparison.Ordinal);
        return firstDot > 0 && tag.IndexOf('.', firstDot + 1) > 0 && StateKey.TryParse(tag[..firstDot] + "/" + tag[(firstDot + 1)..], out var key) ? key : null;
    }

    /// <summary>Checks a file path inside an artifact: relative, <c>/</c>-separated, no empty, <c>.</c> or <c>..</c> segment, no control character.</summary>
    /// <exception cref="ArgumentException">The path is not such a path.</exception>
    public static string ValidateFilePath(string? path, string parameter)
    {
        if (FilePathProblem(path) is { } problem)
        {
            throw new ArgumentException($"'{Clip(path)}' is not a file path inside an artifact: {problem}.", parameter);
        }

        return path!;
    }

    /// <summary>Why <paramref name="path"/> is not a relative file path, or <see langword="null"/> when it is one.</summary>
    public static string? FilePathProblem(string? path) => path switch
    {
        null or "" => "it is empty",
        { Length: > 4096 } => "it is longer than 4096 characters",
        _ when path.Any(char.IsControl) => "it holds a control character",
        _ when path.StartsWith('/') || path.Contains('\\', StringComparison.Ordinal) || (path.Length > 1 && path[1] == ':') => "it must be relative and '/'-separated",
        _ when path.Split('/').Any(segment => segment is "" or "." or "..") => "it has an empty, '.' or '..' segment",
        _ => null,
    };

    // Untrusted text in a message: bounded, without control characters.
    internal static string Clip(string? text) =>
        text is null ? "" : new string(text.Take(140).Select(c => char.IsControl(c) ? '?' : c).ToArray()) + (text.Length > 140 ? "..." : "");
}
