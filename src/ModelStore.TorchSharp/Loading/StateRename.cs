namespace ModelStore.TorchSharp.Loading;

/// <summary>A state entry loaded under another name (by <see cref="StateLoadOptions"/>'s prefixes or rename callback).</summary>
/// <param name="From">The name in the file.</param>
/// <param name="To">The name in the module.</param>
public sealed record StateRename(string From, string To)
{
    /// <inheritdoc />
    public override string ToString() => $"{From} -> {To}";
}
