namespace ModelStore.Plums.Tests;

[TestClass]
public sealed class CheckpointCollectionTests
{
    private static Checkpoint C(CheckpointReference name, int? epoch, string hash) => new(name, hash: hash.PadRight(32, '0'), epoch: epoch);

    [TestMethod]
    public void KeysValuesAndItemsKeepInsertionOrderAndLatestIsTheLastAdded()
    {
        var collection = new CheckpointCollection(C("z", 1, "a"), C(2, 2, "b"), C("a", 2, "c"));
        CollectionAssert.AreEqual(new CheckpointReference[] { "z", 2, "a" }, collection.Keys.ToList());
        CollectionAssert.AreEqual(new[] { 1, 2, 2 }, collection.Values.Select(c => c.Epoch!.Value).ToList());
        CollectionAssert.AreEqual(new CheckpointReference[] { "z", 2, "a" }, collection.Items.Select(i => i.Key).ToList());
        Assert.AreEqual((CheckpointReference)"a", collection.Latest);
        Assert.AreEqual(3, collection.Count);
        Assert.IsNull(new CheckpointCollection().Latest);
    }

    [TestMethod]
    public void GetReturnsTheDefaultForAnUnknownReference()
    {
        var collection = new CheckpointCollection(C(1, 1, "a"));
        var fallback = C("fallback", 0, "f");
        Assert.AreEqual(1, collection.Get(1)!.Epoch);
        Assert.IsNull(collection.Get("1"), "the text '1' is not the number 1");
        Assert.AreSame(fallback, collection.Get("x", fallback));
        Assert.ThrowsExactly<KeyNotFoundException>(() => collection["x"]);
        Assert.IsTrue(collection.Contains(1));
        Assert.IsFalse(collection.Contains("1"));
    }

    [TestMethod]
    public void ADuplicateReferenceOrAMissingEpochIsRefused()
    {
        var collection = new CheckpointCollection(C(1, 1, "a"));
        Assert.AreEqual(PlumsErrorCode.DuplicateCheckpoint, Assert.ThrowsExactly<PlumsException>(() => collection.Add(C(1, 5, "b"))).Code);
        Assert.AreEqual(PlumsErrorCode.CheckpointWithoutEpoch, Assert.ThrowsExactly<PlumsException>(() => collection.Add(C(2, null, "b"))).Code);
        Assert.AreEqual(1, collection.Count);
        Assert.AreEqual((CheckpointReference)1, collection.Latest);
    }

    [TestMethod]
    public void ByEpochReturnsEveryCheckpointOfThatEpoch()
    {
        var collection = new CheckpointCollection(C("a", 1, "a"), C("b", 2, "b"), C("c", 2, "c"));
        var second = collection.ByEpoch(2);
        CollectionAssert.AreEqual(new CheckpointReference[] { "b", "c" }, second.Keys.ToList());
        Assert.AreEqual((CheckpointReference)"c", second.Latest);
        StringAssert.Contains(Assert.ThrowsExactly<KeyNotFoundException>(() => collection.ByEpoch(7)).Message, "Invalid epoch number provided: 7");
    }

    [TestMethod]
    public void ByIndexFollowsInsertionOrder()
    {
        var collection = new CheckpointCollection(C("a", 1, "a"), C("b", 2, "b"), C("c", 3, "c"));
        Assert.AreEqual((CheckpointReference)"a", collection.ByIndex(0).Name);
        Assert.AreEqual((CheckpointReference)"c", collection.ByIndex(^1).Name);
        CollectionAssert.AreEqual(new CheckpointReference[] { "b", "c" }, collection.ByIndex(1..).Select(c => c.Name).ToList());
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => collection.ByIndex(3));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => collection.ByIndex(^4));
    }

    [TestMethod]
    public void SetReplacesInPlaceOrAddsAndRemoveMovesLatest()
    {
        var collection = new CheckpointCollection(C("a", 1, "a"), C("b", 2, "b"));
        collection.Set("a", C("other", 5, "d"));
        CollectionAssert.AreEqual(new CheckpointReference[] { "a", "b" }, collection.Keys.ToList());
        Assert.AreEqual(5, collection["a"].Epoch);
        Assert.AreEqual((CheckpointReference)"a", collection["a"].Name);
        Assert.AreEqual((CheckpointReference)"b", collection.Latest);
        collection.Set("c", C("x", 6, "e"));
        Assert.AreEqual((CheckpointReference)"c", collection.Latest);

        Assert.IsTrue(collection.Remove("c"));
        Assert.AreEqual((CheckpointReference)"b", collection.Latest);
        Assert.IsFalse(collection.Remove("c"));
    }

    [TestMethod]
    public void EqualityIsBySetOfReferencesAndEpochHashPairs()
    {
        var one = new CheckpointCollection(C("a", 1, "a"), C("b", 2, "b"));
        var sameOtherOrder = new CheckpointCollection(C("b", 2, "b"), C("a", 1, "a"));
        var otherHash = new CheckpointCollection(C("a", 1, "a"), C("b", 2, "c"));
        Assert.AreEqual(one, sameOtherOrder);
        Assert.AreNotEqual(one, otherHash);
        Assert.AreEqual(C("x", 1, "a"), C("y", 1, "a"), "checkpoints compare epoch and hash, as in Plums");
    }

    [TestMethod]
    public void ACheckpointComputesItsHashFromItsFileAndChecksArguments()
    {
        using var folder = new TempFolder();
        var file = folder.Write("w.pt", "0");
        Assert.AreEqual("cfcd208495d565ef66e7dff9f98764da", new Checkpoint("w", file, 1).Hash);
        Assert.AreEqual(PlumsErrorCode.FileNotFound, Assert.ThrowsExactly<PlumsException>(() => new Checkpoint("w", folder["none.pt"])).Code);
        Assert.ThrowsExactly<ArgumentException>(() => new Checkpoint("w", hash: "CFCD208495D565EF66E7DFF9F98764DA"));
        Assert.ThrowsExactly<ArgumentException>(() => new Checkpoint("w"));
    }
}
