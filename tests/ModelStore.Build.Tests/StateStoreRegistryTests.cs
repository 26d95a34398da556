using ModelStore.Build.Tasks;
using ModelStore.Stores;

namespace ModelStore.Build.Tests;

[TestClass]
public sealed class StateStoreRegistryTests
{
    [TestMethod]
    public void The_default_registry_knows_every_shipped_kind_case_insensitively()
    {
        var registry = StateStoreRegistry.Default;

        CollectionAssert.IsSubsetOf(new[] { "AzureBlob", "GitHub", "Local", "Oci", "S3" }, registry.Kinds.ToArray());
        Assert.IsInstanceOfType<LocalStateStoreProvider>(registry.Find("local"));
        Assert.AreEqual("GitHub", registry.Find("GITHUB")?.Kind);
        Assert.IsNull(registry.Find("Ftp"));
    }

    [TestMethod]
    public void Each_default_provider_creates_its_store_from_item_settings_without_network()
    {
        var folder = Path.Combine(Path.GetTempPath(), "msb-registry");
        var local = StateStoreRegistry.Default.Find("Local")!.Create(new StateStoreSettings("local", "Local", [new("Folder", "states")], folder));
        var github = StateStoreRegistry.Default.Find("GitHub")!.Create(new StateStoreSettings("team", "GitHub", [new("Owner", "my-org"), new("Repository", "models")], folder));

        var s3 = StateStoreRegistry.Default.Find("s3")!.Create(new StateStoreSettings("team", "S3", [new("Bucket", "models"), new("BasePath", "states/"), new("ServiceUrl", "http://127.0.0.1:9")], folder));

        var azure = StateStoreRegistry.Default.Find("azureblob")!.Create(new StateStoreSettings("team", "AzureBlob", [new("Container", "models"), new("BasePath", "states"), new("AccountName", "myaccount"), new("UseEnvironmentConnectionString", "false")], folder));

        Assert.AreEqual($"local:{Path.Combine(folder, "states")}", local.Id);
        Assert.AreEqual("azure:https://myaccount.blob.core.windows.net/models/states/", azure.Id);
        StringAssert.Contains(s3.Id, "models");
        StringAssert.Contains(github.Id, "my-org");
    }
}
