using ModelStore.Caching;
using ModelStore.States;

namespace ModelStore.Resolution;

/// <summary>How a <see cref="StateResolver"/> resolves: the cache, the stores, the lock file and the mode.</summary>
public sealed class StateResolverOptions
{
    /// <summary>The default of <see cref="MaxParallelFetches"/>.</summary>
    public const int DefaultMaxParallelFetches = 4;

    /// <summary>The machine-wide cache (default: <see cref="StateCache.Default"/>).</summary>
    public StateCache Cache { get; init; } = StateCache.Default;

    /// <summary>The stores requests may name.</summary>
    public StoreCatalog Stores { get; init; } = new();

    /// <summary>The lock file whose entries give the expected hashes (and commits) of requests without a pin.</summary>
    public StateLockFile LockFile { get; init; } = StateLockFile.Empty;

    /// <summary>The lock file's path, for messages (<see langword="null"/>: "the lock file").</summary>
    public string? LockFilePath { get; init; }

    /// <summary>
    /// Contact no store: the cache, and for a state whose hash is known a copy its store knows on this machine
    /// (<see cref="Stores.ILocalCopyStore"/>, huggingface_hub's cache), must hold it; a missing state is
    /// <see cref="ResolutionFailureKind.OfflineMiss"/>. Stores are created only to look for such copies (creating one makes no request).
    /// </summary>
    public bool Offline { get; init; }

    /// <summary>Every state must have a lock file entry that still applies, and resolve to its bytes (<see cref="ResolutionFailureKind.LockedDrift"/>).</summary>
    public bool Locked { get; init; }

    /// <summary>
    /// Describe only (an IDE's design-time build): the state as the lock file (or the cache index) records it, with no
    /// store contacted and no file hashed; a state known to neither fails with <see cref="ResolutionFailureKind.OfflineMiss"/>.
    /// </summary>
    public bool DescribeOnly { get; init; }

    /// <summary>How many states <see cref="StateResolver.ResolveAllAsync"/> resolves at once (default 4).</summary>
    public int MaxParallelFetches { get; init; } = DefaultMaxParallelFetches;

    /// <summary>
    /// How a cached state is checked before it is used: by default a blob whose stamp is unchanged since it was last
    /// hashed is trusted; <see cref="CacheVerification.Full"/> hashes every one (<c>ModelStoreVerify=full</c>, for CI).
    /// </summary>
    public CacheVerification Verification { get; init; }

    /// <summary>Receives the progress of each fetch (from several threads when fetches run in parallel).</summary>
    public IProgress<StateFetchProgress>? Progress { get; init; }

    /// <summary>
    /// Receives each outcome of <see cref="StateResolver.ResolveAllAsync"/> as soon as it is known, in the order they
    /// complete (from several threads): one progress line for many states, instead of waiting for the last one.
    /// </summary>
    public IProgress<StateResolution>? Resolved { get; init; }
}

/// <summary>The progress of one fetch.</summary>
/// <param name="Key">The state being fetched.</param>
/// <param name="Bytes">The bytes fetched so far from the current source.</param>
/// <param name="TotalBytes">The state's size, when the source said.</param>
/// <param name="Elapsed">The time since the fetch started.</param>
public sealed record StateFetchProgress(StateKey Key, long Bytes, long? TotalBytes, TimeSpan Elapsed);
