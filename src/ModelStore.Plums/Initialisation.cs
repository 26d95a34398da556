namespace ModelStore.Plums;

/// <summary>
/// Where a model's initial weights came from (Plums' <c>initialisation</c>): another PMF model and one of its
/// checkpoints (<see cref="ModelInitialisation"/>), or a single weight file (<see cref="FileInitialisation"/>).
/// A model without initialisation was trained from scratch.
/// </summary>
public abstract class Initialisation
{
    private protected Initialisation()
    {
    }

    /// <summary>
    /// Builds an initialisation from a path, with Plums' argument rules: a PMF model folder needs
    /// <paramref name="checkpointReference"/> (naming one of its checkpoints); a file needs <paramref name="name"/>.
    /// </summary>
    /// <exception cref="PlumsException">
    /// <see cref="PlumsErrorCode.FileNotFound"/> when the path does not exist;
    /// <see cref="PlumsErrorCode.InitialisationNotModelOrFile"/> when it is a folder without <c>metadata.yaml</c>;
    /// <see cref="PlumsErrorCode.InitialisationArguments"/> when the needed argument is missing;
    /// <see cref="PlumsErrorCode.InitialisationCheckpointUnknown"/> when the model has no such checkpoint.
    /// </exception>
    /// <exception cref="PlumsValidationException">The PMF model at the path is invalid.</exception>
    public static Initialisation FromPath(string path, CheckpointReference? checkpointReference = null, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        var full = System.IO.Path.GetFullPath(path);
        if (File.Exists(full))
        {
            if (name is null)
            {
                throw new PlumsException(PlumsErrorCode.InitialisationArguments, $"Invalid arguments provided: {path} points to a file but name is None.");
            }

            return new FileInitialisation(name, full);
        }

        if (!Directory.Exists(full))
        {
            throw new PlumsException(PlumsErrorCode.FileNotFound, $"Invalid path provided: {path} does not exists.");
        }

        if (!File.Exists(System.IO.Path.Combine(full, Storage.PmfLayout.MetadataFile)))
        {
            throw new PlumsException(PlumsErrorCode.InitialisationNotModelOrFile, $"Invalid path provided: {path} must either be a PMF model or a weight file.");
        }

        if (checkpointReference is not { } reference)
        {
            throw new PlumsException(PlumsErrorCode.InitialisationArguments, $"Invalid arguments provided: {path} points to a PMF model but no checkpoint reference was given.");
        }

        var model = Storage.ModelReader.Load(full, strict: true, verbose: false, checkpoints: false);
        return new ModelInitialisation(model, reference);
    }
}

/// <summary>Initialisation from another PMF model and one of its checkpoints.</summary>
public sealed class ModelInitialisation : Initialisation
{
    /// <summary>Creates the initialisation; the model must hold the checkpoint.</summary>
    /// <exception cref="PlumsException"><see cref="PlumsErrorCode.InitialisationCheckpointUnknown"/> when it does not.</exception>
    public ModelInitialisation(Model model, CheckpointReference checkpointReference)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (!model.CheckpointCollection.Contains(checkpointReference))
        {
            throw new PlumsException(
                PlumsErrorCode.InitialisationCheckpointUnknown,
                $"Invalid arguments provided: {model.Path ?? model.Id} points to a PMF model which does not contains {checkpointReference} as a checkpoint.");
        }

        Model = model;
        CheckpointReference = checkpointReference;
    }

    /// <summary>The initialisation model.</summary>
    public Model Model { get; }

    /// <summary>The reference of the checkpoint used (Plums' <c>Model.checkpoint</c> of the initialisation model).</summary>
    public CheckpointReference CheckpointReference { get; }

    /// <summary>The checkpoint used.</summary>
    public Checkpoint Checkpoint => Model.CheckpointCollection[CheckpointReference];

    /// <inheritdoc />
    public override string ToString() => $"ModelInitialisation({Model}, checkpoint={CheckpointReference})";
}

/// <summary>Initialisation from a single weight file, identified by a name.</summary>
public sealed class FileInitialisation : Initialisation
{
    /// <summary>Creates the initialisation from an existing file; its MD5 is computed.</summary>
    /// <exception cref="PlumsException"><see cref="PlumsErrorCode.FileNotFound"/> when the file does not exist.</exception>
    public FileInitialisation(string? name, string path, string? hash = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        Name = name;
        Checkpoint = new Checkpoint(name ?? string.Empty, path, hash: hash);
    }

    /// <summary>The name identifying the initial network (may be null in models written by others).</summary>
    public string? Name { get; }

    /// <summary>The weight file as a checkpoint (name, path, hash; no epoch).</summary>
    public Checkpoint Checkpoint { get; }

    /// <summary>The weight file.</summary>
    public string Path => Checkpoint.Path!;

    /// <summary>The weight file's MD5.</summary>
    public string Hash => Checkpoint.Hash;

    /// <inheritdoc />
    public override string ToString() => $"FileInitialisation(name={Name}, path={Path})";
}
