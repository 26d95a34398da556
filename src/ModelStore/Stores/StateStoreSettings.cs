namespace ModelStore.Stores;

/// <summary>
/// A declarative store definition, as written in a project file
/// (<c>&lt;ModelStore Include="team" Kind="S3" Bucket="models" /&gt;</c>) or a CLI option:
/// a name, a kind and free-form settings.
/// </summary>
public sealed class StateStoreSettings
{
    /// <summary>Creates a definition.</summary>
    /// <param name="name">The store's name (the item's Include).</param>
    /// <param name="kind">The backend kind, for example <c>Local</c>, <c>S3</c> or <c>GitHub</c>.</param>
    /// <param name="values">The settings (item metadata); names are case-insensitive.</param>
    /// <param name="baseDirectory">The folder relative paths are resolved against (the project's folder).</param>
    public StateStoreSettings(string name, string kind, IEnumerable<KeyValuePair<string, string>> values, string baseDirectory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(kind);
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(baseDirectory);
        Name = name;
        Kind = kind;
        BaseDirectory = baseDirectory;
        var map = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in values)
        {
            if (!string.IsNullOrWhiteSpace(value))
            {
                map[key] = value.Trim();
            }
        }

        Values = map;
    }

    /// <summary>The store's name.</summary>
    public string Name { get; }

    /// <summary>The backend kind.</summary>
    public string Kind { get; }

    /// <summary>The folder relative paths are resolved against.</summary>
    public string BaseDirectory { get; }

    /// <summary>The non-empty settings, by case-insensitive name.</summary>
    public IReadOnlyDictionary<string, string> Values { get; }

    /// <summary>A setting, or <see langword="null"/> when absent or empty.</summary>
    public string? Get(string name) => Values.TryGetValue(name, out var value) ? value : null;

    /// <summary>A setting that must be present.</summary>
    /// <exception cref="ArgumentException">The setting is missing; the message names the store, the kind and the setting.</exception>
    public string GetRequired(string name) =>
        Get(name) ?? throw new ArgumentException($"Store '{Name}' of kind {Kind} needs the setting '{name}'.", name);

    /// <summary>A path setting resolved against <see cref="BaseDirectory"/>.</summary>
    public string? GetPath(string name) => Get(name) is { } path ? Path.GetFullPath(path, BaseDirectory) : null;
}
