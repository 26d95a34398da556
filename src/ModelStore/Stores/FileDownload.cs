namespace ModelStore.Stores;

/// <summary>What <see cref="IFileDownloadingStore.DownloadToFileAsync"/> produced.</summary>
/// <param name="Size">The size of the downloaded file, in bytes.</param>
/// <param name="BytesTransferred">The bytes this call transferred (less than <paramref name="Size"/> when it resumed an earlier download).</param>
/// <param name="Sha256">The lower-case hex SHA-256 of the file's bytes, read back from the file as the download completed.</param>
public sealed record FileDownload(long Size, long BytesTransferred, string Sha256);
