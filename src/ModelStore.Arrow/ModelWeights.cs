using System.Collections;

namespace ModelStore.Arrow;

/// <summary>
/// The numeric arrays of a model in a fixed order (LegolasFlux's <c>Weights</c>): parameters and buffers
/// alike, one element type for all of them.
/// </summary>
public sealed class ModelWeights : IReadOnlyList<WeightArray>
{
    private readonly WeightArray[] _arrays;

    /// <summary>Creates the weights of a model from its arrays, in the model's order.</summary>
    /// <exception cref="ArgumentException">When the arrays do not share one element type.</exception>
    public ModelWeights(WeightElementType elementType, IEnumerable<WeightArray> arrays)
    {
        ArgumentNullException.ThrowIfNull(arrays);
        _arrays = [.. arrays];
        for (var i = 0; i < _arrays.Length; i++)
        {
            ArgumentNullException.ThrowIfNull(_arrays[i], $"{nameof(arrays)}[{i}]");
            if (_arrays[i].ElementType != elementType)
            {
                throw new ArgumentException(
                    $"Array {i} holds {_arrays[i].ElementType} values; every array of a model row holds {elementType}.",
                    nameof(arrays));
            }
        }

        ElementType = elementType;
    }

    /// <summary>Creates the weights of a model from arrays of one element type.</summary>
    public static ModelWeights Create<T>(params IEnumerable<WeightArray<T>> arrays)
        where T : unmanaged =>
        new(WeightElementTypes.Of<T>(), arrays);

    /// <summary>The element type of every array.</summary>
    public WeightElementType ElementType { get; }

    /// <inheritdoc />
    public int Count => _arrays.Length;

    /// <summary>The total number of values over all arrays.</summary>
    public long TotalLength => _arrays.Sum(array => (long)array.Length);

    /// <inheritdoc />
    public WeightArray this[int index] => _arrays[index];

    /// <inheritdoc />
    public IEnumerator<WeightArray> GetEnumerator() => ((IEnumerable<WeightArray>)_arrays).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
