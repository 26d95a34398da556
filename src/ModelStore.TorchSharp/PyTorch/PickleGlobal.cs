using ModelStore.TorchSharp.Formats;
using static TorchSharp.torch;

namespace ModelStore.TorchSharp.PyTorch;

/// <summary>
/// A global named by the pickle, from the allow-list of what state dicts are made of. Calling one
/// (REDUCE) is interpreted here by name; Python code is never run.
/// </summary>
internal sealed record PickleGlobal(string Module, string Name)
{
    private static readonly PickleGlobal OrderedDict = new("collections", "OrderedDict");
    private static readonly PickleGlobal RebuildTensorV2 = new("torch._utils", "_rebuild_tensor_v2");
    private static readonly PickleGlobal RebuildParameter = new("torch._utils", "_rebuild_parameter");
    private static readonly PickleGlobal RebuildTensor = new("torch._utils", "_rebuild_tensor"); // PyTorch 0.4-era legacy files

    /// <summary>The storage type, when this global is one of <c>torch.FloatStorage</c>, <c>torch.HalfStorage</c>, ...</summary>
    public ScalarType? StorageType { get; private init; }

    /// <summary>Whether a global may appear in a state dict.</summary>
    public static bool IsAllowed(string module, string name) =>
        (module == OrderedDict.Module && name == OrderedDict.Name)
        || (module == RebuildTensorV2.Module && (name == RebuildTensorV2.Name || name == RebuildParameter.Name || name == RebuildTensor.Name))
        || (module == "torch" && DTypes.TryFromStorageName(name, out _));

    public static PickleGlobal Resolve(string module, string name)
    {
        if (!IsAllowed(module, name))
        {
            throw new StateFormatException(
                StateFormatError.ForbiddenGlobal,
                $"The state-dict pickle names '{Printable(module)}.{Printable(name)}', which is not part of a state dict; it was refused and nothing was executed. "
                + "Allowed: collections.OrderedDict, torch._utils._rebuild_tensor_v2, _rebuild_tensor, _rebuild_parameter and the torch storage types.");
        }

        return DTypes.TryFromStorageName(name, out var type) && module == "torch"
            ? new PickleGlobal(module, name) { StorageType = type }
            : new PickleGlobal(module, name);
    }

    public object Reduce(object?[] arguments)
    {
        if (this == OrderedDict && arguments.Length == 0)
        {
            return new PickleDict();
        }

        if ((this == RebuildTensorV2 && arguments.Length is 6 or 7) || (this == RebuildTensor && arguments.Length == 4))
        {
            var storage = arguments[0] as StorageRef ?? throw Bad("its storage is not a persistent storage reference");
            return new TensorRef(storage, AsLong(arguments[1], "storage offset"), AsLongs(arguments[2], "size"), AsLongs(arguments[3], "stride"));
        }

        if (this == RebuildParameter && arguments.Length == 3)
        {
            return arguments[0] as TensorRef ?? throw Bad("the parameter does not wrap a tensor");
        }

        throw new StateFormatException(
            StateFormatError.UnsupportedPickle,
            $"The state-dict pickle calls {Module}.{Name} with {arguments.Length} arguments, which a state dict does not do. Nothing was executed.");
    }

    private static long AsLong(object? value, string what) => value as long? ?? throw Bad($"its {what} is not an integer");

    private static long[] AsLongs(object? value, string what)
    {
        if (value is not object?[] items)
        {
            throw Bad($"its {what} is not a tuple");
        }

        return [.. items.Select(item => AsLong(item, what))];
    }

    private static StateFormatException Bad(string what) =>
        new(StateFormatError.Corrupt, $"A tensor in the state-dict pickle is malformed: {what}.");

    public static string Printable(string text) =>
        new([.. text.Take(80).Select(c => char.IsControl(c) ? '?' : c)]);
}

/// <summary>
/// A storage named by a persistent id: <c>('storage', torch.FloatStorage, key, location, numel)</c>, or in the legacy
/// format <c>(..., numel, view_metadata)</c>. A legacy storage view is a slice of its root storage:
/// <paramref name="RootKey"/> and <paramref name="RootOffset"/> (in elements) say where.
/// </summary>
internal sealed record StorageRef(string Key, ScalarType DType, long ElementCount, string? RootKey = null, long RootOffset = 0);

/// <summary>A tensor rebuilt by <c>_rebuild_tensor_v2</c>: a view of a storage.</summary>
internal sealed record TensorRef(StorageRef Storage, long StorageOffset, long[] Shape, long[] Strides);
