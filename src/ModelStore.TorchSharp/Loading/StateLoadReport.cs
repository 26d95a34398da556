using System.Collections.Immutable;
using static TorchSharp.torch;

namespace ModelStore.TorchSharp.Loading;

/// <summary>A state entry whose shape differs from the module's entry of the same name.</summary>
/// <param name="Name">The state-dict key.</param>
/// <param name="ModuleShape">The shape in the module.</param>
/// <param name="StateShape">The shape in the state file.</param>
public sealed record StateMismatch(string Name, ImmutableArray<long> ModuleShape, ImmutableArray<long> StateShape)
{
    /// <inheritdoc />
    public override string ToString() => $"{Name} (module [{string.Join(", ", ModuleShape)}], state [{string.Join(", ", StateShape)}])";
}

/// <summary>
/// What loading a state into a module did. Parameters and buffers (BatchNorm running statistics and
/// <c>num_batches_tracked</c> included) are all state entries.
/// </summary>
public sealed class StateLoadReport
{
    internal StateLoadReport(
        ImmutableArray<string> loaded,
        ImmutableArray<string> missing,
        ImmutableArray<string> unexpected,
        ImmutableArray<StateMismatch> mismatched,
        ImmutableArray<string> converted,
        ImmutableArray<StateRename> renamed = default,
        string? stateDictPath = null)
    {
        Loaded = loaded;
        Missing = missing;
        Unexpected = unexpected;
        Mismatched = mismatched;
        Converted = converted;
        Renamed = renamed.IsDefault ? [] : renamed;
        StateDictPath = stateDictPath;
    }

    /// <summary>Entries copied into the module.</summary>
    public ImmutableArray<string> Loaded { get; }

    /// <summary>Module entries the state does not have (left as they were).</summary>
    public ImmutableArray<string> Missing { get; }

    /// <summary>State entries the module does not have (ignored).</summary>
    public ImmutableArray<string> Unexpected { get; }

    /// <summary>Entries present in both with different shapes (left as they were).</summary>
    public ImmutableArray<StateMismatch> Mismatched { get; }

    /// <summary>Loaded entries whose element type was converted (for example float16 in the file, float32 in the module).</summary>
    public ImmutableArray<string> Converted { get; }

    /// <summary>State entries whose names were mapped (prefix stripped or added, renamed); the other names lists use the module's names.</summary>
    public ImmutableArray<StateRename> Renamed { get; }

    /// <summary>Where the state dict was found inside the file (for example <c>model</c>), or <see langword="null"/> when the file's root is the state dict.</summary>
    public string? StateDictPath { get; }

    /// <summary>Whether every module entry was loaded and every state entry used.</summary>
    public bool IsComplete => Missing.IsEmpty && Unexpected.IsEmpty && Mismatched.IsEmpty;

    /// <inheritdoc />
    public override string ToString()
    {
        var text = $"{Loaded.Length} loaded";
        var details = new List<string>();
        if (Converted.Length > 0)
        {
            details.Add($"{Converted.Length} converted from another element type");
        }

        if (Renamed.Length > 0)
        {
            details.Add($"{Renamed.Length} renamed, such as {Renamed[0]}");
        }

        if (details.Count > 0)
        {
            text += $" ({string.Join(", ", details)})";
        }

        if (StateDictPath is not null)
        {
            text += $" from the state dict at '{StateDictPath}'";
        }

        text += Describe("missing from the state", Missing);
        text += Describe("unexpected in the state", Unexpected);
        text += Describe("with mismatched shapes", Mismatched.Select(m => m.ToString()).ToList());
        return text;
    }

    private static string Describe(string what, IReadOnlyCollection<string> names)
    {
        const int Shown = 20;
        if (names.Count == 0)
        {
            return string.Empty;
        }

        var list = string.Join(", ", names.Take(Shown));
        return names.Count > Shown ? $"; {names.Count} {what}: {list}, and {names.Count - Shown} more" : $"; {names.Count} {what}: {list}";
    }

    /// <summary>
    /// A prefix option that would turn the unexpected names into the missing ones (weights saved from
    /// <c>nn.DataParallel</c> carry <c>module.</c> on every name), or <see langword="null"/>.
    /// </summary>
    internal string? SuggestPrefixOption()
    {
        if (Missing.IsEmpty || Unexpected.IsEmpty)
        {
            return null;
        }

        var missing = Missing.ToHashSet(StringComparer.Ordinal);
        var needed = Math.Max(1, Math.Min(Missing.Length, Unexpected.Length) / 2);
        var first = Missing[0];
        foreach (var name in Unexpected)
        {
            if (name.Length > first.Length && name.EndsWith(first, StringComparison.Ordinal))
            {
                var prefix = name[..^first.Length];
                if (Unexpected.Count(n => n.StartsWith(prefix, StringComparison.Ordinal) && missing.Contains(n[prefix.Length..])) >= needed)
                {
                    return $"StripPrefix = \"{prefix}\"";
                }
            }

            if (first.Length > name.Length && first.EndsWith(name, StringComparison.Ordinal))
            {
                var prefix = first[..^name.Length];
                if (Unexpected.Count(n => missing.Contains(prefix + n)) >= needed)
                {
                    return $"AddPrefix = \"{prefix}\"";
                }
            }
        }

        return null;
    }

    internal static ImmutableArray<long> ShapeOf(Tensor tensor) => [.. tensor.shape];
}
