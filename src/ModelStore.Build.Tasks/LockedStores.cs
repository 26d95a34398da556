using System.Text.Json;
using System.Text.RegularExpressions;
using ModelStore.Downloads;

namespace ModelStore.Build.Tasks;

/// <summary>A store definition recorded in the lock file: what <c>modelstore restore</c> needs to fetch without MSBuild.</summary>
internal sealed record LockedStore(string Name, string Kind, IReadOnlyDictionary<string, string> Settings, string? BaseDirectory);

/// <summary>
/// The <c>stores</c> section of <c>modelstates.lock.json</c>: each store the pinned states come from, by name, with its
/// kind and its settings as declared (never a credential: settings whose names look like secrets are left out, and URL
/// secrets are redacted). Paths inside the project are written relative to the lock file's folder, so the file is the
/// same on every machine. Older lock files have no such section; readers ignore it.
/// </summary>
/// <remarks>
/// <code>
/// "stores": {
///   "team": { "kind": "S3", "settings": { "BasePath": "states/", "Bucket": "models", "ServiceUrl": "http://127.0.0.1:9000" } }
/// }
/// </code>
/// </remarks>
internal static partial class LockedStores
{
    /// <summary>The definitions of <paramref name="names"/> among <paramref name="stores"/>.</summary>
    public static IReadOnlyList<LockedStore> Describe(DeclaredStores stores, IEnumerable<string> names, string projectDirectory, string lockFile)
    {
        var lockFolder = Path.GetDirectoryName(Path.GetFullPath(lockFile))!;
        var project = Path.GetFullPath(projectDirectory);
        var baseDirectory = string.Equals(project.TrimEnd(Path.DirectorySeparatorChar), lockFolder.TrimEnd(Path.DirectorySeparatorChar), StringComparison.Ordinal)
            ? null
            : Path.GetRelativePath(lockFolder, project).Replace('\\', '/');
        var result = new List<LockedStore>();
        foreach (var name in names.Distinct(StringComparer.OrdinalIgnoreCase).Order(StringComparer.Ordinal))
        {
            if (stores.GetSettings(name) is not { } settings)
            {
                continue;
            }

            var values = new SortedDictionary<string, string>(StringComparer.Ordinal);
            foreach (var (key, value) in settings.Values)
            {
                if (!string.Equals(key, "Kind", StringComparison.OrdinalIgnoreCase) && !SecretName().IsMatch(key))
                {
                    values[key] = UrlRedaction.RedactText(Relative(value, project, lockFolder));
                }
            }

            result.Add(new LockedStore(settings.Name, settings.Kind, values, baseDirectory));
        }

        return result;
    }

    /// <summary>Writes the section (nothing when there is no store).</summary>
    public static void Write(Utf8JsonWriter writer, IReadOnlyList<LockedStore> stores)
    {
        if (stores.Count == 0)
        {
            return;
        }

        writer.WriteStartObject("stores");
        foreach (var store in stores)
        {
            writer.WriteStartObject(store.Name);
            writer.WriteString("kind", store.Kind);
            if (store.BaseDirectory is not null)
            {
                writer.WriteString("baseDirectory", store.BaseDirectory);
            }

            writer.WriteStartObject("settings");
            foreach (var (key, value) in store.Settings)
            {
                writer.WriteString(key, value);
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }

    // An absolute path inside the project (Folder="$(MSBuildProjectDirectory)/states") is written relative to the lock file.
    private static string Relative(string value, string project, string lockFolder)
    {
        if (!Path.IsPathFullyQualified(value))
        {
            return value;
        }

        var full = Path.GetFullPath(value);
        return full.StartsWith(project.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar, StringComparison.Ordinal) || full == project
            ? Path.GetRelativePath(lockFolder, full).Replace('\\', '/')
            : value;
    }

    // Providers refuse credentials as settings; a third-party kind might not, and its secret must not reach a committed file.
    [GeneratedRegex("(password|secret|token|credential|connectionstring|accountkey|accesskey|apikey|signature|^sas)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SecretName();
}
