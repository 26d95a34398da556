namespace ModelStore.Arrow;

/// <summary>What is wrong with an Arrow model row file. Every <see cref="ModelRowException"/> carries one.</summary>
public enum ModelRowError
{
    /// <summary>The bytes are not a readable Arrow IPC file (truncated, corrupt, or another format).</summary>
    MalformedFile = 1,

    /// <summary>The file's schema metadata has no <c>legolas_schema_qualified</c> entry.</summary>
    MissingSchemaMetadata = 2,

    /// <summary>The <c>legolas_schema_qualified</c> value is not a valid <c>name@version[&gt;name@version...]</c> chain.</summary>
    MalformedSchemaIdentifier = 3,

    /// <summary>The file's row schema is not declared (not in the registry used to read it).</summary>
    UndeclaredSchema = 4,

    /// <summary>The file's schema chain does not contain the schema the row is read as, or names another version or parent.</summary>
    SchemaMismatch = 5,

    /// <summary>A declared required column is absent from the file.</summary>
    MissingColumn = 6,

    /// <summary>A column's Arrow type (or a value, such as a null in a required column) violates its declaration.</summary>
    ColumnTypeMismatch = 7,

    /// <summary>A model row file must hold exactly one row.</summary>
    RowCount = 8,

    /// <summary>The weights are inconsistent (a size that does not match its values, a negative dimension, bad offsets).</summary>
    InvalidWeights = 9,

    /// <summary>The weights do not fit the model they are loaded into (count, shape or element type).</summary>
    ArchitectureMismatch = 10,
}
