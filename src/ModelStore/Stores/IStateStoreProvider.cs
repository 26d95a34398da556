namespace ModelStore.Stores;

/// <summary>
/// Creates stores of one kind from declarative settings. Each backend package ships one
/// (<c>Local</c> here; <c>S3</c> and <c>GitHub</c> in their packages); the build task and the CLI use them.
/// </summary>
public interface IStateStoreProvider
{
    /// <summary>The kind this provider creates, matched case-insensitively (for example <c>S3</c>).</summary>
    string Kind { get; }

    /// <summary>Creates the store. Credentials come from the environment, never from <paramref name="settings"/>.</summary>
    /// <exception cref="ArgumentException">A setting is missing or invalid; the message names it.</exception>
    IStateStore Create(StateStoreSettings settings);
}

/// <summary>Creates <see cref="LocalStateStore"/>s: setting <c>Folder</c> (relative to the project).</summary>
public sealed class LocalStateStoreProvider : IStateStoreProvider
{
    /// <inheritdoc />
    public string Kind => "Local";

    /// <inheritdoc />
    public IStateStore Create(StateStoreSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return new LocalStateStore(settings.GetPath("Folder") ?? throw new ArgumentException($"Store '{settings.Name}' of kind Local needs the setting 'Folder'.", nameof(settings)));
    }
}
