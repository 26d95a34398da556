using System.Collections.Concurrent;

namespace ModelStore.Arrow;

/// <summary>
/// The row schemas a reader knows, by <c>name@version</c>, like the schemas declared in a Julia session.
/// Reading a file whose schema is not declared here is a <see cref="ModelRowError.UndeclaredSchema"/> error.
/// </summary>
public sealed class RowSchemaRegistry
{
    private readonly ConcurrentDictionary<SchemaVersion, RowSchema> _schemas = new();

    /// <summary>Creates a registry that knows <see cref="ModelRowSchemas.ModelV1"/> and <paramref name="schemas"/>.</summary>
    public RowSchemaRegistry(params IEnumerable<RowSchema> schemas)
    {
        ArgumentNullException.ThrowIfNull(schemas);
        Declare(ModelRowSchemas.ModelV1);
        foreach (var schema in schemas)
        {
            Declare(schema);
        }
    }

    /// <summary>Declares a schema and its ancestors.</summary>
    /// <exception cref="ArgumentException">When another schema with the same name and version but another chain or columns is declared.</exception>
    public RowSchemaRegistry Declare(RowSchema schema)
    {
        ArgumentNullException.ThrowIfNull(schema);
        foreach (var each in schema.Chain)
        {
            var existing = _schemas.GetOrAdd(each.Version, each);
            if (!ReferenceEquals(existing, each) && !AreSame(existing, each))
            {
                throw new ArgumentException($"Schema {each.Version} is already declared differently ({existing.QualifiedIdentifier}).", nameof(schema));
            }
        }

        return this;
    }

    /// <summary>The declared schema with this name and version, or null.</summary>
    public RowSchema? Find(SchemaVersion version) => _schemas.GetValueOrDefault(version);

    private static bool AreSame(RowSchema left, RowSchema right) =>
        left.QualifiedIdentifier == right.QualifiedIdentifier
        && left.Columns.Count == right.Columns.Count
        && left.Columns.Zip(right.Columns).All(pair => pair.First.IsSameDeclaration(pair.Second));
}
