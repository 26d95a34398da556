using ModelStore.States;
using ModelStore.Stores;
using static TorchSharp.torch;

namespace ModelStore.Arrow.TorchSharp;

/// <summary>
/// Makes a TorchSharp module an <see cref="IModelWithState"/> whose state is an Arrow model row, so stores save
/// and load its weights in the LegolasFlux layout: <c>await store.SaveAsync(new ModuleRowState(model, type, schema), "v1")</c>.
/// </summary>
public sealed class ModuleRowState : IModelWithState
{
    /// <summary>Wraps <paramref name="module"/>.</summary>
    /// <param name="module">The module whose parameters and buffers are the weights.</param>
    /// <param name="stateType">The state family, for example <c>arrow/digits-cnn.legolas</c>.</param>
    /// <param name="schema">The row schema written, and read as (a file of an extending schema reads too).</param>
    /// <param name="architectureVersion">Written with the weights; when set, a loaded row must carry the same version.</param>
    public ModuleRowState(nn.Module module, StateType stateType, RowSchema schema, long? architectureVersion = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(stateType);
        ArgumentNullException.ThrowIfNull(schema);
        Module = module;
        StateType = stateType;
        Schema = schema;
        ArchitectureVersion = architectureVersion;
    }

    /// <summary>The wrapped module.</summary>
    public nn.Module Module { get; }

    /// <inheritdoc />
    public StateType StateType { get; }

    /// <summary>The row schema.</summary>
    public RowSchema Schema { get; }

    /// <summary>The architecture version written, and required of loaded rows when set.</summary>
    public long? ArchitectureVersion { get; }

    /// <summary>The values of the schema's other columns written with the weights (epoch, accuracy, ...).</summary>
    public IReadOnlyDictionary<string, object?> Values { get; set; } = new Dictionary<string, object?>();

    /// <summary>The last row loaded (its metadata columns), if any.</summary>
    public ModelRow? LastRow { get; private set; }

    /// <inheritdoc />
    public Task WriteStateAsync(Stream destination, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var row = new ModelRow(Schema, ModuleWeights.Fetch(Module), ArchitectureVersion, Values);
        return ModelRowFile.WriteAsync(destination, row, cancellationToken);
    }

    /// <inheritdoc />
    /// <exception cref="ModelRowException">When the row is invalid, has no weights, another architecture version, or weights that do not fit.</exception>
    public async Task ReadStateAsync(Stream source, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        var row = await ModelRowFile.ReadAsync(source, Schema, cancellationToken).ConfigureAwait(false);
        if (ArchitectureVersion is { } expected && row.ArchitectureVersion != expected)
        {
            throw new ModelRowException(
                ModelRowError.ArchitectureMismatch,
                $"The row's weights are for architecture version {row.ArchitectureVersion?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "(none)"}; this module is version {expected}.");
        }

        ModuleWeights.Load(Module, row.Weights ?? throw new ModelRowException(ModelRowError.ArchitectureMismatch, "The row has no weights to load."));
        LastRow = row;
    }
}
