using ModelStore.States;

namespace ModelStore.Resolution;

/// <summary>
/// <c>modelstates.lock.json</c>: the exact bytes each state of a project resolved to (<see cref="States"/>), and the
/// store definitions they came from (<see cref="Stores"/>). Read, checked and written by <see cref="StateLockFileFormat"/>;
/// the build, <c>modelstore restore</c>, <c>mirror --lock</c> and <see cref="StateResolver"/> share it.
/// </summary>
/// <remarks>A lock file is data, never authority: see docs/security.md.</remarks>
public sealed class StateLockFile
{
    /// <summary>The format version written and read.</summary>
    public const int CurrentVersion = 1;

    /// <summary>The lock file's name beside a project.</summary>
    public const string FileName = "modelstates.lock.json";

    /// <summary>Creates a lock file of <paramref name="states"/> and the <paramref name="stores"/> they come from.</summary>
    /// <exception cref="ArgumentException">Two entries share a key, or two stores a name.</exception>
    public StateLockFile(IEnumerable<StateLockEntry> states, IEnumerable<StateLockStore>? stores = null)
    {
        ArgumentNullException.ThrowIfNull(states);
        var byKey = new SortedDictionary<string, StateLockEntry>(StringComparer.Ordinal);
        foreach (var entry in states)
        {
            ArgumentNullException.ThrowIfNull(entry);
            if (!byKey.TryAdd(entry.Key.ToString(), entry))
            {
                throw new ArgumentException($"The state {entry.Key} is pinned twice.", nameof(states));
            }
        }

        var byName = new SortedDictionary<string, StateLockStore>(StringComparer.OrdinalIgnoreCase);
        foreach (var store in stores ?? [])
        {
            ArgumentNullException.ThrowIfNull(store);
            if (!byName.TryAdd(store.Name, store))
            {
                throw new ArgumentException($"The store '{store.Name}' is defined twice.", nameof(stores));
            }
        }

        States = byKey;
        Stores = byName;
    }

    /// <summary>A lock file pinning nothing (what an absent file means).</summary>
    public static StateLockFile Empty { get; } = new([]);

    /// <summary>The pinned states by key text, sorted.</summary>
    public IReadOnlyDictionary<string, StateLockEntry> States { get; }

    /// <summary>The store definitions by name (case-insensitive), sorted.</summary>
    public IReadOnlyDictionary<string, StateLockStore> Stores { get; }

    /// <summary>The entry of <paramref name="key"/>, or <see langword="null"/>.</summary>
    public StateLockEntry? Find(StateKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return States.GetValueOrDefault(key.ToString());
    }
}
