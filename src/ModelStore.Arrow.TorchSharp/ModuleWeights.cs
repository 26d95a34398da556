using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace ModelStore.Arrow.TorchSharp;

/// <summary>
/// LegolasFlux's <c>fetch_weights</c> and <c>load_weights!</c> for TorchSharp: a module's numeric arrays (every
/// parameter and persistent buffer, BatchNorm running statistics included) in a fixed order, a tensor registered
/// under several names (tied or shared weights) once, by its first name.
/// </summary>
/// <remarks>
/// The order is the module tree's, depth first: a module's own parameters, then its own buffers, then its
/// children in registration order (PyTorch's <c>state_dict</c> order). Row-major tensors are stored with their
/// dimensions reversed and their values untouched (see <see cref="WeightArray"/>).
/// </remarks>
public static class ModuleWeights
{
    /// <summary>
    /// The module's weights. With no <paramref name="elementType"/>, every array takes the type the element types
    /// promote to, as Julia's <c>Weights</c> does: the widest floating type when there is one (so BatchNorm's
    /// Int64 <c>num_batches_tracked</c> is stored as a float), else the widest integer type.
    /// </summary>
    /// <exception cref="NotSupportedException">When a tensor's type has no Arrow counterpart (complex numbers).</exception>
    public static ModelWeights Fetch(nn.Module module, WeightElementType? elementType = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        var tensors = Collect(module);
        var type = elementType ?? TorchElementTypes.Promote(tensors.Select(entry => entry.Tensor.dtype));
        using var scope = NewDisposeScope();
        return new ModelWeights(type, tensors.Select(entry => ToArray(entry.Tensor, type)));
    }

    /// <summary>The names of the module's arrays, in the order <see cref="Fetch"/> returns them.</summary>
    public static IReadOnlyList<string> Names(nn.Module module)
    {
        ArgumentNullException.ThrowIfNull(module);
        return Collect(module).Select(entry => entry.Name).ToList();
    }

    /// <summary>
    /// Copies <paramref name="weights"/> into the module's parameters and buffers (converting element types as
    /// needed). Every count and shape is checked before anything is copied, so a mismatch leaves the module as it was.
    /// </summary>
    /// <exception cref="ModelRowException">With <see cref="ModelRowError.ArchitectureMismatch"/> when the weights do not fit the module.</exception>
    public static void Load(nn.Module module, ModelWeights weights)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(weights);
        var tensors = Collect(module);
        if (tensors.Count != weights.Count)
        {
            throw new ModelRowException(
                ModelRowError.ArchitectureMismatch,
                $"The weights hold {weights.Count} arrays but the module has {tensors.Count} ({string.Join(", ", tensors.Select(entry => entry.Name))}); the architecture no longer fits the weights.");
        }

        for (var i = 0; i < tensors.Count; i++)
        {
            var expected = tensors[i].Tensor.shape;
            var given = weights[i].RowMajorShape;
            if (!expected.AsSpan().SequenceEqual(given))
            {
                throw new ModelRowException(
                    ModelRowError.ArchitectureMismatch,
                    $"Array {i} ({tensors[i].Name}) has shape [{string.Join(", ", expected)}] in the module but [{string.Join(", ", given)}] in the weights; the architecture no longer fits the weights.");
            }
        }

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        for (var i = 0; i < tensors.Count; i++)
        {
            tensors[i].Tensor.copy_(ToTensor(weights[i]));
        }
    }

    private static List<(string Name, Tensor Tensor)> Collect(nn.Module module)
    {
        var seen = new HashSet<IntPtr>();
        var result = new List<(string, Tensor)>();
        Visit(module, string.Empty, seen, result, new HashSet<nn.Module>(ReferenceEqualityComparer.Instance));
        return result;
    }

    private static void Visit(nn.Module module, string prefix, HashSet<IntPtr> seen, List<(string, Tensor)> result, HashSet<nn.Module> visited)
    {
        if (!visited.Add(module))
        {
            return;
        }

        foreach (var (name, parameter) in module.named_parameters(recurse: false))
        {
            if (parameter is not null && seen.Add(parameter.Handle))
            {
                result.Add((prefix + name, parameter));
            }
        }

        foreach (var (name, buffer) in module.named_buffers(recurse: false, include_nonpersistent: false))
        {
            if (buffer is not null && seen.Add(buffer.Handle))
            {
                result.Add((prefix + name, buffer));
            }
        }

        foreach (var (name, child) in module.named_children())
        {
            Visit(child, $"{prefix}{name}.", seen, result, visited);
        }
    }

    private static WeightArray ToArray(Tensor tensor, WeightElementType type)
    {
        var converted = tensor.detach().to_type(TorchElementTypes.ToScalarType(type)).cpu().contiguous();
        var shape = tensor.shape;
        var bytes = converted.bytes;
        return type switch
        {
            WeightElementType.Float16 => Copy<Half>(bytes, shape),
            WeightElementType.Float32 => Copy<float>(bytes, shape),
            WeightElementType.Float64 => Copy<double>(bytes, shape),
            WeightElementType.Int8 => Copy<sbyte>(bytes, shape),
            WeightElementType.Int16 => Copy<short>(bytes, shape),
            WeightElementType.Int32 => Copy<int>(bytes, shape),
            WeightElementType.Int64 => Copy<long>(bytes, shape),
            WeightElementType.UInt8 => Copy<byte>(bytes, shape),
            _ => throw new NotSupportedException($"TorchSharp has no tensor type for {type}."),
        };
    }

    private static WeightArray<T> Copy<T>(ReadOnlySpan<byte> bytes, long[] shape)
        where T : unmanaged
    {
        var values = new T[bytes.Length / Marshal.SizeOf<T>()];
        bytes.CopyTo(MemoryMarshal.AsBytes(values.AsSpan()));
        return WeightArray.FromRowMajor<T>(values, shape);
    }

    private static Tensor ToTensor(WeightArray array)
    {
        var tensor = empty(array.RowMajorShape, TorchElementTypes.ToScalarType(array.ElementType));
        array.AsBytes().CopyTo(tensor.bytes);
        return tensor;
    }
}
