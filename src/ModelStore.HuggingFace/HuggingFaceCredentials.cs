namespace ModelStore.HuggingFace;

/// <summary>
/// Finds the access token as huggingface_hub does: <c>HF_TOKEN</c>, else <c>HUGGING_FACE_HUB_TOKEN</c>, else the token
/// file written by <c>hf auth login</c> (<c>HF_TOKEN_PATH</c>, else <c>$HF_HOME/token</c>, else
/// <c>$XDG_CACHE_HOME/huggingface/token</c>, else <c>~/.cache/huggingface/token</c>); anonymous otherwise.
/// </summary>
/// <remarks>
/// The token is kept here only, and only <see cref="ApplyTo"/> reads it; <see cref="Source"/> names where it came from,
/// never its value, so messages can say which variable to fix.
/// </remarks>
internal sealed class HuggingFaceCredentials
{
    internal const string TokenVariable = "HF_TOKEN";
    internal const string LegacyTokenVariable = "HUGGING_FACE_HUB_TOKEN";

    private readonly string? _token;

    private HuggingFaceCredentials(string? token, string? source)
    {
        // The token may come from a reader other than the process environment: every message must still hide it.
        Diagnostics.SecretScrubber.Register(token);
        _token = token;
        Source = source;
    }

    /// <summary>Where the token came from (<c>HF_TOKEN</c>, a file path); <see langword="null"/> when anonymous.</summary>
    public string? Source { get; }

    public bool IsAnonymous => _token is null;

    /// <summary>What the store runs as, for messages: <c>anonymous</c> or <c>the token from HF_TOKEN</c>.</summary>
    public string Describe() => Source is null ? "anonymous" : $"the token from {Source}";

    /// <summary>Adds <c>Authorization: Bearer …</c> to a request for the Hub itself (never to a storage host it redirects to).</summary>
    public void ApplyTo(HttpRequestMessage request)
    {
        if (_token is not null)
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", _token);
        }
    }

    public static HuggingFaceCredentials FromEnvironment(Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        foreach (var variable in (string[])[TokenVariable, LegacyTokenVariable])
        {
            if (Clean(environment(variable)) is { } token)
            {
                return new HuggingFaceCredentials(token, variable);
            }
        }

        if (TokenFile(environment) is { } file)
        {
            try
            {
                if (File.Exists(file) && Clean(File.ReadAllText(file)) is { } token)
                {
                    return new HuggingFaceCredentials(token, file);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // An unreadable token file is the same as none: the Hub then says what access is missing.
            }
        }

        return new HuggingFaceCredentials(null, null);
    }

    // huggingface_hub's constants: HF_TOKEN_PATH, else HF_HOME/token, HF_HOME defaulting to $XDG_CACHE_HOME/huggingface
    // and XDG_CACHE_HOME to ~/.cache. Only the given environment is consulted, so an injected one stays hermetic.
    private static string? TokenFile(Func<string, string?> environment)
    {
        if (Clean(environment("HF_TOKEN_PATH")) is { } explicitPath)
        {
            return explicitPath;
        }

        if (Clean(environment("HF_HOME")) is { } hfHome)
        {
            return Path.Combine(hfHome, "token");
        }

        if (Clean(environment("XDG_CACHE_HOME")) is { } cache)
        {
            return Path.Combine(cache, "huggingface", "token");
        }

        return Clean(environment("HOME") ?? environment("USERPROFILE")) is { } home ? Path.Combine(home, ".cache", "huggingface", "token") : null;
    }

    private static string? Clean(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
