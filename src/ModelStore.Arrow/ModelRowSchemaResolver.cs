namespace ModelStore.Arrow;

/// <summary>Decides which declared schema a file's <c>legolas_schema_qualified</c> chain is read as.</summary>
internal static class ModelRowSchemaResolver
{
    public static RowSchema ReadAs(RowSchema expected, IReadOnlyList<SchemaVersion> chain, string identifier)
    {
        var index = IndexOf(chain, expected.Version);
        if (index < 0)
        {
            var other = chain.Where(version => version.Name == expected.Version.Name).Select(version => (SchemaVersion?)version).FirstOrDefault();
            throw new ModelRowException(
                ModelRowError.SchemaMismatch,
                other is { } found
                    ? $"The file holds {found} rows ({identifier}); they cannot be read as version {expected.Version.Version} ({expected})."
                    : $"The file's row schema {identifier} is not {expected} and does not extend it.");
        }

        var expectedChain = expected.Chain.Select(schema => schema.Version).ToList();
        if (!IsPrefix(chain.Skip(index).ToList(), expectedChain))
        {
            throw new ModelRowException(
                ModelRowError.SchemaMismatch,
                $"The file's row schema {identifier} extends {expected.Version} with other parents than {expected}.");
        }

        return expected;
    }

    public static RowSchema Declared(RowSchemaRegistry registry, IReadOnlyList<SchemaVersion> chain, string identifier)
    {
        var declared = registry.Find(chain[0])
            ?? throw new ModelRowException(
                ModelRowError.UndeclaredSchema,
                $"The file's row schema {chain[0]} ({identifier}) is not declared; declare it (RowSchema.Declare) and add it to the registry, or read the row as one of its declared parents.");
        if (!IsPrefix(chain, declared.Chain.Select(schema => schema.Version).ToList()))
        {
            throw new ModelRowException(
                ModelRowError.SchemaMismatch,
                $"The file's row schema {identifier} conflicts with the declared {declared.QualifiedIdentifier}.");
        }

        return declared;
    }

    private static int IndexOf(IReadOnlyList<SchemaVersion> chain, SchemaVersion version)
    {
        for (var i = 0; i < chain.Count; i++)
        {
            if (chain[i] == version)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>
    /// Whether the file's chain agrees with the declared one. Legolas writes fully qualified identifiers; a file
    /// naming fewer ancestors than declared is accepted, one naming different ones is not.
    /// </summary>
    private static bool IsPrefix(IReadOnlyList<SchemaVersion> fileChain, IReadOnlyList<SchemaVersion> declaredChain) =>
        fileChain.Count <= declaredChain.Count && fileChain.Select((version, i) => declaredChain[i] == version).All(same => same);
}
