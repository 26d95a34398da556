using Microsoft.Build.Framework;
using ModelStore.Resolution;
using ModelStore.States;

namespace ModelStore.Build.Tasks;

/// <summary>A validated <c>ModelState</c> item: the core's request plus what only the build uses.</summary>
/// <param name="Item">The item as declared.</param>
/// <param name="Request">What to resolve.</param>
/// <param name="AccessorName">Metadata <c>AccessorName</c>, or <see langword="null"/>.</param>
/// <param name="CopyToOutput">Whether the state is copied into the output folder.</param>
internal sealed record ItemRequest(ITaskItem Item, StateRequest Request, string? AccessorName, bool CopyToOutput)
{
    /// <summary>This item resolved as <paramref name="outcome"/> says.</summary>
    public ResolvedState Resolved(StateResolution outcome) =>
        new(outcome, Item.ItemSpec.Trim(), AccessorName, CopyToOutput ? StateDescriptor.OutputRelativePath(Request.Key, bundle: Request.Files is not null) : null);
}

/// <summary>A state resolved to verified bytes in the cache, with the item's build-only metadata.</summary>
internal sealed record ResolvedState(StateResolution Outcome, string ItemSpec, string? AccessorName, string? OutputRelativePath)
{
    public StateKey Key => Outcome.Key;

    /// <summary>The store's name (for a <c>Url</c> state, its redacted store id).</summary>
    public string Store => Outcome.Request.Store;

    public string Sha256 => Outcome.Sha256!;

    public long Size => Outcome.Size;

    /// <summary>The blob in the cache (for a bundle, its folder in the cache).</summary>
    public string ResolvedPath => Outcome.Path!;

    /// <summary>For a bundle, its files (the folder <see cref="ResolvedPath"/> holds them); else <see langword="null"/>.</summary>
    public IReadOnlyList<BundleFile>? Files => Outcome.Files;

    /// <summary>Metadata <c>StateDictPath</c> (where the state dict is inside a checkpoint), or <see langword="null"/>.</summary>
    public string? StateDictPath => Outcome.Request.StateDictPath;
}
