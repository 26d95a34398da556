using System.Security.Cryptography;
using ModelStore.Caching;
using ModelStore.Testing;
using Task = System.Threading.Tasks.Task;

namespace ModelStore.Build.Tests;

/// <summary>The build and the lock file (docs/security.md): the lock file is data, the project decides.</summary>
[TestClass]
public sealed class LockFileTrustTests
{
    private const string Digits = "pytorch/tiny-mlp.digits.v1";
    private const string Mnist = "pytorch/tiny-mlp.mnist.v1";

    [TestMethod]
    public void A_lock_entry_naming_another_states_blob_with_another_size_leaves_that_blob_and_the_other_project_working()
    {
        // Issue 18: project two's lock entry has project one's SHA-256 with a wrong size; its build deleted that valid
        // blob ("modified on disk"), and project one's offline build then failed with MST0006.
        using var one = new TaskSandbox();
        using var two = new TaskSandbox();
        var digits = one.Publish(Digits, 3000);
        two.Publish(Mnist, 5000);
        var (built, _, oneEngine) = one.Run([TaskSandbox.State(Digits)]);
        Assert.IsTrue(built, oneEngine.Log);
        File.WriteAllText(two.LockFile, $$"""{ "version": 1, "states": { "{{Mnist}}": { "store": "local", "sha256": "{{digits}}", "size": 3001 } } }""");

        var (_, _, twoEngine) = two.Run([TaskSandbox.State(Mnist)], configure: task => task.CacheRoot = one.CacheRoot);
        var (offline, _, offlineEngine) = one.Run([TaskSandbox.State(Digits)], configure: task => task.Offline = true);

        Assert.IsTrue(File.Exists(new StateCache(one.CacheRoot).GetBlobPath(digits)), twoEngine.Log);
        Assert.IsFalse(twoEngine.Warnings.Any(warning => warning.Message.Contains("modified on disk", StringComparison.Ordinal)), twoEngine.Log);
        Assert.IsTrue(offline, offlineEngine.Log);
    }

    [TestMethod]
    public void The_build_reads_no_store_definition_from_the_lock_file()
    {
        // The lock file's stores section names code and another folder; the build uses the project's items only.
        using var sandbox = new TaskSandbox();
        var sha = sandbox.Publish(Digits, 2000);
        var elsewhere = Path.Combine(sandbox.Root, "elsewhere");
        Directory.CreateDirectory(elsewhere);
        File.WriteAllText(sandbox.LockFile, $$"""
            { "version": 1, "states": {},
              "stores": { "local": { "kind": "ThirdParty", "settings": { "Root": "elsewhere", "ProviderType": "{{typeof(ThirdPartyStoreProvider).FullName}}", "ProviderAssembly": "{{typeof(ThirdPartyStoreProvider).Assembly.Location}}" } } } }
            """);
        var created = ThirdPartyStoreProvider.Created;

        var (success, task, engine) = sandbox.Run([TaskSandbox.State(Digits)]);

        Assert.IsTrue(success, engine.Log);
        Assert.AreEqual(sha, task.ResolvedStates.Single().GetMetadata("Sha256"));
        Assert.AreEqual(created, ThirdPartyStoreProvider.Created, "The provider the lock file names created a store.");
        var written = File.ReadAllText(sandbox.LockFile);
        StringAssert.Contains(written, "\"kind\": \"Local\"");
        Assert.IsFalse(written.Contains("Provider", StringComparison.Ordinal), "A lock file names no code: " + written);
    }

    [TestMethod]
    public async Task A_pre_signed_url_state_is_locked_with_its_real_address_beside_the_redacted_store()
    {
        await using var server = await RecordingServer.StartAsync();
        var bytes = RandomNumberGenerator.GetBytes(3000);
        var url = server.Put("w.pth?X-Amz-Credential=cred&X-Amz-Signature=sig123", bytes);
        using var sandbox = new TaskSandbox();

        var (success, task, engine) = sandbox.Run([TaskSandbox.State("pytorch/resnet18.cls1000.torchvision", "", ("Url", url.AbsoluteUri))], stores: []);

        Assert.IsTrue(success, engine.Log);
        var written = File.ReadAllText(sandbox.LockFile);
        StringAssert.Contains(written, "\"store\": \"url:" + url.AbsoluteUri.Replace("sig123", "***", StringComparison.Ordinal).Replace("=cred", "=***", StringComparison.Ordinal) + "\"");
        StringAssert.Contains(written, $"\"url\": \"{url.AbsoluteUri}\"");
        Assert.IsFalse(task.ResolvedStates.Single().GetMetadata("Store").Contains("sig123", StringComparison.Ordinal), "The signature is not in the build's items.");
        Assert.IsFalse(engine.Log.Contains("sig123", StringComparison.Ordinal), "The signature is not logged: " + engine.Log);
    }

    [TestMethod]
    public void Descriptors_are_written_and_deleted_only_in_a_modelstates_folder_and_never_through_a_link()
    {
        using var sandbox = new TaskSandbox();
        sandbox.Publish(Digits, 1000);
        var victim = Path.Combine(sandbox.Root, "victim.txt");
        File.WriteAllText(victim, "keep");
        Directory.CreateDirectory(sandbox.DescriptorDirectory);
        File.CreateSymbolicLink(sandbox.DescriptorFile, victim);
        File.CreateSymbolicLink(Path.Combine(sandbox.DescriptorDirectory, "stale.modelstate"), victim);

        var (success, _, engine) = sandbox.Run([TaskSandbox.State(Digits)]);
        var (elsewhere, _, elsewhereEngine) = sandbox.Run([TaskSandbox.State(Digits)], configure: task => task.DescriptorDirectory = sandbox.Root);

        Assert.IsTrue(success, engine.Log);
        Assert.AreEqual("keep", File.ReadAllText(victim), "A planted link was followed.");
        Assert.IsNull(new FileInfo(sandbox.DescriptorFile).LinkTarget, "The descriptor file replaced the link.");
        Assert.IsNotNull(new FileInfo(Path.Combine(sandbox.DescriptorDirectory, "stale.modelstate")).LinkTarget, "A link is never deleted through.");
        Assert.IsFalse(elsewhere);
        Assert.AreEqual("MST0011", elsewhereEngine.ErrorCodes.Single());
        Assert.IsTrue(File.Exists(victim));
    }
}
