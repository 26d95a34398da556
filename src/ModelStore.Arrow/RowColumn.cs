using Apache.Arrow.Types;

namespace ModelStore.Arrow;

/// <summary>
/// A column declared by a row schema: a name, an Arrow type and whether it may be missing (Julia's
/// <c>Union{Missing,T}</c>). Optional columns may be null or absent from a file; required ones may not.
/// </summary>
public sealed class RowColumn
{
    private RowColumn(string name, IArrowType? type, bool isOptional)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Name = name;
        Type = type;
        IsOptional = isOptional;
    }

    /// <summary>The column name.</summary>
    public string Name { get; }

    /// <summary>The declared Arrow type; null for the weights column, whose element type is chosen per row.</summary>
    public IArrowType? Type { get; }

    /// <summary>True when the weights column (LegolasFlux's <c>Weights</c> struct).</summary>
    public bool IsWeights => Type is null;

    /// <summary>Whether the value may be missing (null, or the column absent).</summary>
    public bool IsOptional { get; }

    /// <summary>A column whose value may be missing.</summary>
    public static RowColumn Optional(string name, IArrowType type) =>
        new(name, type ?? throw new ArgumentNullException(nameof(type)), isOptional: true);

    /// <summary>A column whose value is always present.</summary>
    public static RowColumn Required(string name, IArrowType type) =>
        new(name, type ?? throw new ArgumentNullException(nameof(type)), isOptional: false);

    /// <summary>LegolasFlux's <c>weights</c> column (any numeric element type), for extensions that re-declare it.</summary>
    public static RowColumn Weights() => new(ModelRowSchemas.WeightsColumn, null, isOptional: true);

    /// <summary>Whether <paramref name="other"/> declares the same name, type and optionality.</summary>
    public bool IsSameDeclaration(RowColumn other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return Name == other.Name && IsOptional == other.IsOptional && IsWeights == other.IsWeights
            && (IsWeights || ArrowTypeMatcher.Matches(Type!, other.Type!));
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"{Name}::{(IsWeights ? "Weights" : ArrowTypeMatcher.Describe(Type!))}{(IsOptional ? " (optional)" : string.Empty)}";
}
