using System.Text.RegularExpressions;
using ModelStore.IO;

namespace ModelStore.HuggingFace;

/// <summary>The rules for what users type: repository ids, revisions and file paths (huggingface_hub's <c>validate_repo_id</c> and Git's ref rules).</summary>
internal static partial class HubNames
{
    /// <summary>Whether <paramref name="revision"/> is a full commit id (huggingface_hub's <c>REGEX_COMMIT_HASH</c>): immutable, nothing to resolve.</summary>
    public static bool IsCommit(string revision) => CommitPattern().IsMatch(revision);

    /// <summary>Checks <c>org/name</c> (or a legacy <c>name</c> without organisation).</summary>
    /// <exception cref="ArgumentException">Not a repository id; the message says why.</exception>
    public static string ValidateRepository(string? repository, string parameterName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(repository, parameterName);
        var trimmed = repository.Trim();
        if (trimmed.Length > 96 || !RepositoryPattern().IsMatch(trimmed) || trimmed.Contains("--", StringComparison.Ordinal) || trimmed.Contains("..", StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{trimmed}' is not a Hugging Face repository id: expected org/name (letters, digits, '-', '_', '.'; at most 96 characters; no '--' or '..'), for example sentence-transformers/all-MiniLM-L6-v2.", parameterName);
        }

        return trimmed;
    }

    /// <summary>
    /// Checks a branch, tag or commit id. A revision also names a file under <c>refs/</c> in huggingface_hub's cache, so it
    /// follows the path rules too (<see cref="ConfinedPath.IsPlainRelative"/>): no empty, <c>.</c> or <c>..</c> part.
    /// </summary>
    /// <exception cref="ArgumentException">Not a usable revision; the message says why.</exception>
    public static string ValidateRevision(string? revision, string parameterName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(revision, parameterName);
        var trimmed = revision.Trim();
        if (trimmed.Any(char.IsWhiteSpace) || trimmed.Contains("..", StringComparison.Ordinal) || !ConfinedPath.IsPlainRelative(trimmed))
        {
            throw new ArgumentException($"'{trimmed}' is not a revision: give a branch, a tag or a commit id (no spaces, no '..', no leading or trailing '/', no empty or '.' part).", parameterName);
        }

        return trimmed;
    }

    /// <summary>Checks a file path in a repository: relative, <c>/</c>-separated, no empty, <c>.</c> or <c>..</c> segment.</summary>
    /// <exception cref="ArgumentException">Not a valid path; the message says why.</exception>
    public static string ValidatePath(string? path, string parameterName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path, parameterName);
        string? why = path switch
        {
            _ when path.Contains('\\', StringComparison.Ordinal) => "it contains '\\' (use '/')",
            _ when path.StartsWith('/') => "it starts with '/' (paths are relative to the repository's root)",
            _ when path.Any(char.IsControl) => "it contains a control character",
            _ when path.Split('/').Any(segment => segment.Length == 0 || segment is "." or ".." || segment.Trim().Length == 0) => "it has an empty, blank, '.' or '..' segment",
            _ => null,
        };
        return why is null
            ? path
            : throw new ArgumentException($"'{path}' is not a file path in a repository: {why}. Write it as in the repository, for example onnx/model.onnx.", parameterName);
    }

    /// <summary>A path with each segment URL-escaped and the <c>/</c> kept (huggingface_hub's <c>quote(filename)</c>).</summary>
    public static string EscapePath(string path) => string.Join('/', path.Split('/').Select(Uri.EscapeDataString));

    [GeneratedRegex("^[0-9a-f]{40}$", RegexOptions.CultureInvariant)]
    private static partial Regex CommitPattern();

    [GeneratedRegex(@"^([A-Za-z0-9_]([A-Za-z0-9_.\-]*[A-Za-z0-9_])?/)?[A-Za-z0-9_]([A-Za-z0-9_.\-]*[A-Za-z0-9_])?$", RegexOptions.CultureInvariant)]
    private static partial Regex RepositoryPattern();
}
