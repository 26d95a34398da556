using ModelStore.Plums.Yaml;

namespace ModelStore.Plums.Tests;

/// <summary>One case per offence: every training cross-field rule and every kind of metadata offence, through a real load.</summary>
[TestClass]
public sealed class EveryOffenceTests
{
    /// <summary>Saves a valid model, applies <c>key.path=yaml</c> edits (separated by <c>;</c>) to its metadata and loads it.</summary>
    private static PlumsMetadataValidationException LoadEdited(string edits)
    {
        using var folder = new TempFolder();
        Models.Trained(folder).Save(folder["model"]);
        var file = folder["model/metadata.yaml"];
        var tree = YamlReader.Read(File.ReadAllText(file));
        foreach (var edit in edits.Split(';'))
        {
            var (path, value) = (edit[..edit.IndexOf('=', StringComparison.Ordinal)], edit[(edit.IndexOf('=', StringComparison.Ordinal) + 1)..]);
            var node = YamlReader.Read(value);
            if (path == "(document)")
            {
                tree = node;
                continue;
            }

            var parts = path.Split('.');
            var mapping = (YMapping)tree;
            foreach (var part in parts[..^1])
            {
                mapping = (YMapping)mapping[part]!;
            }

            mapping.Set(parts[^1], node);
        }

        File.WriteAllText(file, YamlWriter.Write(tree));
        return Assert.ThrowsExactly<PlumsMetadataValidationException>(() => Model.Load(folder["model"]));
    }

    [TestMethod]
    [DataRow("start_time=null;end_time=300;end_epoch=3;status=finished", "end_time provided without a start_time")]
    [DataRow("start_time=null", "latest_time provided without a start_time")]
    [DataRow("latest_time=null;end_time=300;end_epoch=3;status=finished", "end_time provided without a latest_time")]
    [DataRow("latest_time=50", "latest_time happened before start_time")]
    [DataRow("start_epoch=null", "start_time provided without a start_epoch")]
    [DataRow("status=pending", "start_time provided with pending status")]
    [DataRow("end_time=150;end_epoch=3;status=finished", "end_time happened before latest_time")]
    [DataRow("latest_epoch=null", "latest_time provided without a latest_epoch")]
    [DataRow("status=pending", "latest_time provided with pending status")]
    [DataRow("end_time=300;status=finished", "end_time provided without an end_epoch")]
    [DataRow("end_time=300;end_epoch=3", "end_time provided with a running or pending status")]
    [DataRow("start_epoch=null;end_time=300;end_epoch=3;status=finished", "end_epoch provided without a start_epoch")]
    [DataRow("start_epoch=null", "latest_epoch provided without a start_epoch")]
    [DataRow("latest_epoch=null;end_time=300;end_epoch=3;status=finished", "end_epoch provided without a latest_epoch")]
    [DataRow("start_epoch=5", "latest_epoch happened before start_epoch")]
    [DataRow("start_time=null", "start_epoch provided without a start_time")]
    [DataRow("status=pending", "start_epoch provided with pending status")]
    [DataRow("end_time=300;end_epoch=2;status=finished", "end_epoch happened before latest_epoch")]
    [DataRow("latest_time=null", "latest_epoch provided without a latest_time")]
    [DataRow("status=pending", "latest_epoch provided with pending status")]
    [DataRow("end_epoch=3;status=finished", "end_epoch provided without an end_time")]
    [DataRow("end_time=300;end_epoch=3", "end_epoch provided with a running or pending status")]
    [DataRow("latest='3'", "latest points to an unregistered checkpoint name")]
    [DataRow("latest_epoch=2;latest=best", "at least one registered checkpoint has an epoch greater than latest_epoch")]
    public void EachTrainingRuleIsReported(string edits, string message)
    {
        var prefixed = string.Join(';', edits.Split(';').Select(e => "model.training." + e));
        var error = LoadEdited(prefixed);
        CollectionAssert.Contains(error.Offences.Select(o => o.ToString()).ToList(), "metadata.yaml:model.training: " + message);
    }

    [TestMethod]
    [DataRow("(document)=[1, 2]", "metadata.yaml:(document): expected a mapping with the keys format, model")]
    [DataRow("format=[]", "metadata.yaml:format: expected a mapping with the keys version, producer")]
    [DataRow("format.version=1.0", "metadata.yaml:format.version: expected the string '1.0.0'")]
    [DataRow("format.producer.version.format=semver", "metadata.yaml:format.producer.version: Invalid version format provided: semver is unknown (known: py_pa).")]
    [DataRow("format.producer.version.value=1", "metadata.yaml:format.producer.version.value: expected a string")]
    [DataRow("model.name=[a]", "metadata.yaml:model.name: expected a string or null")]
    [DataRow("model.configuration.hash=null", "metadata.yaml:model.configuration.hash: expected a string")]
    [DataRow("model.initialisation={other: 1}", "metadata.yaml:model.initialisation: expected null, {pmf: ...} or {file: ...}")]
    [DataRow("model.initialisation={pmf: {name: x, id: 1, checkpoint: 1, path: a}}", "metadata.yaml:model.initialisation.pmf.id: expected a string")]
    [DataRow("model.initialisation={pmf: {name: x, id: a, checkpoint: 1.5, path: a}}", "metadata.yaml:model.initialisation.pmf.checkpoint: expected a checkpoint reference (str or int)")]
    [DataRow("model.initialisation={pmf: {name: x, id: a, checkpoint: 1, path: ''}}", "metadata.yaml:model.initialisation.pmf.path: Invalid Pathname provided: it is empty")]
    [DataRow("model.initialisation={file: {name: x, path: /abs/x.pt, hash: d41d8cd98f00b204e9800998ecf8427e}}", "metadata.yaml:model.initialisation.file.path: Invalid Pathname provided: it must be relative to the model folder")]
    [DataRow("model.initialisation={file: {name: x, path: x.pt, hash: d41d8}}", "metadata.yaml:model.initialisation.file.hash: Invalid file checksum provided: Expected a valid MD5 hash.")]
    [DataRow("model.initialisation={file: {path: x.pt, hash: d41d8cd98f00b204e9800998ecf8427e}}", "metadata.yaml:model.initialisation.file.name: missing key")]
    [DataRow("model.training.start_epoch=99999999999", "metadata.yaml:model.training.start_epoch: epoch out of range")]
    [DataRow("model.training.start_epoch=true", "metadata.yaml:model.training.start_epoch: expected an int or null")]
    [DataRow("model.training.latest=[1]", "metadata.yaml:model.training.latest: expected a checkpoint reference (str or int) or null")]
    [DataRow("model.training.checkpoints=null", "metadata.yaml:model.training.checkpoints: expected a mapping of checkpoint references to {epoch, path, hash}")]
    [DataRow("model.training.checkpoints={1.5: {epoch: 1, path: a, hash: d41d8cd98f00b204e9800998ecf8427e}}", "metadata.yaml:model.training.checkpoints[1.5]: expected a checkpoint reference (str or int)")]
    [DataRow("model.training.checkpoints={a: {epoch: 1, path: a}}", "metadata.yaml:model.training.checkpoints[a].hash: missing key")]
    [DataRow("model.training.checkpoints={a: 1}", "metadata.yaml:model.training.checkpoints[a]: expected a mapping with the keys epoch, path, hash")]
    [DataRow("model.training.start_time=2020-01-01", "metadata.yaml:model.training.start_time: expected a number (int or float) or null")]
    public void EachMetadataOffenceIsReported(string edits, string expected)
    {
        var error = LoadEdited(edits);
        CollectionAssert.Contains(error.Offences.Select(o => o.ToString()).ToList(), expected, string.Join("\n", error.Offences));
    }

    [TestMethod]
    public void AnOversizedMetadataFileIsRefusedUnread()
    {
        using var folder = new TempFolder();
        Models.Trained(folder).Save(folder["model"]);
        using (var stream = File.OpenWrite(folder["model/metadata.yaml"]))
        {
            stream.SetLength((16 << 20) + 1);
        }

        var error = Assert.ThrowsExactly<PlumsMetadataValidationException>(() => Model.Load(folder["model"]));
        Assert.AreEqual("metadata.yaml: larger than 16777216 bytes", error.Offences.Single().ToString());
    }
}
