namespace ModelStore.Plums.Tests;

[TestClass]
public sealed class ValidationTests
{
    private static TempFolder Saved(out string root)
    {
        var folder = new TempFolder();
        Models.Trained(folder).Save(folder["model"]);
        root = folder["model"];
        return folder;
    }

    private static void EditMetadata(string root, params (string From, string To)[] edits)
    {
        var path = Path.Combine(root, "metadata.yaml");
        var text = File.ReadAllText(path);
        foreach (var (from, to) in edits)
        {
            Assert.IsTrue(text.Contains(from, StringComparison.Ordinal), $"'{from}' not in metadata");
            text = text.Replace(from, to, StringComparison.Ordinal);
        }

        File.WriteAllText(path, text);
    }

    private static List<string> Messages(PlumsValidationException e) => e.Offences.Select(o => o.ToString()).ToList();

    [TestMethod]
    public void EverySchemaOffenceIsListed()
    {
        using var folder = Saved(out var root);
        EditMetadata(
            root,
            ("version: 1.0.0", "version: 2.0.0\n  colour: red"),
            ("name: my_producer", "name: 9producer"),
            ("value: 1.2.0", "value: not-a-version"),
            ("id: " + Models.Id, "id: 42"),
            ("status: running", "status: paused"),
            ("    path: config.yaml", "    path: ../config.yaml"),
            ("epoch: 2", "epoch: two"));

        var error = Assert.ThrowsExactly<PlumsMetadataValidationException>(() => Model.Load(root));
        var messages = Messages(error);
        CollectionAssert.AreEquivalent(
            new[]
            {
                "metadata.yaml:format.version: unsupported PMF format version, expected '1.0.0'",
                "metadata.yaml:format.colour: unexpected key",
                "metadata.yaml:format.producer.name: Invalid name: Expected only alphanumeric characters or \"_\" and should start with a letter.",
                "metadata.yaml:format.producer.version: Invalid version: 'not-a-version' is not a PEP 440 version.",
                "metadata.yaml:model.id: expected a string",
                "metadata.yaml:model.configuration.path: Invalid Pathname provided: it must not leave the model folder ('..')",
                "metadata.yaml:model.training.status: expected one of 'pending', 'running', 'finished', 'failed'",
                "metadata.yaml:model.training.checkpoints[best].epoch: expected an int",
            },
            messages);
        foreach (var message in messages)
        {
            StringAssert.Contains(error.Message, message);
        }

        StringAssert.Contains(error.Message, "(8 offences)");
    }

    [TestMethod]
    public void EveryTrainingCrossFieldRuleIsReportedTogether()
    {
        using var folder = Saved(out var root);
        EditMetadata(
            root,
            ("status: running", "status: pending"),
            ("end_epoch: null", "end_epoch: 1"),
            ("latest: 3", "latest: nowhere"),
            ("latest_epoch: 3", "latest_epoch: 2"));

        var error = Assert.ThrowsExactly<PlumsMetadataValidationException>(() => Model.Load(root));
        CollectionAssert.AreEquivalent(
            new[]
            {
                "start_time provided with pending status",
                "latest_time provided with pending status",
                "end_epoch provided with a running or pending status",
                "end_epoch happened before latest_epoch",
                "end_epoch provided without an end_time",
                "start_epoch provided with pending status",
                "latest_epoch provided with pending status",
                "latest points to an unregistered checkpoint name",
                "at least one registered checkpoint has an epoch greater than latest_epoch",
            },
            error.Offences.Select(o => o.Message).ToList());
        Assert.IsTrue(error.Offences.All(o => o.Location == "metadata.yaml:model.training"));
    }

    [TestMethod]
    public void MissingAndUnexpectedKeysAndWrongTypesAreAllListed()
    {
        using var folder = Saved(out var root);
        EditMetadata(
            root,
            ("  name: detector\n", ""),
            ("    end_time: null\n", "    end_time: yesterday\n    owner: me\n"),
            ("    hash: " + Md5.OfFile(Path.Combine(root, "config.yaml")), "    hash: ABC"));

        var error = Assert.ThrowsExactly<PlumsMetadataValidationException>(() => Model.Load(root, verbose: true));
        CollectionAssert.AreEquivalent(
            new[]
            {
                "metadata.yaml:model.name: missing key",
                "metadata.yaml:model.training.owner: unexpected key",
                "metadata.yaml:model.training.end_time: expected a number (int or float) or null (found 'yesterday' (str))",
                "metadata.yaml:model.configuration.hash: Invalid file checksum provided: Expected a valid MD5 hash. (found 'ABC' (str))",
            },
            error.Offences.Select(o => o.ToString(verbose: true)).ToList());
        StringAssert.Contains(error.Message, "(found 'yesterday' (str))", "verbose messages show the offending values");
    }

    [TestMethod]
    public void MetadataThatIsNotYamlIsAMetadataError()
    {
        using var folder = Saved(out var root);
        File.WriteAllText(Path.Combine(root, "metadata.yaml"), "format: [unclosed\n  model: {");
        var error = Assert.ThrowsExactly<PlumsMetadataValidationException>(() => Model.Load(root));
        Assert.AreEqual("metadata.yaml", error.Offences.Single().Location);
        StringAssert.Contains(error.Offences.Single().Message, "not valid YAML");
    }

    [TestMethod]
    public void EveryTreeOffenceIsListed()
    {
        using var folder = Saved(out var root);
        File.Delete(Path.Combine(root, "data/build_parameters.yaml"));
        File.Delete(Path.Combine(root, "data/checkpoints/best.pt"));
        File.Delete(Path.Combine(root, "config.yaml"));
        Directory.CreateDirectory(Path.Combine(root, "data/checkpoints/nested"));
        File.Delete(Path.Combine(root, "data/initialisation/imagenet.pt"));

        var error = Assert.ThrowsExactly<PlumsTreeValidationException>(() => Model.Load(root));
        CollectionAssert.AreEquivalent(
            new[]
            {
                "data/build_parameters.yaml: missing file",
                "data/checkpoints/nested: unexpected folder: only files belong here",
                "config.yaml: no configuration file found",
                "data/checkpoints/best.pt: missing checkpoint 'best'",
                "data/initialisation: initialisation weight not found in initialisation: data/initialisation/imagenet.pt",
            },
            Messages(error));
    }

    [TestMethod]
    public void AnEmptyFolderListsEveryMissingPart()
    {
        using var folder = new TempFolder();
        Directory.CreateDirectory(folder["empty"]);
        var error = Assert.ThrowsExactly<PlumsTreeValidationException>(() => Model.Load(folder["empty"]));
        CollectionAssert.AreEquivalent(new[] { "metadata.yaml: missing file", "data: missing folder" }, Messages(error));
        Assert.AreEqual(PlumsErrorCode.TreeValidation, Assert.ThrowsExactly<PlumsTreeValidationException>(() => Model.Load(folder["nowhere"])).Code);
    }

    [TestMethod]
    public void TamperedFilesAreChecksumErrorsOnStrictLoadOnly()
    {
        using var folder = Saved(out var root);
        File.AppendAllText(Path.Combine(root, "data/checkpoints/epoch-3.pt"), "!");
        File.AppendAllText(Path.Combine(root, "data/checkpoints/best.pt"), "!");
        File.AppendAllText(Path.Combine(root, "config.yaml"), "#");
        File.AppendAllText(Path.Combine(root, "data/initialisation/imagenet.pt"), "!");

        var error = Assert.ThrowsExactly<PlumsTreeValidationException>(() => Model.Load(root, strict: true));
        CollectionAssert.AreEquivalent(
            new[]
            {
                "data/checkpoints/epoch-3.pt: checkpoint 3 file checksum mismatch",
                "data/checkpoints/best.pt: checkpoint 'best' file checksum mismatch",
                "config.yaml: configuration file checksum mismatch",
                "data/initialisation/imagenet.pt: initialisation weight file checksum mismatch",
            },
            Messages(error));

        var loose = Model.Load(root, strict: false);
        Assert.AreEqual(3, loose.CheckpointCollection.Count);
    }

    [TestMethod]
    public void InitialisationDiscrepanciesAreTreeErrors()
    {
        using var folder = new TempFolder();
        Models.Trained(folder, id: "parent").Save(folder["parent"]);
        var child = new Model("child_producer", "py_pa", "1", null, "child", folder.Write("c.yaml", "c"));
        child.RegisterInitialisation(folder["parent"], 3);
        child.Save(folder["child"]);
        var childMetadata = folder["child/metadata.yaml"];

        // The initialisation checkpoint is not registered in the initialisation model.
        File.WriteAllText(childMetadata, File.ReadAllText(childMetadata).Replace("checkpoint: 3", "checkpoint: 7", StringComparison.Ordinal));
        var unregistered = Assert.ThrowsExactly<PlumsTreeValidationException>(() => Model.Load(folder["child"]));
        Assert.AreEqual("data/initialisation: initialisation checkpoint not registered in initialisation: 7", Messages(unregistered).Single());

        // A nested invalid initialisation model is reported with its location.
        File.WriteAllText(childMetadata, File.ReadAllText(childMetadata).Replace("checkpoint: 7", "checkpoint: 3", StringComparison.Ordinal));
        File.Delete(folder["child/data/initialisation/data/build_parameters.yaml"]);
        var nested = Assert.ThrowsExactly<PlumsTreeValidationException>(() => Model.Load(folder["child"]));
        Assert.AreEqual("data/initialisation/data/build_parameters.yaml: missing file", Messages(nested).Single());

        // The metadata says PMF, the folder holds none.
        Directory.Delete(folder["child/data/initialisation"], recursive: true);
        Directory.CreateDirectory(folder["child/data/initialisation"]);
        var none = Assert.ThrowsExactly<PlumsTreeValidationException>(() => Model.Load(folder["child"]));
        Assert.AreEqual("data/initialisation: initialisation indicates a PMF model but none was found", Messages(none).Single());

        // The metadata says file, the folder holds a PMF model.
        Models.Trained(folder, id: "with-file").Save(folder["with-file"]);
        TempFolder.CopyTree(folder["parent"], folder["with-file/data/initialisation/pmf"]);
        File.Copy(folder["parent/metadata.yaml"], folder["with-file/data/initialisation/metadata.yaml"]);
        var wrongKind = Assert.ThrowsExactly<PlumsTreeValidationException>(() => Model.Load(folder["with-file"]));
        Assert.AreEqual("data/initialisation: initialisation indicates a weight file but a PMF was found", Messages(wrongKind).Single());
    }
}
