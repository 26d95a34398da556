using ModelStore.Plums.Yaml;

namespace ModelStore.Plums.Validation;

/// <summary>The validated content of <c>metadata.yaml</c>.</summary>
internal sealed record PmfMetadata(
    string ProducerName,
    string VersionFormat,
    string VersionValue,
    string? ModelName,
    string ModelId,
    string ConfigurationPath,
    string ConfigurationHash,
    PmfInitialisationEntry? Initialisation,
    TrainingStatus Status,
    double? StartTime,
    int? StartEpoch,
    double? LatestTime,
    int? LatestEpoch,
    double? EndTime,
    int? EndEpoch,
    CheckpointReference? Latest,
    IReadOnlyList<PmfCheckpointEntry> Checkpoints)
{
    public const string FormatVersion = "1.0.0";

    /// <summary>The YAML tree Plums writes (keys sorted on output by <see cref="YamlWriter"/>).</summary>
    public YMapping ToYaml()
    {
        var checkpoints = new YMapping();
        foreach (var entry in Checkpoints)
        {
            var value = new YMapping();
            value.Set("epoch", YScalar.Int(entry.Epoch));
            value.Set("path", YScalar.String(entry.Path));
            value.Set("hash", YScalar.String(entry.Hash));
            checkpoints.Set(Reference(entry.Reference), value);
        }

        var training = new YMapping();
        training.Set("status", YScalar.String(Status.ToPmf()));
        training.Set("start_epoch", Int(StartEpoch));
        training.Set("start_time", Float(StartTime));
        training.Set("latest_epoch", Int(LatestEpoch));
        training.Set("latest_time", Float(LatestTime));
        training.Set("end_epoch", Int(EndEpoch));
        training.Set("end_time", Float(EndTime));
        training.Set("latest", Latest is { } latest ? Reference(latest) : YScalar.Null());
        training.Set("checkpoints", checkpoints);

        var configuration = new YMapping();
        configuration.Set("path", YScalar.String(ConfigurationPath));
        configuration.Set("hash", YScalar.String(ConfigurationHash));

        var model = new YMapping();
        model.Set("name", ModelName is null ? YScalar.Null() : YScalar.String(ModelName));
        model.Set("id", YScalar.String(ModelId));
        model.Set("training", training);
        model.Set("initialisation", Initialisation is null ? YScalar.Null() : Initialisation.ToYaml());
        model.Set("configuration", configuration);

        var version = new YMapping();
        version.Set("format", YScalar.String(VersionFormat));
        version.Set("value", YScalar.String(VersionValue));
        var producer = new YMapping();
        producer.Set("name", YScalar.String(ProducerName));
        producer.Set("version", version);
        var format = new YMapping();
        format.Set("version", YScalar.String(FormatVersion));
        format.Set("producer", producer);

        var root = new YMapping();
        root.Set("format", format);
        root.Set("model", model);
        return root;
    }

    internal static YScalar Reference(CheckpointReference reference) =>
        reference.IsNumber ? YScalar.Int(reference.Number) : YScalar.String(reference.Text);

    private static YScalar Int(int? value) => value is { } v ? YScalar.Int(v) : YScalar.Null();

    private static YScalar Float(double? value) => value is { } v ? YScalar.Float(v) : YScalar.Null();
}

/// <summary>One entry of <c>model.training.checkpoints</c>.</summary>
internal sealed record PmfCheckpointEntry(CheckpointReference Reference, int Epoch, string Path, string Hash);

/// <summary><c>model.initialisation</c> when not null.</summary>
internal abstract record PmfInitialisationEntry(string? Name, string Path)
{
    public abstract YMapping ToYaml();

    protected static YScalar NameNode(string? name) => name is null ? YScalar.Null() : YScalar.String(name);
}

/// <summary><c>model.initialisation.pmf</c>.</summary>
internal sealed record PmfModelInitialisationEntry(string? Name, string Id, CheckpointReference Checkpoint, string Path) : PmfInitialisationEntry(Name, Path)
{
    public override YMapping ToYaml()
    {
        var pmf = new YMapping();
        pmf.Set("name", NameNode(Name));
        pmf.Set("id", YScalar.String(Id));
        pmf.Set("path", YScalar.String(Path));
        pmf.Set("checkpoint", PmfMetadata.Reference(Checkpoint));
        var root = new YMapping();
        root.Set("pmf", pmf);
        return root;
    }
}

/// <summary><c>model.initialisation.file</c>.</summary>
internal sealed record PmfFileInitialisationEntry(string? Name, string Path, string Hash) : PmfInitialisationEntry(Name, Path)
{
    public override YMapping ToYaml()
    {
        var file = new YMapping();
        file.Set("name", NameNode(Name));
        file.Set("path", YScalar.String(Path));
        file.Set("hash", YScalar.String(Hash));
        var root = new YMapping();
        root.Set("file", file);
        return root;
    }
}
