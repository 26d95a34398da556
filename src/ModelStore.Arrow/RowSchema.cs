namespace ModelStore.Arrow;

/// <summary>
/// A declared, versioned row schema in the Legolas manner: a name and version, an optional parent whose
/// columns it inherits (parent columns first), and its own columns. Extend <see cref="ModelRowSchemas.ModelV1"/>
/// to keep training metadata (epoch, accuracy, commit sha, ...) beside the weights.
/// </summary>
public sealed class RowSchema
{
    private RowSchema(SchemaVersion version, RowSchema? parent, IReadOnlyList<RowColumn> ownColumns, IReadOnlyList<RowColumn> columns)
    {
        Version = version;
        Parent = parent;
        OwnColumns = ownColumns;
        Columns = columns;
    }

    /// <summary>The schema's own name and version.</summary>
    public SchemaVersion Version { get; }

    /// <summary>The schema it extends, if any.</summary>
    public RowSchema? Parent { get; }

    /// <summary>The columns this schema declares (re-declarations of parent columns included).</summary>
    public IReadOnlyList<RowColumn> OwnColumns { get; }

    /// <summary>Every column, parent columns first, in file order.</summary>
    public IReadOnlyList<RowColumn> Columns { get; }

    /// <summary>The schema and its ancestors, the schema first.</summary>
    public IEnumerable<RowSchema> Chain
    {
        get
        {
            for (var schema = this; schema is not null; schema = schema.Parent)
            {
                yield return schema;
            }
        }
    }

    /// <summary>The fully qualified identifier written to <c>legolas_schema_qualified</c>, e.g. <c>digits.model@1&gt;legolas-flux.model@1</c>.</summary>
    public string QualifiedIdentifier => SchemaVersion.FormatChain(Chain.Select(schema => schema.Version));

    /// <summary>Declares a root schema (one that extends nothing).</summary>
    public static RowSchema Declare(string name, int version, params IEnumerable<RowColumn> columns) =>
        Declare(name, version, parent: null, columns);

    /// <summary>
    /// Declares a schema. With a <paramref name="parent"/>, the parent's columns come first; a column may be
    /// re-declared only with the same type and optionality (as Legolas re-declares <c>weights</c>).
    /// </summary>
    /// <exception cref="ArgumentException">When a name is invalid, a column is declared twice, or a re-declaration differs.</exception>
    public static RowSchema Declare(string name, int version, RowSchema? parent, params IEnumerable<RowColumn> columns)
    {
        ArgumentNullException.ThrowIfNull(columns);
        var schemaVersion = new SchemaVersion(name, version);
        if (parent is not null && parent.Chain.Any(ancestor => ancestor.Version.Name == name))
        {
            throw new ArgumentException($"Schema '{name}' cannot extend a chain that already contains it.", nameof(name));
        }

        var own = columns.ToList();
        var all = parent?.Columns.ToList() ?? [];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var column in own)
        {
            ArgumentNullException.ThrowIfNull(column, nameof(columns));
            if (!seen.Add(column.Name))
            {
                throw new ArgumentException($"Column '{column.Name}' is declared twice in {schemaVersion}.", nameof(columns));
            }

            var inherited = all.FindIndex(existing => existing.Name == column.Name);
            if (inherited < 0)
            {
                all.Add(column);
            }
            else if (!all[inherited].IsSameDeclaration(column))
            {
                throw new ArgumentException(
                    $"{schemaVersion} re-declares '{column.Name}' as {column}, but its parent declares {all[inherited]}.", nameof(columns));
            }
        }

        return new RowSchema(schemaVersion, parent, own, all);
    }

    /// <summary>Declares a schema that extends this one.</summary>
    public RowSchema Extend(string name, int version, params IEnumerable<RowColumn> columns) =>
        Declare(name, version, this, columns);

    /// <summary>The column named <paramref name="name"/>, or null.</summary>
    public RowColumn? FindColumn(string name) => Columns.FirstOrDefault(column => column.Name == name);

    /// <summary>Whether this schema is <paramref name="ancestor"/> or extends it (same qualified chain).</summary>
    public bool IsOrExtends(RowSchema ancestor)
    {
        ArgumentNullException.ThrowIfNull(ancestor);
        return Chain.Any(schema => schema.QualifiedIdentifier == ancestor.QualifiedIdentifier);
    }

    /// <inheritdoc />
    public override string ToString() => QualifiedIdentifier;
}
