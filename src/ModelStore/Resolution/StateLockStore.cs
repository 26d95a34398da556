namespace ModelStore.Resolution;

/// <summary>
/// A store definition recorded in a lock file (its <c>stores</c> section): the kind and the non-secret settings the
/// project declared, so that <c>modelstore restore</c> can fetch without MSBuild. It is a description, not an
/// instruction: a provider is never loaded because of it, and an address in it receives no credential unless the user
/// confirms that address (see <see cref="LockFileStores"/> and docs/security.md).
/// </summary>
public sealed record StateLockStore
{
    /// <summary>Creates a definition.</summary>
    /// <param name="name">The store's name (the <c>ModelStore</c> item's Include).</param>
    /// <param name="kind">Its kind (<c>Local</c>, <c>S3</c>...).</param>
    /// <param name="settings">Its settings as declared, without secrets.</param>
    /// <exception cref="ArgumentException">A value breaks the lock file's rules (a control character, an empty name).</exception>
    public StateLockStore(string name, string kind, IReadOnlyDictionary<string, string> settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        Name = LockFileRules.Text(name, "store name");
        Kind = LockFileRules.Text(kind, "kind");
        var sorted = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (setting, value) in settings)
        {
            sorted[LockFileRules.Text(setting, "setting name")] = LockFileRules.Text(value, $"setting '{setting}'", allowEmpty: true);
        }

        Settings = sorted;
    }

    /// <summary>The store's name.</summary>
    public string Name { get; }

    /// <summary>The store's kind.</summary>
    public string Kind { get; }

    /// <summary>The settings, sorted by name.</summary>
    public IReadOnlyDictionary<string, string> Settings { get; }

    /// <summary>
    /// The project's folder relative to the lock file's (<c>/</c>-separated), when the lock file is elsewhere; relative
    /// paths in <see cref="Settings"/> start there. <see langword="null"/>: the lock file's folder.
    /// </summary>
    public string? BaseDirectory
    {
        get;
        init => field = value is null ? null : LockFileRules.Text(value, "baseDirectory");
    }
}
