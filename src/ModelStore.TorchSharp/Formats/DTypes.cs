using static TorchSharp.torch;

namespace ModelStore.TorchSharp.Formats;

/// <summary>Data type names of the two formats (and of PyTorch's <c>torch.float16</c>, ... dtype objects) and their element sizes.</summary>
internal static class DTypes
{
    private static readonly (string Storage, string Safetensors, ScalarType Type, int Size, string[] TorchNames)[] Table =
    [
        ("DoubleStorage", "F64", ScalarType.Float64, 8, ["float64", "double"]),
        ("FloatStorage", "F32", ScalarType.Float32, 4, ["float32", "float"]),
        ("HalfStorage", "F16", ScalarType.Float16, 2, ["float16", "half"]),
        ("BFloat16Storage", "BF16", ScalarType.BFloat16, 2, ["bfloat16"]),
        ("LongStorage", "I64", ScalarType.Int64, 8, ["int64", "long"]),
        ("IntStorage", "I32", ScalarType.Int32, 4, ["int32", "int"]),
        ("ShortStorage", "I16", ScalarType.Int16, 2, ["int16", "short"]),
        ("CharStorage", "I8", ScalarType.Int8, 1, ["int8"]),
        ("ByteStorage", "U8", ScalarType.Byte, 1, ["uint8"]),
        ("BoolStorage", "BOOL", ScalarType.Bool, 1, ["bool"]),
        ("ComplexFloatStorage", "C64", ScalarType.ComplexFloat32, 8, ["complex64", "cfloat"]),
        ("ComplexDoubleStorage", "", ScalarType.ComplexFloat64, 16, ["complex128", "cdouble"]), // safetensors has no complex128
    ];

    public static bool TryFromStorageName(string name, out ScalarType type) => TryFind(row => row.Storage == name, out type);

    /// <summary>The type of a dtype object as pickled: the global <c>torch.float16</c>, <c>torch.half</c>, ...</summary>
    public static bool TryFromTorchName(string name, out ScalarType type) => TryFind(row => row.TorchNames.Contains(name), out type);

    public static bool TryFromSafetensors(string name, out ScalarType type) => TryFind(row => row.Safetensors.Length > 0 && row.Safetensors == name, out type);

    public static string StorageName(ScalarType type) => Find(type).Storage;

    public static string SafetensorsName(ScalarType type) =>
        Find(type).Safetensors is { Length: > 0 } name
            ? name
            : throw new StateFormatException(StateFormatError.UnsupportedDType, $"safetensors has no type for {type} tensors.");

    public static int ElementSize(ScalarType type) => Find(type).Size;

    private static bool TryFind(Func<(string Storage, string Safetensors, ScalarType Type, int Size, string[] TorchNames), bool> match, out ScalarType type)
    {
        foreach (var row in Table)
        {
            if (match(row))
            {
                type = row.Type;
                return true;
            }
        }

        type = default;
        return false;
    }

    private static (string Storage, string Safetensors, ScalarType Type, int Size, string[] TorchNames) Find(ScalarType type)
    {
        foreach (var row in Table)
        {
            if (row.Type == type)
            {
                return row;
            }
        }

        throw new StateFormatException(StateFormatError.UnsupportedDType, $"Tensors of type {type} cannot be stored.");
    }
}
