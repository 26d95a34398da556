using ModelStore.Plums.Validation;

namespace ModelStore.Plums.Storage;

/// <summary>Loads a PMF model folder after validating it.</summary>
internal static class ModelReader
{
    public static Model Load(string path, bool strict, bool verbose, bool checkpoints)
    {
        ArgumentNullException.ThrowIfNull(path);
        var root = Path.GetFullPath(path);
        var (metadata, buildParameters) = TreeValidator.Validate(root, strict, verbose, checkpoints);
        return Build(root, metadata, buildParameters, checkpoints);
    }

    private static Model Build(string root, PmfMetadata metadata, Dictionary<string, object?> buildParameters, bool checkpoints)
    {
        var model = new Model(
            metadata.ProducerName,
            metadata.VersionFormat,
            metadata.VersionValue,
            metadata.ModelName,
            metadata.ModelId,
            Path.Combine(root, metadata.ConfigurationPath),
            buildParameters)
        {
            Path = root,
            Training = Training.Restore(metadata.Status, metadata.StartEpoch, metadata.StartTime, metadata.LatestEpoch, metadata.LatestTime, metadata.EndEpoch, metadata.EndTime),
        };

        foreach (var entry in metadata.Checkpoints)
        {
            var file = checkpoints ? Path.Combine(PmfLayout.Checkpoints(root), PmfLayout.FileName(entry.Path)) : null;
            model.CheckpointCollection.Add(new Checkpoint(entry.Reference, file, entry.Epoch, entry.Hash));
        }

        // metadata.yaml names the latest checkpoint; keep it even when it is not the last one listed (keys are sorted).
        if (metadata.Latest is { } latest && model.CheckpointCollection.Contains(latest))
        {
            model.CheckpointCollection.MarkLatest(latest);
        }

        switch (metadata.Initialisation)
        {
            case PmfModelInitialisationEntry pmf:
                var folder = PmfLayout.InitialisationDirectory(root);
                var offences = new List<PlumsOffence>();
                var nested = TreeValidator.ReadMetadata(Path.Combine(folder, PmfLayout.MetadataFile), offences)!;
                var nestedParameters = BuildParametersYaml.FromYaml(Yaml.YamlReader.Read(Utf8File.Read(PmfLayout.BuildParameters(folder), "data/initialisation/data/build_parameters.yaml", offences) ?? throw new PlumsTreeValidationException(folder, offences)));
                var initModel = Build(folder, nested, nestedParameters, checkpoints: false);
                model.RegisterInitialisation(new ModelInitialisation(initModel, pmf.Checkpoint));
                break;
            case PmfFileInitialisationEntry file:
                var weight = Path.Combine(PmfLayout.InitialisationDirectory(root), PmfLayout.FileName(file.Path));
                model.RegisterInitialisation(new FileInitialisation(file.Name, weight, file.Hash));
                break;
        }

        return model;
    }
}
