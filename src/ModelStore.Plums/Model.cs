using ModelStore.Plums.Storage;

namespace ModelStore.Plums;

/// <summary>
/// A model package in the Plums Model Format (Plums' <c>Model</c>): who produced it and how (producer, configuration,
/// build parameters), how training went (<see cref="Training"/>), every checkpoint (<see cref="CheckpointCollection"/>)
/// and where its initial weights came from (<see cref="Initialisation"/>). <see cref="Save"/> and <see cref="Load"/>
/// write and read the folder exactly as Plums does.
/// </summary>
public sealed class Model
{
    /// <summary>Creates a model with a pending training, no checkpoint and no initialisation.</summary>
    /// <param name="producerName">The producer name (<c>^[a-zA-Z][0-9a-zA-Z_]+$</c>).</param>
    /// <param name="producerVersionFormat">The producer version format, for example <c>py_pa</c>.</param>
    /// <param name="producerVersionString">The producer version.</param>
    /// <param name="modelName">The model name (may be null).</param>
    /// <param name="modelId">The model unique identifier.</param>
    /// <param name="configuration">The producer configuration file; it must exist.</param>
    /// <param name="buildParameters">Values needed to instantiate the model from its weights (YAML-serialisable: strings, numbers, booleans, null, lists, string-keyed dictionaries).</param>
    /// <exception cref="PlumsException">The configuration is missing or the version is invalid.</exception>
    public Model(
        string producerName,
        string producerVersionFormat,
        string producerVersionString,
        string? modelName,
        string modelId,
        string configuration,
        IDictionary<string, object?>? buildParameters = null)
        : this(new Producer(producerName, producerVersionFormat, producerVersionString, configuration), modelName, modelId, buildParameters)
    {
    }

    /// <summary>Creates a model from a producer.</summary>
    public Model(Producer producer, string? modelName, string modelId, IDictionary<string, object?>? buildParameters = null)
    {
        ArgumentNullException.ThrowIfNull(producer);
        ArgumentNullException.ThrowIfNull(modelId);
        Producer = producer;
        Name = modelName;
        Id = modelId;
        BuildParameters = buildParameters ?? new Dictionary<string, object?>(StringComparer.Ordinal);
    }

    /// <summary>The producer: name, version and configuration file.</summary>
    public Producer Producer { get; }

    /// <summary>The model name.</summary>
    public string? Name { get; set; }

    /// <summary>The model unique identifier.</summary>
    public string Id { get; set; }

    /// <summary>Values needed to instantiate the model from its weights (<c>data/build_parameters.yaml</c>).</summary>
    public IDictionary<string, object?> BuildParameters { get; set; }

    /// <summary>The training record.</summary>
    public Training Training { get; set; } = new();

    /// <summary>The checkpoints.</summary>
    public CheckpointCollection CheckpointCollection { get; } = new();

    /// <summary>The initialisation, or <see langword="null"/> when trained from scratch.</summary>
    public Initialisation? Initialisation { get; private set; }

    /// <summary>The folder the model was loaded from, or <see langword="null"/> when built in memory.</summary>
    public string? Path { get; internal set; }

    /// <summary>Adds checkpoints to <see cref="CheckpointCollection"/>, in order.</summary>
    public void AddCheckpoint(params IEnumerable<Checkpoint> checkpoints)
    {
        ArgumentNullException.ThrowIfNull(checkpoints);
        foreach (var checkpoint in checkpoints)
        {
            CheckpointCollection.Add(checkpoint);
        }
    }

    /// <summary>Registers the training start at <paramref name="epoch"/> (see <see cref="Plums.Training.Start"/>).</summary>
    public void RegisterTrainingStart(int epoch) => Training.Start(epoch);

    /// <summary>Registers an epoch as the latest; by default the latest plus one (see <see cref="Plums.Training.RegisterEpoch"/>).</summary>
    public void RegisterEpoch(int? epoch = null) => Training.RegisterEpoch(epoch);

    /// <summary>Registers the training end (<paramref name="success"/>) or failure.</summary>
    public void RegisterTrainingEnd(bool success)
    {
        if (success)
        {
            Training.End();
        }
        else
        {
            Training.Interrupt();
        }
    }

    /// <summary>Registers an initialisation from a path, with Plums' argument rules (see <see cref="Initialisation.FromPath"/>).</summary>
    public void RegisterInitialisation(string path, CheckpointReference? checkpointReference = null, string? name = null) =>
        Initialisation = Initialisation.FromPath(path, checkpointReference, name);

    /// <summary>Registers an initialisation, or clears it with <see langword="null"/>.</summary>
    public void RegisterInitialisation(Initialisation? initialisation) => Initialisation = initialisation;

    /// <summary>
    /// Saves the model to a folder, with Plums' overwrite rules. The model is written into a temporary sibling folder
    /// and swapped in, so a failed save leaves what was there intact; files foreign to PMF already in the folder are kept.
    /// </summary>
    /// <param name="path">The destination folder.</param>
    /// <param name="force">Write over a non-empty folder that holds no PMF model, or over an invalid PMF model with the same id.</param>
    /// <exception cref="PlumsException">
    /// <see cref="PlumsErrorCode.DestinationIsFile"/>, <see cref="PlumsErrorCode.DestinationNotEmpty"/>,
    /// <see cref="PlumsErrorCode.DestinationMetadataInvalid"/>, <see cref="PlumsErrorCode.DestinationModelIdDiffers"/>,
    /// <see cref="PlumsErrorCode.DestinationModelInvalid"/>, <see cref="PlumsErrorCode.CheckpointFileUnavailable"/>.
    /// </exception>
    /// <exception cref="PlumsMetadataValidationException">The model itself would not make valid metadata (every offence listed).</exception>
    public void Save(string path, bool force = false) => ModelWriter.Save(this, path, force);

    /// <summary>Loads and validates a model folder.</summary>
    /// <param name="path">The model folder.</param>
    /// <param name="strict">Also verify the MD5 of the configuration, every checkpoint and the initialisation file.</param>
    /// <param name="verbose">Show the offending values in the exception message.</param>
    /// <exception cref="PlumsTreeValidationException">The folder breaks the PMF tree (every offence listed).</exception>
    /// <exception cref="PlumsMetadataValidationException"><c>metadata.yaml</c> breaks the schema (every offence listed).</exception>
    public static Model Load(string path, bool strict = true, bool verbose = false) =>
        ModelReader.Load(path, strict, verbose, checkpoints: true);

    /// <inheritdoc />
    public override string ToString() => $"Model(name={Name}, id={Id})";
}
