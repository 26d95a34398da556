using System.Collections.Concurrent;
using System.Text;
using System.Text.RegularExpressions;
using ModelStore.Downloads;

namespace ModelStore.Diagnostics;

/// <summary>
/// Removes credentials from text before it is shown anywhere (an exception message, a build error, the CLI's output, a
/// log): the credential values present in the environment, those a store registered, common token shapes, and the
/// secrets of URLs (<see cref="UrlRedaction"/>). Every <see cref="Stores.StateStoreException"/> message goes through it;
/// the build task and the CLI apply it to everything else they print.
/// </summary>
/// <remarks>
/// Known values are what a server can echo back: the values of <see cref="SecretVariables"/> (AWS secret key and session
/// token, Azure connection string, account key, SAS and client secret, Hugging Face and GitHub tokens, with the parts and
/// the Basic encoding of <c>GH_API_BASIC_AUTH</c>), the Hugging Face token file (<c>HF_TOKEN_PATH</c>, else
/// <c>$HF_HOME/token</c>, else <c>~/.cache/huggingface/token</c>), and what <see cref="Register"/> was given. Shapes are
/// <c>Bearer ...</c>, <c>Basic ...</c>, <c>hf_...</c>, <c>ghp_...</c>/<c>gho_...</c>/<c>ghs_...</c>/<c>github_pat_...</c>,
/// <c>AccountKey=...</c>, <c>SharedAccessSignature=...</c>.
/// </remarks>
public static partial class SecretScrubber
{
    /// <summary>The environment variables whose values are credentials.</summary>
    public static IReadOnlyList<string> SecretVariables { get; } =
    [
        "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
        "AZURE_STORAGE_CONNECTION_STRING", "AZURE_STORAGE_KEY", "AZURE_STORAGE_SAS_TOKEN", "AZURE_CLIENT_SECRET",
        "HF_TOKEN", "HUGGING_FACE_HUB_TOKEN",
        "GH_TOKEN", "GITHUB_TOKEN", "GH_API_BASIC_AUTH",
    ];

    // Shorter values (a one-letter test token, say) would blank out ordinary words.
    private const int ShortestSecret = 6;

    private static readonly ConcurrentDictionary<string, byte> Registered = new(StringComparer.Ordinal);

    /// <summary>
    /// Adds a credential value to remove from every later message (a store's key or token that does not come from
    /// <see cref="SecretVariables"/>); values shorter than 6 characters are ignored.
    /// </summary>
    public static void Register(string? secret)
    {
        foreach (var value in Expand(secret))
        {
            Registered.TryAdd(value, 0);
        }
    }

    /// <summary><paramref name="text"/> with every known credential value and token shape replaced by <see cref="UrlRedaction.Placeholder"/>.</summary>
    public static string Scrub(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text ?? string.Empty;
        }

        // Longest first, so that a connection string goes before the key inside it.
        foreach (var secret in KnownValues().OrderByDescending(value => value.Length))
        {
            text = text.Replace(secret, UrlRedaction.Placeholder, StringComparison.Ordinal);
        }

        text = AuthorizationValue().Replace(text, match => $"{match.Groups["scheme"].Value} {UrlRedaction.Placeholder}");
        text = TokenShape().Replace(text, UrlRedaction.Placeholder);
        text = SecretSetting().Replace(text, match => $"{match.Groups["name"].Value}={UrlRedaction.Placeholder}");
        return UrlRedaction.RedactText(text);
    }

    private static HashSet<string> KnownValues()
    {
        var values = new HashSet<string>(Registered.Keys, StringComparer.Ordinal);
        foreach (var name in SecretVariables)
        {
            values.UnionWith(Expand(Environment.GetEnvironmentVariable(name)));
        }

        values.UnionWith(Expand(ReadHuggingFaceTokenFile()));
        return values;
    }

    // A value, and the parts of it a server may show on their own: the token of user:token and its Basic encoding, the
    // key and SAS of a connection string.
    private static IEnumerable<string> Expand(string? secret)
    {
        var value = secret?.Trim();
        if (value is null || value.Length < ShortestSecret)
        {
            yield break;
        }

        yield return value;
        yield return Convert.ToBase64String(Encoding.UTF8.GetBytes(value));
        var colon = value.IndexOf(':', StringComparison.Ordinal);
        if (colon > 0 && value.Length - colon - 1 >= ShortestSecret && !value.Contains(';', StringComparison.Ordinal))
        {
            yield return value[(colon + 1)..];
        }

        foreach (var part in value.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0 && part[..equals].Trim() is var name
                && (name.Equals("AccountKey", StringComparison.OrdinalIgnoreCase) || name.Equals("SharedAccessSignature", StringComparison.OrdinalIgnoreCase))
                && part.Length - equals - 1 >= ShortestSecret)
            {
                yield return part[(equals + 1)..].Trim();
            }
        }
    }

    private static string? ReadHuggingFaceTokenFile()
    {
        var path = Environment.GetEnvironmentVariable("HF_TOKEN_PATH");
        if (string.IsNullOrWhiteSpace(path))
        {
            var home = Environment.GetEnvironmentVariable("HF_HOME");
            if (string.IsNullOrWhiteSpace(home))
            {
                var cache = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
                home = Path.Combine(string.IsNullOrWhiteSpace(cache) ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache") : cache, "huggingface");
            }

            path = Path.Combine(home, "token");
        }

        try
        {
            var file = new FileInfo(path);
            return file.Exists && file.Length <= 4096 ? File.ReadAllText(path) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return null;
        }
    }

    // A credential has a digit or a base64 sign somewhere ("Basic authentication" is a phrase, not a credential).
    [GeneratedRegex(@"\b(?<scheme>Bearer|Basic)\s+(?=[A-Za-z0-9\-._~+/]*[0-9+/=])[A-Za-z0-9\-._~+/]{6,}=*", RegexOptions.CultureInvariant)]
    private static partial Regex AuthorizationValue();

    [GeneratedRegex(@"\b(?:hf_[A-Za-z0-9]{16,}|gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})", RegexOptions.CultureInvariant)]
    private static partial Regex TokenShape();

    [GeneratedRegex(@"(?<name>AccountKey|SharedAccessSignature|aws_secret_access_key|aws_session_token)\s*=\s*[^;&\s""'<>]+", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex SecretSetting();
}
