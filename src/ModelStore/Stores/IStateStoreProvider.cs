namespace ModelStore.Stores;

/// <summary>
/// Creates stores of one kind from declarative settings. Each backend package ships one
/// (<c>Local</c> here; <c>S3</c> and <c>GitHub</c> in their packages); the build task and the CLI use them.
/// </summary>
public interface IStateStoreProvider
{
    /// <summary>The kind this provider creates, matched case-insensitively (for example <c>S3</c>).</summary>
    string Kind { get; }

    /// <summary>
    /// The settings this kind understands: names, types, which are required and which are credentials (never accepted
    /// as settings). The build and the command line refuse any other setting, naming its close match, and the
    /// documentation lists these. <see langword="null"/> (the default, for providers written before settings were
    /// declared) accepts any setting.
    /// </summary>
    IReadOnlyList<StateStoreSettingDescriptor>? Settings => null;

    /// <summary>Creates the store. Credentials come from the environment, never from <paramref name="settings"/>.</summary>
    /// <exception cref="ArgumentException">A setting is missing or invalid; the message names it.</exception>
    IStateStore Create(StateStoreSettings settings);

    /// <summary>
    /// Checks <paramref name="settings"/> as <see cref="Create"/> would (required settings, names and addresses by the
    /// rules of the store's kind), without creating the store, loading its SDK or making any request. The build checks
    /// every declared store this way, so a bad address is an error even when every state comes from the cache. The
    /// default implementation checks the settings against <see cref="Settings"/> (<see cref="StateStoreSettings.Validate"/>);
    /// an implementation that adds rules of its own calls that first.
    /// </summary>
    /// <exception cref="ArgumentException">A setting is unknown, missing or invalid; the message names it and the rule it breaks.</exception>
    void Validate(StateStoreSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate(Settings);
    }
}

/// <summary>Creates <see cref="LocalStateStore"/>s: setting <c>Folder</c> (relative to the project).</summary>
public sealed class LocalStateStoreProvider : IStateStoreProvider
{
    private static readonly StateStoreSettingDescriptor[] Declared =
    [
        new("Folder", StateStoreSettingType.Path, "The folder holding one file per state, relative to the project.") { IsRequired = true },
    ];

    /// <inheritdoc />
    public string Kind => "Local";

    /// <inheritdoc />
    public IReadOnlyList<StateStoreSettingDescriptor> Settings => Declared;

    /// <inheritdoc />
    public IStateStore Create(StateStoreSettings settings)
    {
        Validate(settings);
        return new LocalStateStore(settings.GetPath("Folder")!);
    }

    /// <inheritdoc />
    public void Validate(StateStoreSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate(Declared);
    }
}
