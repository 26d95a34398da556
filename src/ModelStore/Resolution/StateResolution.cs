using ModelStore.States;

namespace ModelStore.Resolution;

/// <summary>Where resolved bytes came from.</summary>
public enum StateSource
{
    /// <summary>The machine-wide cache already held them (verified).</summary>
    Cache = 1,

    /// <summary>A mirror of the state's store served them.</summary>
    Mirror = 2,

    /// <summary>The state's own store (or address) served them.</summary>
    Store = 3,

    /// <summary>
    /// A copy another program keeps on this machine served them, with no request (huggingface_hub's cache for a Hugging
    /// Face store, <see cref="Stores.ILocalCopyStore"/>): the hash was known (lock file or pin) and the bytes matched it.
    /// </summary>
    LocalCopy = 4,
}

/// <summary>What a resolution met that did not stop it (a build logs these as warnings).</summary>
public enum ResolutionWarningKind
{
    /// <summary>A state fetched from an address without a pin: the lock file pins it, the request should too (MST0012).</summary>
    PinRecommended = 1,

    /// <summary>A cached blob no longer had its own SHA-256 (modified on disk): it was removed and the state fetched again (MST0004).</summary>
    CacheRepaired = 2,

    /// <summary>A mirror was skipped (it lacked the state, failed, or served other bytes); the next source was tried.</summary>
    MirrorSkipped = 3,

    /// <summary>The lock file's entry was wrong about a state's size; the bytes with its SHA-256 were used and the entry corrected.</summary>
    LockEntryCorrected = 4,
}

/// <summary>A warning of a resolution.</summary>
/// <param name="Kind">What happened.</param>
/// <param name="Message">What happened and what to do, for a person.</param>
public sealed record ResolutionWarning(ResolutionWarningKind Kind, string Message)
{
    /// <summary>The build's warning code (<c>MST0012</c> for a missing pin, <c>MST0004</c> for a repaired cache, <c>MST0013</c> for a corrected lock entry), or <see langword="null"/> for a note (a skipped mirror).</summary>
    public string? BuildCode => Kind switch
    {
        ResolutionWarningKind.PinRecommended => "MST0012",
        ResolutionWarningKind.CacheRepaired => "MST0004",
        ResolutionWarningKind.LockEntryCorrected => "MST0013",
        _ => null,
    };
}

/// <summary>
/// The outcome of resolving one <see cref="StateRequest"/>: where the verified bytes are, what they are, where they came
/// from; or why there are none (<see cref="Failure"/>).
/// </summary>
public sealed class StateResolution
{
    internal StateResolution(StateRequest request, ResolutionFailure failure, IReadOnlyList<ResolutionWarning> warnings)
    {
        Request = request;
        Failure = failure;
        Warnings = warnings;
    }

    internal StateResolution(StateRequest request, string sha256, long size, string path, StateSource source, IReadOnlyList<ResolutionWarning> warnings)
    {
        Request = request;
        Sha256 = sha256;
        Size = size;
        Path = path;
        Source = source;
        Warnings = warnings;
    }

    /// <summary>The request resolved.</summary>
    public StateRequest Request { get; }

    /// <summary>The state's key.</summary>
    public StateKey Key => Request.Key;

    /// <summary>Whether the state resolved to verified bytes.</summary>
    public bool Succeeded => Failure is null;

    /// <summary>Why it did not, or <see langword="null"/>.</summary>
    public ResolutionFailure? Failure { get; }

    /// <summary>The SHA-256 of the bytes.</summary>
    public string? Sha256 { get; }

    /// <summary>The size of the bytes.</summary>
    public long Size { get; }

    /// <summary>
    /// Where the bytes are: a blob of the machine-wide cache, never modified in place; for a bundle, the folder of its
    /// files (under the cache's <c>bundles/</c>, each file a link to or a copy of its verified blob).
    /// </summary>
    public string? Path { get; }

    /// <summary>For a bundle: every file, sorted by path (<see cref="Sha256"/> is then the SHA-256 of their manifest); else <see langword="null"/>.</summary>
    public IReadOnlyList<BundleFile>? Files { get; init; }

    /// <summary>Where they came from.</summary>
    public StateSource? Source { get; }

    /// <summary>The name of the mirror that served them, when <see cref="Source"/> is <see cref="StateSource.Mirror"/>.</summary>
    public string? Mirror { get; init; }

    /// <summary>For a versioned store: the configured revision and the commit read.</summary>
    public StoreRevision? Revision { get; init; }

    /// <summary>The bytes this resolution downloaded (0 for a cache hit, or when another process fetched them).</summary>
    public long BytesDownloaded { get; init; }

    /// <summary>How long the fetch took (zero for a cache hit).</summary>
    public TimeSpan Elapsed { get; init; }

    /// <summary>What did not stop it.</summary>
    public IReadOnlyList<ResolutionWarning> Warnings { get; }

    /// <summary>The lock file entry of this outcome.</summary>
    /// <exception cref="InvalidOperationException">The resolution failed.</exception>
    public StateLockEntry ToLockEntry() => Failure is null
        ? new StateLockEntry(Key, Request.Store, Sha256!, Size) { Path = Request.Path, Url = Request.Url, Revision = Revision, Patterns = Request.Files?.Patterns, Files = Files }
        : throw new InvalidOperationException($"{Key} did not resolve: {Failure.Message}");

    /// <inheritdoc />
    public override string ToString() => Failure is null ? $"{Key} -> sha256:{Sha256} ({Source})" : $"{Key}: {Failure}";
}
