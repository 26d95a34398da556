namespace ModelStore.Resolution;

/// <summary>
/// Why a state could not be resolved. Each kind has one build error code and one exit code of the command line
/// (<see cref="ResolutionFailure.BuildCode"/>, <see cref="ResolutionFailure.ExitCode"/>), documented in docs/build.md.
/// </summary>
public enum ResolutionFailureKind
{
    /// <summary>The key is not a valid state key (MST0001, exit 2).</summary>
    InvalidKey = 1,

    /// <summary>The request names a store nobody declared (MST0002, exit 2).</summary>
    UnknownStore = 2,

    /// <summary>The store has no state under the key, or no file at the address (MST0003, exit 1).</summary>
    NotInStore = 3,

    /// <summary>Bytes do not have the expected SHA-256 (MST0004, exit 1).</summary>
    HashMismatch = 4,

    /// <summary>The store failed or could not be reached (MST0005, exit 1).</summary>
    StoreError = 5,

    /// <summary>Offline, and the state is not in the cache (MST0006, exit 1).</summary>
    OfflineMiss = 6,

    /// <summary>Locked, and the state is missing from the lock file or resolves to other bytes (MST0007, exit 1).</summary>
    LockedDrift = 7,

    /// <summary>A store definition is invalid (MST0008, exit 2).</summary>
    InvalidStore = 8,

    /// <summary>The machine-wide cache cannot be used (MST0009, exit 1).</summary>
    CacheError = 9,

    /// <summary>The lock file is malformed, cannot be written, or asks for what only the user may decide (MST0010, exit 2).</summary>
    InvalidLockFile = 10,

    /// <summary>The request itself is invalid: a bad pin, path or address (MST0011, exit 2).</summary>
    InvalidRequest = 11,

    /// <summary>The resolution was canceled (exit 130).</summary>
    Canceled = 12,
}
