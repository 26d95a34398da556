namespace ModelStore.Plums;

/// <summary>What went wrong, for every <see cref="PlumsException"/>.</summary>
public enum PlumsErrorCode
{
    /// <summary>The model folder does not have the PMF tree (files, folders, checksums); see <see cref="PlumsTreeValidationException"/>.</summary>
    TreeValidation,

    /// <summary><c>metadata.yaml</c> breaks the PMF metadata schema; see <see cref="PlumsMetadataValidationException"/>.</summary>
    MetadataValidation,

    /// <summary>Save: the destination is a file (Plums raises <c>ValueError</c>).</summary>
    DestinationIsFile,

    /// <summary>Save: the destination is a non-empty folder holding no PMF model, and force was not asked for.</summary>
    DestinationNotEmpty,

    /// <summary>Save: the destination holds a PMF model whose <c>metadata.yaml</c> is invalid (force does not help).</summary>
    DestinationMetadataInvalid,

    /// <summary>Save: the destination holds a PMF model with another model id (force does not help).</summary>
    DestinationModelIdDiffers,

    /// <summary>Save: the destination holds an invalid PMF model with the same id, and force was not asked for.</summary>
    DestinationModelInvalid,

    /// <summary>Save: a checkpoint to be written has no file, or two checkpoints share one file name.</summary>
    CheckpointFileUnavailable,

    /// <summary>A training status change Plums forbids (for example finishing a pending training).</summary>
    InvalidTrainingTransition,

    /// <summary>Training fields that break the cross-field training rules.</summary>
    InvalidTraining,

    /// <summary>A checkpoint reference is already in the collection.</summary>
    DuplicateCheckpoint,

    /// <summary>A checkpoint without an epoch was added to a collection.</summary>
    CheckpointWithoutEpoch,

    /// <summary>A producer version format that is not registered.</summary>
    UnknownVersionFormat,

    /// <summary>A producer version string that its format rejects.</summary>
    InvalidVersion,

    /// <summary>A file the model refers to (configuration, checkpoint, initialisation) does not exist.</summary>
    FileNotFound,

    /// <summary>Publishing: a checkpoint file no longer matches the MD5 recorded for it.</summary>
    IntegrityMismatch,

    /// <summary>Initialisation: the path is neither a weight file nor a PMF model.</summary>
    InitialisationNotModelOrFile,

    /// <summary>Initialisation: the arguments do not fit the path (a PMF model needs a checkpoint reference, a file needs a name).</summary>
    InitialisationArguments,

    /// <summary>Initialisation: the PMF model has no checkpoint with the given reference.</summary>
    InitialisationCheckpointUnknown,
}
