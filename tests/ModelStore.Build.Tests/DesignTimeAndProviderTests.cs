using Microsoft.Build.Utilities;

namespace ModelStore.Build.Tests;

/// <summary>The task in IDE design-time builds, and store kinds from outside this package.</summary>
[TestClass]
public sealed class DesignTimeAndProviderTests
{
    private const string Digits = "pytorch/tiny-mlp.digits.v1";
    private const string Resnet = "pytorch/resnet18.cls1000.imagenet";

    [TestMethod]
    public void A_design_time_build_describes_locked_states_from_an_empty_cache_contacts_no_store_and_the_next_build_fetches()
    {
        using var sandbox = new TaskSandbox();
        var digits = sandbox.Publish(Digits, 3000);
        sandbox.Publish(Resnet, 5000);
        var store = sandbox.ObservedStoreItem();
        Assert.IsTrue(sandbox.Run([TaskSandbox.State(Digits, metadata: ("CopyToOutputDirectory", "PreserveNewest"))], [store]).Success);
        var lockText = File.ReadAllText(sandbox.LockFile);
        var copyFile = Path.Combine(sandbox.DescriptorDirectory, "output.copy");
        var copyText = File.ReadAllText(copyFile);
        Directory.Delete(sandbox.CacheRoot, recursive: true);
        var designStamp = Path.Combine(sandbox.Root, "obj", "modelstates.designtime.stamp");

        var (success, task, engine) = sandbox.Run(
            [TaskSandbox.State(Digits, metadata: ("CopyToOutputDirectory", "PreserveNewest")), TaskSandbox.State(Resnet, metadata: ("AccessorName", "Resnet"))],
            [store],
            task => { task.DesignTime = true; task.Offline = true; task.StampFile = designStamp; });

        Assert.IsTrue(success, engine.Log);
        Assert.AreEqual(0, task.FetchCount);
        Assert.AreEqual(0, sandbox.Observed.Last!.Opens, "the store created to look up the cache index is never read");
        Assert.IsFalse(Directory.Exists(sandbox.CacheRoot), "nothing was fetched into the cache");
        StringAssert.Contains(File.ReadAllText(sandbox.DescriptorFile), $"[state]\nkey={Digits}\nstore=local\nsha256={digits}\nsize=3000\n");
        Assert.IsFalse(File.ReadAllText(sandbox.DescriptorFile).Contains(Resnet, StringComparison.Ordinal), "no accessor yet for a state nobody resolved");
        var warning = engine.Warnings.Single();
        Assert.AreEqual("MST0022", warning.Code);
        StringAssert.Contains(warning.Message, Resnet);
        Assert.IsEmpty(engine.Errors);
        Assert.AreEqual(lockText, File.ReadAllText(sandbox.LockFile), "a design-time build never writes the lock file");
        Assert.AreEqual(copyText, File.ReadAllText(copyFile), "the copy list stays as the last real build wrote it");
        Assert.IsTrue(File.Exists(designStamp));

        var (built, real, realEngine) = sandbox.Run(
            [TaskSandbox.State(Digits, metadata: ("CopyToOutputDirectory", "PreserveNewest")), TaskSandbox.State(Resnet, metadata: ("AccessorName", "Resnet"))],
            [store]);
        Assert.IsTrue(built, realEngine.Log);
        Assert.AreEqual(2, real.FetchCount);
        StringAssert.Contains(File.ReadAllText(sandbox.DescriptorFile), $"[state]\nkey={Resnet}\n");
        StringAssert.Contains(File.ReadAllText(sandbox.LockFile), Resnet);
    }

    [TestMethod]
    public void A_design_time_build_describes_a_state_missing_from_the_lock_file_from_the_cache_index_without_reading_the_store()
    {
        using var sandbox = new TaskSandbox();
        var sha = sandbox.Publish(Digits, 700);
        var store = sandbox.ObservedStoreItem();
        Assert.IsTrue(sandbox.Run([TaskSandbox.State(Digits)], [store]).Success);
        File.Delete(sandbox.LockFile);

        var (success, task, engine) = sandbox.Run([TaskSandbox.State(Digits)], [store], task => task.DesignTime = true);

        Assert.IsTrue(success, engine.Log);
        Assert.IsEmpty(engine.Warnings);
        Assert.AreEqual(0, sandbox.Observed.Last!.Opens, "the store is created for its identity, never read");
        Assert.AreEqual(0, task.FetchCount);
        StringAssert.Contains(File.ReadAllText(sandbox.DescriptorFile), $"sha256={sha}\n");
        Assert.IsFalse(File.Exists(sandbox.LockFile));
    }

    [TestMethod]
    public void A_ModelStoreProvider_item_adds_a_third_party_kind_loaded_from_its_assembly()
    {
        using var sandbox = new TaskSandbox();
        var sha = sandbox.Publish(Digits);
        var provider = new TaskItem(typeof(ThirdPartyStoreProvider).Assembly.Location);
        provider.SetMetadata("Type", typeof(ThirdPartyStoreProvider).FullName);
        var before = ThirdPartyStoreProvider.Created;

        var (success, task, engine) = sandbox.Run(
            [TaskSandbox.State(Digits, "vendor")],
            [TaskSandbox.Store("vendor", "ThirdParty", ("Root", "states"))],
            task => task.Providers = [provider]);

        Assert.IsTrue(success, engine.Log);
        Assert.AreEqual(sha, task.ResolvedStates.Single().GetMetadata("Sha256"));
        Assert.IsGreaterThan(before, ThirdPartyStoreProvider.Created, $"before {before}, after {ThirdPartyStoreProvider.Created}");
    }

    [TestMethod]
    public void ProviderType_and_ProviderAssembly_on_a_ModelStore_item_name_its_provider_and_Kind_may_be_left_out()
    {
        using var sandbox = new TaskSandbox();
        var sha = sandbox.Publish(Digits);
        var assembly = Path.GetRelativePath(sandbox.Root, typeof(ThirdPartyStoreProvider).Assembly.Location);

        var (success, task, engine) = sandbox.Run(
            [TaskSandbox.State(Digits, "vendor")],
            [TaskSandbox.Store("vendor", "", ("ProviderType", typeof(ThirdPartyStoreProvider).FullName!), ("ProviderAssembly", assembly), ("Root", "states"))]);

        Assert.IsTrue(success, engine.Log);
        Assert.AreEqual(sha, task.ResolvedStates.Single().GetMetadata("Sha256"));
        StringAssert.Contains(File.ReadAllText(sandbox.LockFile), "\"store\": \"vendor\"");
    }

    [TestMethod]
    [DataRow("Acme.NoSuchProvider", "ThirdParty", "was not found")]
    [DataRow("ModelStore.Build.Tests.TaskSandbox", "", "is not a store provider")]
    [DataRow("ModelStore.Build.Tests.ThirdPartyStoreProvider", "S3", "creates stores of kind 'ThirdParty'")]
    public void A_provider_that_cannot_be_used_is_MST0008_on_the_store(string type, string kind, string reason)
    {
        using var sandbox = new TaskSandbox();
        sandbox.Publish(Digits);

        var (success, _, engine) = sandbox.Run(
            [TaskSandbox.State(Digits, "vendor")],
            [TaskSandbox.Store("vendor", kind, ("ProviderType", type), ("ProviderAssembly", typeof(ThirdPartyStoreProvider).Assembly.Location), ("Root", "states"))]);

        Assert.IsFalse(success);
        var error = engine.Errors.Single();
        Assert.AreEqual("MST0008", error.Code, engine.Log);
        StringAssert.Contains(error.Message, "ModelStore 'vendor'");
        StringAssert.Contains(error.Message, reason);
        Assert.IsFalse(Directory.Exists(sandbox.CacheRoot));
    }

    [TestMethod]
    public void A_ModelStoreProvider_item_without_Type_or_with_a_missing_assembly_is_MST0008()
    {
        using var sandbox = new TaskSandbox();
        sandbox.Publish(Digits);
        var noType = new TaskItem(typeof(ThirdPartyStoreProvider).Assembly.Location);
        var missing = new TaskItem(Path.Combine(sandbox.Root, "tools", "Acme.Stores.dll"));
        missing.SetMetadata("Type", "Acme.Stores.Provider");

        var (success, _, engine) = sandbox.Run([TaskSandbox.State(Digits)], configure: task => task.Providers = [noType, missing]);

        Assert.IsFalse(success);
        CollectionAssert.AreEqual(new[] { "MST0008", "MST0008" }, engine.ErrorCodes.ToArray(), engine.Log);
        StringAssert.Contains(engine.Log, "has no Type");
        StringAssert.Contains(engine.Log, "Acme.Stores.dll' does not exist");
    }

    [TestMethod]
    public void The_registered_kinds_reach_unknown_Kind_messages_with_a_hint_at_providers()
    {
        using var sandbox = new TaskSandbox();

        var (success, _, engine) = sandbox.Run([TaskSandbox.State(Digits, "vendor")], [TaskSandbox.Store("vendor", "Acme", ("Root", "states"))]);

        Assert.IsFalse(success);
        StringAssert.Contains(engine.Errors.First().Message, "Known kinds: Local, Observed");
        StringAssert.Contains(engine.Errors.First().Message, "ProviderType");
    }
}
