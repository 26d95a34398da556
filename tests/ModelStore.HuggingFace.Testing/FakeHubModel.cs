using System.Collections.Immutable;

namespace ModelStore.HuggingFace.Testing;

/// <summary>One file of a commit: its bytes live in <see cref="BlobPath"/>; a large (LFS) file is served from the storage host.</summary>
/// <param name="Path">The path from the repository's root.</param>
/// <param name="Size">The file's size.</param>
/// <param name="Sha256">The SHA-256 of the bytes (a large file's LFS id).</param>
/// <param name="GitOid">The Git blob id: of the bytes for a file in Git, of the LFS pointer for a large file.</param>
/// <param name="IsLfs">Whether the file is stored with LFS (redirected to the storage host).</param>
/// <param name="BlobPath">Where the bytes are on disk.</param>
public sealed record FakeHubFile(string Path, long Size, string Sha256, string GitOid, bool IsLfs, string BlobPath);

/// <summary>An immutable commit: every file of the repository at that point.</summary>
public sealed record FakeHubCommit(string Sha, string? Parent, ImmutableSortedDictionary<string, FakeHubFile> Files);

/// <summary>A repository of the fake Hub: commits, branches, tags, and who may read it.</summary>
public sealed class FakeHubRepository(string id, string repoType, bool isPrivate, bool isGated, bool lfsForWeights)
{
    /// <summary><c>org/name</c>.</summary>
    public string Id { get; } = id;

    /// <summary><c>model</c> or <c>dataset</c>.</summary>
    public string RepoType { get; } = repoType;

    /// <summary>Private: invisible (401 anonymous, 404 with a token) except to granted tokens.</summary>
    public bool IsPrivate { get; } = isPrivate;

    /// <summary>Gated: listed and described publicly, but its files need a granted token (401/403 GatedRepo).</summary>
    public bool IsGated { get; } = isGated;

    /// <summary>Whether weight files (<c>*.pt</c>, <c>*.safetensors</c>, <c>*.onnx</c>, ...) are stored with LFS, as the Hub's default <c>.gitattributes</c> says.</summary>
    public bool LfsForWeights { get; } = lfsForWeights;

    internal Dictionary<string, FakeHubCommit> Commits { get; } = new(StringComparer.Ordinal);

    internal Dictionary<string, string> Branches { get; } = new(StringComparer.Ordinal);

    internal Dictionary<string, string> Tags { get; } = new(StringComparer.Ordinal);

    internal HashSet<string> GrantedTokens { get; } = new(StringComparer.Ordinal);

    /// <summary>The commit a branch, tag or full commit id names, or <see langword="null"/>.</summary>
    internal FakeHubCommit? Resolve(string revision) =>
        Branches.TryGetValue(revision, out var branch) ? Commits[branch]
        : Tags.TryGetValue(revision, out var tag) ? Commits[tag]
        : Commits.GetValueOrDefault(revision);
}
