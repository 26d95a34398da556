using Apache.Arrow.Types;

namespace ModelStore.Arrow;

/// <summary>The names and the root schema of LegolasFlux.jl's model rows.</summary>
public static class ModelRowSchemas
{
    /// <summary>The schema metadata key holding the qualified schema identifier (Legolas.jl's).</summary>
    public const string SchemaMetadataKey = "legolas_schema_qualified";

    /// <summary>The Arrow extension name of the weights struct.</summary>
    public const string WeightsExtensionName = "JuliaLang.LegolasFlux.Weights";

    /// <summary>The Arrow extension name of one array's struct.</summary>
    public const string FlatArrayExtensionName = "JuliaLang.LegolasFlux.FlatArray";

    /// <summary>The field metadata key of an extension type's name.</summary>
    public const string ExtensionNameKey = "ARROW:extension:name";

    /// <summary>The field metadata key of an extension type's metadata.</summary>
    public const string ExtensionMetadataKey = "ARROW:extension:metadata";

    /// <summary>The name of the weights column.</summary>
    public const string WeightsColumn = "weights";

    /// <summary>The name of the architecture version column.</summary>
    public const string ArchitectureVersionColumn = "architecture_version";

    /// <summary>
    /// <c>legolas-flux.model@1</c>: an optional <c>weights</c> column and an optional <c>architecture_version</c> Int64.
    /// </summary>
    public static RowSchema ModelV1 { get; } = RowSchema.Declare(
        "legolas-flux.model",
        1,
        RowColumn.Weights(),
        RowColumn.Optional(ArchitectureVersionColumn, Int64Type.Default));
}
