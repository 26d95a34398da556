namespace ModelStore.Stores;

/// <summary>
/// What a declared store setting holds. <see cref="StateStoreSettings.Validate"/> checks each given value by its type
/// (the same rules as <see cref="StateStoreSettings.GetBoolean"/>, <see cref="StateStoreSettings.GetWholeNumber"/> and
/// <see cref="StateStoreSettings.GetSeconds"/>), so a bad value is an error before any store is created.
/// </summary>
public enum StateStoreSettingType
{
    /// <summary>Free text (a name, a region, a revision); the provider checks its own rules.</summary>
    Text,

    /// <summary><c>true</c> or <c>false</c> (case-insensitive).</summary>
    Boolean,

    /// <summary>A whole number above zero (a parallelism).</summary>
    WholeNumber,

    /// <summary>A whole number, zero or more (a number of retries).</summary>
    Count,

    /// <summary>A whole number of seconds above zero (a timeout).</summary>
    Seconds,

    /// <summary>A whole number of bytes above zero (a chunk or part size).</summary>
    Bytes,

    /// <summary>An absolute <c>http</c> or <c>https</c> address, without user name or password.</summary>
    Url,

    /// <summary>A file-system path, relative to the project's folder (<see cref="StateStoreSettings.BaseDirectory"/>).</summary>
    Path,
}
