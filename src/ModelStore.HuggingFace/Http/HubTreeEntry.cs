namespace ModelStore.HuggingFace.Http;

/// <summary>One entry of a repository tree listing (<c>GET /api/{models|datasets}/{repo}/tree/{revision}/{path}</c>).</summary>
/// <param name="Path">The entry's path from the repository's root.</param>
/// <param name="IsFile">A file (<c>"type": "file"</c>) rather than a folder (<c>"directory"</c>).</param>
/// <param name="Size">The file's size (a large file's real size, not its pointer's).</param>
/// <param name="Sha256">A large (LFS) file's SHA-256 (<c>lfs.oid</c>), else <see langword="null"/>.</param>
internal sealed record HubTreeEntry(string Path, bool IsFile, long Size, string? Sha256);
