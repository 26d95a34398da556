using ModelStore.States;

namespace ModelStore.Resolution;

/// <summary>
/// One pinned state of a lock file (<see cref="StateLockFile"/>): the exact bytes (SHA-256 and size) a key resolved to,
/// and where they came from. Entries are plain data, checked by <see cref="StateLockFileFormat"/> when read; they never
/// decide which code runs or where a credential goes.
/// </summary>
/// <remarks>
/// Room to grow: a later version adds fields here (a bundle's file list, an OCI manifest digest) and in
/// <see cref="StateLockFileFormat"/>, which ignores fields it does not know, so older readers keep working.
/// </remarks>
public sealed record StateLockEntry
{
    /// <summary>Creates an entry.</summary>
    /// <param name="key">The state.</param>
    /// <param name="store">The name of the store it comes from, or for a <c>Url</c> state its store id (<c>url:</c> and the redacted address).</param>
    /// <param name="sha256">The SHA-256 of its bytes (64 hexadecimal digits).</param>
    /// <param name="size">The size of its bytes.</param>
    /// <exception cref="ArgumentException">A value breaks the lock file's rules; the message says which.</exception>
    public StateLockEntry(StateKey key, string store, string sha256, long size)
    {
        ArgumentNullException.ThrowIfNull(key);
        Key = key;
        Store = LockFileRules.Text(store, "store");
        Sha256 = LockFileRules.Sha256(sha256);
        Size = size >= 0 ? size : throw new ArgumentOutOfRangeException(nameof(size), size, "A size is zero or more bytes.");
    }

    /// <summary>The state.</summary>
    public StateKey Key { get; }

    /// <summary>The store's name (or a <c>Url</c> state's store id, <c>url:</c> and the redacted address).</summary>
    public string Store { get; }

    /// <summary>Lower-case hexadecimal SHA-256 of the bytes.</summary>
    public string Sha256 { get; }

    /// <summary>The size of the bytes.</summary>
    public long Size { get; }

    /// <summary>The store's file the state was read from (<c>Path</c> metadata, lock field <c>path</c>), or <see langword="null"/> for the layout's name.</summary>
    public string? Path
    {
        get;
        init => field = value is null ? null : LockFileRules.FilePath(value);
    }

    /// <summary>
    /// For a <c>Url</c> state: the address itself (lock field <c>url</c>), pre-signed query included, as the project
    /// file gives it; <see cref="Store"/> holds only its redacted form.
    /// </summary>
    public Uri? Url
    {
        get;
        init => field = value is null ? null : LockFileRules.Url(value);
    }

    /// <summary>
    /// For a bundle state: the patterns it was resolved from (<c>Files</c> metadata, lock field <c>patterns</c>), or
    /// <see langword="null"/> for a single-file state. A request with other patterns no longer matches the entry.
    /// </summary>
    public IReadOnlyList<string>? Patterns
    {
        get;
        init => field = value is null ? null : new FilePatterns(value).Patterns;
    }

    /// <summary>
    /// For a bundle state: every file it resolved to (lock field <c>files</c>), sorted by path; <see cref="Sha256"/> is
    /// then <see cref="BundleFile.ManifestSha256"/> of them and <see cref="Size"/> their total.
    /// </summary>
    public IReadOnlyList<BundleFile>? Files
    {
        get;
        init => field = value?.OrderBy(file => file.Path, StringComparer.Ordinal).ToList();
    }

    /// <summary>For a versioned store: the configured revision and the commit read (lock fields <c>ref</c> and <c>revision</c>).</summary>
    public StoreRevision? Revision
    {
        get;
        init => field = value is null ? null : new StoreRevision(LockFileRules.Revision(value.Requested, "ref"), LockFileRules.Revision(value.Resolved, "revision"));
    }
}
