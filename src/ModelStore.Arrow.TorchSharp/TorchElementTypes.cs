using TorchSharp;

namespace ModelStore.Arrow.TorchSharp;

/// <summary>Maps TorchSharp tensor types to weight element types.</summary>
internal static class TorchElementTypes
{
    public static torch.ScalarType ToScalarType(WeightElementType type) => type switch
    {
        WeightElementType.Float16 => torch.ScalarType.Float16,
        WeightElementType.Float32 => torch.ScalarType.Float32,
        WeightElementType.Float64 => torch.ScalarType.Float64,
        WeightElementType.Int8 => torch.ScalarType.Int8,
        WeightElementType.Int16 => torch.ScalarType.Int16,
        WeightElementType.Int32 => torch.ScalarType.Int32,
        WeightElementType.Int64 => torch.ScalarType.Int64,
        WeightElementType.UInt8 => torch.ScalarType.Byte,
        _ => throw new NotSupportedException($"TorchSharp has no tensor type for {type}."),
    };

    /// <summary>The element type a tensor type is stored as on its own.</summary>
    public static WeightElementType FromScalarType(torch.ScalarType type) => type switch
    {
        torch.ScalarType.Float16 => WeightElementType.Float16,
        torch.ScalarType.BFloat16 or torch.ScalarType.Float32 => WeightElementType.Float32,
        torch.ScalarType.Float64 => WeightElementType.Float64,
        torch.ScalarType.Int8 => WeightElementType.Int8,
        torch.ScalarType.Int16 => WeightElementType.Int16,
        torch.ScalarType.Int32 => WeightElementType.Int32,
        torch.ScalarType.Int64 => WeightElementType.Int64,
        torch.ScalarType.Byte or torch.ScalarType.Bool => WeightElementType.UInt8,
        _ => throw new NotSupportedException($"Tensors of {type} have no Arrow weight element type."),
    };

    /// <summary>Julia's promotion of the arrays' types: the widest float if any, else the widest integer.</summary>
    public static WeightElementType Promote(IEnumerable<torch.ScalarType> types)
    {
        var elements = types.Select(FromScalarType).Distinct().ToList();
        if (elements.Count == 0)
        {
            return WeightElementType.Float32;
        }

        if (elements.Count == 1)
        {
            return elements[0];
        }

        WeightElementType[] floats = [WeightElementType.Float64, WeightElementType.Float32, WeightElementType.Float16];
        var widestFloat = floats.FirstOrDefault(elements.Contains);
        if (widestFloat != default)
        {
            return widestFloat;
        }

        WeightElementType[] integers = [WeightElementType.Int64, WeightElementType.Int32, WeightElementType.Int16];
        var widestInteger = integers.FirstOrDefault(elements.Contains);
        return widestInteger != default ? widestInteger : WeightElementType.Int16;
    }
}
