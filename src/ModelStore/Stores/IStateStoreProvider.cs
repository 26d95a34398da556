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

    /// <summary>
    /// Checks <paramref name="settings"/> as <see cref="Create"/> would (required settings, names and addresses by the
    /// rules of the store's kind), without creating the store, loading its SDK or making any request. The build checks
    /// every declared store this way, so a bad address is an error even when every state comes from the cache. The
    /// default implementation checks nothing.
    /// </summary>
    /// <exception cref="ArgumentException">A setting is missing or invalid; the message names it and the rule it breaks.</exception>
    void Validate(StateStoreSettings settings)
    {
    }
}

/// <summary>Creates <see cref="LocalStateStore"/>s: setting <c>Folder</c> (relative to the project).</summary>
public sealed class LocalStateStoreProvider : IStateStoreProvider
{
    /// <inheritdoc />
    public string Kind => "Local";

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
        if (settings.Get("Folder") is null)
        {
            throw new ArgumentException($"Store '{settings.Name}' of kind Local needs the setting 'Folder'.", nameof(settings));
        }
    }
}
