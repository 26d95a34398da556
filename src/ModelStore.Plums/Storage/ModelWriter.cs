using ModelStore.Plums.Validation;
using ModelStore.Plums.Yaml;

namespace ModelStore.Plums.Storage;

/// <summary>
/// Saves a model as Plums does (<c>Model.save</c>): the same overwrite rules, the same tree and metadata, with the
/// whole model written into a temporary sibling folder first and swapped in, so a failed save changes nothing.
/// </summary>
internal static class ModelWriter
{
    private const string CheckpointsPath = "data/checkpoints/";
    private const string InitialisationPath = "data/initialisation";

    public static void Save(Model model, string path, bool force)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(path);
        var destination = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
        var existing = CheckDestination(model, path, destination, force);

        // Refuse to write a model Plums could not load back, before touching the disk.
        Plan(model, destination, withCheckpoints: true, "metadata.yaml:");

        var parent = Path.GetDirectoryName(destination) ?? throw new ArgumentException($"Cannot save a model at the root '{destination}'.", nameof(path));
        Directory.CreateDirectory(parent);
        var name = Path.GetFileName(destination);
        var staging = Path.Combine(parent, $".{name}.plums-{Guid.NewGuid():N}");
        try
        {
            WriteTree(model, staging, withCheckpoints: true);
        }
        catch
        {
            TryDelete(staging);
            throw;
        }

        Swap(staging, destination, parent, name, existing);
    }

    private static PmfMetadata? CheckDestination(Model model, string path, string destination, bool force)
    {
        if (File.Exists(destination))
        {
            throw new PlumsException(PlumsErrorCode.DestinationIsFile, $"Invalid path: {path} is a file.");
        }

        if (!Directory.Exists(destination) || !Directory.EnumerateFileSystemEntries(destination).Any())
        {
            return null;
        }

        var metadataFile = Path.Combine(destination, PmfLayout.MetadataFile);
        if (!File.Exists(metadataFile))
        {
            return force ? null : throw new PlumsException(PlumsErrorCode.DestinationNotEmpty, $"Invalid path: {path} already exists and holds no PMF model; pass force to save into it.");
        }

        var offences = new List<PlumsOffence>();
        var existing = TreeValidator.ReadMetadata(metadataFile, offences);
        if (existing is null)
        {
            throw new PlumsException(
                PlumsErrorCode.DestinationMetadataInvalid,
                $"Invalid path: {metadataFile} is not a valid PMF metadata file ({string.Join("; ", offences)}).",
                new PlumsMetadataValidationException(destination, offences));
        }

        if (existing.ModelId != model.Id)
        {
            throw new PlumsException(PlumsErrorCode.DestinationModelIdDiffers, $"Invalid path: {metadataFile} has a different PMF model id ({model.Id} != {existing.ModelId}).");
        }

        try
        {
            ModelReader.Load(destination, strict: true, verbose: false, checkpoints: true);
        }
        catch (PlumsValidationException e) when (!force)
        {
            throw new PlumsException(PlumsErrorCode.DestinationModelInvalid, $"Invalid path: {metadataFile} is an invalid PMF model with the same model id ({model.Id}); pass force to replace it.", e);
        }
        catch (PlumsValidationException)
        {
            // force: replace the invalid model with the same id.
        }

        return existing;
    }

    /// <summary>Checks that every file to copy is there and that the metadata to write is valid, recursively.</summary>
    private static void Plan(Model model, string destination, bool withCheckpoints, string prefix)
    {
        if (withCheckpoints)
        {
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (reference, checkpoint) in model.CheckpointCollection.Items)
            {
                if (checkpoint.Path is null || !File.Exists(checkpoint.Path))
                {
                    throw new PlumsException(PlumsErrorCode.CheckpointFileUnavailable, $"Checkpoint {reference} has no weight file to save ({checkpoint.Path ?? "no path"}).");
                }

                if (!names.Add(Path.GetFileName(checkpoint.Path)))
                {
                    throw new PlumsException(PlumsErrorCode.CheckpointFileUnavailable, $"Checkpoint {reference}: another checkpoint already uses the file name '{Path.GetFileName(checkpoint.Path)}' in data/checkpoints.");
                }
            }
        }

        var offences = new List<PlumsOffence>();
        var configurationHash = File.Exists(model.Producer.Configuration) ? Md5.OfFile(model.Producer.Configuration) : new string('0', 32);
        MetadataValidator.Validate(BuildMetadata(model, withCheckpoints, configurationHash, null, null).ToYaml(), offences, prefix);
        if (offences.Count > 0)
        {
            throw new PlumsMetadataValidationException(destination, offences);
        }

        if (model.Initialisation is ModelInitialisation init)
        {
            Plan(init.Model, destination, withCheckpoints: false, "data/initialisation/" + prefix);
        }
    }

    private static void WriteTree(Model model, string root, bool withCheckpoints)
    {
        Directory.CreateDirectory(PmfLayout.Checkpoints(root));
        Directory.CreateDirectory(PmfLayout.InitialisationDirectory(root));

        var configurationHash = Copy(model.Producer.Configuration, Path.Combine(root, Path.GetFileName(model.Producer.Configuration)));

        string? initialisationHash = null;
        switch (model.Initialisation)
        {
            case FileInitialisation file:
                initialisationHash = Copy(file.Path, Path.Combine(PmfLayout.InitialisationDirectory(root), Path.GetFileName(file.Path)));
                break;
            case ModelInitialisation pmf:
                WriteTree(pmf.Model, PmfLayout.InitialisationDirectory(root), withCheckpoints: false);
                break;
        }

        Dictionary<CheckpointReference, string>? hashes = null;
        if (withCheckpoints)
        {
            hashes = [];
            foreach (var (reference, checkpoint) in model.CheckpointCollection.Items)
            {
                hashes[reference] = Copy(checkpoint.Path!, Path.Combine(PmfLayout.Checkpoints(root), Path.GetFileName(checkpoint.Path!)));
            }
        }

        File.WriteAllText(PmfLayout.BuildParameters(root), YamlWriter.Write(BuildParametersYaml.ToYaml(model.BuildParameters)));
        var metadata = BuildMetadata(model, withCheckpoints, configurationHash, initialisationHash, hashes);
        File.WriteAllText(Path.Combine(root, PmfLayout.MetadataFile), YamlWriter.Write(metadata.ToYaml()));
    }

    private static PmfMetadata BuildMetadata(
        Model model,
        bool withCheckpoints,
        string configurationHash,
        string? initialisationHash,
        Dictionary<CheckpointReference, string>? checkpointHashes)
    {
        PmfInitialisationEntry? initialisation = model.Initialisation switch
        {
            FileInitialisation file => new PmfFileInitialisationEntry(file.Name, "data/initialisation/" + Path.GetFileName(file.Path), initialisationHash ?? file.Hash),
            ModelInitialisation pmf => new PmfModelInitialisationEntry(pmf.Model.Name, pmf.Model.Id, pmf.CheckpointReference, InitialisationPath),
            _ => null,
        };

        var checkpoints = model.CheckpointCollection.Items
            .Select(item => new PmfCheckpointEntry(
                item.Key,
                item.Value.Epoch!.Value,
                withCheckpoints && item.Value.Path is not null ? CheckpointsPath + Path.GetFileName(item.Value.Path) : ".",
                checkpointHashes?.GetValueOrDefault(item.Key) ?? item.Value.Hash))
            .ToList();

        var training = model.Training;
        var version = model.Producer.Version;
        return new PmfMetadata(
            model.Producer.Name, version.Format, version.Value, model.Name, model.Id,
            Path.GetFileName(model.Producer.Configuration), configurationHash, initialisation,
            training.Status, training.StartTimestamp, training.StartEpoch, training.LatestTimestamp, training.LatestEpoch,
            training.EndTimestamp, training.EndEpoch, model.CheckpointCollection.Latest, checkpoints);
    }

    private static string Copy(string source, string destination)
    {
        if (!File.Exists(source))
        {
            throw new PlumsException(PlumsErrorCode.FileNotFound, $"Invalid source: {source} is not a file.");
        }

        return Md5.CopyFile(source, destination);
    }

    private static void Swap(string staging, string destination, string parent, string name, PmfMetadata? existing)
    {
        if (Directory.Exists(destination) && !Directory.EnumerateFileSystemEntries(destination).Any())
        {
            Directory.Delete(destination);
        }

        if (!Directory.Exists(destination))
        {
            Directory.Move(staging, destination);
            return;
        }

        var old = Path.Combine(parent, $".{name}.plums-old-{Guid.NewGuid():N}");
        Directory.Move(destination, old);
        try
        {
            Directory.Move(staging, destination);
        }
        catch
        {
            Directory.Move(old, destination);
            TryDelete(staging);
            throw;
        }

        // Keep what was there that is not PMF's own: extra files at the root and in data/.
        var owned = new HashSet<string>(StringComparer.Ordinal) { PmfLayout.MetadataFile, "data/build_parameters.yaml", "data/checkpoints", "data/initialisation" };
        if (existing is not null)
        {
            owned.Add(existing.ConfigurationPath);
        }

        CarryOver(old, destination, "", owned);
        TryDelete(old);
    }

    private static void CarryOver(string from, string to, string relative, HashSet<string> owned)
    {
        foreach (var entry in Directory.EnumerateFileSystemEntries(from))
        {
            var name = Path.GetFileName(entry);
            var rel = relative + name;
            if (owned.Contains(rel))
            {
                continue;
            }

            var target = Path.Combine(to, name);
            if (Directory.Exists(entry) && !File.Exists(target))
            {
                if (Directory.Exists(target))
                {
                    CarryOver(entry, target, rel + "/", owned);
                }
                else
                {
                    Directory.Move(entry, target);
                }
            }
            else if (!Directory.Exists(target) && !File.Exists(target))
            {
                File.Move(entry, target);
            }
        }
    }

    private static void TryDelete(string folder)
    {
        try
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
        catch (IOException)
        {
            // Best effort: a leftover hidden staging folder is harmless.
        }
        catch (UnauthorizedAccessException)
        {
            // Same.
        }
    }
}
