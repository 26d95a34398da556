using System.Text;
using System.Text.RegularExpressions;
using ModelStore.Plums.Yaml;

namespace ModelStore.Plums.Validation;

/// <summary>
/// Validates a parsed <c>metadata.yaml</c> against the closed PMF 1.0.0 schema (Plums' <c>validation/metadata.py</c>),
/// collecting every offence instead of stopping at the first.
/// </summary>
internal sealed partial class MetadataValidator
{
    private static readonly string[] RootKeys = ["format", "model"];
    private static readonly string[] FormatKeys = ["version", "producer"];
    private static readonly string[] ProducerKeys = ["name", "version"];
    private static readonly string[] VersionKeys = ["format", "value"];
    private static readonly string[] ModelKeys = ["name", "id", "initialisation", "training", "configuration"];
    private static readonly string[] ConfigurationKeys = ["path", "hash"];
    private static readonly string[] PmfKeys = ["name", "id", "checkpoint", "path"];
    private static readonly string[] FileKeys = ["name", "path", "hash"];
    private static readonly string[] TrainingKeys = ["status", "start_time", "latest_time", "end_time", "start_epoch", "latest_epoch", "end_epoch", "latest", "checkpoints"];
    private static readonly string[] CheckpointKeys = ["epoch", "path", "hash"];

    private readonly string _prefix;
    private readonly List<PlumsOffence> _offences;

    private MetadataValidator(string prefix, List<PlumsOffence> offences)
    {
        _prefix = prefix;
        _offences = offences;
    }

    /// <summary>Validates; returns the typed metadata when no offence was found, else null (offences added to <paramref name="offences"/>).</summary>
    public static PmfMetadata? Validate(YNode root, List<PlumsOffence> offences, string prefix = "metadata.yaml:")
    {
        var before = offences.Count;
        var result = new MetadataValidator(prefix, offences).Root(root);
        return offences.Count == before ? result : null;
    }

    private PmfMetadata? Root(YNode root)
    {
        var mapping = Mapping(root, "", RootKeys);
        if (mapping is null)
        {
            return null;
        }

        var format = Mapping(mapping["format"], "format", FormatKeys);
        if (format is not null && format["version"] is { } version)
        {
            if (version is not YScalar { Kind: YScalarKind.String } text)
            {
                Offend("format.version", $"expected the string '{PmfMetadata.FormatVersion}'", version);
            }
            else if (text.Text != PmfMetadata.FormatVersion)
            {
                Offend("format.version", $"unsupported PMF format version, expected '{PmfMetadata.FormatVersion}'", version);
            }
        }

        var producer = Mapping(format?["producer"], "format.producer", ProducerKeys);
        var producerName = producer is null ? null : String(producer["name"], "format.producer.name", nullable: false);
        if (producerName is not null && !ProducerNamePattern().IsMatch(producerName))
        {
            Offend("format.producer.name", "Invalid name: Expected only alphanumeric characters or \"_\" and should start with a letter.", producer!["name"]);
        }

        var versionNode = Mapping(producer?["version"], "format.producer.version", VersionKeys);
        var versionFormat = versionNode is null ? null : String(versionNode["format"], "format.producer.version.format", nullable: false);
        var versionValue = versionNode is null ? null : String(versionNode["value"], "format.producer.version.value", nullable: false);
        if (versionFormat is not null && versionValue is not null)
        {
            try
            {
                ProducerVersion.Create(versionFormat, versionValue);
            }
            catch (PlumsException e)
            {
                Offend("format.producer.version", e.Message);
            }
        }

        var model = Mapping(mapping["model"], "model", ModelKeys);
        string? modelName = null;
        string? modelId = null;
        if (model is not null)
        {
            modelName = String(model["name"], "model.name", nullable: true);
            modelId = String(model["id"], "model.id", nullable: false);
        }

        var configuration = Mapping(model?["configuration"], "model.configuration", ConfigurationKeys);
        var configurationPath = configuration is null ? null : PathValue(configuration["path"], "model.configuration.path");
        var configurationHash = configuration is null ? null : Hash(configuration["hash"], "model.configuration.hash");
        var initialisation = model is null ? null : Initialisation(model["initialisation"], out _);
        var training = model is null ? null : Training(Mapping(model["training"], "model.training", TrainingKeys));

        if (producerName is null || versionFormat is null || versionValue is null || modelId is null ||
            configurationPath is null || configurationHash is null || training is null)
        {
            return null;
        }

        var t = training.Value;
        return new PmfMetadata(
            producerName, versionFormat, versionValue, modelName, modelId, configurationPath, configurationHash, initialisation,
            t.Status, t.StartTime, t.StartEpoch, t.LatestTime, t.LatestEpoch, t.EndTime, t.EndEpoch, t.Latest, t.Checkpoints);
    }

    private PmfInitialisationEntry? Initialisation(YNode? node, out bool valid)
    {
        valid = false;
        const string Location = "model.initialisation";
        if (node is null || node is YScalar { Kind: YScalarKind.Null })
        {
            valid = node is not null;
            return null;
        }

        if (node is not YMapping mapping || mapping.Entries.Count != 1 ||
            mapping.Entries[0].Key is not { Kind: YScalarKind.String, Text: "pmf" or "file" } key)
        {
            Offend(Location, "expected null, {pmf: ...} or {file: ...}", node);
            return null;
        }

        if (key.Text == "pmf")
        {
            var pmf = Mapping(mapping.Entries[0].Value, Location + ".pmf", PmfKeys);
            if (pmf is null)
            {
                return null;
            }

            var name = String(pmf["name"], Location + ".pmf.name", nullable: true);
            var id = String(pmf["id"], Location + ".pmf.id", nullable: false);
            var checkpoint = Reference(pmf["checkpoint"], Location + ".pmf.checkpoint", nullable: false);
            var path = PathValue(pmf["path"], Location + ".pmf.path");
            return id is null || checkpoint is null || path is null ? null : new PmfModelInitialisationEntry(name, id, checkpoint.Value, path);
        }

        var file = Mapping(mapping.Entries[0].Value, Location + ".file", FileKeys);
        if (file is null)
        {
            return null;
        }

        var fileName = String(file["name"], Location + ".file.name", nullable: true);
        var filePath = PathValue(file["path"], Location + ".file.path");
        var fileHash = Hash(file["hash"], Location + ".file.hash");
        return filePath is null || fileHash is null ? null : new PmfFileInitialisationEntry(fileName, filePath, fileHash);
    }

    private TrainingValues? Training(YMapping? training)
    {
        if (training is null)
        {
            return null;
        }

        const string L = "model.training.";
        var before = _offences.Count;
        TrainingStatus? status = null;
        if (training["status"] is { } statusNode)
        {
            if (statusNode is YScalar { Kind: YScalarKind.String } s && TrainingStatusNames.TryParse(s.Text, out var parsed))
            {
                status = parsed;
            }
            else
            {
                Offend(L + "status", "expected one of 'pending', 'running', 'finished', 'failed'", statusNode);
            }
        }

        var startTime = Time(training["start_time"], L + "start_time");
        var latestTime = Time(training["latest_time"], L + "latest_time");
        var endTime = Time(training["end_time"], L + "end_time");
        var startEpoch = Epoch(training["start_epoch"], L + "start_epoch", nullable: true);
        var latestEpoch = Epoch(training["latest_epoch"], L + "latest_epoch", nullable: true);
        var endEpoch = Epoch(training["end_epoch"], L + "end_epoch", nullable: true);
        var latest = training["latest"] is { } latestNode ? Reference(latestNode, L + "latest", nullable: true) : null;
        var fieldsValid = _offences.Count == before;

        var checkpoints = new List<PmfCheckpointEntry>();
        if (training["checkpoints"] is { } checkpointsNode)
        {
            if (checkpointsNode is not YMapping map)
            {
                Offend(L + "checkpoints", "expected a mapping of checkpoint references to {epoch, path, hash}", checkpointsNode);
            }
            else
            {
                foreach (var (key, value) in map.Entries)
                {
                    var location = $"{L}checkpoints[{YamlWriter.Scalar(key)}]";
                    var reference = Reference(key, location, nullable: false);
                    var entry = Mapping(value, location, CheckpointKeys);
                    if (entry is null)
                    {
                        continue;
                    }

                    var epoch = Epoch(entry["epoch"], location + ".epoch", nullable: false);
                    var path = PathValue(entry["path"], location + ".path");
                    var hash = Hash(entry["hash"], location + ".hash");
                    if (reference is not null && epoch is not null && path is not null && hash is not null)
                    {
                        checkpoints.Add(new PmfCheckpointEntry(reference.Value, epoch.Value, path, hash));
                    }
                }
            }
        }

        if (!fieldsValid || status is null)
        {
            return null;
        }

        var errors = TrainingRules.Check(status.Value, startTime, startEpoch, latestTime, latestEpoch, endTime, endEpoch, latest,
            checkpoints.Select(c => (c.Reference, c.Epoch)).ToList());
        foreach (var error in errors)
        {
            Offend("model.training", error);
        }

        return errors.Count > 0 ? null : new TrainingValues(status.Value, startTime, startEpoch, latestTime, latestEpoch, endTime, endEpoch, latest, checkpoints);
    }

    private YMapping? Mapping(YNode? node, string location, string[] keys)
    {
        if (node is null)
        {
            return null; // the parent reported the missing key
        }

        if (node is not YMapping mapping)
        {
            Offend(location.Length == 0 ? "(document)" : location, $"expected a mapping with the keys {string.Join(", ", keys)}", node);
            return null;
        }

        foreach (var key in keys)
        {
            if (!mapping.ContainsKey(key))
            {
                Offend(Join(location, key), "missing key");
            }
        }

        foreach (var (key, _) in mapping.Entries)
        {
            if (key.Kind != YScalarKind.String || Array.IndexOf(keys, key.Text) < 0)
            {
                Offend(Join(location, YamlWriter.Scalar(key)), "unexpected key");
            }
        }

        return mapping;
    }

    private static string Join(string location, string key) => location.Length == 0 ? key : location + "." + key;

    private void Offend(string location, string message, YNode? found = null) =>
        _offences.Add(new PlumsOffence(_prefix + location, message, found?.Describe()));

    [GeneratedRegex("\\A[a-zA-Z][0-9a-zA-Z_]+\\z", RegexOptions.CultureInvariant)]
    private static partial Regex ProducerNamePattern();

    private readonly record struct TrainingValues(
        TrainingStatus Status,
        double? StartTime,
        int? StartEpoch,
        double? LatestTime,
        int? LatestEpoch,
        double? EndTime,
        int? EndEpoch,
        CheckpointReference? Latest,
        List<PmfCheckpointEntry> Checkpoints);
}
