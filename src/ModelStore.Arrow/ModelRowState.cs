using ModelStore.States;
using ModelStore.Stores;

namespace ModelStore.Arrow;

/// <summary>
/// A model row as a store state: the state's bytes are the row's Arrow IPC file, so any store holds it and
/// a <c>ModelState</c> key can name it (by convention with the <see cref="Backend"/> backend, e.g.
/// <c>arrow/digits-cnn.v1.2026-01-01</c>). Loading validates the file against <see cref="Schema"/>.
/// </summary>
public sealed class ModelRowState : IModelWithState
{
    /// <summary>The conventional backend name of states stored as Arrow model rows.</summary>
    public const string Backend = "arrow";

    /// <summary>Creates a state holder for rows of <paramref name="schema"/> (or of schemas that extend it).</summary>
    public ModelRowState(StateType stateType, RowSchema schema, ModelRow? row = null)
    {
        ArgumentNullException.ThrowIfNull(stateType);
        ArgumentNullException.ThrowIfNull(schema);
        if (row is not null && !row.Schema.IsOrExtends(schema))
        {
            throw new ArgumentException($"The row's schema {row.Schema} does not extend {schema}.", nameof(row));
        }

        StateType = stateType;
        Schema = schema;
        Row = row;
    }

    /// <inheritdoc />
    public StateType StateType { get; }

    /// <summary>The schema rows are read as.</summary>
    public RowSchema Schema { get; }

    /// <summary>The row; null until one is given or loaded.</summary>
    public ModelRow? Row { get; set; }

    /// <inheritdoc />
    public Task WriteStateAsync(Stream destination, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var row = Row ?? throw new InvalidOperationException("There is no row to save; set Row first.");
        return ModelRowFile.WriteAsync(destination, row, cancellationToken);
    }

    /// <inheritdoc />
    public async Task ReadStateAsync(Stream source, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        Row = await ModelRowFile.ReadAsync(source, Schema, cancellationToken).ConfigureAwait(false);
    }
}
