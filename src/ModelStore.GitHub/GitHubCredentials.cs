using Octokit;

namespace ModelStore.GitHub;

/// <summary>
/// Reads credentials the way MoZuMa does: <c>GH_API_BASIC_AUTH=user:token</c> (HTTP basic, split at the first
/// <c>:</c>), else <c>GH_TOKEN</c> (bearer), else <c>GITHUB_TOKEN</c> (bearer); anonymous otherwise.
/// </summary>
/// <remarks>The secret is kept only inside Octokit's <see cref="Credentials"/>; <see cref="Source"/> names the variable, never its value.</remarks>
internal sealed class GitHubCredentials
{
    internal const string BasicAuthVariable = "GH_API_BASIC_AUTH";
    internal const string TokenVariable = "GH_TOKEN";
    internal const string ActionsTokenVariable = "GITHUB_TOKEN";

    private GitHubCredentials(Credentials credentials, string? source, string? problem)
    {
        // The credentials may come from a reader other than the process environment: every message must still hide them.
        Diagnostics.SecretScrubber.Register(credentials.Password);
        if (credentials.AuthenticationType == AuthenticationType.Basic)
        {
            Diagnostics.SecretScrubber.Register($"{credentials.Login}:{credentials.Password}");
        }

        Credentials = credentials;
        Source = source;
        Problem = problem;
    }

    /// <summary>Octokit's credentials (anonymous when none were found).</summary>
    public Credentials Credentials { get; }

    /// <summary>The environment variable the credentials came from; <see langword="null"/> when anonymous.</summary>
    public string? Source { get; }

    /// <summary>Why a variable that is set could not be used (never quotes its value).</summary>
    public string? Problem { get; }

    public bool IsAnonymous => Source is null;

    /// <summary>What the store runs as, for messages: <c>anonymous</c> or <c>credentials from GH_TOKEN</c>.</summary>
    public string Describe() => Source is null ? "anonymous" : $"credentials from {Source}";

    public static GitHubCredentials FromEnvironment(Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        string? problem = null;
        var basic = environment(BasicAuthVariable);
        if (!string.IsNullOrWhiteSpace(basic))
        {
            var colon = basic.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && colon < basic.Length - 1)
            {
                return new GitHubCredentials(new Credentials(basic[..colon], basic[(colon + 1)..], AuthenticationType.Basic), BasicAuthVariable, null);
            }

            problem = $"{BasicAuthVariable} is set but is not of the form user:token, so it was ignored.";
        }

        foreach (var variable in (string[])[TokenVariable, ActionsTokenVariable])
        {
            var token = environment(variable);
            if (!string.IsNullOrWhiteSpace(token))
            {
                return new GitHubCredentials(new Credentials(token.Trim(), AuthenticationType.Bearer), variable, problem);
            }
        }

        return new GitHubCredentials(Credentials.Anonymous, null, problem);
    }
}
