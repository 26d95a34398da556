using System.Collections;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Text;
using Apache.Arrow;
using Apache.Arrow.Types;

namespace ModelStore.Arrow;

/// <summary>
/// Converts one CLR value to a one-element Arrow array of a declared type and back. Numbers map to their CLR
/// types (Int64 to <see cref="long"/>, Float to <see cref="float"/>, ...), Utf8 to <see cref="string"/>, Binary to
/// <see cref="byte"/>[], Struct to <see cref="IReadOnlyDictionary{TKey, TValue}"/> of field name to value, List to
/// <see cref="IReadOnlyList{T}"/>; null is a missing value.
/// </summary>
internal static class ArrowValues
{
    public static bool IsSupported(IArrowType type) => type switch
    {
        ListType list => IsSupported(list.ValueDataType),
        StructType structType => structType.Fields.All(field => IsSupported(field.DataType)),
        _ => type.TypeId is ArrowTypeId.Boolean or ArrowTypeId.String or ArrowTypeId.Binary or ArrowTypeId.Null
            || WeightElementTypes.FromArrowType(type) is not null,
    };

    /// <summary>Builds a one-element array.</summary>
    /// <exception cref="ArgumentException">When the value does not fit the type.</exception>
    public static ArrayData Build(IArrowType type, object? value, string path)
    {
        if (value is null || type is NullType)
        {
            return value is null ? BuildNull(type) : throw new ArgumentException($"'{path}' is declared Null; only a missing value fits.");
        }

        var valid = new ArrowBuffer(new byte[] { 1 });
        switch (type)
        {
            case BooleanType:
                return value is bool flag
                    ? new ArrayData(type, 1, 0, 0, [valid, new ArrowBuffer(new byte[] { flag ? (byte)1 : (byte)0 })])
                    : throw Mismatch(path, type, value);
            case StringType:
                return value is string text ? Variable(type, Encoding.UTF8.GetBytes(text)) : throw Mismatch(path, type, value);
            case BinaryType:
                return value switch
                {
                    byte[] bytes => Variable(type, bytes),
                    ReadOnlyMemory<byte> memory => Variable(type, memory.ToArray()),
                    _ => throw Mismatch(path, type, value),
                };
            case ListType list:
                {
                    if (value is string or not IEnumerable)
                    {
                        throw Mismatch(path, type, value);
                    }

                    var items = ((IEnumerable)value).Cast<object?>().Select((item, i) => Build(list.ValueDataType, item, $"{path}[{i}]")).ToList();
                    var child = Concatenate(list.ValueDataType, items);
                    return new ArrayData(type, 1, 0, 0, [valid, Int32Buffer(0, items.Count)], [child]);
                }

            case StructType structType:
                {
                    if (value is not IEnumerable<KeyValuePair<string, object?>> fields)
                    {
                        throw Mismatch(path, type, value);
                    }

                    var byName = fields.ToDictionary(pair => pair.Key, pair => pair.Value, StringComparer.Ordinal);
                    var unknown = byName.Keys.FirstOrDefault(name => structType.GetFieldIndex(name) < 0);
                    if (unknown is not null)
                    {
                        throw new ArgumentException($"'{path}' has no field '{unknown}' (declared {ArrowTypeMatcher.Describe(type)}).");
                    }

                    var children = structType.Fields.Select(field =>
                    {
                        byName.TryGetValue(field.Name, out var fieldValue);
                        if (fieldValue is null && !field.IsNullable)
                        {
                            throw new ArgumentException($"'{path}.{field.Name}' is required.");
                        }

                        return Build(field.DataType, fieldValue, $"{path}.{field.Name}");
                    }).ToArray();
                    return new ArrayData(type, 1, 0, 0, [valid], children);
                }

            default:
                var element = WeightElementTypes.FromArrowType(type) ?? throw new ArgumentException($"'{path}' has unsupported Arrow type {type.TypeId}.");
                return new ArrayData(type, 1, 0, 0, [valid, new ArrowBuffer(NumberBytes(element, value, path, type))]);
        }
    }

    /// <summary>Reads element <paramref name="index"/> of <paramref name="array"/>.</summary>
    public static object? Read(IArrowArray array, int index)
    {
        if (array.IsNull(index))
        {
            return null;
        }

        return array switch
        {
            BooleanArray a => a.GetValue(index),
            StringArray a => a.GetString(index),
            BinaryArray a => a.GetBytes(index).ToArray(),
            HalfFloatArray a => a.GetValue(index),
            FloatArray a => a.GetValue(index),
            DoubleArray a => a.GetValue(index),
            Int8Array a => a.GetValue(index),
            Int16Array a => a.GetValue(index),
            Int32Array a => a.GetValue(index),
            Int64Array a => a.GetValue(index),
            UInt8Array a => a.GetValue(index),
            UInt16Array a => a.GetValue(index),
            UInt32Array a => a.GetValue(index),
            UInt64Array a => a.GetValue(index),
            ListArray a => ReadList(a, index),
            StructArray a => ReadStruct(a, index),
            _ => throw new ModelRowException(ModelRowError.ColumnTypeMismatch, $"Arrow type {array.Data.DataType.TypeId} is not supported."),
        };
    }

    private static object?[] ReadList(ListArray list, int index)
    {
        var start = list.ValueOffsets[index];
        var end = list.ValueOffsets[index + 1];
        if (start < 0 || end < start || end > list.Values.Length)
        {
            throw new ModelRowException(ModelRowError.MalformedFile, $"List offsets {start}..{end} are out of range.");
        }

        var items = new object?[end - start];
        for (var i = 0; i < items.Length; i++)
        {
            items[i] = Read(list.Values, start + i);
        }

        return items;
    }

    private static Dictionary<string, object?> ReadStruct(StructArray array, int index)
    {
        var type = (StructType)array.Data.DataType;
        var result = new Dictionary<string, object?>(StringComparer.Ordinal);
        for (var i = 0; i < type.Fields.Count; i++)
        {
            result[type.Fields[i].Name] = Read(array.Fields[i], array.Offset + index);
        }

        return result;
    }

    private static ArrayData BuildNull(IArrowType type)
    {
        var invalid = new ArrowBuffer(new byte[] { 0 });
        return type switch
        {
            NullType => new ArrayData(type, 1, 1, 0, System.Array.Empty<ArrowBuffer>(), null),
            BooleanType => new ArrayData(type, 1, 1, 0, [invalid, new ArrowBuffer(new byte[1])]),
            StringType or BinaryType => new ArrayData(type, 1, 1, 0, [invalid, Int32Buffer(0, 0), ArrowBuffer.Empty]),
            ListType list => new ArrayData(type, 1, 1, 0, [invalid, Int32Buffer(0, 0)], [Concatenate(list.ValueDataType, [])]),
            StructType structType => new ArrayData(type, 1, 1, 0, [invalid], structType.Fields.Select(field => BuildNull(field.DataType)).ToArray()),
            _ => new ArrayData(type, 1, 1, 0, [invalid, new ArrowBuffer(new byte[(WeightElementTypes.FromArrowType(type) ?? throw new ArgumentException($"Unsupported Arrow type {type.TypeId}.")).SizeOf()])]),
        };
    }

    private static ArrayData Variable(IArrowType type, byte[] bytes) =>
        new(type, 1, 0, 0, [new ArrowBuffer(new byte[] { 1 }), Int32Buffer(0, bytes.Length), new ArrowBuffer(bytes)]);

    /// <summary>Concatenates one-element arrays of one type into an array of all of them (the values of a list).</summary>
    private static ArrayData Concatenate(IArrowType type, IReadOnlyList<ArrayData> items)
    {
        var count = items.Count;
        var validity = new byte[(count + 7) / 8];
        var nulls = 0;
        for (var i = 0; i < count; i++)
        {
            if (items[i].NullCount == 0)
            {
                validity[i / 8] |= (byte)(1 << (i % 8));
            }
            else
            {
                nulls++;
            }
        }

        var validityBuffer = new ArrowBuffer(validity);
        switch (type)
        {
            case NullType:
                return new ArrayData(type, count, count, 0, System.Array.Empty<ArrowBuffer>(), null);
            case BooleanType:
                var bits = new byte[(count + 7) / 8];
                for (var i = 0; i < count; i++)
                {
                    if ((items[i].Buffers[1].Span[0] & 1) != 0)
                    {
                        bits[i / 8] |= (byte)(1 << (i % 8));
                    }
                }

                return new ArrayData(type, count, nulls, 0, [validityBuffer, new ArrowBuffer(bits)]);
            case StringType or BinaryType or ListType:
                {
                    var offsets = new int[count + 1];
                    for (var i = 0; i < count; i++)
                    {
                        var span = MemoryMarshal.Cast<byte, int>(items[i].Buffers[1].Span);
                        offsets[i + 1] = offsets[i] + (span[1] - span[0]);
                    }

                    var offsetBuffer = new ArrowBuffer(MemoryMarshal.AsBytes(offsets.AsSpan()).ToArray());
                    if (type is ListType list)
                    {
                        var children = items.Select(item => item.Children[0]).ToList();
                        return new ArrayData(type, count, nulls, 0, [validityBuffer, offsetBuffer], [ConcatenateAll(list.ValueDataType, children)]);
                    }

                    var data = items.SelectMany(item => item.Buffers[2].Span.ToArray()).ToArray();
                    return new ArrayData(type, count, nulls, 0, [validityBuffer, offsetBuffer, new ArrowBuffer(data)]);
                }

            case StructType structType:
                {
                    var children = structType.Fields.Select((field, f) =>
                        Concatenate(field.DataType, items.Select(item => item.Children[f]).ToList())).ToArray();
                    return new ArrayData(type, count, nulls, 0, [validityBuffer], children);
                }

            default:
                var values = items.SelectMany(item => item.Buffers[1].Span.ToArray()).ToArray();
                return new ArrayData(type, count, nulls, 0, [validityBuffer, new ArrowBuffer(values)]);
        }
    }

    /// <summary>Concatenates arrays of any length (the children of several lists).</summary>
    private static ArrayData ConcatenateAll(IArrowType type, IReadOnlyList<ArrayData> arrays)
    {
        var singles = new List<ArrayData>();
        foreach (var array in arrays)
        {
            var built = ArrowArrayFactory.BuildArray(array);
            for (var i = 0; i < array.Length; i++)
            {
                singles.Add(Build(type, Read(built, i), "list item"));
            }
        }

        return Concatenate(type, singles);
    }

    private static ArrowBuffer Int32Buffer(params int[] values) => new(MemoryMarshal.AsBytes(values.AsSpan()).ToArray());

    private static byte[] NumberBytes(WeightElementType element, object value, string path, IArrowType type)
    {
        try
        {
            return element switch
            {
                WeightElementType.Float16 => Bytes(Number<Half>(value)),
                WeightElementType.Float32 => Bytes(Number<float>(value)),
                WeightElementType.Float64 => Bytes(Number<double>(value)),
                WeightElementType.Int8 => Bytes(Number<sbyte>(value)),
                WeightElementType.Int16 => Bytes(Number<short>(value)),
                WeightElementType.Int32 => Bytes(Number<int>(value)),
                WeightElementType.Int64 => Bytes(Number<long>(value)),
                WeightElementType.UInt8 => Bytes(Number<byte>(value)),
                WeightElementType.UInt16 => Bytes(Number<ushort>(value)),
                WeightElementType.UInt32 => Bytes(Number<uint>(value)),
                _ => Bytes(Number<ulong>(value)),
            };
        }
        catch (Exception exception) when (exception is OverflowException or InvalidCastException)
        {
            throw new ArgumentException($"'{path}' is declared {type.TypeId}; {value} ({value.GetType().Name}) does not fit.", exception);
        }
    }

    private static byte[] Bytes<T>(T value)
        where T : unmanaged =>
        MemoryMarshal.AsBytes(new[] { value }.AsSpan()).ToArray();

    private static T Number<T>(object value)
        where T : INumberBase<T>
    {
        var isInteger = typeof(T) != typeof(Half) && typeof(T) != typeof(float) && typeof(T) != typeof(double);
        return value switch
        {
            sbyte v => T.CreateChecked(v),
            byte v => T.CreateChecked(v),
            short v => T.CreateChecked(v),
            ushort v => T.CreateChecked(v),
            int v => T.CreateChecked(v),
            uint v => T.CreateChecked(v),
            long v => T.CreateChecked(v),
            ulong v => T.CreateChecked(v),
            Half v when !isInteger => T.CreateChecked(v),
            float v when !isInteger => T.CreateChecked(v),
            double v when !isInteger => T.CreateChecked(v),
            _ => throw new InvalidCastException(),
        };
    }

    private static ArgumentException Mismatch(string path, IArrowType type, object value) =>
        new($"'{path}' is declared {ArrowTypeMatcher.Describe(type)}; a {value.GetType().Name} does not fit.");
}
