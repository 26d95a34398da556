using Apache.Arrow.Types;

namespace ModelStore.Arrow;

/// <summary>Structural comparison of Arrow types: what a declared column accepts.</summary>
internal static class ArrowTypeMatcher
{
    /// <summary>Whether a value of <paramref name="actual"/> type satisfies a column declared as <paramref name="declared"/>.</summary>
    /// <remarks>List element field names are ignored (Arrow.jl names them "", others "item" or "element").</remarks>
    public static bool Matches(IArrowType declared, IArrowType actual)
    {
        if (declared.TypeId != actual.TypeId)
        {
            return false;
        }

        return (declared, actual) switch
        {
            (ListType d, ListType a) => Matches(d.ValueDataType, a.ValueDataType),
            (StructType d, StructType a) => d.Fields.Count == a.Fields.Count
                && d.Fields.Zip(a.Fields).All(pair => pair.First.Name == pair.Second.Name && Matches(pair.First.DataType, pair.Second.DataType)),
            (TimestampType d, TimestampType a) => d.Unit == a.Unit && d.Timezone == a.Timezone,
            (FixedSizeBinaryType d, FixedSizeBinaryType a) => d.ByteWidth == a.ByteWidth,
            _ => true,
        };
    }

    /// <summary>A short text form such as <c>Struct&lt;seed: Int64, dropout_rate: Float&gt;</c>.</summary>
    public static string Describe(IArrowType type) => type switch
    {
        ListType list => $"List<{Describe(list.ValueDataType)}>",
        StructType structType => $"Struct<{string.Join(", ", structType.Fields.Select(field => $"{field.Name}: {Describe(field.DataType)}"))}>",
        _ => type.TypeId.ToString(),
    };
}
