namespace ModelStore.Plums.Tests;

/// <summary>A temporary folder deleted on dispose, with helpers to write model source files.</summary>
internal sealed class TempFolder : IDisposable
{
    public TempFolder() => Root = Directory.CreateTempSubdirectory("plums-").FullName;

    public string Root { get; }

    public string this[string relative] => Path.Combine(Root, relative);

    public string Write(string relative, string content)
    {
        var path = this[relative];
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return path;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>Copies a folder tree.</summary>
    public static void CopyTree(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var directory in Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories))
        {
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, directory)));
        }

        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            File.Copy(file, Path.Combine(to, Path.GetRelativePath(from, file)));
        }
    }
}

/// <summary>Builds models for tests from real files.</summary>
internal static class Models
{
    public const string Id = "b6f3c1d2e4a54e7f9a0b1c2d3e4f5a6b";

    /// <summary>A running training at epoch 3 with three checkpoints (1, 'best' and 3) and a file initialisation.</summary>
    public static Model Trained(TempFolder folder, string id = Id, bool withInitialisation = true)
    {
        var configuration = folder.Write("src/config.yaml", "lr: 0.01\nbatch: 32\n");
        var model = new Model("my_producer", "py_pa", "1.2.0", "detector", id, configuration, new Dictionary<string, object?>
        {
            ["classes"] = 3L,
            ["backbone"] = "resnet18",
            ["sizes"] = new List<object?> { 224L, 320L },
        });
        model.RegisterTrainingStart(0);
        model.RegisterEpoch();
        model.AddCheckpoint(new Checkpoint(1, folder.Write("src/epoch-1.pt", "weights at epoch 1"), 1));
        model.RegisterEpoch(3);
        model.AddCheckpoint(new Checkpoint("best", folder.Write("src/best.pt", "best weights"), 2));
        model.AddCheckpoint(new Checkpoint(3, folder.Write("src/epoch-3.pt", "weights at epoch 3"), 3));
        if (withInitialisation)
        {
            model.RegisterInitialisation(folder.Write("src/imagenet.pt", "imagenet weights"), name: "imagenet");
        }

        return model;
    }

    public static void AssertSame(Model expected, Model actual)
    {
        Assert.AreEqual(expected.Id, actual.Id);
        Assert.AreEqual(expected.Name, actual.Name);
        Assert.IsTrue(expected.Producer.StrictEquals(actual.Producer), $"{expected.Producer} vs {actual.Producer}");
        Assert.AreEqual(expected.Training.Status, actual.Training.Status);
        Assert.AreEqual(expected.Training.StartEpoch, actual.Training.StartEpoch);
        Assert.AreEqual(expected.Training.StartTimestamp, actual.Training.StartTimestamp);
        Assert.AreEqual(expected.Training.LatestEpoch, actual.Training.LatestEpoch);
        Assert.AreEqual(expected.Training.LatestTimestamp, actual.Training.LatestTimestamp);
        Assert.AreEqual(expected.Training.EndEpoch, actual.Training.EndEpoch);
        Assert.AreEqual(expected.Training.EndTimestamp, actual.Training.EndTimestamp);
        Assert.AreEqual(expected.CheckpointCollection, actual.CheckpointCollection);
        CollectionAssert.AreEqual(expected.CheckpointCollection.Keys.ToList(), actual.CheckpointCollection.Keys.ToList());
        Assert.AreEqual(expected.CheckpointCollection.Latest, actual.CheckpointCollection.Latest);
        foreach (var checkpoint in actual.CheckpointCollection.Where(c => c.Path is not null))
        {
            Assert.AreEqual(checkpoint.Hash, Md5.OfFile(checkpoint.Path!));
        }

        Assert.AreEqual(
            Yaml.YamlWriter.Write(Storage.BuildParametersYaml.ToYaml(expected.BuildParameters)),
            Yaml.YamlWriter.Write(Storage.BuildParametersYaml.ToYaml(actual.BuildParameters)));
        switch (expected.Initialisation)
        {
            case null:
                Assert.IsNull(actual.Initialisation);
                break;
            case FileInitialisation file:
                var other = (FileInitialisation)actual.Initialisation!;
                Assert.AreEqual(file.Name, other.Name);
                Assert.AreEqual(file.Hash, other.Hash);
                Assert.AreEqual(Path.GetFileName(file.Path), Path.GetFileName(other.Path));
                Assert.AreEqual(other.Hash, Md5.OfFile(other.Path));
                break;
            case ModelInitialisation pmf:
                var otherPmf = (ModelInitialisation)actual.Initialisation!;
                Assert.AreEqual(pmf.CheckpointReference, otherPmf.CheckpointReference);
                Assert.AreEqual(pmf.Model.Id, otherPmf.Model.Id);
                Assert.AreEqual(pmf.Model.CheckpointCollection, otherPmf.Model.CheckpointCollection);
                Assert.IsTrue(otherPmf.Model.CheckpointCollection.All(c => c.Path is null));
                break;
        }
    }
}
