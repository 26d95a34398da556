namespace ModelStore.Plums;

/// <summary>
/// The package that produced a model, with its configuration file (Plums' <c>Producer</c>). <see cref="Equals(Producer?)"/>
/// compares name and version; <see cref="StrictEquals"/> also compares the configuration files' contents.
/// </summary>
public sealed class Producer : IEquatable<Producer>
{
    /// <summary>Creates a producer.</summary>
    /// <param name="name">The producer name; PMF requires <c>^[a-zA-Z][0-9a-zA-Z_]+$</c> (checked on save and load).</param>
    /// <param name="versionFormat">A registered version format, for example <c>py_pa</c>.</param>
    /// <param name="versionString">The version in that format.</param>
    /// <param name="configuration">The configuration file used to produce the model; it must exist.</param>
    /// <exception cref="PlumsException">
    /// <see cref="PlumsErrorCode.FileNotFound"/> when the configuration is not a file;
    /// <see cref="PlumsErrorCode.UnknownVersionFormat"/> or <see cref="PlumsErrorCode.InvalidVersion"/> for a bad version.
    /// </exception>
    public Producer(string name, string versionFormat, string versionString, string configuration)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(configuration);
        var full = Path.GetFullPath(configuration);
        if (!File.Exists(full))
        {
            throw new PlumsException(PlumsErrorCode.FileNotFound, $"Invalid configuration: {configuration} is not a file.");
        }

        Name = name;
        Version = ProducerVersion.Create(versionFormat, versionString);
        Configuration = full;
    }

    /// <summary>The producer (package) name.</summary>
    public string Name { get; }

    /// <summary>The producer version.</summary>
    public ProducerVersion Version { get; }

    /// <summary>The configuration file (absolute path).</summary>
    public string Configuration { get; }

    /// <summary>Same name and version (Plums' <c>==</c>).</summary>
    public bool Equals(Producer? other) => other is not null && Name == other.Name && Version.Equals(other.Version);

    /// <summary>Same name, version and configuration file contents (Plums' <c>strict_equals</c>).</summary>
    public bool StrictEquals(Producer? other) =>
        Equals(other) && (Configuration == other!.Configuration ||
            (new FileInfo(Configuration).Length == new FileInfo(other.Configuration).Length && Md5.OfFile(Configuration) == Md5.OfFile(other.Configuration)));

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as Producer);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Name, Version);

    /// <inheritdoc />
    public override string ToString() => $"Producer(name={Name}, version={Version.Format}:{Version.Value})";
}
