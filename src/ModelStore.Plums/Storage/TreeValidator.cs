using ModelStore.Plums.Validation;
using ModelStore.Plums.Yaml;

namespace ModelStore.Plums.Storage;

/// <summary>
/// Validates a PMF model folder (Plums' <c>validation/structure.py</c>): the tree, <c>metadata.yaml</c>, the files the
/// metadata names and, when strict, their MD5 checksums. Every offence is collected; a PMF initialisation is validated
/// recursively (without its checkpoint files, as Plums saves it).
/// </summary>
internal sealed class TreeValidator
{
    private readonly bool _strict;
    private readonly List<PlumsOffence> _offences = [];
    private bool _treeOffence;

    private TreeValidator(bool strict)
    {
        _strict = strict;
    }

    /// <summary>Validates the folder and returns its metadata and build parameters.</summary>
    /// <exception cref="PlumsTreeValidationException">Any tree offence (metadata offences found too are listed with them).</exception>
    /// <exception cref="PlumsMetadataValidationException">Only metadata offences.</exception>
    public static (PmfMetadata Metadata, Dictionary<string, object?> BuildParameters) Validate(string root, bool strict, bool verbose, bool checkpoints)
    {
        var validator = new TreeValidator(strict);
        var result = validator.Check(root, "", checkpoints);
        if (validator._offences.Count > 0 || result is null)
        {
            throw validator._treeOffence
                ? new PlumsTreeValidationException(root, validator._offences, verbose)
                : new PlumsMetadataValidationException(root, validator._offences, verbose);
        }

        return result.Value;
    }

    /// <summary>Reads and validates only <c>metadata.yaml</c> (what Plums' save does with a destination).</summary>
    public static PmfMetadata? ReadMetadata(string metadataFile, List<PlumsOffence> offences, string prefix = "metadata.yaml:")
    {
        var info = new FileInfo(metadataFile);
        if (info.Length > PmfLayout.MaxMetadataBytes)
        {
            offences.Add(new PlumsOffence(prefix.TrimEnd(':'), $"larger than {PmfLayout.MaxMetadataBytes} bytes"));
            return null;
        }

        var text = Utf8File.Read(metadataFile, prefix.TrimEnd(':'), offences);
        return text is null ? null : ValidateMetadataText(text, offences, prefix);
    }

    /// <summary>Parses and validates the text of a <c>metadata.yaml</c>.</summary>
    public static PmfMetadata? ValidateMetadataText(string text, List<PlumsOffence> offences, string prefix = "metadata.yaml:")
    {
        YNode node;
        try
        {
            node = YamlReader.Read(text);
        }
        catch (YamlReadException e)
        {
            offences.Add(new PlumsOffence(prefix.TrimEnd(':'), e.Message));
            return null;
        }

        return MetadataValidator.Validate(node, offences, prefix);
    }

    private (PmfMetadata, Dictionary<string, object?>)? Check(string root, string prefix, bool checkpoints)
    {
        if (!Directory.Exists(root))
        {
            Tree(prefix.Length == 0 ? "." : prefix, File.Exists(root) ? "is a file, not a PMF model folder" : "does not exist");
            return null;
        }

        var metadataFile = Path.Combine(root, PmfLayout.MetadataFile);
        var hasMetadata = RequireFile(metadataFile, prefix + PmfLayout.MetadataFile);
        var data = PmfLayout.Data(root);
        var hasData = RequireFolder(data, prefix + PmfLayout.DataFolder);
        Dictionary<string, object?>? buildParameters = null;
        var hasInitialisationFolder = false;
        var hasCheckpointsFolder = false;
        if (hasData)
        {
            var buildParametersFile = PmfLayout.BuildParameters(root);
            if (RequireFile(buildParametersFile, prefix + "data/build_parameters.yaml"))
            {
                buildParameters = ReadBuildParameters(buildParametersFile, prefix + "data/build_parameters.yaml");
            }

            hasInitialisationFolder = RequireFolder(PmfLayout.InitialisationDirectory(root), prefix + "data/initialisation");
            if (checkpoints)
            {
                hasCheckpointsFolder = RequireFolder(PmfLayout.Checkpoints(root), prefix + "data/checkpoints");
                if (hasCheckpointsFolder)
                {
                    RequireOnlyFiles(PmfLayout.Checkpoints(root), prefix + "data/checkpoints");
                }
            }
        }

        var metadata = hasMetadata ? ReadMetadata(metadataFile, _offences, prefix + PmfLayout.MetadataFile + ":") : null;
        if (metadata is null)
        {
            return null;
        }

        // The configuration file sits at the root, under the name the metadata gives.
        var configuration = Path.Combine(root, metadata.ConfigurationPath);
        var configurationFound = !metadata.ConfigurationPath.Contains('/', StringComparison.Ordinal) && File.Exists(configuration);
        if (!configurationFound)
        {
            Tree(prefix + metadata.ConfigurationPath, "no configuration file found");
        }

        if (checkpoints && hasCheckpointsFolder)
        {
            foreach (var entry in metadata.Checkpoints)
            {
                var file = Path.Combine(PmfLayout.Checkpoints(root), PmfLayout.FileName(entry.Path));
                if (!File.Exists(file))
                {
                    Tree(prefix + "data/checkpoints/" + PmfLayout.FileName(entry.Path), $"missing checkpoint {entry.Reference}");
                }
                else if (_strict && Md5.OfFile(file) != entry.Hash)
                {
                    Tree(prefix + "data/checkpoints/" + PmfLayout.FileName(entry.Path), $"checkpoint {entry.Reference} file checksum mismatch");
                }
            }
        }

        if (configurationFound && _strict && Md5.OfFile(configuration) != metadata.ConfigurationHash)
        {
            Tree(prefix + metadata.ConfigurationPath, "configuration file checksum mismatch");
        }

        if (hasInitialisationFolder)
        {
            CheckInitialisation(root, prefix, metadata.Initialisation);
        }

        return buildParameters is null ? null : (metadata, buildParameters);
    }

    private void CheckInitialisation(string root, string prefix, PmfInitialisationEntry? entry)
    {
        var folder = PmfLayout.InitialisationDirectory(root);
        var location = prefix + "data/initialisation";
        var holdsModel = File.Exists(Path.Combine(folder, PmfLayout.MetadataFile));
        switch (entry)
        {
            case PmfModelInitialisationEntry pmf when !holdsModel:
                Tree(location, "initialisation indicates a PMF model but none was found");
                break;
            case PmfModelInitialisationEntry pmf:
                var nested = Check(folder, location + "/", checkpoints: false);
                if (nested is { } found && !found.Item1.Checkpoints.Any(c => c.Reference == pmf.Checkpoint))
                {
                    Tree(location, $"initialisation checkpoint not registered in initialisation: {pmf.Checkpoint}");
                }

                break;
            case PmfFileInitialisationEntry when holdsModel:
                Tree(location, "initialisation indicates a weight file but a PMF was found");
                break;
            case PmfFileInitialisationEntry file:
                RequireOnlyFiles(folder, location);
                var weight = Path.Combine(folder, PmfLayout.FileName(file.Path));
                if (!File.Exists(weight))
                {
                    Tree(location, $"initialisation weight not found in initialisation: {file.Path}");
                }
                else if (_strict && Md5.OfFile(weight) != file.Hash)
                {
                    Tree(location + "/" + PmfLayout.FileName(file.Path), "initialisation weight file checksum mismatch");
                }

                break;
            case null when holdsModel:
                // Plums validates whatever PMF tree sits there, even when the metadata names no initialisation.
                Check(folder, location + "/", checkpoints: false);
                break;
            case null:
                RequireOnlyFiles(folder, location);
                break;
        }
    }

    private Dictionary<string, object?>? ReadBuildParameters(string file, string location)
    {
        try
        {
            if (new FileInfo(file).Length > PmfLayout.MaxMetadataBytes)
            {
                Tree(location, $"larger than {PmfLayout.MaxMetadataBytes} bytes");
                return null;
            }

            var text = Utf8File.Read(file, location, _offences);
            if (text is null)
            {
                _treeOffence = true;
                return null;
            }

            return BuildParametersYaml.FromYaml(YamlReader.Read(text));
        }
        catch (YamlReadException e)
        {
            Tree(location, e.Message);
            return null;
        }
    }

    private bool RequireFile(string path, string location)
    {
        if (File.Exists(path))
        {
            return true;
        }

        Tree(location, Directory.Exists(path) ? "expected a file, found a folder" : "missing file");
        return false;
    }

    private bool RequireFolder(string path, string location)
    {
        if (Directory.Exists(path))
        {
            return true;
        }

        Tree(location, File.Exists(path) ? "expected a folder, found a file" : "missing folder");
        return false;
    }

    private void RequireOnlyFiles(string folder, string location)
    {
        foreach (var sub in Directory.EnumerateDirectories(folder))
        {
            Tree(location + "/" + Path.GetFileName(sub), "unexpected folder: only files belong here");
        }
    }

    private void Tree(string location, string message)
    {
        _treeOffence = true;
        _offences.Add(new PlumsOffence(location, message));
    }
}
