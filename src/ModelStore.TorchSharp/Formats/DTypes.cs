using static TorchSharp.torch;

namespace ModelStore.TorchSharp.Formats;

/// <summary>Data type names of the two formats and their element sizes.</summary>
internal static class DTypes
{
    private static readonly (string Storage, string Safetensors, ScalarType Type, int Size)[] Table =
    [
        ("DoubleStorage", "F64", ScalarType.Float64, 8),
        ("FloatStorage", "F32", ScalarType.Float32, 4),
        ("HalfStorage", "F16", ScalarType.Float16, 2),
        ("BFloat16Storage", "BF16", ScalarType.BFloat16, 2),
        ("LongStorage", "I64", ScalarType.Int64, 8),
        ("IntStorage", "I32", ScalarType.Int32, 4),
        ("ShortStorage", "I16", ScalarType.Int16, 2),
        ("CharStorage", "I8", ScalarType.Int8, 1),
        ("ByteStorage", "U8", ScalarType.Byte, 1),
        ("BoolStorage", "BOOL", ScalarType.Bool, 1),
        ("ComplexFloatStorage", "C64", ScalarType.ComplexFloat32, 8),
        ("ComplexDoubleStorage", "", ScalarType.ComplexFloat64, 16), // safetensors has no complex128
    ];

    public static bool TryFromStorageName(string name, out ScalarType type) => TryFind(row => row.Storage == name, out type);

    public static bool TryFromSafetensors(string name, out ScalarType type) => TryFind(row => row.Safetensors.Length > 0 && row.Safetensors == name, out type);

    public static string StorageName(ScalarType type) => Find(type).Storage;

    public static string SafetensorsName(ScalarType type) =>
        Find(type).Safetensors is { Length: > 0 } name
            ? name
            : throw new StateFormatException(StateFormatError.UnsupportedDType, $"safetensors has no type for {type} tensors.");

    public static int ElementSize(ScalarType type) => Find(type).Size;

    private static bool TryFind(Func<(string Storage, string Safetensors, ScalarType Type, int Size), bool> match, out ScalarType type)
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

    private static (string Storage, string Safetensors, ScalarType Type, int Size) Find(ScalarType type)
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
