using ModelStore.Stores;

namespace ModelStore.Cli.Tests;

/// <summary>
/// A store provider that reports being loaded: its static constructor writes the file named by
/// <c>MODELSTORE_TEST_LOAD_MARKER</c> (set only in the child processes of <see cref="HostileLockFileTests"/>). A copy of
/// this assembly plays the "tools/models.dll" a hostile lock file names.
/// </summary>
public sealed class LoadProbeProvider : IStateStoreProvider
{
    static LoadProbeProvider()
    {
        if (Environment.GetEnvironmentVariable("MODELSTORE_TEST_LOAD_MARKER") is { Length: > 0 } marker)
        {
            File.WriteAllText(marker, "loaded");
        }
    }

    public string Kind => "Acme";

    public IStateStore Create(StateStoreSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return new LocalStateStore(settings.GetPath("Folder") ?? throw new ArgumentException("needs Folder", nameof(settings)));
    }
}
