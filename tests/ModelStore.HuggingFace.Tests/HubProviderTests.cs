using ModelStore.Stores;

namespace ModelStore.HuggingFace.Tests;

/// <summary>The <c>HuggingFace</c> kind from settings, the endpoint and token rules of huggingface_hub.</summary>
[TestClass]
public sealed class HubProviderTests : HubTestBase
{
    private static StateStoreSettings Settings(params (string Name, string Value)[] values) =>
        new("hub", "HuggingFace", values.Select(value => KeyValuePair.Create(value.Name, value.Value)), "/project");

    [TestMethod]
    public void Settings_become_the_stores_repository_type_revision_base_path_and_endpoint()
    {
        var provider = new HuggingFaceStateStoreProvider(TestEnvironment.Empty);

        var store = (HuggingFaceStateStore)provider.Create(Settings(("Repository", "acme/tiny"), ("RepoType", "dataset"), ("Revision", "v1.0"), ("BasePath", "/states"), ("Endpoint", "https://mirror.example/hf")));
        var defaults = (HuggingFaceStateStore)provider.Create(Settings(("Repository", "sentence-transformers/all-MiniLM-L6-v2")));

        Assert.AreEqual("acme/tiny", store.Repository);
        Assert.AreEqual(HuggingFaceRepoType.Dataset, store.RepoType);
        Assert.AreEqual("v1.0", store.Revision);
        Assert.AreEqual("states/", store.BasePath);
        Assert.AreEqual("hf:https://mirror.example/hf/datasets/acme/tiny@v1.0/states/", store.Id);
        Assert.AreEqual(new Uri("https://huggingface.co/"), defaults.Endpoint);
        Assert.AreEqual("main", defaults.Revision);
        Assert.AreEqual(HuggingFaceRepoType.Model, defaults.RepoType);
        Assert.AreEqual(new Uri("https://huggingface.co/sentence-transformers/all-MiniLM-L6-v2/resolve/main/onnx/model.onnx"), defaults.GetResolveUri("onnx/model.onnx"));
    }

    [TestMethod]
    public void HF_ENDPOINT_is_used_unless_the_Endpoint_setting_is_given()
    {
        var provider = new HuggingFaceStateStoreProvider(TestEnvironment.Of(("HF_ENDPOINT", "https://hf-mirror.example.com")));

        var fromVariable = (HuggingFaceStateStore)provider.Create(Settings(("Repository", "acme/tiny")));
        var fromSetting = (HuggingFaceStateStore)provider.Create(Settings(("Repository", "acme/tiny"), ("Endpoint", "http://127.0.0.1:9/")));

        Assert.AreEqual(new Uri("https://hf-mirror.example.com/"), fromVariable.Endpoint);
        Assert.AreEqual(new Uri("http://127.0.0.1:9/"), fromSetting.Endpoint);
    }

    [TestMethod]
    [DataRow("Repository", "not a repo")]
    [DataRow("Repository", "acme/tiny/extra")]
    [DataRow("RepoType", "space")]
    [DataRow("Endpoint", "ftp://example.org")]
    [DataRow("Endpoint", "https://user:secret-pass@example.org")]
    [DataRow("Revision", "a..b")]
    [DataRow("RequestTimeoutSeconds", "soon")]
    [DataRow("Token", "hf_SettingSecret123")]
    public void Invalid_or_secret_settings_are_refused_without_echoing_secrets(string name, string value)
    {
        var provider = new HuggingFaceStateStoreProvider(TestEnvironment.Empty);
        var values = new List<(string, string)> { ("Repository", "acme/tiny") };
        values.RemoveAll(pair => pair.Item1 == name);
        values.Add((name, value));

        var error = Assert.ThrowsExactly<ArgumentException>(() => provider.Create(Settings([.. values])));

        Assert.DoesNotContain("secret-pass", error.Message);
        Assert.DoesNotContain("hf_SettingSecret123", error.Message);
    }

    [TestMethod]
    [DataRow("Repository", "acme/bad--name", "not a Hugging Face repository id")]
    [DataRow("Repository", "acme/-tiny", "not a Hugging Face repository id")]
    [DataRow("Repository", "acme/tiny/extra", "not a Hugging Face repository id")]
    [DataRow("Repository", "acme/tiny..v2", "not a Hugging Face repository id")]
    [DataRow("RepoType", "space", "RepoType 'space' is not supported")]
    [DataRow("Revision", "main..dev", "is not a revision")]
    [DataRow("Revision", "/main", "is not a revision")]
    [DataRow("BasePath", "states/../other", "the base path")]
    [DataRow("BasePath", "states//v1", "the base path")]
    [DataRow("Endpoint", "https://hub.example/?token=hf_EndpointSecret42", "without user information or query")]
    [DataRow("Endpoint", "ftp://hub.example/", "setting 'Endpoint' must be an absolute http(s) address")]
    [DataRow("Token", "hf_SettingSecret123", "never read from settings")]
    public void Validate_refuses_what_the_Hub_would_refuse_naming_the_store_and_no_secret(string name, string value, string rule)
    {
        var values = new List<(string, string)> { ("Repository", "acme/tiny") };
        values.RemoveAll(pair => pair.Item1 == name);
        values.Add((name, value));

        var error = Assert.ThrowsExactly<ArgumentException>(() => new HuggingFaceStateStoreProvider(TestEnvironment.Empty).Validate(Settings([.. values])));

        StringAssert.Contains(error.Message, "Store 'hub' of kind HuggingFace");
        StringAssert.Contains(error.Message, rule);
        Assert.DoesNotContain("hf_EndpointSecret42", error.Message);
        Assert.DoesNotContain("hf_SettingSecret123", error.Message);
    }

    [TestMethod]
    public void Validate_accepts_what_the_store_accepts_and_makes_no_request()
    {
        var provider = new HuggingFaceStateStoreProvider(TestEnvironment.Empty);
        var before = Hub.Requests.Count;

        provider.Validate(Settings(("Repository", "sentence-transformers/all-MiniLM-L6-v2")));
        provider.Validate(Settings(("Repository", "gpt2"), ("RepoType", "dataset"), ("Revision", "refs/pr/1"), ("BasePath", "/states/v1/"), ("Endpoint", Hub.Endpoint.AbsoluteUri)));
        provider.Validate(Settings(("Repository", "acme/tiny.v2_b-c"), ("Revision", new string('a', 40))));

        Assert.AreEqual(before, Hub.Requests.Count);
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => provider.Validate(Settings(("Revision", "main")))).Message, "'Repository'");
    }

    [TestMethod]
    public void A_legacy_repository_id_without_organisation_is_accepted()
    {
        var store = (HuggingFaceStateStore)new HuggingFaceStateStoreProvider(TestEnvironment.Empty).Create(Settings(("Repository", "gpt2")));

        Assert.AreEqual(new Uri("https://huggingface.co/gpt2/resolve/main/model.safetensors"), store.GetResolveUri("model.safetensors"));
    }

    [TestMethod]
    public void A_missing_repository_setting_names_the_setting() =>
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new HuggingFaceStateStoreProvider(TestEnvironment.Empty).Create(Settings(("Revision", "main")))).Message, "'Repository'");

    [TestMethod]
    public async Task The_token_comes_from_HF_TOKEN_then_HUGGING_FACE_HUB_TOKEN_then_the_token_file()
    {
        var repository = HubServer.NewRepository("tokens");
        const string legacy = "hf_LegacyVariableToken55555";
        const string file = "hf_TokenFileToken66666";
        Hub.AddToken(legacy);
        Hub.AddToken(file);
        var home = Directory.CreateTempSubdirectory("hf-home-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(home, ".cache", "huggingface"));
            File.WriteAllText(Path.Combine(home, ".cache", "huggingface", "token"), file + "\n");

            var sent = new List<string?>();
            foreach (var environment in new[]
            {
                TestEnvironment.Of(("HF_TOKEN", Token), ("HUGGING_FACE_HUB_TOKEN", legacy), ("HOME", home)),
                TestEnvironment.Of(("HUGGING_FACE_HUB_TOKEN", legacy), ("HOME", home)),
                TestEnvironment.Of(("HOME", home)),
                TestEnvironment.Of(("HF_TOKEN_PATH", Path.Combine(home, "absent")), ("HOME", home)),
            })
            {
                var before = Hub.Requests.Count;
                await CreateStore(repository, environment: environment).ResolveRevisionAsync(Cancel);
                sent.Add(HubRequestsSince(before).Single().Authorization);
            }

            CollectionAssert.AreEqual(new[] { $"Bearer {Token}", $"Bearer {legacy}", $"Bearer {file}", null }, sent);
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }

    [TestMethod]
    public void The_default_registry_knows_the_HuggingFace_kind()
    {
        var provider = StateStoreRegistry.Default.Find("huggingface");

        Assert.IsInstanceOfType<HuggingFaceStateStoreProvider>(provider);
        Assert.IsInstanceOfType<HuggingFaceStateStore>(StateStoreRegistry.Default.Create(Settings(("Repository", "acme/tiny"))));
    }
}
