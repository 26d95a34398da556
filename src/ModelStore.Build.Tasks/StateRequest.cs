using Microsoft.Build.Framework;
using ModelStore.States;
using ModelStore.Stores;

namespace ModelStore.Build.Tasks;

/// <summary>A validated <c>ModelState</c> item.</summary>
/// <param name="Item">The item as declared.</param>
/// <param name="Key">The parsed key (the item's Include).</param>
/// <param name="Store">The name of the store it comes from (metadata <c>Store</c>).</param>
/// <param name="PinnedSha256">The hash it must have (metadata <c>Sha256</c>), normalized, or <see langword="null"/>.</param>
/// <param name="AccessorName">Metadata <c>AccessorName</c>, or <see langword="null"/>.</param>
/// <param name="CopyToOutput">Whether the state is copied into the output folder.</param>
internal sealed record StateRequest(ITaskItem Item, StateKey Key, string Store, string? PinnedSha256, string? AccessorName, bool CopyToOutput)
{
    /// <summary>Metadata <c>Path</c>: the store's file to read instead of the layout's name, or <see langword="null"/>.</summary>
    public string? FilePath { get; init; }

    /// <summary>Metadata <c>Url</c>: the address a store-less state is fetched from; <see cref="Store"/> is then its <see cref="UrlStateStore.Id"/>.</summary>
    public Uri? Url { get; init; }

    /// <summary>Metadata <c>StateDictPath</c> (where the state dict is inside a checkpoint), or <see langword="null"/>.</summary>
    public string? StateDictPath { get; init; }

    /// <summary>This state resolved to the bytes <paramref name="sha256"/> at <paramref name="resolvedPath"/>, read at <paramref name="revision"/> of a versioned store.</summary>
    public ResolvedState Resolved(string sha256, long size, string resolvedPath, StoreRevision? revision = null) =>
        new(Key, Item.ItemSpec.Trim(), Store, sha256, size, resolvedPath, AccessorName, CopyToOutput ? StateDescriptor.OutputRelativePath(Key) : null)
        {
            StateDictPath = StateDictPath,
            FilePath = FilePath,
            Revision = revision,
        };
}

/// <summary>A state resolved to verified bytes in the cache.</summary>
internal sealed record ResolvedState(
    StateKey Key,
    string ItemSpec,
    string Store,
    string Sha256,
    long Size,
    string ResolvedPath,
    string? AccessorName,
    string? OutputRelativePath)
{
    /// <summary>Metadata <c>StateDictPath</c> (where the state dict is inside a checkpoint), or <see langword="null"/>.</summary>
    public string? StateDictPath { get; init; }

    /// <summary>Metadata <c>Path</c> (the store's file read), or <see langword="null"/>.</summary>
    public string? FilePath { get; init; }

    /// <summary>For a versioned store: the revision it reads as configured (a branch such as <c>main</c>) and the commit that was read.</summary>
    public StoreRevision? Revision { get; init; }
}

/// <summary>What a versioned store (<see cref="Stores.IRevisionedStore"/>) read: the configured revision and the immutable one it resolved to.</summary>
/// <param name="Requested">The revision as configured: a branch, a tag or a commit.</param>
/// <param name="Resolved">The commit it pointed to when the state was resolved (the lock file's <c>revision</c>).</param>
internal sealed record StoreRevision(string Requested, string Resolved);
