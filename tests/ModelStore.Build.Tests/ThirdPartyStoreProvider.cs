using ModelStore.Stores;

namespace ModelStore.Build.Tests;

/// <summary>
/// A store kind that ModelStore does not ship, defined in this test assembly as a third party would define it in its
/// own package: the task loads it by type name and assembly path (ModelStoreProvider items, ProviderType metadata).
/// </summary>
public sealed class ThirdPartyStoreProvider : IStateStoreProvider
{
    private static int _created;

    /// <summary>How many stores instances of this provider created in this process.</summary>
    public static int Created => Volatile.Read(ref _created);

    public string Kind => "ThirdParty";

    public IStateStore Create(StateStoreSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        Interlocked.Increment(ref _created);
        return new LocalStateStore(settings.GetPath("Root") ?? throw new ArgumentException($"Store '{settings.Name}' of kind ThirdParty needs the setting 'Root'.", nameof(settings)));
    }
}
