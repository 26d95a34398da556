using System.Buffers.Binary;
using System.Numerics;
using System.Text;
using ModelStore.TorchSharp.Formats;

namespace ModelStore.TorchSharp.PyTorch;

/// <summary>
/// The harmless Python values checkpoints keep beside their state dict, read as .NET values from the recorded call alone
/// (nothing is imported or called): <c>torch.Size</c> as <see cref="long"/>[], <c>set</c> and <c>frozenset</c> as
/// <see cref="IReadOnlySet{T}"/>, <c>bytes</c> and <c>bytearray</c> as <see cref="byte"/>[], dtype objects
/// (<c>torch.float16</c>) as <see cref="global::TorchSharp.torch.ScalarType"/>, NumPy scalars as the .NET number of their dtype and
/// NumPy arrays as .NET arrays of their shape. A call that does not have exactly the expected shape stays a <see cref="PickledObject"/>.
/// </summary>
internal static class KnownValues
{
    /// <summary>A global used as a value: a PyTorch dtype as its <see cref="global::TorchSharp.torch.ScalarType"/>, any other as its qualified name.</summary>
    public static object FromGlobal(PickleGlobal global) =>
        global.Module == "torch" && DTypes.TryFromTorchName(global.Name, out var type) ? type : global.QualifiedName;

    /// <summary>The .NET value of a recorded call to a known harmless type; <paramref name="convert"/> converts the items of a set.</summary>
    public static bool TryConvert(PickleObject created, Func<object?, object?> convert, out object? value)
    {
        value = (created.Global.Module, created.Global.Name, created.Arguments) switch
        {
            ("torch", "Size", [object?[] sizes]) when sizes.All(size => size is long) => sizes.Cast<long>().ToArray(),
            ("builtins" or "__builtin__", "set" or "frozenset", []) => new HashSet<object?>(),
            ("builtins" or "__builtin__", "set" or "frozenset", [List<object?> items]) => items.Select(convert).ToHashSet(),
            ("numpy.core.multiarray" or "numpy._core.multiarray", "scalar", [PickleObject dtype, var data])
                when NumPyDType.TryRead(dtype, out var type) && !type.IsObject && Bytes(data) is { } bytes && bytes.Length == type.Size => type.Element(bytes),
            ("numpy.core.multiarray" or "numpy._core.multiarray", "_reconstruct", [PickleGlobal { Module: "numpy", Name: "ndarray" }, ..])
                when created.State is object[] fields && fields is [long, object[] shape, PickleObject dtype, bool fortran, var data] => NumPyArray(shape, dtype, fortran, data, convert),
            ("numpy.core.numeric" or "numpy._core.numeric", "_frombuffer", [var data, PickleObject dtype, object[] shape, string order])
                when order is "C" or "F"
                => NumPyArray(shape, dtype, order == "F", data, convert), // protocol 5

            _ => Bytes(created),
        };
        return value is not null;
    }

    /// <summary>
    /// The bytes of a <c>bytes</c> or <c>bytearray</c> value: read from a protocol 3+ opcode, or pickled by protocol 2 as
    /// <c>_codecs.encode(text, 'latin1')</c>, <c>bytes()</c>, or <c>bytearray(bytes)</c>.
    /// </summary>
    private static byte[]? Bytes(object? value) => value switch
    {
        byte[] bytes => bytes,
        PickleObject { Global: { Module: "_codecs", Name: "encode" }, Arguments: [string text, "latin1" or "latin-1"] } => Latin1(text),
        PickleObject { Global: { Module: "builtins" or "__builtin__", Name: "bytes" or "bytearray" }, Arguments: [] } => [],
        PickleObject { Global: { Module: "builtins" or "__builtin__", Name: "bytearray" }, Arguments: [var inner] } => Bytes(inner),
        PickleObject { Global: { Module: "builtins" or "__builtin__", Name: "bytearray" }, Arguments: [string text, "latin1" or "latin-1"] } => Latin1(text),
        _ => null,
    };

    private static byte[]? Latin1(string text) => text.All(c => c <= '\u00ff') ? Encoding.Latin1.GetBytes(text) : null;

    /// <summary>
    /// An array from its shape, dtype, order and data (the raw bytes of a numeric dtype, or a list of objects), as pickled
    /// by <c>ndarray.__reduce__</c> (<c>_reconstruct</c>, then BUILD with <c>(1, shape, dtype, is_fortran, data)</c>) or,
    /// with protocol 5, <c>_frombuffer(data, dtype, shape, order)</c>: a .NET array of the same shape, or a scalar for shape ().
    /// </summary>
    private static object? NumPyArray(object[] shape, PickleObject dtypeObject, bool fortran, object? data, Func<object?, object?> convert)
    {
        if (!NumPyDType.TryRead(dtypeObject, out var dtype)
            || shape.Length > 32 // the most dimensions a .NET array has
            || shape.Any(size => size is not long length || length < 0 || length > int.MaxValue))
        {
            return null;
        }

        var lengths = shape.Select(size => (int)(long)size!).ToArray();
        var count = lengths.Aggregate(1L, (product, size) => Math.Min(product * size, long.MaxValue / int.MaxValue));
        if (count == 0 && lengths.Any(size => size > 1 << 24))
        {
            return null; // an empty array with an absurd other dimension: no .NET array needs it, and the runtime may refuse it
        }

        object?[] elements;
        if (dtype.IsObject)
        {
            if (data is not List<object?> items || items.Count != count)
            {
                return null;
            }

            elements = [.. items.Select(convert)];
        }
        else
        {
            if (Bytes(data) is not { } bytes || bytes.Length != count * dtype.Size)
            {
                return null;
            }

            elements = new object?[count];
            for (var i = 0; i < count; i++)
            {
                elements[i] = dtype.Element(bytes.AsSpan(i * dtype.Size, dtype.Size));
            }
        }

        if (lengths.Length == 0)
        {
            return elements[0];
        }

        var array = Array.CreateInstance(dtype.ElementType, lengths);
        var index = new int[lengths.Length];
        for (var i = 0; i < count; i++)
        {
            // index is the i-th position in C order; a Fortran-ordered buffer holds it where the first axis varies fastest.
            var source = i;
            if (fortran)
            {
                source = 0;
                for (var axis = lengths.Length - 1; axis >= 0; axis--)
                {
                    source = (source * lengths[axis]) + index[axis];
                }
            }

            array.SetValue(elements[source], index);
            for (var axis = lengths.Length - 1; axis >= 0 && ++index[axis] == lengths[axis]; axis--)
            {
                index[axis] = 0;
            }
        }

        return array;
    }

    /// <summary>A NumPy dtype as pickled: <c>numpy.dtype('f8', False, True)</c>, then BUILD with <c>(3, '&lt;', ...)</c> (the byte order).</summary>
    private sealed record NumPyDType(char Kind, int Size, bool BigEndian)
    {
        public bool IsObject => Kind == 'O';

        public Type ElementType => (Kind, Size) switch
        {
            ('f', 2) => typeof(Half),
            ('f', 4) => typeof(float),
            ('f', 8) => typeof(double),
            ('i', 1) => typeof(sbyte),
            ('i', 2) => typeof(short),
            ('i', 4) => typeof(int),
            ('i', 8) => typeof(long),
            ('u', 1) => typeof(byte),
            ('u', 2) => typeof(ushort),
            ('u', 4) => typeof(uint),
            ('u', 8) => typeof(ulong),
            ('b', 1) => typeof(bool),
            ('c', 8 or 16) => typeof(Complex),
            _ => typeof(object),
        };

        public static bool TryRead(PickleObject dtype, out NumPyDType type)
        {
            type = null!;
            if (dtype is not { Global: { Module: "numpy", Name: "dtype" }, Arguments: [string name, ..] }
                || name.Length < 2 || !int.TryParse(name.AsSpan(1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var size))
            {
                return false;
            }

            var order = dtype.State is object[] { Length: > 1 } state ? state[1] : "<";
            type = new NumPyDType(name[0], size, order is ">");
            return type.ElementType != typeof(object) || type.IsObject;
        }

        public object Element(ReadOnlySpan<byte> bytes)
        {
            Span<byte> little = stackalloc byte[bytes.Length];
            bytes.CopyTo(little);
            if (BigEndian)
            {
                // Complex numbers are two numbers, each in the given order.
                var part = Kind == 'c' ? Size / 2 : Size;
                for (var i = 0; i < little.Length; i += part)
                {
                    little.Slice(i, part).Reverse();
                }
            }

            return (Kind, Size) switch
            {
                ('f', 2) => BinaryPrimitives.ReadHalfLittleEndian(little),
                ('f', 4) => BinaryPrimitives.ReadSingleLittleEndian(little),
                ('f', 8) => BinaryPrimitives.ReadDoubleLittleEndian(little),
                ('i', 1) => (sbyte)little[0],
                ('i', 2) => BinaryPrimitives.ReadInt16LittleEndian(little),
                ('i', 4) => BinaryPrimitives.ReadInt32LittleEndian(little),
                ('i', 8) => BinaryPrimitives.ReadInt64LittleEndian(little),
                ('u', 1) => little[0],
                ('u', 2) => BinaryPrimitives.ReadUInt16LittleEndian(little),
                ('u', 4) => BinaryPrimitives.ReadUInt32LittleEndian(little),
                ('u', 8) => BinaryPrimitives.ReadUInt64LittleEndian(little),
                ('b', 1) => little[0] != 0,
                ('c', 8) => new Complex(BinaryPrimitives.ReadSingleLittleEndian(little), BinaryPrimitives.ReadSingleLittleEndian(little[4..])),
                ('c', 16) => new Complex(BinaryPrimitives.ReadDoubleLittleEndian(little), BinaryPrimitives.ReadDoubleLittleEndian(little[8..])),
                _ => throw new InvalidOperationException($"NumPy dtype {Kind}{Size} has no element reader."),
            };
        }
    }
}
