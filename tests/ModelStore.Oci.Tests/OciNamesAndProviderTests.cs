using ModelStore.States;
using ModelStore.Stores;

namespace ModelStore.Oci.Tests;

/// <summary>The key-to-tag mapping, the OCI naming rules and the provider's settings.</summary>
[TestClass]
public sealed class OciNamesAndProviderTests
{
    [TestMethod]
    [DataRow("pytorch/resnet18.cls1000.imagenet", "pytorch.resnet18.cls1000.imagenet")]
    [DataRow("pytorch/tiny-mlp.digits.2026-01-01", "pytorch.tiny-mlp.digits.2026-01-01")]
    [DataRow("onnx/Clip_RN50.v1", "onnx.Clip_RN50.v1")]
    public void Keys_map_to_tags_and_back(string key, string tag)
    {
        Assert.AreEqual(tag, OciStateStore.GetTag(StateKey.Parse(key)));
        Assert.AreEqual(StateKey.Parse(key), OciNames.TryParseTag(tag));
    }

    [TestMethod]
    [DataRow("latest")]
    [DataRow("v1.0")]
    [DataRow("sha256-abc")]
    public void Foreign_tags_are_not_keys(string tag) => Assert.IsNull(OciNames.TryParseTag(tag));

    [TestMethod]
    public void A_key_that_cannot_be_a_tag_is_an_argument_error_saying_why()
    {
        var unicode = Assert.ThrowsExactly<ArgumentException>(() => OciStateStore.GetTag(StateKey.Parse("pytorch/résnet.imagenet")));
        var dash = Assert.ThrowsExactly<ArgumentException>(() => OciStateStore.GetTag(StateKey.Parse("-torch/resnet.imagenet")));
        var tooLong = Assert.ThrowsExactly<ArgumentException>(() => OciStateStore.GetTag(new StateKey(new StateType("pytorch", new string('a', 70), new string('b', 70)), "imagenet")));

        StringAssert.Contains(unicode.Message, "tag rule");
        StringAssert.Contains(dash.Message, "not starting with");
        StringAssert.Contains(tooLong.Message, "128");
    }

    [TestMethod]
    [DataRow("https://ghcr.io")]
    [DataRow("ghcr.io/team")]
    [DataRow("user:pass@ghcr.io")]
    [DataRow("")]
    public void Registry_addresses_are_hosts_only(string registry) =>
        Assert.ThrowsExactly<ArgumentException>(() => new OciStateStore(registry, "team/models"));

    [TestMethod]
    [DataRow("Team/Models")]
    [DataRow("team//models")]
    [DataRow("team/models/")]
    [DataRow("-team")]
    public void Repository_names_follow_the_distribution_rule(string repository) =>
        Assert.ThrowsExactly<ArgumentException>(() => new OciStateStore("ghcr.io", repository));

    [TestMethod]
    public void The_default_registry_knows_the_Oci_kind_and_the_provider_builds_both_stores()
    {
        var settings = Settings(("Registry", "127.0.0.1:5000"), ("Repository", "team/models"), ("Insecure", "true"));
        var pinned = Settings(("Registry", "ghcr.io"), ("Repository", "team/models"), ("Reference", "v1"));

        var store = StateStoreRegistry.Default.Create(settings);
        var artifact = StateStoreRegistry.Default.Create(pinned);

        Assert.IsInstanceOfType<OciStateStore>(store);
        Assert.AreEqual("oci:127.0.0.1:5000/team/models", store.Id);
        Assert.IsInstanceOfType<OciArtifactStore>(artifact);
        Assert.AreEqual("v1", ((IRevisionedStore)artifact).Revision);
        Assert.AreEqual("oci:ghcr.io/team/models:v1", artifact.Id);
    }

    [TestMethod]
    public void Bad_settings_and_credentials_in_settings_are_refused_naming_the_store()
    {
        var provider = new OciStateStoreProvider();

        var password = Assert.ThrowsExactly<ArgumentException>(() => provider.Validate(Settings(("Registry", "ghcr.io"), ("Repository", "a/b"), ("Password", "hunter2"))));
        var repository = Assert.ThrowsExactly<ArgumentException>(() => provider.Validate(Settings(("Registry", "ghcr.io"), ("Repository", "A/B"))));
        var reference = Assert.ThrowsExactly<ArgumentException>(() => provider.Validate(Settings(("Registry", "ghcr.io"), ("Repository", "a/b"), ("Reference", "sha256:xyz"))));
        var missing = Assert.ThrowsExactly<ArgumentException>(() => provider.Validate(Settings(("Repository", "a/b"))));

        StringAssert.Contains(password.Message, "Store 'reg' of kind Oci");
        Assert.DoesNotContain("hunter2", password.Message);
        StringAssert.Contains(repository.Message, "Store 'reg' of kind Oci");
        StringAssert.Contains(reference.Message, "neither a tag");
        StringAssert.Contains(missing.Message, "Registry");
    }

    private static StateStoreSettings Settings(params (string Name, string Value)[] values) =>
        new("reg", "Oci", values.Select(value => new KeyValuePair<string, string>(value.Name, value.Value)), Path.GetTempPath());
}
