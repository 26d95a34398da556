using System.Security.Cryptography;

namespace ModelStore.Caching;

/// <summary>What <see cref="StateCache.CheckBlobAsync(string, CancellationToken)"/> found.</summary>
public enum BlobCondition
{
    /// <summary>No blob has that name.</summary>
    Missing = 1,

    /// <summary>The blob has the SHA-256 it is named after.</summary>
    Valid = 2,

    /// <summary>The blob did not have the SHA-256 it is named after (it was modified on disk), and was deleted.</summary>
    Removed = 3,
}

/// <summary>The condition of a blob, its size when valid, and its path.</summary>
/// <param name="Condition">What was found.</param>
/// <param name="Size">The blob's size when <see cref="BlobCondition.Valid"/>, else 0.</param>
/// <param name="Path">Where the blob is (or was).</param>
public sealed record BlobCheck(BlobCondition Condition, long Size, string Path);

/// <summary>Verification and repair of cached blobs: the one place where the cache deletes a blob because of its bytes.</summary>
public sealed partial class StateCache
{
    /// <summary>
    /// Re-hashes the blob named <paramref name="sha256"/>. A blob is judged by its own name only: one whose bytes no longer
    /// have that hash is deleted (the next fetch replaces it), one that has it is kept, whatever an index entry, a lock
    /// file or a caller claims about its size. A wrong claim is the claim's problem, never a reason to delete valid bytes
    /// that other states and projects share.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="sha256"/> is not 64 hexadecimal digits.</exception>
    public async Task<BlobCheck> CheckBlobAsync(string sha256, CancellationToken cancellationToken = default)
    {
        var hash = NormalizeSha256(sha256);
        var path = GetBlobPath(hash);
        long size;
        byte[] actual;
        try
        {
            var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1 << 20, FileOptions.Asynchronous | FileOptions.SequentialScan);
            await using (stream.ConfigureAwait(false))
            {
                size = stream.Length;
                actual = await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return new BlobCheck(BlobCondition.Missing, 0, path);
        }

        if (string.Equals(Convert.ToHexStringLower(actual), hash, StringComparison.Ordinal))
        {
            return new BlobCheck(BlobCondition.Valid, size, path);
        }

        File.Delete(path);
        return new BlobCheck(BlobCondition.Removed, 0, path);
    }
}
