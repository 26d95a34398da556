namespace ModelStore.Stores;

/// <summary>What went wrong in a store operation. Every <see cref="StateStoreException"/> carries one.</summary>
public enum StateStoreError
{
    /// <summary>The state is not in the store.</summary>
    NotFound = 1,

    /// <summary>A state already exists under the key and overwriting was not asked for.</summary>
    AlreadyExists = 2,

    /// <summary>The store cannot be written to (a list store, for instance).</summary>
    ReadOnly = 3,

    /// <summary>The model's state type is not compatible with the state's.</summary>
    IncompatibleStateType = 4,

    /// <summary>The store refused the credentials, or none were given where they are needed.</summary>
    AccessDenied = 5,

    /// <summary>The store could not be reached.</summary>
    Unreachable = 6,

    /// <summary>The store did not answer in time.</summary>
    Timeout = 7,

    /// <summary>The bytes do not match the expected hash or size.</summary>
    IntegrityMismatch = 8,

    /// <summary>The store's content is malformed (a corrupt archive, an oversized payload, ...).</summary>
    InvalidContent = 9,

    /// <summary>The store's request quota is exhausted; see the message for when it resets.</summary>
    RateLimited = 10,

    /// <summary>The store's container (bucket, repository, folder) does not exist.</summary>
    ContainerNotFound = 11,
}
