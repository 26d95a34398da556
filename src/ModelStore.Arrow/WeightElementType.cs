using Apache.Arrow.Types;

namespace ModelStore.Arrow;

/// <summary>The numeric element type shared by every array of a model row (Julia's <c>FlatArray{T}</c>).</summary>
public enum WeightElementType
{
    /// <summary>IEEE 754 half precision (<see cref="Half"/>, Julia <c>Float16</c>).</summary>
    Float16 = 1,

    /// <summary>IEEE 754 single precision (<see cref="float"/>, Julia <c>Float32</c>).</summary>
    Float32,

    /// <summary>IEEE 754 double precision (<see cref="double"/>, Julia <c>Float64</c>).</summary>
    Float64,

    /// <summary>Signed 8-bit integer (<see cref="sbyte"/>).</summary>
    Int8,

    /// <summary>Signed 16-bit integer (<see cref="short"/>).</summary>
    Int16,

    /// <summary>Signed 32-bit integer (<see cref="int"/>).</summary>
    Int32,

    /// <summary>Signed 64-bit integer (<see cref="long"/>).</summary>
    Int64,

    /// <summary>Unsigned 8-bit integer (<see cref="byte"/>).</summary>
    UInt8,

    /// <summary>Unsigned 16-bit integer (<see cref="ushort"/>).</summary>
    UInt16,

    /// <summary>Unsigned 32-bit integer (<see cref="uint"/>).</summary>
    UInt32,

    /// <summary>Unsigned 64-bit integer (<see cref="ulong"/>).</summary>
    UInt64,
}

/// <summary>Maps element types to CLR and Arrow types.</summary>
public static class WeightElementTypes
{
    /// <summary>The element type of CLR type <typeparamref name="T"/>.</summary>
    /// <exception cref="NotSupportedException">When <typeparamref name="T"/> is not a supported numeric type.</exception>
    public static WeightElementType Of<T>()
        where T : unmanaged =>
        typeof(T) switch
        {
            var t when t == typeof(Half) => WeightElementType.Float16,
            var t when t == typeof(float) => WeightElementType.Float32,
            var t when t == typeof(double) => WeightElementType.Float64,
            var t when t == typeof(sbyte) => WeightElementType.Int8,
            var t when t == typeof(short) => WeightElementType.Int16,
            var t when t == typeof(int) => WeightElementType.Int32,
            var t when t == typeof(long) => WeightElementType.Int64,
            var t when t == typeof(byte) => WeightElementType.UInt8,
            var t when t == typeof(ushort) => WeightElementType.UInt16,
            var t when t == typeof(uint) => WeightElementType.UInt32,
            var t when t == typeof(ulong) => WeightElementType.UInt64,
            _ => throw new NotSupportedException($"{typeof(T)} is not a supported weight element type."),
        };

    /// <summary>The size in bytes of one element.</summary>
    public static int SizeOf(this WeightElementType elementType) => elementType switch
    {
        WeightElementType.Int8 or WeightElementType.UInt8 => 1,
        WeightElementType.Float16 or WeightElementType.Int16 or WeightElementType.UInt16 => 2,
        WeightElementType.Float32 or WeightElementType.Int32 or WeightElementType.UInt32 => 4,
        WeightElementType.Float64 or WeightElementType.Int64 or WeightElementType.UInt64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(elementType), elementType, "Unknown element type."),
    };

    /// <summary>The Arrow type of the element type.</summary>
    public static IArrowType ToArrowType(this WeightElementType elementType) => elementType switch
    {
        WeightElementType.Float16 => HalfFloatType.Default,
        WeightElementType.Float32 => FloatType.Default,
        WeightElementType.Float64 => DoubleType.Default,
        WeightElementType.Int8 => Int8Type.Default,
        WeightElementType.Int16 => Int16Type.Default,
        WeightElementType.Int32 => Int32Type.Default,
        WeightElementType.Int64 => Int64Type.Default,
        WeightElementType.UInt8 => UInt8Type.Default,
        WeightElementType.UInt16 => UInt16Type.Default,
        WeightElementType.UInt32 => UInt32Type.Default,
        WeightElementType.UInt64 => UInt64Type.Default,
        _ => throw new ArgumentOutOfRangeException(nameof(elementType), elementType, "Unknown element type."),
    };

    /// <summary>The element type of an Arrow type, or null when it is not a supported numeric type.</summary>
    public static WeightElementType? FromArrowType(IArrowType type) => type.TypeId switch
    {
        ArrowTypeId.HalfFloat => WeightElementType.Float16,
        ArrowTypeId.Float => WeightElementType.Float32,
        ArrowTypeId.Double => WeightElementType.Float64,
        ArrowTypeId.Int8 => WeightElementType.Int8,
        ArrowTypeId.Int16 => WeightElementType.Int16,
        ArrowTypeId.Int32 => WeightElementType.Int32,
        ArrowTypeId.Int64 => WeightElementType.Int64,
        ArrowTypeId.UInt8 => WeightElementType.UInt8,
        ArrowTypeId.UInt16 => WeightElementType.UInt16,
        ArrowTypeId.UInt32 => WeightElementType.UInt32,
        ArrowTypeId.UInt64 => WeightElementType.UInt64,
        _ => null,
    };
}
