namespace ModelStore.Downloads;

/// <summary>
/// A remote object that can be read by byte ranges: an S3 object, an Azure blob, a file on a web server or on the
/// Hugging Face Hub. <see cref="ChunkedDownloader"/> turns one into a parallel, resumable download.
/// </summary>
/// <remarks>
/// Implementations translate every failure into a <see cref="Stores.StateStoreException"/> with its
/// <see cref="Stores.StateStoreError"/>; the downloader retries the transient ones
/// (<see cref="Stores.StateStoreError.Unreachable"/>, <see cref="Stores.StateStoreError.Timeout"/>,
/// <see cref="Stores.StateStoreError.RateLimited"/>) and reports the others at once.
/// </remarks>
public interface IRangeReadableSource
{
    /// <summary>Names the object in messages (never credentials).</summary>
    string Description { get; }

    /// <summary>What the object is now: size, version and range support.</summary>
    /// <exception cref="Stores.StateStoreException"><see cref="Stores.StateStoreError.NotFound"/> when it does not exist, or another failure.</exception>
    Task<RemoteObject> GetObjectAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Opens <paramref name="length"/> bytes of the object from <paramref name="offset"/>, as it was when
    /// <paramref name="expected"/> was read. When the object does not accept ranges, only <c>offset == 0</c> with the whole
    /// length is asked for.
    /// </summary>
    /// <exception cref="Stores.StateStoreException">
    /// <see cref="Stores.StateStoreError.IntegrityMismatch"/> when the object no longer has <paramref name="expected"/>'s
    /// version (it changed during the download), or another failure.
    /// </exception>
    Task<Stream> OpenRangeAsync(RemoteObject expected, long offset, long length, CancellationToken cancellationToken = default);
}
