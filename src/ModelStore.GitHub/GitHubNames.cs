using System.Text.RegularExpressions;

namespace ModelStore.GitHub;

/// <summary>
/// GitHub's rules for the names in a store's address, checked before any request: an owner or repository name with
/// <c>/</c>, <c>..</c> or other characters would otherwise change the API path it lands in.
/// </summary>
public static partial class GitHubNames
{
    /// <summary>
    /// Why <paramref name="owner"/> is not a user or organisation name, or <see langword="null"/>: letters, digits and
    /// single hyphens (and <c>_</c>, for Enterprise managed users), not starting or ending with a hyphen, at most 100 characters.
    /// </summary>
    public static string? OwnerProblem(string? owner) =>
        string.IsNullOrEmpty(owner) ? "it is empty"
        : owner.Length > 100 ? "it is longer than 100 characters"
        : !OwnerPattern().IsMatch(owner) ? "only letters, digits, single hyphens and '_' are allowed, and it cannot start or end with a hyphen"
        : null;

    /// <summary>
    /// Why <paramref name="repository"/> is not a repository name, or <see langword="null"/>: letters, digits, <c>.</c>,
    /// <c>-</c> and <c>_</c>, at most 100 characters, not <c>.</c> or <c>..</c>.
    /// </summary>
    public static string? RepositoryProblem(string? repository) =>
        string.IsNullOrEmpty(repository) ? "it is empty"
        : repository.Length > 100 ? "it is longer than 100 characters"
        : repository is "." or ".." ? "'.' and '..' are not repository names"
        : !RepositoryPattern().IsMatch(repository) ? "only letters, digits, '.', '-' and '_' are allowed"
        : null;

    /// <summary>Why <paramref name="branch"/> is not a usable branch name (Git's ref rules), or <see langword="null"/>.</summary>
    public static string? BranchProblem(string? branch) =>
        string.IsNullOrEmpty(branch) ? "it is empty"
        : branch.Any(c => char.IsControl(c) || char.IsWhiteSpace(c) || c is '~' or '^' or ':' or '?' or '*' or '[' or '\\') ? "it holds a space, a control character or one of ~ ^ : ? * [ \\"
        : branch.Contains("..", StringComparison.Ordinal) || branch.Contains("//", StringComparison.Ordinal) || branch.Contains("@{", StringComparison.Ordinal) ? "it holds '..', '//' or '@{'"
        : branch.StartsWith('/') || branch.EndsWith('/') || branch.EndsWith('.') || branch.EndsWith(".lock", StringComparison.Ordinal) || branch.StartsWith('-') ? "it starts with '/' or '-', or ends with '/', '.' or '.lock'"
        : null;

    /// <summary>Checks the owner, the repository and the branch.</summary>
    /// <exception cref="ArgumentException">A name breaks a rule; the message names it and the rule.</exception>
    public static void Validate(string? owner, string? repository, string? branch, string where)
    {
        if (OwnerProblem(owner) is { } ownerProblem)
        {
            throw new ArgumentException($"{where}: the owner '{Printable(owner)}' is not a GitHub user or organisation name: {ownerProblem}.", nameof(owner));
        }

        if (RepositoryProblem(repository) is { } repositoryProblem)
        {
            throw new ArgumentException($"{where}: '{Printable(repository)}' is not a GitHub repository name: {repositoryProblem}.", nameof(repository));
        }

        if (BranchProblem(branch) is { } branchProblem)
        {
            throw new ArgumentException($"{where}: '{Printable(branch)}' is not a branch name: {branchProblem}.", nameof(branch));
        }
    }

    private static string Printable(string? text) => new((text ?? "").Select(c => char.IsControl(c) ? '?' : c).ToArray());

    [GeneratedRegex("^[A-Za-z0-9_](?:[A-Za-z0-9_]|-(?=[A-Za-z0-9_]))*$", RegexOptions.CultureInvariant)]
    private static partial Regex OwnerPattern();

    [GeneratedRegex("^[A-Za-z0-9._-]+$", RegexOptions.CultureInvariant)]
    private static partial Regex RepositoryPattern();
}
