using System.Runtime.InteropServices;
using Apache.Arrow;
using Apache.Arrow.Types;

namespace ModelStore.Arrow;

/// <summary>
/// LegolasFlux's weights column: <c>Struct{weights: List&lt;FlatArray&gt;}</c> (extension <c>JuliaLang.LegolasFlux.Weights</c>)
/// where FlatArray is <c>Struct{vec: List&lt;T&gt;, size: List&lt;Int64&gt;}</c> (extension <c>JuliaLang.LegolasFlux.FlatArray</c>).
/// Field names, nullability and extension metadata are those Arrow.jl writes.
/// </summary>
internal static class WeightsColumn
{
    public static Field CreateField(string name, WeightElementType elementType) =>
        new(name, CreateType(elementType), nullable: false, Extension(ModelRowSchemas.WeightsExtensionName));

    public static StructType CreateType(WeightElementType elementType)
    {
        var flatArray = new StructType(
        [
            new Field("vec", new ListType(new Field(string.Empty, elementType.ToArrowType(), nullable: false)), nullable: false),
            new Field("size", new ListType(new Field(string.Empty, Int64Type.Default, nullable: false)), nullable: false),
        ]);
        var list = new ListType(new Field(string.Empty, flatArray, nullable: false, Extension(ModelRowSchemas.FlatArrayExtensionName)));
        return new StructType([new Field(ModelRowSchemas.WeightsColumn, list, nullable: false)]);
    }

    /// <summary>The element type of a field that has the weights layout, or a description of what is wrong.</summary>
    public static WeightElementType? TryGetElementType(Field field, out string problem)
    {
        problem = string.Empty;
        if (ExtensionName(field) != ModelRowSchemas.WeightsExtensionName)
        {
            problem = $"its extension name is not {ModelRowSchemas.WeightsExtensionName}";
            return null;
        }

        if (field.DataType is not StructType { Fields: [{ Name: ModelRowSchemas.WeightsColumn, DataType: ListType { ValueField: var flatField } }] }
            || flatField.DataType is not StructType { Fields: [{ Name: "vec", DataType: ListType vec }, { Name: "size", DataType: ListType size }] })
        {
            problem = "it is not Struct<weights: List<Struct<vec: List<T>, size: List<Int64>>>>";
            return null;
        }

        if (ExtensionName(flatField) != ModelRowSchemas.FlatArrayExtensionName)
        {
            problem = $"its arrays' extension name is not {ModelRowSchemas.FlatArrayExtensionName}";
            return null;
        }

        if (size.ValueDataType is not Int64Type)
        {
            problem = $"its sizes are {size.ValueDataType.TypeId}, not Int64";
            return null;
        }

        var element = WeightElementTypes.FromArrowType(vec.ValueDataType);
        if (element is null)
        {
            problem = $"its element type {vec.ValueDataType.TypeId} is not numeric";
        }

        return element;
    }

    /// <summary>
    /// Builds the column. The values buffer is <paramref name="placeholder"/> (to be resolved while writing, see
    /// <see cref="ValuesPlaceholder"/>), so the weights are not copied here.
    /// </summary>
    public static IArrowArray Build(ModelWeights weights, out ValuesPlaceholder placeholder)
    {
        var count = weights.Count;
        var total = weights.TotalLength;
        var elementSize = weights.ElementType.SizeOf();
        if (total > int.MaxValue || total * elementSize > System.Array.MaxLength)
        {
            throw new ArgumentException($"{total} values are more than one Arrow list holds.", nameof(weights));
        }

        placeholder = new ValuesPlaceholder(weights, (int)(total * elementSize));
        var vecOffsets = new int[count + 1];
        var sizeOffsets = new int[count + 1];
        var sizes = new List<long>();
        for (var i = 0; i < count; i++)
        {
            var array = weights[i];
            vecOffsets[i + 1] = vecOffsets[i] + array.Length;
            sizes.AddRange(array.Size);
            sizeOffsets[i + 1] = sizes.Count;
        }

        var type = CreateType(weights.ElementType);
        var listType = (ListType)type.Fields[0].DataType;
        var flatType = (StructType)listType.ValueDataType;
        var vecType = flatType.Fields[0].DataType;
        var sizeType = flatType.Fields[1].DataType;
        var vecData = new ArrayData(vecType, count, 0, 0, [ArrowBuffer.Empty, Buffer(vecOffsets)],
            [new ArrayData(weights.ElementType.ToArrowType(), (int)total, 0, 0, [ArrowBuffer.Empty, new ArrowBuffer(placeholder.Memory)])]);
        var sizeData = new ArrayData(sizeType, count, 0, 0, [ArrowBuffer.Empty, Buffer(sizeOffsets)],
            [new ArrayData(Int64Type.Default, sizes.Count, 0, 0, [ArrowBuffer.Empty, Buffer(sizes.ToArray())])]);
        var flatData = new ArrayData(flatType, count, 0, 0, [ArrowBuffer.Empty], [vecData, sizeData]);
        var listData = new ArrayData(listType, 1, 0, 0, [ArrowBuffer.Empty, Buffer(new[] { 0, count })], [flatData]);
        return ArrowArrayFactory.BuildArray(new ArrayData(type, 1, 0, 0, [ArrowBuffer.Empty], [listData]));
    }

    /// <summary>Reads the weights of row <paramref name="index"/>; the field was checked with <see cref="TryGetElementType"/>.</summary>
    /// <remarks>
    /// When the values lie in an array of <paramref name="allocator"/>, the weights point into it; otherwise they are copied.
    /// </remarks>
    public static ModelWeights Read(StructArray column, int index, WeightElementType elementType, ManagedArrowAllocator? allocator) => elementType switch
    {
        WeightElementType.Float16 => Read<Half>(column, index, allocator),
        WeightElementType.Float32 => Read<float>(column, index, allocator),
        WeightElementType.Float64 => Read<double>(column, index, allocator),
        WeightElementType.Int8 => Read<sbyte>(column, index, allocator),
        WeightElementType.Int16 => Read<short>(column, index, allocator),
        WeightElementType.Int32 => Read<int>(column, index, allocator),
        WeightElementType.Int64 => Read<long>(column, index, allocator),
        WeightElementType.UInt8 => Read<byte>(column, index, allocator),
        WeightElementType.UInt16 => Read<ushort>(column, index, allocator),
        WeightElementType.UInt32 => Read<uint>(column, index, allocator),
        _ => Read<ulong>(column, index, allocator),
    };

    private static ModelWeights Read<T>(StructArray column, int index, ManagedArrowAllocator? allocator)
        where T : unmanaged, IEquatable<T>
    {
        var list = (ListArray)column.Fields[0];
        var (first, end) = Range(list, column.Offset + index, list.Values.Length, "weights");
        var flat = (StructArray)list.Values;
        var vec = (ListArray)flat.Fields[0];
        var size = (ListArray)flat.Fields[1];
        var valueArray = (PrimitiveArray<T>)vec.Values;
        var values = valueArray.Values;
        var dimensions = ((Int64Array)size.Values).Values;
        var elementSize = System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        byte[]? body = null;
        var bodyOffset = 0;
        if (allocator is not null && MemoryMarshal.TryGetArray(valueArray.ValueBuffer.Memory, out var segment)
            && segment.Array is { } array && allocator.Owns(array))
        {
            body = array;
            bodyOffset = segment.Offset + (valueArray.Offset * elementSize);
        }

        var arrays = new List<WeightArray<T>>(end - first);
        for (var i = first; i < end; i++)
        {
            if (flat.IsNull(i))
            {
                throw new ModelRowException(ModelRowError.InvalidWeights, $"Weight array {i - first} is null.");
            }

            var (valueStart, valueEnd) = Range(vec, flat.Offset + i, values.Length, $"values of array {i - first}");
            var (sizeStart, sizeEnd) = Range(size, flat.Offset + i, dimensions.Length, $"size of array {i - first}");
            try
            {
                var memory = body is null
                    ? values[valueStart..valueEnd].ToArray()
                    : new ByteMemoryManager<T>(body, bodyOffset + (valueStart * elementSize), valueEnd - valueStart).Memory;
                arrays.Add(new WeightArray<T>(memory, dimensions[sizeStart..sizeEnd].ToArray()));
            }
            catch (ArgumentException exception)
            {
                throw new ModelRowException(ModelRowError.InvalidWeights, $"Weight array {i - first}: {exception.Message}", exception);
            }
        }

        return new ModelWeights(WeightElementTypes.Of<T>(), arrays);
    }

    /// <summary>The value range of list element <paramref name="index"/>, checked against the values there are.</summary>
    private static (int Start, int End) Range(ListArray list, int index, int valueCount, string what)
    {
        if (index < 0 || index >= list.Length || list.ValueOffsets.Length < list.Length + 1)
        {
            throw new ModelRowException(ModelRowError.InvalidWeights, $"The {what} are missing.");
        }

        var start = list.ValueOffsets[index];
        var end = list.ValueOffsets[index + 1];
        if (start < 0 || end < start || end > valueCount)
        {
            throw new ModelRowException(ModelRowError.InvalidWeights, $"The offsets of the {what} ({start}..{end}) are out of range (0..{valueCount}).");
        }

        return (start, end);
    }

    private static ArrowBuffer Buffer<T>(T[] values)
        where T : unmanaged =>
        new(MemoryMarshal.AsBytes(values.AsSpan()).ToArray());

    private static Dictionary<string, string> Extension(string name) => new()
    {
        [ModelRowSchemas.ExtensionNameKey] = name,
        [ModelRowSchemas.ExtensionMetadataKey] = string.Empty,
    };

    private static string? ExtensionName(Field field) =>
        field.Metadata is { } metadata && metadata.TryGetValue(ModelRowSchemas.ExtensionNameKey, out var name) ? name : null;
}
