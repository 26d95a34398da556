namespace ModelStore.Downloads;

/// <summary>
/// A progress receiver that also wants the total: <see cref="ChunkedDownloader"/> and the cache call
/// <see cref="ReportTotal"/> once the size is known, before the first <see cref="IProgress{T}.Report"/>, so that a
/// progress bar can show a percentage. Any other <see cref="IProgress{T}"/> of bytes works too, without the total.
/// </summary>
public interface IDownloadProgress : IProgress<long>
{
    /// <summary>The number of bytes the transfer will have when complete.</summary>
    void ReportTotal(long totalBytes);
}
