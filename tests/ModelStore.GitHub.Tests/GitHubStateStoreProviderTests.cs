using ModelStore.States;
using ModelStore.Stores;

namespace ModelStore.GitHub.Tests;

[TestClass]
public sealed class GitHubStateStoreProviderTests : GitHubStoreFixture
{
    private static StateStoreSettings Settings(params (string Name, string Value)[] values) =>
        new("mozuma", "GitHub", values.Select(value => KeyValuePair.Create(value.Name, value.Value)), "/projects/app");

    [TestMethod]
    public void The_provider_creates_a_store_from_item_metadata()
    {
        var provider = new GitHubStateStoreProvider();

        var store = (GitHubReleaseStore)provider.Create(Settings(("owner", "mozuma"), ("Repository", "mozuma")));
        var enterprise = (GitHubReleaseStore)provider.Create(Settings(("Owner", "ml"), ("Repository", "weights"), ("Branch", "weights-branch"), ("ReleaseNamePrefix", "w"), ("BaseAddress", "https://ghe.example.com"), ("ResponseCacheDirectory", "obj/etags")));

        Assert.AreEqual("GitHub", provider.Kind);
        Assert.AreEqual("github:https://github.com/mozuma/mozuma/state", store.Id);
        Assert.AreEqual("model-store", store.Branch);
        Assert.AreEqual(new Uri("https://api.github.com/"), store.ApiAddress);
        Assert.AreEqual("github:https://ghe.example.com/ml/weights/w", enterprise.Id);
        Assert.AreEqual("weights-branch", enterprise.Branch);
        Assert.AreEqual(new Uri("https://ghe.example.com/api/v3/"), enterprise.ApiAddress);
        Assert.AreEqual(new Uri("https://ghe.example.com/ml/weights/releases/download/w.pytorch.resnet18/cls1000.imagenet.state.gzip"), enterprise.GetDownloadUri(new StateKey(Resnet, "imagenet")));
    }

    [TestMethod]
    public void Missing_or_invalid_settings_are_argument_errors_naming_them()
    {
        var provider = new GitHubStateStoreProvider();

        var missing = Assert.ThrowsExactly<ArgumentException>(() => provider.Create(Settings(("Owner", "mozuma"))));
        var address = Assert.ThrowsExactly<ArgumentException>(() => provider.Create(Settings(("Owner", "a"), ("Repository", "b"), ("BaseAddress", "ftp://x"))));
        var prefix = Assert.ThrowsExactly<ArgumentException>(() => provider.Create(Settings(("Owner", "a"), ("Repository", "b"), ("ReleaseNamePrefix", "has.dot"))));

        StringAssert.Contains(missing.Message, "Repository");
        StringAssert.Contains(address.Message, "BaseAddress");
        StringAssert.Contains(prefix.Message, "prefix");
    }

    [TestMethod]
    public async Task A_store_from_the_provider_reads_with_the_injected_environment()
    {
        await WriteAsync(CreateWriter(), new StateKey(Resnet, "imagenet"), [5]);
        var provider = new GitHubStateStoreProvider(TestEnvironment.Of(("GH_TOKEN", ReaderToken)));

        var store = provider.Create(Settings(("Owner", Owner), ("Repository", Repository), ("BaseAddress", Server.BaseAddress.AbsoluteUri)));
        var keys = await store.GetStateKeysAsync(Resnet, Cancel);

        CollectionAssert.AreEqual(new[] { new StateKey(Resnet, "imagenet") }, keys.ToArray());
        Assert.AreEqual($"Bearer {ReaderToken}", Server.Requests.Last().Authorization);
    }

    [TestMethod]
    public void The_default_store_is_MoZuMa_on_github_and_configurable()
    {
        var store = MozumaStore.Default();
        var mirror = MozumaStore.Default(new GitHubReleaseStoreOptions { BaseAddress = new Uri("https://ghe.example.com/") });

        Assert.AreEqual("github:https://github.com/mozuma/mozuma/state", store.Id);
        Assert.AreEqual(new Uri("https://github.com/mozuma/mozuma/releases/download/state.pytorch.resnet18/cls1000.imagenet.state.gzip"), store.GetDownloadUri(new StateKey(Resnet, "imagenet")));
        Assert.AreEqual("model-store", store.Branch);
        Assert.AreEqual("github:https://ghe.example.com/mozuma/mozuma/state", mirror.Id);
    }

    [TestMethod]
    public void Invalid_constructor_arguments_are_refused()
    {
        Assert.ThrowsExactly<ArgumentException>(() => new GitHubReleaseStore("", "repo"));
        Assert.ThrowsExactly<ArgumentException>(() => new GitHubReleaseStore("owner/repo", "repo"));
        Assert.ThrowsExactly<ArgumentException>(() => new GitHubReleaseStore("owner", "repo", options: new GitHubReleaseStoreOptions { BaseAddress = new Uri("https://user:secret@ghe.example.com/") }));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new GitHubReleaseStore("owner", "repo", options: new GitHubReleaseStoreOptions { MaxDecompressedSize = 0 }));
    }
}
