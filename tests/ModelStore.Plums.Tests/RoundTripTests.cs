using ModelStore.Plums.Storage;

namespace ModelStore.Plums.Tests;

[TestClass]
public sealed class RoundTripTests
{
    [TestMethod]
    public void SavedModelLoadsBackIdentical()
    {
        using var folder = new TempFolder();
        var model = Models.Trained(folder);
        model.Save(folder["out/model"]);

        var loaded = Model.Load(folder["out/model"]);

        Models.AssertSame(model, loaded);
        Assert.AreEqual(folder["out/model"], loaded.Path);
        Assert.AreEqual(Path.Combine(folder["out/model"], "config.yaml"), loaded.Producer.Configuration);
        Assert.AreEqual(3L, loaded.BuildParameters["classes"]);
        CollectionAssert.AreEqual(new List<object?> { 224L, 320L }, (List<object?>)loaded.BuildParameters["sizes"]!);
    }

    [TestMethod]
    public void SaveWritesTheTreePlumsWrites()
    {
        using var folder = new TempFolder();
        var model = Models.Trained(folder);
        var root = folder["model"];
        model.Save(root);

        var files = Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(root, f)).Order(StringComparer.Ordinal).ToList();
        CollectionAssert.AreEqual(
            new[]
            {
                "config.yaml", "data", "data/build_parameters.yaml", "data/checkpoints", "data/checkpoints/best.pt",
                "data/checkpoints/epoch-1.pt", "data/checkpoints/epoch-3.pt", "data/initialisation", "data/initialisation/imagenet.pt",
                "metadata.yaml",
            },
            files);
        Assert.AreEqual("backbone: resnet18\nclasses: 3\nsizes:\n- 224\n- 320\n", File.ReadAllText(Path.Combine(root, "data/build_parameters.yaml")));
        Assert.AreEqual(0, Directory.GetDirectories(folder.Root, ".model.plums-*").Length, "no staging folder is left behind");
    }

    [TestMethod]
    public void MetadataIsWrittenExactlyAsPyYamlSafeDumpWritesIt()
    {
        using var folder = new TempFolder();
        var time = new ManualTime(1700000000.25);
        var configuration = folder.Write("src/config.yaml", "lr: 0.01\n");
        var model = new Model("my_producer", "py_pa", "1.2.0", "detector", "abc123", configuration) { Training = new Training(time) };
        model.RegisterTrainingStart(0);
        time.Seconds = 1700000100.5;
        model.RegisterEpoch();
        model.AddCheckpoint(new Checkpoint(1, folder.Write("src/epoch-1.pt", "one"), 1));
        model.AddCheckpoint(new Checkpoint("best", folder.Write("src/best.pt", "best"), 1));
        model.RegisterInitialisation(folder.Write("src/imagenet.pt", "imagenet"), name: "imagenet");
        model.Save(folder["model"]);

        string Hash(string name) => Md5.OfFile(folder["src/" + name]);
        var expected = $"""
            format:
              producer:
                name: my_producer
                version:
                  format: py_pa
                  value: 1.2.0
              version: 1.0.0
            model:
              configuration:
                hash: {Hash("config.yaml")}
                path: config.yaml
              id: abc123
              initialisation:
                file:
                  hash: {Hash("imagenet.pt")}
                  name: imagenet
                  path: data/initialisation/imagenet.pt
              name: detector
              training:
                checkpoints:
                  1:
                    epoch: 1
                    hash: {Hash("epoch-1.pt")}
                    path: data/checkpoints/epoch-1.pt
                  best:
                    epoch: 1
                    hash: {Hash("best.pt")}
                    path: data/checkpoints/best.pt
                end_epoch: null
                end_time: null
                latest: best
                latest_epoch: 1
                latest_time: 1700000100.5
                start_epoch: 0
                start_time: 1700000000.25
                status: running

            """;
        Assert.AreEqual(expected.ReplaceLineEndings("\n"), File.ReadAllText(folder["model/metadata.yaml"]));
    }

    [TestMethod]
    public void FixtureWrittenAsPlumsWritesItLoadsAndSavesByteForByte()
    {
        using var folder = new TempFolder();
        var fixture = Path.Combine(AppContext.BaseDirectory, "Fixtures", "faster_rcnn_pmf");
        TempFolder.CopyTree(fixture, folder["fixture"]);

        var model = Model.Load(folder["fixture"], strict: true);

        Assert.AreEqual("faster_rcnn", model.Producer.Name);
        Assert.AreEqual("py_pa", model.Producer.Version.Format);
        Assert.AreEqual("0.4.0", model.Producer.Version.Value);
        Assert.AreEqual("model_name", model.Name);
        Assert.AreEqual("3d6acb1fce4469ee1559ba16e02f922f", model.Id);
        Assert.AreEqual(TrainingStatus.Running, model.Training.Status);
        Assert.AreEqual(0, model.Training.StartEpoch);
        Assert.AreEqual(1552464823.166782, model.Training.StartTimestamp);
        Assert.AreEqual(12, model.Training.LatestEpoch);
        Assert.IsNull(model.Training.EndEpoch);
        CollectionAssert.AreEqual(new CheckpointReference[] { 1, 10, 12 }, model.CheckpointCollection.Keys.ToList());
        Assert.AreEqual((CheckpointReference)12, model.CheckpointCollection.Latest);
        Assert.AreEqual(10, model.CheckpointCollection[10].Epoch);
        var initialisation = (FileInitialisation)model.Initialisation!;
        Assert.AreEqual("imagenet", initialisation.Name);
        Assert.AreEqual("resnet50", model.BuildParameters["backbone"]);
        Assert.AreEqual(0.5, model.BuildParameters["score_threshold"]);

        model.Save(folder["copy"]);
        foreach (var file in new[] { "metadata.yaml", "data/build_parameters.yaml", "model_configuration.py", "data/checkpoints/10.h5", "data/initialisation/resnet50_notop.h5" })
        {
            CollectionAssert.AreEqual(File.ReadAllBytes(Path.Combine(fixture, file)), File.ReadAllBytes(folder["copy/" + file]), file);
        }
    }

    [TestMethod]
    public void ModelInitialisationRoundTripsAsAPmfTreeWithoutCheckpointFiles()
    {
        using var folder = new TempFolder();
        var parent = Models.Trained(folder, id: "parent-id");
        parent.Save(folder["parent"]);

        var configuration = folder.Write("child/config.yaml", "lr: 0.001\n");
        var child = new Model("my_producer", "py_pa", "1.3.0", "child", "child-id", configuration);
        child.RegisterInitialisation(folder["parent"], checkpointReference: "best");
        child.Save(folder["saved-child"]);

        var loaded = Model.Load(folder["saved-child"]);
        var init = (ModelInitialisation)loaded.Initialisation!;
        Assert.AreEqual("parent-id", init.Model.Id);
        Assert.AreEqual((CheckpointReference)"best", init.CheckpointReference);
        Assert.AreEqual(Md5.OfFile(folder["parent/data/checkpoints/best.pt"]), init.Checkpoint.Hash);
        Assert.AreEqual(Path.Combine(folder["saved-child"], "data", "initialisation"), init.Model.Path);
        Assert.IsTrue(File.Exists(folder["saved-child/data/initialisation/metadata.yaml"]));
        Assert.IsTrue(File.Exists(folder["saved-child/data/initialisation/data/initialisation/imagenet.pt"]), "the parent's own initialisation is kept");
        Assert.AreEqual(0, Directory.GetFiles(folder["saved-child/data/initialisation/data/checkpoints"]).Length, "no checkpoint file in an initialisation");
        StringAssert.Contains(File.ReadAllText(folder["saved-child/data/initialisation/metadata.yaml"]), "path: .\n");
        StringAssert.Contains(File.ReadAllText(folder["saved-child/metadata.yaml"]), "pmf:\n      checkpoint: best\n      id: parent-id\n      name: detector\n      path: data/initialisation\n");
        Models.AssertSame(child, loaded);

        // Saving the loaded child again (in place) keeps a valid model.
        loaded.RegisterInitialisation(loaded.Initialisation);
        loaded.Save(folder["saved-child"]);
        Models.AssertSame(child, Model.Load(folder["saved-child"]));
    }

    [TestMethod]
    public void InitialisationArgumentsFollowPlumsRules()
    {
        using var folder = new TempFolder();
        Models.Trained(folder).Save(folder["model"]);
        var file = folder.Write("weights.pt", "w");
        folder.Write("plain/readme.txt", "not a model");

        Assert.AreEqual(PlumsErrorCode.FileNotFound, Assert.ThrowsExactly<PlumsException>(() => Initialisation.FromPath(folder["missing"], 1)).Code);
        Assert.AreEqual(PlumsErrorCode.InitialisationNotModelOrFile, Assert.ThrowsExactly<PlumsException>(() => Initialisation.FromPath(folder["plain"], 1)).Code);
        var noName = Assert.ThrowsExactly<PlumsException>(() => Initialisation.FromPath(file, 1));
        Assert.AreEqual(PlumsErrorCode.InitialisationArguments, noName.Code);
        StringAssert.Contains(noName.Message, "points to a file but name is None");
        var noReference = Assert.ThrowsExactly<PlumsException>(() => Initialisation.FromPath(folder["model"], name: "x"));
        Assert.AreEqual(PlumsErrorCode.InitialisationArguments, noReference.Code);
        StringAssert.Contains(noReference.Message, "no checkpoint reference was given");
        var unknown = Assert.ThrowsExactly<PlumsException>(() => Initialisation.FromPath(folder["model"], "1"));
        Assert.AreEqual(PlumsErrorCode.InitialisationCheckpointUnknown, unknown.Code, "the text '1' is not the number 1");

        Assert.IsInstanceOfType<FileInitialisation>(Initialisation.FromPath(file, name: "w"));
        Assert.AreEqual((CheckpointReference)1, ((ModelInitialisation)Initialisation.FromPath(folder["model"], 1)).CheckpointReference);

        File.WriteAllText(folder["model/data/checkpoints/epoch-1.pt"], "tampered");
        Assert.AreEqual(1, ((ModelInitialisation)Initialisation.FromPath(folder["model"], 1)).Model.CheckpointCollection[1].Epoch, "checkpoint files are not read for an initialisation");
        File.WriteAllText(folder["model/config.yaml"], "tampered");
        Assert.ThrowsExactly<PlumsTreeValidationException>(() => Initialisation.FromPath(folder["model"], 1));
    }

    [TestMethod]
    public void ProducerStrictEqualityComparesConfigurationContents()
    {
        using var folder = new TempFolder();
        var a = new Producer("p", "py_pa", "1.0", folder.Write("a.yaml", "x: 1\n"));
        var b = new Producer("p", "py_pa", "1.0.0", folder.Write("b.yaml", "x: 1\n"));
        var c = new Producer("p", "py_pa", "1.0", folder.Write("c.yaml", "x: 2\n"));
        var d = new Producer("q", "py_pa", "1.0", folder["a.yaml"]);

        Assert.AreEqual(a, b);
        Assert.IsTrue(a.StrictEquals(b));
        Assert.AreEqual(a, c);
        Assert.IsFalse(a.StrictEquals(c));
        Assert.AreNotEqual(a, d);
        Assert.IsFalse(a.StrictEquals(d));
        Assert.AreEqual(PlumsErrorCode.FileNotFound, Assert.ThrowsExactly<PlumsException>(() => new Producer("p", "py_pa", "1.0", folder["none.yaml"])).Code);
    }
}
