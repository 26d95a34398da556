using ModelStore.TorchSharp.Formats;
using static TorchSharp.torch;

namespace ModelStore.TorchSharp.PyTorch;

/// <summary>
/// A global named by the pickle. Only the few a state dict is made of (<see cref="IsStateDictPart"/>) are interpreted
/// when called (REDUCE), by name; any other global is a name and nothing more: calling it records a
/// <see cref="PickleObject"/>, inert data that may sit outside the state dict but never inside it. Python code is never run.
/// </summary>
internal sealed record PickleGlobal(string Module, string Name)
{
    private const string TorchUtils = "torch._utils";

    /// <summary>The storage type, when this global is one of <c>torch.FloatStorage</c>, <c>torch.HalfStorage</c>, ...</summary>
    public ScalarType? StorageType { get; private init; }

    /// <summary>Whether this global is on the allow-list of what a state dict is made of.</summary>
    public bool IsStateDictPart { get; private init; }

    /// <summary>The dotted name, with control characters replaced, for messages.</summary>
    public string QualifiedName => $"{Printable(Module)}.{Printable(Name)}";

    public static PickleGlobal Resolve(string module, string name)
    {
        ScalarType? storageType = module == "torch" && DTypes.TryFromStorageName(name, out var type) ? type : null;
        var isStorage = storageType is not null;
        return new PickleGlobal(module, name)
        {
            StorageType = storageType,
            IsStateDictPart = isStorage
                || (module == "collections" && name == "OrderedDict")
                || (module == TorchUtils && name is "_rebuild_tensor_v2" or "_rebuild_parameter" or "_rebuild_tensor"), // _rebuild_tensor: PyTorch 0.4-era legacy files
        };
    }

    /// <summary>
    /// The refusal of a tensor kind a state dict of dense tensors cannot hold (quantized, sparse), named by the global
    /// that rebuilds it or its storage type, with the fix; <see langword="null"/> for any other global.
    /// </summary>
    public static StateFormatException? UnsupportedTensorKind(string module, string name)
    {
        // QInt8Storage, QUInt8Storage, QInt32Storage, QUInt4x2Storage, ...: the storages of quantized tensors.
        if ((module == TorchUtils && name == "_rebuild_qtensor") || (module == "torch" && name.StartsWith('Q') && name.EndsWith("Storage", StringComparison.Ordinal)))
        {
            return new StateFormatException(
                StateFormatError.QuantizedTensor,
                $"The file holds a quantized tensor ({Printable(module)}.{Printable(name)}, made by torch.quantize_per_tensor or torch.quantization.quantize_dynamic), "
                + "which a TorchSharp module cannot load. In PyTorch, call .dequantize() on each quantized tensor (or save the float model before quantizing) and save again. Nothing was executed.");
        }

        if (module == TorchUtils && name.StartsWith("_rebuild_sparse", StringComparison.Ordinal))
        {
            return new StateFormatException(
                StateFormatError.SparseTensor,
                $"The file holds a sparse tensor ({Printable(module)}.{Printable(name)}, made by .to_sparse() or .to_sparse_csr()), which is not read. "
                + "In PyTorch, call .to_dense() on each sparse tensor before saving. Nothing was executed.");
        }

        return null;
    }

    /// <summary>What calling this global yields: a tensor or dict for the state-dict globals, a recorded call for any other.</summary>
    public object Reduce(object?[] arguments)
    {
        if (!IsStateDictPart)
        {
            return new PickleObject(this, arguments);
        }

        if (Name == "OrderedDict" && arguments.Length == 0)
        {
            return new PickleDict();
        }

        if ((Name == "_rebuild_tensor_v2" && arguments.Length is 6 or 7) || (Name == "_rebuild_tensor" && arguments.Length == 4))
        {
            var storage = arguments[0] as StorageRef ?? throw Bad("its storage is not a persistent storage reference");
            if (ForbiddenGlobals.FindIn(arguments.AsSpan(4).ToArray()) is { } forbidden)
            {
                // A tensor is part of a state dict wherever it is: its hooks and metadata hold nothing else.
                throw ForbiddenGlobals.Refusal(forbidden, "a tensor's arguments");
            }

            return new TensorRef(storage, AsLong(arguments[1], "storage offset"), AsLongs(arguments[2], "size"), AsLongs(arguments[3], "stride"));
        }

        if (Name == "_rebuild_parameter" && arguments.Length == 3)
        {
            return arguments[0] as TensorRef ?? throw Bad("the parameter does not wrap a tensor");
        }

        throw new StateFormatException(
            StateFormatError.UnsupportedPickle,
            $"The state-dict pickle calls {QualifiedName} with {arguments.Length} arguments, which a state dict does not do. Nothing was executed.");
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
