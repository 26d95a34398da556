using System.Collections.Immutable;
using static TorchSharp.torch;

namespace ModelStore.TorchSharp.Formats;

/// <summary>
/// One named tensor of a state file, as declared: its type, shape, and where its elements lie in the
/// file (a view of a storage: offset and strides in elements). Its bytes are read on demand.
/// </summary>
public sealed class StateTensorInfo
{
    internal StateTensorInfo(string name, ScalarType dtype, ImmutableArray<long> shape, ImmutableArray<long> strides, long storageOffset, StorageSpan storage)
    {
        Name = name;
        DType = dtype;
        Shape = shape;
        Strides = strides;
        StorageOffset = storageOffset;
        Storage = storage;
    }

    /// <summary>The state-dict key, for example <c>features.0.weight</c>.</summary>
    public string Name { get; }

    /// <summary>The element type.</summary>
    public ScalarType DType { get; }

    /// <summary>The dimensions.</summary>
    public ImmutableArray<long> Shape { get; }

    /// <summary>The strides in elements (row-major contiguous unless the tensor was saved as a view).</summary>
    public ImmutableArray<long> Strides { get; }

    /// <summary>The offset of the first element in its storage, in elements.</summary>
    public long StorageOffset { get; }

    /// <summary>The number of elements.</summary>
    public long ElementCount
    {
        get
        {
            var count = 1L;
            foreach (var size in Shape)
            {
                count *= size;
            }

            return count;
        }
    }

    internal StorageSpan Storage { get; }

    /// <summary>The same tensor under another name.</summary>
    internal StateTensorInfo WithName(string name) => new(name, DType, Shape, Strides, StorageOffset, Storage);

    /// <summary>Whether the elements are one dense row-major run in the storage.</summary>
    internal bool IsContiguous
    {
        get
        {
            var expected = 1L;
            for (var i = Shape.Length - 1; i >= 0; i--)
            {
                if (Shape[i] != 1 && Strides[i] != expected)
                {
                    return false;
                }

                expected *= Shape[i];
            }

            return true;
        }
    }

    /// <summary>Validates that the view lies inside its storage (element indices never leave it).</summary>
    internal void ValidateView()
    {
        if (Shape.Length != Strides.Length)
        {
            throw new StateFormatException(StateFormatError.Corrupt, $"Tensor '{Name}' has {Shape.Length} dimensions but {Strides.Length} strides.");
        }

        if (StorageOffset < 0 || Shape.Any(s => s < 0) || Strides.Any(s => s < 0))
        {
            throw new StateFormatException(StateFormatError.Corrupt, $"Tensor '{Name}' has a negative size, stride or offset.");
        }

        var count = 1L;
        var last = StorageOffset;
        try
        {
            for (var i = 0; i < Shape.Length; i++)
            {
                count = checked(count * Shape[i]);
                if (Shape[i] > 0)
                {
                    last = checked(last + ((Shape[i] - 1) * Strides[i]));
                }
            }
        }
        catch (OverflowException e)
        {
            throw new StateFormatException(StateFormatError.Corrupt, $"Tensor '{Name}' declares a size that overflows.", e);
        }

        if (count > 0 && last >= Storage.ElementCount)
        {
            throw new StateFormatException(
                StateFormatError.SizeMismatch,
                $"Tensor '{Name}' reaches element {last} of a storage of {Storage.ElementCount} elements.");
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"{Name}: {DType}[{string.Join(", ", Shape)}]";
}

/// <summary>Where a storage's bytes are in the file.</summary>
internal sealed record StorageSpan(string Key, ScalarType DType, long ElementCount, long FileOffset, long ByteLength);
