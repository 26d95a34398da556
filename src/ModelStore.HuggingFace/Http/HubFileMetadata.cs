namespace ModelStore.HuggingFace.Http;

/// <summary>
/// What the Hub says about one file at one revision, from a <c>HEAD</c> of its <c>resolve</c> address (huggingface_hub's
/// <c>HfFileMetadata</c>).
/// </summary>
/// <param name="Path">The file's path in the repository.</param>
/// <param name="Commit">The commit the revision resolved to (<c>X-Repo-Commit</c>).</param>
/// <param name="ETag">
/// The file's content id, unquoted: the SHA-256 of a large (LFS) file (<c>X-Linked-Etag</c>), the Git blob SHA-1 of a
/// file stored in Git (<c>ETag</c>), or whatever a compatible server sends.
/// </param>
/// <param name="Size">The file's size in bytes (<c>X-Linked-Size</c>, else <c>Content-Length</c>).</param>
/// <param name="Location">Where the bytes are when the Hub redirects to a storage host (large files); <see langword="null"/> when the Hub serves them itself.</param>
/// <param name="AcceptsRanges">Whether ranged reads work.</param>
internal sealed record HubFileMetadata(string Path, string Commit, string ETag, long Size, Uri? Location, bool AcceptsRanges)
{
    /// <summary>The SHA-256 the bytes must have, when the Hub gave one (a large file's LFS id).</summary>
    public string? Sha256 => IsHex(ETag, 64) ? ETag.ToLowerInvariant() : null;

    /// <summary>The Git blob SHA-1 the bytes must have, when the Hub gave one (a file stored in Git).</summary>
    public string? GitBlobSha1 => IsHex(ETag, 40) ? ETag.ToLowerInvariant() : null;

    private static bool IsHex(string text, int length) => text.Length == length && text.All(char.IsAsciiHexDigit);
}
