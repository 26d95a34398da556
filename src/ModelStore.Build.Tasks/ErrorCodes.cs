namespace ModelStore.Build.Tasks;

/// <summary>The codes of the errors and warnings the task logs (documented in docs/build.md).</summary>
internal static class ErrorCodes
{
    /// <summary>A ModelState's Include is not a valid key.</summary>
    public const string InvalidKey = "MST0001";

    /// <summary>A ModelState names a store that no ModelStore item declares.</summary>
    public const string UnknownStore = "MST0002";

    /// <summary>The store has no state under the key.</summary>
    public const string NotInStore = "MST0003";

    /// <summary>Bytes do not have the expected SHA-256 (a tampered cache blob, or a store that changed).</summary>
    public const string HashMismatch = "MST0004";

    /// <summary>The store could not be reached or failed.</summary>
    public const string StoreError = "MST0005";

    /// <summary>Offline mode and the state is not in the cache.</summary>
    public const string OfflineMiss = "MST0006";

    /// <summary>Locked mode and the state is missing from the lock file or has another hash.</summary>
    public const string LockedDrift = "MST0007";

    /// <summary>A ModelStore item is invalid (no Kind, unknown Kind, missing or bad setting).</summary>
    public const string InvalidStore = "MST0008";

    /// <summary>The machine-wide cache could not be read or written.</summary>
    public const string CacheError = "MST0009";

    /// <summary>The lock file is malformed or cannot be written.</summary>
    public const string InvalidLockFile = "MST0010";

    /// <summary>A ModelState item's metadata is invalid (bad Sha256 pin, a key declared twice).</summary>
    public const string InvalidStateItem = "MST0011";

    // MST0020 (target framework below net8.0) and MST0021 (MSBuild older than 18) are raised by the targets.

    /// <summary>A design-time build met a state the lock file and the cache do not know yet (a warning).</summary>
    public const string NotYetResolved = "MST0022";

    /// <summary>A state fetched from a <c>Url</c> without a <c>Sha256</c> pin (a warning: the lock file pins it, the item should).</summary>
    public const string UnpinnedUrl = "MST0012";

    /// <summary>The subcategory shown before the code.</summary>
    public const string Subcategory = "ModelStore";
}
