namespace ModelStore.Build.Tests;

/// <summary>The task owns the stores it creates from ModelStore items and disposes each once, whatever the outcome.</summary>
[TestClass]
public sealed class StoreDisposalTests
{
    private const string Digits = "pytorch/tiny-mlp.digits.v1";

    [TestMethod]
    public void The_task_disposes_each_store_it_created_once_after_a_fetch()
    {
        using var sandbox = new TaskSandbox();
        sandbox.Publish(Digits);

        var (success, _, engine) = sandbox.Run([TaskSandbox.State(Digits)], [sandbox.ObservedStoreItem()]);

        Assert.IsTrue(success, engine.Log);
        Assert.AreEqual(1, sandbox.Observed.Created);
        Assert.AreEqual(1, sandbox.Observed.Last!.Opens, "the store served the fetch before it was disposed");
        Assert.AreEqual(1, sandbox.Observed.Last.Disposals);
    }

    [TestMethod]
    public void The_task_disposes_the_store_when_the_fetch_fails()
    {
        using var sandbox = new TaskSandbox();
        sandbox.Publish(Digits);
        sandbox.Observed.Configure = store => store.Failure = Stores.StateStoreError.Unreachable;

        var (success, _, engine) = sandbox.Run([TaskSandbox.State(Digits)], [sandbox.ObservedStoreItem()]);

        Assert.IsFalse(success);
        Assert.AreEqual("MST0005", engine.Errors.First().Code, engine.Log);
        Assert.AreEqual(1, sandbox.Observed.Last!.Disposals);
    }
}
