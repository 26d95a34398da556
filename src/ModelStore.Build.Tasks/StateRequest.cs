using Microsoft.Build.Framework;
using ModelStore.States;

namespace ModelStore.Build.Tasks;

/// <summary>A validated <c>ModelState</c> item.</summary>
/// <param name="Item">The item as declared.</param>
/// <param name="Key">The parsed key (the item's Include).</param>
/// <param name="Store">The name of the store it comes from (metadata <c>Store</c>).</param>
/// <param name="PinnedSha256">The hash it must have (metadata <c>Sha256</c>), normalized, or <see langword="null"/>.</param>
/// <param name="AccessorName">Metadata <c>AccessorName</c>, or <see langword="null"/>.</param>
/// <param name="CopyToOutput">Whether the state is copied into the output folder.</param>
internal sealed record StateRequest(ITaskItem Item, StateKey Key, string Store, string? PinnedSha256, string? AccessorName, bool CopyToOutput);

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
}
