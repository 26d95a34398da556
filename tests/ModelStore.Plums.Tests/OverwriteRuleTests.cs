namespace ModelStore.Plums.Tests;

[TestClass]
public sealed class OverwriteRuleTests
{
    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public void AFilePathIsRefusedEvenWithForce(bool force)
    {
        using var folder = new TempFolder();
        var file = folder.Write("target", "a file");
        var error = Assert.ThrowsExactly<PlumsException>(() => Models.Trained(folder).Save(file, force));
        Assert.AreEqual(PlumsErrorCode.DestinationIsFile, error.Code);
        Assert.AreEqual("a file", File.ReadAllText(file));
    }

    [TestMethod]
    public void ANonEmptyFolderWithoutModelNeedsForceAndKeepsItsFiles()
    {
        using var folder = new TempFolder();
        folder.Write("target/notes.txt", "keep me");
        folder.Write("target/data/extra.bin", "keep me too");
        var model = Models.Trained(folder);

        Assert.AreEqual(PlumsErrorCode.DestinationNotEmpty, Assert.ThrowsExactly<PlumsException>(() => model.Save(folder["target"])).Code);
        Assert.IsFalse(File.Exists(folder["target/metadata.yaml"]));

        model.Save(folder["target"], force: true);
        Models.AssertSame(model, Model.Load(folder["target"]));
        Assert.AreEqual("keep me", File.ReadAllText(folder["target/notes.txt"]));
        Assert.AreEqual("keep me too", File.ReadAllText(folder["target/data/extra.bin"]));
    }

    [TestMethod]
    public void AnEmptyFolderIsUsedWithoutForce()
    {
        using var folder = new TempFolder();
        Directory.CreateDirectory(folder["target"]);
        var model = Models.Trained(folder);
        model.Save(folder["target"]);
        Models.AssertSame(model, Model.Load(folder["target"]));
    }

    [TestMethod]
    public void AValidModelWithTheSameIdIsUpdatedInPlaceAndForeignFilesStay()
    {
        using var folder = new TempFolder();
        var model = Models.Trained(folder);
        model.Save(folder["target"]);
        folder.Write("target/README.md", "about this model");
        folder.Write("target/data/plots/loss.csv", "1,0.5\n");

        var loaded = Model.Load(folder["target"]);
        loaded.RegisterEpoch();
        loaded.AddCheckpoint(new Checkpoint(4, folder.Write("src/epoch-4.pt", "weights at epoch 4"), 4));
        loaded.RegisterTrainingEnd(success: true);
        loaded.Save(folder["target"]);

        var reloaded = Model.Load(folder["target"]);
        Assert.AreEqual(TrainingStatus.Finished, reloaded.Training.Status);
        Assert.AreEqual(4, reloaded.Training.EndEpoch);
        Assert.AreEqual(4, reloaded.CheckpointCollection.Count);
        Assert.AreEqual((CheckpointReference)4, reloaded.CheckpointCollection.Latest);
        Assert.AreEqual("about this model", File.ReadAllText(folder["target/README.md"]));
        Assert.AreEqual("1,0.5\n", File.ReadAllText(folder["target/data/plots/loss.csv"]));
        Assert.AreEqual(0, Directory.GetDirectories(folder.Root, ".target.plums-*").Length);
    }

    [TestMethod]
    public void AnInvalidModelWithTheSameIdNeedsForce()
    {
        using var folder = new TempFolder();
        var model = Models.Trained(folder);
        model.Save(folder["target"]);
        File.WriteAllText(folder["target/data/checkpoints/best.pt"], "tampered");

        var error = Assert.ThrowsExactly<PlumsException>(() => model.Save(folder["target"]));
        Assert.AreEqual(PlumsErrorCode.DestinationModelInvalid, error.Code);
        Assert.IsInstanceOfType<PlumsTreeValidationException>(error.InnerException);
        Assert.AreEqual("tampered", File.ReadAllText(folder["target/data/checkpoints/best.pt"]));

        model.Save(folder["target"], force: true);
        Models.AssertSame(model, Model.Load(folder["target"]));
    }

    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public void AModelWithAnotherIdIsNeverReplaced(bool force)
    {
        using var folder = new TempFolder();
        Models.Trained(folder, id: "other-id").Save(folder["target"]);
        var before = File.ReadAllText(folder["target/metadata.yaml"]);

        var error = Assert.ThrowsExactly<PlumsException>(() => Models.Trained(folder).Save(folder["target"], force));
        Assert.AreEqual(PlumsErrorCode.DestinationModelIdDiffers, error.Code);
        StringAssert.Contains(error.Message, "has a different PMF model id");
        Assert.AreEqual(before, File.ReadAllText(folder["target/metadata.yaml"]));
    }

    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public void AModelWithInvalidMetadataIsNeverReplaced(bool force)
    {
        using var folder = new TempFolder();
        var model = Models.Trained(folder);
        model.Save(folder["target"]);
        var broken = File.ReadAllText(folder["target/metadata.yaml"]).Replace("status: running", "status: paused", StringComparison.Ordinal);
        File.WriteAllText(folder["target/metadata.yaml"], broken);

        var error = Assert.ThrowsExactly<PlumsException>(() => model.Save(folder["target"], force));
        Assert.AreEqual(PlumsErrorCode.DestinationMetadataInvalid, error.Code);
        StringAssert.Contains(error.Message, "is not a valid PMF metadata file");
        Assert.AreEqual(broken, File.ReadAllText(folder["target/metadata.yaml"]));
    }

    [TestMethod]
    public void AFailedSaveLeavesTheOldModelIntact()
    {
        using var folder = new TempFolder();
        var model = Models.Trained(folder);
        model.Save(folder["target"]);
        var before = Directory.EnumerateFiles(folder["target"], "*", SearchOption.AllDirectories).ToDictionary(f => f, File.ReadAllText);

        // The configuration and checkpoints are copied before the build parameters fail to serialise.
        var loaded = Model.Load(folder["target"]);
        loaded.RegisterEpoch();
        loaded.BuildParameters["callback"] = new object();
        Assert.ThrowsExactly<ArgumentException>(() => loaded.Save(folder["target"]));

        CollectionAssert.AreEquivalent(before.Keys.ToList(), Directory.EnumerateFiles(folder["target"], "*", SearchOption.AllDirectories).ToList());
        foreach (var (file, content) in before)
        {
            Assert.AreEqual(content, File.ReadAllText(file), file);
        }

        Assert.AreEqual(0, Directory.GetDirectories(folder.Root, ".target.plums-*").Length, "the staging folder is removed");
        Models.AssertSame(model, Model.Load(folder["target"]));
    }

    [TestMethod]
    public void AModelThatWouldWriteInvalidMetadataIsRefusedBeforeWriting()
    {
        using var folder = new TempFolder();
        var model = Models.Trained(folder);
        model.AddCheckpoint(new Checkpoint("future", folder.Write("src/future.pt", "f"), 99));
        var badProducer = new Model("1-bad-producer", "py_pa", "1.0", null, "id", folder["src/config.yaml"]);

        var error = Assert.ThrowsExactly<PlumsMetadataValidationException>(() => model.Save(folder["target"]));
        StringAssert.Contains(error.Message, "at least one registered checkpoint has an epoch greater than latest_epoch");
        Assert.IsFalse(Directory.Exists(folder["target"]));
        var nameError = Assert.ThrowsExactly<PlumsMetadataValidationException>(() => badProducer.Save(folder["target"]));
        Assert.AreEqual("metadata.yaml:format.producer.name", nameError.Offences.Single().Location);
    }

    [TestMethod]
    public void CheckpointsSharingAFileNameAreRefused()
    {
        using var folder = new TempFolder();
        var model = Models.Trained(folder);
        model.AddCheckpoint(new Checkpoint("again", folder.Write("elsewhere/best.pt", "other"), 3));
        Assert.AreEqual(PlumsErrorCode.CheckpointFileUnavailable, Assert.ThrowsExactly<PlumsException>(() => model.Save(folder["target"])).Code);
    }
}
