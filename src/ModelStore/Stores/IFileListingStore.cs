namespace ModelStore.Stores;

/// <summary>
/// An optional capability of a store whose files can be listed as well as named by path: a Hugging Face repository at
/// one commit, a local folder, the objects under an object store's base path, the files of an OCI artifact. Bundle
/// states (<c>ModelState</c> <c>Files</c> metadata, <c>modelstore pull --include</c>) list the files, match their
/// patterns, then read each file through <see cref="IFileAddressableStore.ForFile"/>.
/// </summary>
public interface IFileListingStore : IFileAddressableStore
{
    /// <summary>
    /// Every file under the store's root, recursively, as paths relative to that root (<c>/</c>-separated, no <c>.</c>
    /// or <c>..</c> segment) with their sizes and, when the store knows it without reading the bytes, their SHA-256.
    /// </summary>
    /// <exception cref="StateStoreException">The store cannot be listed (<see cref="StateStoreError.NotFound"/> when its root does not exist).</exception>
    Task<IReadOnlyList<StoreFile>> ListFilesAsync(CancellationToken cancellationToken = default);
}

/// <summary>A file listed by an <see cref="IFileListingStore"/>.</summary>
/// <param name="Path">The path relative to the store's root, <c>/</c>-separated.</param>
/// <param name="Size">The size in bytes.</param>
public sealed record StoreFile(string Path, long Size)
{
    /// <summary>
    /// The lower-case hexadecimal SHA-256 of the bytes when the store records it (a Hub LFS file, an OCI layer digest),
    /// else <see langword="null"/>. A hint only: the bytes are always checked after the download.
    /// </summary>
    public string? Sha256 { get; init; }
}
