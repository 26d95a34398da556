using System.Runtime.InteropServices;

namespace ModelStore.Arrow;

/// <summary>
/// One numeric array of a model (LegolasFlux's <c>FlatArray</c>): its values in memory order and its
/// dimensions in Julia's column-major order. A row-major (C order, PyTorch, TorchSharp) tensor of shape
/// <c>[a, b, c]</c> has exactly the memory layout of a column-major array of size <c>[c, b, a]</c>, so it is
/// stored with its dimensions reversed and its values untouched.
/// </summary>
public abstract class WeightArray
{
    private readonly long[] _size;

    private protected WeightArray(long[] size, long length)
    {
        long product = 1;
        foreach (var dimension in size)
        {
            if (dimension < 0)
            {
                throw new ArgumentException($"Dimension {dimension} is negative.", nameof(size));
            }

            product = checked(product * dimension);
        }

        if (product != length)
        {
            throw new ArgumentException(
                $"Size [{string.Join(", ", size)}] holds {product} values but {length} were given.", nameof(size));
        }

        _size = size;
    }

    /// <summary>The element type.</summary>
    public abstract WeightElementType ElementType { get; }

    /// <summary>The number of values.</summary>
    public abstract int Length { get; }

    /// <summary>The dimensions in Julia (column-major) order, as stored in the file's <c>size</c> list.</summary>
    public IReadOnlyList<long> Size => _size;

    /// <summary>The dimensions in row-major (C, PyTorch) order: <see cref="Size"/> reversed.</summary>
    public long[] RowMajorShape
    {
        get
        {
            var shape = (long[])_size.Clone();
            Array.Reverse(shape);
            return shape;
        }
    }

    /// <summary>The values as raw little-endian bytes, in memory order.</summary>
    public abstract ReadOnlySpan<byte> AsBytes();

    /// <summary>The values, in memory order.</summary>
    /// <exception cref="InvalidOperationException">When <typeparamref name="T"/> is not the element type.</exception>
    public ReadOnlySpan<T> GetValues<T>()
        where T : unmanaged =>
        this is WeightArray<T> typed
            ? typed.Values.Span
            : throw new InvalidOperationException($"The array holds {ElementType} values, not {typeof(T).Name}.");

    /// <summary>An array of a row-major tensor: the file gets <paramref name="shape"/> reversed, the values as they are.</summary>
    public static WeightArray<T> FromRowMajor<T>(ReadOnlyMemory<T> values, params ReadOnlySpan<long> shape)
        where T : unmanaged
    {
        var size = shape.ToArray();
        Array.Reverse(size);
        return new WeightArray<T>(values, size);
    }

    /// <summary>An array given in Julia's column-major order, with its dimensions as Julia lists them.</summary>
    public static WeightArray<T> FromColumnMajor<T>(ReadOnlyMemory<T> values, params ReadOnlySpan<long> size)
        where T : unmanaged =>
        new(values, size.ToArray());

    /// <inheritdoc />
    public override string ToString() => $"{ElementType}[{string.Join(", ", _size)}] (column-major)";
}

/// <summary>A <see cref="WeightArray"/> of <typeparamref name="T"/> values.</summary>
/// <typeparam name="T">A numeric type listed in <see cref="WeightElementType"/>.</typeparam>
public sealed class WeightArray<T> : WeightArray
    where T : unmanaged
{
    internal WeightArray(ReadOnlyMemory<T> values, long[] size)
        : base(size, values.Length)
    {
        ElementType = WeightElementTypes.Of<T>();
        Values = values;
    }

    /// <inheritdoc />
    public override WeightElementType ElementType { get; }

    /// <inheritdoc />
    public override int Length => Values.Length;

    /// <summary>The values, in memory order.</summary>
    public ReadOnlyMemory<T> Values { get; }

    /// <inheritdoc />
    public override ReadOnlySpan<byte> AsBytes() => MemoryMarshal.AsBytes(Values.Span);
}
