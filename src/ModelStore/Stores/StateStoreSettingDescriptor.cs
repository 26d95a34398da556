namespace ModelStore.Stores;

/// <summary>
/// One setting a store kind understands, as its <see cref="IStateStoreProvider.Settings"/> declare it: the name written
/// in a <c>ModelStore</c> item or a <c>--setting</c> option, its type, whether it is required, and what it does. A
/// setting declared <see cref="IsSecret"/> is a credential the kind reads from elsewhere (the environment, a profile):
/// giving it as a setting is an error, so it never lands in a project file, a lock file or a log.
/// </summary>
public sealed class StateStoreSettingDescriptor
{
    /// <summary>Declares a setting.</summary>
    /// <param name="name">The setting's name, matched case-insensitively (for example <c>RequestTimeoutSeconds</c>).</param>
    /// <param name="type">What the value holds; it is checked by this type.</param>
    /// <param name="description">One sentence for the documentation and messages; for a secret, where the credential comes from instead.</param>
    public StateStoreSettingDescriptor(string name, StateStoreSettingType type, string description)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(description);
        if (!Enum.IsDefined(type))
        {
            throw new ArgumentOutOfRangeException(nameof(type), type, "Not a setting type.");
        }

        Name = name;
        Type = type;
        Description = description;
    }

    /// <summary>
    /// The settings every kind takes, handled by the build and the command line rather than by a provider:
    /// <c>Kind</c>, <c>ProviderType</c>, <c>ProviderAssembly</c> and <c>Mirrors</c>.
    /// </summary>
    public static IReadOnlyList<StateStoreSettingDescriptor> Common { get; } =
    [
        new("Kind", StateStoreSettingType.Text, "The store kind (Local, S3, GitHub, HuggingFace, AzureBlob, or a third party's)."),
        new("ProviderType", StateStoreSettingType.Text, "The full type name of a third-party IStateStoreProvider (project items only, never read from a lock file)."),
        new("ProviderAssembly", StateStoreSettingType.Path, "The assembly holding ProviderType, relative to the project."),
        new("Mirrors", StateStoreSettingType.Text, "Other ModelStore items holding copies of this store's states, tried first, in order (a;b)."),
    ];

    /// <summary><c>RequestTimeoutSeconds</c>: the longest one request may take, its retries included.</summary>
    /// <param name="defaultSeconds">The kind's default, for the documentation.</param>
    public static StateStoreSettingDescriptor RequestTimeoutSeconds(int defaultSeconds) =>
        new("RequestTimeoutSeconds", StateStoreSettingType.Seconds, "The longest one request may take, its retries included.") { DefaultValue = Invariant(defaultSeconds) };

    /// <summary><c>MaxRetries</c>: retries of a failed request or download range (0 for none).</summary>
    /// <param name="defaultRetries">The kind's default, for the documentation.</param>
    public static StateStoreSettingDescriptor MaxRetries(int defaultRetries) =>
        new("MaxRetries", StateStoreSettingType.Count, "Retries of a failed request or download range (0 for none).") { DefaultValue = Invariant(defaultRetries) };

    /// <summary><c>DownloadChunkSize</c>: the size of each ranged read of a download.</summary>
    /// <param name="defaultBytes">The kind's default, for the documentation.</param>
    public static StateStoreSettingDescriptor DownloadChunkSize(long defaultBytes) =>
        new("DownloadChunkSize", StateStoreSettingType.Bytes, "The size of each ranged read of a download.") { DefaultValue = Invariant(defaultBytes) };

    /// <summary><c>DownloadParallelism</c>: ranged reads in flight.</summary>
    /// <param name="defaultParallelism">The kind's default, for the documentation.</param>
    public static StateStoreSettingDescriptor DownloadParallelism(int defaultParallelism) =>
        new("DownloadParallelism", StateStoreSettingType.WholeNumber, "Ranged reads of a download in flight.") { DefaultValue = Invariant(defaultParallelism) };

    /// <summary>Credentials under each of <paramref name="names"/>, refused as settings with <paramref name="hint"/> (where they come from instead).</summary>
    public static IEnumerable<StateStoreSettingDescriptor> Secrets(string hint, params string[] names)
    {
        ArgumentNullException.ThrowIfNull(names);
        return names.Select(name => new StateStoreSettingDescriptor(name, StateStoreSettingType.Text, hint) { IsSecret = true });
    }

    /// <summary>The setting's name.</summary>
    public string Name { get; }

    /// <summary>What the value holds.</summary>
    public StateStoreSettingType Type { get; }

    /// <summary>What the setting does (for a secret: where the credential is read from instead).</summary>
    public string Description { get; }

    /// <summary>Whether a store of the kind cannot be created without it.</summary>
    public bool IsRequired { get; init; }

    /// <summary>Whether the setting names a credential, which is never accepted as a setting.</summary>
    public bool IsSecret { get; init; }

    /// <summary>
    /// Whether the setting is about this machine (another program's cache folder, whether to write into it) rather than
    /// where the states are: a lock file never records it, and a value a lock file gives is ignored (a cloned repository
    /// does not decide where this machine writes).
    /// </summary>
    public bool IsMachineLocal { get; init; }

    /// <summary>The value used when the setting is absent, as text for the documentation; <see langword="null"/> when none.</summary>
    public string? DefaultValue { get; init; }

    /// <inheritdoc />
    public override string ToString() => $"{Name} ({Type})";

    private static string Invariant(long value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
