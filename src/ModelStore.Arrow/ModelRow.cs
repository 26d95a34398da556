namespace ModelStore.Arrow;

/// <summary>
/// One model row: the model's weights, its optional architecture version, and the values of the columns its
/// schema adds (epoch, accuracy, configuration, ...). The schema is <see cref="ModelRowSchemas.ModelV1"/> or
/// one that extends it.
/// </summary>
public sealed class ModelRow
{
    private readonly Dictionary<string, object?> _values;

    /// <summary>Creates a row of <paramref name="schema"/>.</summary>
    /// <param name="schema">The row schema: <see cref="ModelRowSchemas.ModelV1"/> or an extension of it.</param>
    /// <param name="weights">The model's arrays, or null for missing weights.</param>
    /// <param name="architectureVersion">The version of the architecture the weights fit, if tracked.</param>
    /// <param name="values">The values of the schema's other columns, by column name (see <see cref="Values"/> for the CLR types).</param>
    /// <exception cref="ArgumentException">When a value is missing for a required column, names no declared column, or does not fit its type.</exception>
    public ModelRow(RowSchema schema, ModelWeights? weights, long? architectureVersion = null, IReadOnlyDictionary<string, object?>? values = null)
    {
        ArgumentNullException.ThrowIfNull(schema);
        if (!schema.IsOrExtends(ModelRowSchemas.ModelV1))
        {
            throw new ArgumentException($"{schema} does not extend {ModelRowSchemas.ModelV1}.", nameof(schema));
        }

        _values = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (name, value) in values ?? new Dictionary<string, object?>())
        {
            var column = schema.FindColumn(name);
            if (column is null || name is ModelRowSchemas.WeightsColumn or ModelRowSchemas.ArchitectureVersionColumn)
            {
                throw new ArgumentException(
                    column is null ? $"{schema} declares no column '{name}'." : $"Pass '{name}' as its own argument, not as a value.",
                    nameof(values));
            }

            ArrowValues.Build(column.Type!, value, name);
            _values[name] = value;
        }

        foreach (var column in schema.Columns)
        {
            var present = column.Name switch
            {
                ModelRowSchemas.WeightsColumn => weights is not null,
                ModelRowSchemas.ArchitectureVersionColumn => architectureVersion is not null,
                _ => _values.GetValueOrDefault(column.Name) is not null,
            };
            if (!column.IsOptional && !present)
            {
                throw new ArgumentException($"{schema} requires a value for '{column.Name}'.", nameof(values));
            }
        }

        Schema = schema;
        Weights = weights;
        ArchitectureVersion = architectureVersion;
    }

    /// <summary>The row's schema.</summary>
    public RowSchema Schema { get; }

    /// <summary>The model's arrays, or null when missing.</summary>
    public ModelWeights? Weights { get; }

    /// <summary>The architecture version, or null when missing.</summary>
    public long? ArchitectureVersion { get; }

    /// <summary>
    /// The values of the schema's other columns, by name; a missing value is absent or null. Numbers are their
    /// CLR types (Int64 is <see cref="long"/>, Float is <see cref="float"/>), Utf8 is <see cref="string"/>, Binary is
    /// <see cref="byte"/>[], a struct is an <see cref="IReadOnlyDictionary{TKey, TValue}"/> and a list an
    /// <see cref="IReadOnlyList{T}"/> of values.
    /// </summary>
    public IReadOnlyDictionary<string, object?> Values => _values;

    /// <summary>When read from a file, its qualified schema identifier (a child's chain when read as a parent).</summary>
    public string? FileSchemaIdentifier { get; private init; }

    /// <summary>The value of column <paramref name="name"/> (null when missing).</summary>
    public object? this[string name] => _values.GetValueOrDefault(name);

    /// <summary>The value of column <paramref name="name"/> as <typeparamref name="T"/>, or default when missing.</summary>
    /// <exception cref="InvalidCastException">When the value is of another type.</exception>
    public T? Get<T>(string name) => this[name] is { } value ? (T)value : default;

    /// <summary>The same row under an ancestor schema: the columns the ancestor does not declare are dropped.</summary>
    public ModelRow As(RowSchema ancestor)
    {
        ArgumentNullException.ThrowIfNull(ancestor);
        if (!Schema.IsOrExtends(ancestor))
        {
            throw new ArgumentException($"{Schema} does not extend {ancestor}.", nameof(ancestor));
        }

        var kept = _values.Where(pair => ancestor.FindColumn(pair.Key) is not null).ToDictionary();
        return new ModelRow(ancestor, Weights, ArchitectureVersion, kept) { FileSchemaIdentifier = FileSchemaIdentifier };
    }

    internal ModelRow WithFileSchemaIdentifier(string identifier) =>
        new(Schema, Weights, ArchitectureVersion, _values) { FileSchemaIdentifier = identifier };
}
