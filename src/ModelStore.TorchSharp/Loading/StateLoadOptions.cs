namespace ModelStore.TorchSharp.Loading;

/// <summary>
/// How a state is loaded into a module: strictness, where the state dict is inside the file, and how its names map
/// onto the module's. Names are mapped in this order: <see cref="StripPrefix"/>, <see cref="AddPrefix"/>, <see cref="Rename"/>.
/// </summary>
public sealed class StateLoadOptions
{
    /// <summary>True (the default): every name and shape must match, else nothing is loaded; false: load what fits and report the rest.</summary>
    public bool Strict { get; init; } = true;

    /// <summary>
    /// Where the state dict is inside the file (for example <c>model</c>, <c>state_dict</c>, <c>model.encoder</c>);
    /// <see langword="null"/> to find it (see <see cref="Formats.StateFile.ConventionalStateDictKeys"/>).
    /// </summary>
    public string? StateDictPath { get; init; }

    /// <summary>A prefix removed from the state's names that start with it, for example <c>module.</c> for weights saved from <c>nn.DataParallel</c>.</summary>
    public string? StripPrefix { get; init; }

    /// <summary>A prefix put in front of every state name, for example <c>backbone.</c> to load a backbone's weights into a larger module.</summary>
    public string? AddPrefix { get; init; }

    /// <summary>Maps each state name (after the prefixes) to the module's name for it; must return a non-empty name.</summary>
    public Func<string, string>? Rename { get; init; }

    internal static StateLoadOptions For(bool strict) => strict ? StrictDefault : Partial;

    private static readonly StateLoadOptions StrictDefault = new();
    private static readonly StateLoadOptions Partial = new() { Strict = false };

    /// <summary>The module-side name of a state entry.</summary>
    internal string Map(string name)
    {
        var mapped = name;
        if (!string.IsNullOrEmpty(StripPrefix) && mapped.StartsWith(StripPrefix, StringComparison.Ordinal))
        {
            mapped = mapped[StripPrefix.Length..];
        }

        if (!string.IsNullOrEmpty(AddPrefix))
        {
            mapped = AddPrefix + mapped;
        }

        if (Rename is not null)
        {
            var renamed = Rename(mapped);
            mapped = string.IsNullOrEmpty(renamed)
                ? throw new ArgumentException($"The Rename callback returned an empty name for state entry '{name}'.", nameof(Rename))
                : renamed;
        }

        return mapped;
    }
}
