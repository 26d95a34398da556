using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ModelStore.Oci.Registry;

/// <summary>A user name and password (or token) for one registry, and where they came from (for messages; never the secret).</summary>
internal sealed record RegistryCredential(string Username, string Password, string Source)
{
    /// <summary>Never the secret: records print themselves in logs and debuggers.</summary>
    public override string ToString() => $"{Username} (from {Source})";
}

/// <summary>
/// Finds the credentials of one registry host as the container tools do: <c>MODELSTORE_OCI_USERNAME</c> and
/// <c>MODELSTORE_OCI_PASSWORD</c>; else the auth file named by <c>REGISTRY_AUTH_FILE</c> (podman, skopeo); else docker's
/// <c>$DOCKER_CONFIG/config.json</c> (default <c>~/.docker/config.json</c>). In an auth file, <c>credHelpers</c> for the
/// host wins, then the host's <c>auths</c> entry (base64 <c>user:password</c> in <c>auth</c>), then <c>credsStore</c>;
/// a helper is <c>docker-credential-NAME get</c> on the <c>PATH</c>, given the host on its standard input.
/// </summary>
/// <remarks>Only the host the store was configured with is ever looked up; a host named by a lock file or a manifest never is.</remarks>
internal static class RegistryCredentials
{
    public const string UsernameVariable = "MODELSTORE_OCI_USERNAME";
    public const string PasswordVariable = "MODELSTORE_OCI_PASSWORD";

    private static readonly TimeSpan HelperTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The credentials for <paramref name="registry"/> (<c>host[:port]</c>), or <see langword="null"/> (anonymous).</summary>
    public static RegistryCredential? Find(string registry, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var username = environment(UsernameVariable);
        var password = environment(PasswordVariable);
        if (!string.IsNullOrEmpty(username) && !string.IsNullOrEmpty(password))
        {
            return new RegistryCredential(username, password, $"{UsernameVariable}/{PasswordVariable}");
        }

        foreach (var file in AuthFiles(environment))
        {
            if (FromAuthFile(file, registry, environment) is { } found)
            {
                return found;
            }
        }

        return null;
    }

    private static IEnumerable<string> AuthFiles(Func<string, string?> environment)
    {
        if (environment("REGISTRY_AUTH_FILE") is { Length: > 0 } authFile)
        {
            yield return authFile;
        }

        var dockerConfig = environment("DOCKER_CONFIG") is { Length: > 0 } folder
            ? folder
            : (environment("HOME") ?? environment("USERPROFILE")) is { Length: > 0 } home ? Path.Combine(home, ".docker") : null;
        if (dockerConfig is not null)
        {
            yield return Path.Combine(dockerConfig, "config.json");
        }
    }

    private static RegistryCredential? FromAuthFile(string file, string registry, Func<string, string?> environment)
    {
        JsonObject? root;
        try
        {
            if (!File.Exists(file))
            {
                return null;
            }

            root = JsonNode.Parse(File.ReadAllBytes(file)) as JsonObject;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            return null; // An unreadable or broken auth file gives nothing; the registry then says access is refused.
        }

        if (root is null)
        {
            return null;
        }

        try
        {
            if (Entry(root["credHelpers"] as JsonObject, registry)?.GetValue<string>() is { Length: > 0 } helper)
            {
                return FromHelper(helper, registry, environment);
            }

            if (Entry(root["auths"] as JsonObject, registry) is JsonObject auth && auth["auth"]?.GetValue<string>() is { Length: > 0 } encoded)
            {
                var pair = Encoding.UTF8.GetString(Convert.FromBase64String(encoded));
                var colon = pair.IndexOf(':', StringComparison.Ordinal);
                return colon > 0 ? new RegistryCredential(pair[..colon], pair[(colon + 1)..], file) : null;
            }

            if (root["credsStore"]?.GetValue<string>() is { Length: > 0 } store)
            {
                return FromHelper(store, registry, environment);
            }
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException)
        {
            return null;
        }

        return null;
    }

    // Keys are a host ("ghcr.io"), or an address ("https://ghcr.io", "https://index.docker.io/v1/").
    private static JsonNode? Entry(JsonObject? map, string registry) => map?.FirstOrDefault(entry => string.Equals(HostOf(entry.Key), registry, StringComparison.OrdinalIgnoreCase)).Value;

    private static string HostOf(string key)
    {
        var text = key.Contains("://", StringComparison.Ordinal) ? key[(key.IndexOf("://", StringComparison.Ordinal) + 3)..] : key;
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? text : text[..slash];
    }

    private static RegistryCredential? FromHelper(string name, string registry, Func<string, string?> environment)
    {
        if (name.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')))
        {
            return null; // Not a helper name: never a path to run.
        }

        var program = "docker-credential-" + name;
        var path = (environment("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(folder => Path.Combine(folder, program))
            .FirstOrDefault(File.Exists);
        if (path is null)
        {
            return null;
        }

        var start = new ProcessStartInfo(path, "get")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["PATH"] = environment("PATH") ?? "";
        using var process = Process.Start(start);
        if (process is null)
        {
            return null;
        }

        process.StandardInput.Write(registry);
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        _ = process.StandardError.ReadToEndAsync(); // Drained, never shown: helpers may echo secrets.
        if (!process.WaitForExit(HelperTimeout))
        {
            process.Kill(entireProcessTree: true);
            return null;
        }

        if (process.ExitCode != 0)
        {
            return null; // "credentials not found": anonymous.
        }

        try
        {
            var answer = JsonNode.Parse(output.GetAwaiter().GetResult()) as JsonObject;
            var username = answer?["Username"]?.GetValue<string>();
            var secret = answer?["Secret"]?.GetValue<string>();
            // "<token>" marks an identity token (an OAuth refresh token), which this store does not exchange.
            return string.IsNullOrEmpty(username) || string.IsNullOrEmpty(secret) || username == "<token>" ? null : new RegistryCredential(username, secret, program);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return null;
        }
    }
}
