using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using ModelStore.States;
using ModelStore.Stores;

namespace ModelStore.HuggingFace.Http;

/// <summary>
/// Checks downloaded bytes against the content id the Hub gave for the file before they go anywhere: the SHA-256 of a
/// large (LFS) file, or the Git blob SHA-1 (<c>sha1("blob {size}\0" + bytes)</c>) of a file stored in Git. An id of
/// another form (a compatible server's own ETag) leaves the size as the only check.
/// </summary>
internal static class HubContentCheck
{
    /// <summary>Checks a downloaded file (its SHA-256 already computed by the download).</summary>
    /// <exception cref="StateStoreException"><see cref="StateStoreError.IntegrityMismatch"/> when size or hash differ.</exception>
    public static async Task VerifyFileAsync(HubFileMetadata metadata, string path, FileDownload download, string source, StateKey? key, CancellationToken cancellationToken)
    {
        if (download.Size != metadata.Size)
        {
            throw Mismatch(metadata, source, key, $"{download.Size} bytes arrived where the Hub announced {metadata.Size}");
        }

        if (metadata.Sha256 is { } sha256 && !string.Equals(sha256, download.Sha256, StringComparison.OrdinalIgnoreCase))
        {
            throw Mismatch(metadata, source, key, $"the bytes have SHA-256 {download.Sha256}, but the Hub gives {sha256} for this file");
        }

        if (metadata.GitBlobSha1 is { } sha1)
        {
            var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
            await using (stream.ConfigureAwait(false))
            {
                using var hash = StartGitBlobHash(metadata.Size);
                var buffer = new byte[1 << 16];
                int read;
                while ((read = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    hash.AppendData(buffer, 0, read);
                }

                var actual = Convert.ToHexStringLower(hash.GetHashAndReset());
                if (!string.Equals(actual, sha1, StringComparison.Ordinal))
                {
                    throw Mismatch(metadata, source, key, $"the bytes have Git blob id {actual}, but the Hub gives {sha1} for this file");
                }
            }
        }
    }

    /// <summary>The hash a stream of the file is checked with, or <see langword="null"/> when the Hub gave no content hash.</summary>
    public static IncrementalHash? StartHash(HubFileMetadata metadata) =>
        metadata.Sha256 is not null ? IncrementalHash.CreateHash(HashAlgorithmName.SHA256)
        : metadata.GitBlobSha1 is not null ? StartGitBlobHash(metadata.Size)
        : null;

    /// <summary>Checks what a stream delivered in full (<paramref name="hash"/> from <see cref="StartHash"/>).</summary>
    public static void VerifyStream(HubFileMetadata metadata, long size, IncrementalHash? hash, string source, StateKey? key)
    {
        if (size != metadata.Size)
        {
            throw Mismatch(metadata, source, key, $"{size} bytes arrived where the Hub announced {metadata.Size}");
        }

        if (hash is not null)
        {
            var actual = Convert.ToHexStringLower(hash.GetHashAndReset());
            var expected = metadata.Sha256 ?? metadata.GitBlobSha1!;
            if (!string.Equals(actual, expected, StringComparison.Ordinal))
            {
                throw Mismatch(metadata, source, key, $"the bytes hash to {actual}, but the Hub gives {expected} for this file");
            }
        }
    }

    /// <summary>A SHA-1 primed with Git's blob header, so the file's bytes complete its Git blob id.</summary>
    public static IncrementalHash StartGitBlobHash(long size)
    {
        var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
        hash.AppendData(Encoding.ASCII.GetBytes($"blob {size.ToString(CultureInfo.InvariantCulture)}\0"));
        return hash;
    }

    private static StateStoreException Mismatch(HubFileMetadata metadata, string source, StateKey? key, string why) =>
        new(StateStoreError.IntegrityMismatch, $"{metadata.Path} at commit {metadata.Commit} of {source}: {why}. The bytes were discarded; the storage host served a damaged or different file.", key);
}
