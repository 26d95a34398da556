using Apache.Arrow;
using Apache.Arrow.Types;

namespace ModelStore.Arrow;

/// <summary>Converts a <see cref="ModelRow"/> to a one-row record batch and back, validating against the declared schema.</summary>
internal static class ModelRowBatch
{
    /// <summary>The row's batch; the weight values are <paramref name="placeholder"/>, resolved by the output stream.</summary>
    public static RecordBatch Create(ModelRow row, out ValuesPlaceholder? placeholder)
    {
        placeholder = null;
        var fields = new List<Field>();
        var arrays = new List<IArrowArray>();
        foreach (var column in row.Schema.Columns)
        {
            if (column.IsWeights)
            {
                if (row.Weights is null)
                {
                    // Arrow.jl writes an all-missing column as the Null type.
                    fields.Add(new Field(column.Name, NullType.Default, nullable: true));
                    arrays.Add(new NullArray(1));
                }
                else
                {
                    fields.Add(WeightsColumn.CreateField(column.Name, row.Weights.ElementType));
                    arrays.Add(WeightsColumn.Build(row.Weights, out var values));
                    placeholder = values;
                }

                continue;
            }

            var value = column.Name == ModelRowSchemas.ArchitectureVersionColumn ? row.ArchitectureVersion : row[column.Name];
            fields.Add(new Field(column.Name, column.Type!, column.IsOptional));
            arrays.Add(ArrowArrayFactory.BuildArray(ArrowValues.Build(column.Type!, value, column.Name)));
        }

        var schema = new Schema(fields, [new KeyValuePair<string, string>(ModelRowSchemas.SchemaMetadataKey, row.Schema.QualifiedIdentifier)]);
        return new RecordBatch(schema, arrays, 1);
    }

    public static ModelRow Read(
        Schema arrowSchema, IReadOnlyList<RecordBatch> batches, Func<IReadOnlyList<SchemaVersion>, string, RowSchema> resolve, ManagedArrowAllocator? allocator)
    {
        if (arrowSchema.Metadata is null || !arrowSchema.Metadata.TryGetValue(ModelRowSchemas.SchemaMetadataKey, out var identifier))
        {
            throw new ModelRowException(
                ModelRowError.MissingSchemaMetadata,
                $"The file's schema metadata has no '{ModelRowSchemas.SchemaMetadataKey}' entry; it was not written as a Legolas row.");
        }

        var schema = resolve(SchemaVersion.ParseChain(identifier), identifier);
        var rows = batches.Sum(batch => (long)batch.Length);
        if (rows != 1)
        {
            throw new ModelRowException(ModelRowError.RowCount, $"A model row file holds exactly one row; this one holds {rows}.");
        }

        var batch = batches.First(batch => batch.Length == 1);
        ModelWeights? weights = null;
        long? architectureVersion = null;
        var values = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var column in schema.Columns)
        {
            var index = arrowSchema.GetFieldIndex(column.Name, StringComparer.Ordinal);
            if (index < 0)
            {
                if (!column.IsOptional)
                {
                    throw new ModelRowException(ModelRowError.MissingColumn, $"{schema.Version} requires column '{column.Name}'; the file has none.");
                }

                continue;
            }

            var field = arrowSchema.GetFieldByIndex(index);
            var array = batch.Column(index);
            if (field.DataType is NullType || array.IsNull(0))
            {
                if (!column.IsOptional)
                {
                    throw new ModelRowException(ModelRowError.ColumnTypeMismatch, $"{schema.Version} requires a value in column '{column.Name}'; the file's is missing.");
                }

                continue;
            }

            if (column.IsWeights)
            {
                var elementType = WeightsColumn.TryGetElementType(field, out var problem)
                    ?? throw new ModelRowException(ModelRowError.ColumnTypeMismatch, $"Column '{column.Name}' is not LegolasFlux weights: {problem}.");
                weights = WeightsColumn.Read((StructArray)array, 0, elementType, allocator);
                continue;
            }

            if (!ArrowTypeMatcher.Matches(column.Type!, field.DataType))
            {
                throw new ModelRowException(
                    ModelRowError.ColumnTypeMismatch,
                    $"Column '{column.Name}' is declared {ArrowTypeMatcher.Describe(column.Type!)} by {schema.Version}; the file has {ArrowTypeMatcher.Describe(field.DataType)}.");
            }

            var value = ArrowValues.Read(array, 0);
            if (column.Name == ModelRowSchemas.ArchitectureVersionColumn)
            {
                architectureVersion = (long?)value;
            }
            else
            {
                values[column.Name] = value;
            }
        }

        try
        {
            return new ModelRow(schema, weights, architectureVersion, values).WithFileSchemaIdentifier(identifier);
        }
        catch (ArgumentException exception)
        {
            throw new ModelRowException(ModelRowError.ColumnTypeMismatch, $"The row does not comply with {schema.Version}: {exception.Message}", exception);
        }
    }
}
