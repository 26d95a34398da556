using ModelStore.States;
using ModelStore.Stores;
using ModelStore.Testing;

namespace ModelStore.Azure.Tests;

/// <summary>Stores declared with settings, as in a project file, and where their credentials come from.</summary>
[TestClass]
public sealed class AzureBlobStateStoreProviderTests
{
    private static readonly StateKey Key = new(new StateType("pytorch", "tiny-mlp", "digits"), "2026-01-01");

    public TestContext TestContext { get; set; } = null!;

    private CancellationToken Cancel => TestContext.CancellationToken;

    [TestMethod]
    public void Settings_become_options()
    {
        var options = AzureBlobStateStoreProvider.CreateOptions(Settings(("Container", "models"), ("BasePath", "states"), ("ServiceUri", "https://acct.blob.core.windows.net/"), ("serviceversion", "2025-11-05"), ("UploadBlockSize", "4194304"), ("MaxRetries", "0"), ("RequestTimeoutSeconds", "30"), ("UseEnvironmentConnectionString", "false")));

        Assert.AreEqual("models", options.Container);
        Assert.AreEqual("states/", options.BasePath);
        Assert.AreEqual("https://acct.blob.core.windows.net/", options.ServiceUri);
        Assert.AreEqual("2025-11-05", options.ServiceVersion);
        Assert.AreEqual(4194304, options.UploadBlockSize);
        Assert.AreEqual(0, options.MaxRetries);
        Assert.AreEqual(TimeSpan.FromSeconds(30), options.RequestTimeout);
        Assert.IsFalse(options.UseEnvironmentConnectionString);
        Assert.IsNull(options.ConnectionString);
        Assert.AreEqual("AzureBlob", new AzureBlobStateStoreProvider().Kind);
    }

    [TestMethod]
    public void Credentials_in_settings_are_refused_without_being_quoted()
    {
        foreach (var name in new[] { "ConnectionString", "AccountKey", "SharedAccessSignature", "SasToken" })
        {
            var error = Assert.ThrowsExactly<ArgumentException>(() => new AzureBlobStateStoreProvider().Create(Settings(("Container", "models"), (name, "do-not-put-me-here"))));

            StringAssert.Contains(error.Message, name);
            StringAssert.Contains(error.Message, "AZURE_STORAGE_CONNECTION_STRING");
            Assert.IsFalse(error.Message.Contains("do-not-put-me-here", StringComparison.Ordinal));
        }

        var sas = Assert.ThrowsExactly<ArgumentException>(() => new AzureBlobStateStoreProvider().Create(Settings(("Container", "models"), ("ServiceUri", "https://acct.blob.core.windows.net/?sv=2020&sig=SECRETSIG"))));
        Assert.IsFalse(sas.Message.Contains("SECRETSIG", StringComparison.Ordinal));
    }

    [TestMethod]
    public void Missing_or_invalid_settings_are_argument_errors_naming_the_setting()
    {
        var provider = new AzureBlobStateStoreProvider();
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => provider.Create(Settings(("BasePath", "x")))).Message, "Container");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => provider.Create(Settings(("Container", "models"), ("ServiceUri", "ftp://host")))).Message, "ServiceUri");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => provider.Create(Settings(("Container", "models"), ("ServiceUri", "https://myaccount.blob.core.windows.net"), ("AccountName", "myaccount")))).Message, "not both");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => provider.Create(Settings(("Container", "models"), ("AccountName", "myaccount"), ("DownloadParallelism", "-2")))).Message, "DownloadParallelism");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => provider.Create(Settings(("Container", "models"), ("AccountName", "myaccount"), ("ServiceVersion", "1999-01-01")))).Message, "2026-06-06");
        var named = Assert.ThrowsExactly<ArgumentException>(() => provider.Create(Settings(("Container", "Bad_Name"), ("AccountName", "myaccount"))));
        StringAssert.Contains(named.Message, "Store 'team' of kind AzureBlob");
        StringAssert.Contains(named.Message, "Bad_Name");
    }

    [TestMethod]
    [DataRow("Container", "Bad_Name", "not an Azure container name")]
    [DataRow("Container", "ab", "not an Azure container name")]
    [DataRow("Container", "team--models", "not an Azure container name")]
    [DataRow("Container", "-models", "not an Azure container name")]
    [DataRow("AccountName", "My_Account", "not an Azure storage account name")]
    [DataRow("AccountName", "thisaccountnameiswaytoolong", "not an Azure storage account name")]
    [DataRow("BasePath", "team/../../victim", "the base path")]
    [DataRow("BasePath", "team//states", "the base path")]
    [DataRow("ServiceUri", "https://acct.blob.core.windows.net/?sv=2020&sig=SECRETSIG", "without query or user information")]
    [DataRow("ServiceUri", "ftp://acct.blob.core.windows.net/", "setting 'ServiceUri' must be an absolute http(s) address")]
    [DataRow("UploadBlockSize", "1024", "UploadBlockSize must be at least 65536")]
    [DataRow("SasToken", "sv=2020&sig=SECRETSIG", "credentials are never read from settings")]
    public void Validate_refuses_what_Azure_would_refuse_naming_the_store_and_no_secret(string name, string value, string rule)
    {
        var values = new List<(string, string)> { ("Container", "models") };
        values.RemoveAll(pair => pair.Item1 == name);
        values.Add((name, value));

        var validated = Assert.ThrowsExactly<ArgumentException>(() => new AzureBlobStateStoreProvider().Validate(Settings([.. values])));
        var created = Assert.ThrowsExactly<ArgumentException>(() => new AzureBlobStateStoreProvider().Create(Settings([.. values])));

        foreach (var error in new[] { validated, created })
        {
            StringAssert.Contains(error.Message, "Store 'team' of kind AzureBlob");
            StringAssert.Contains(error.Message, rule);
            Assert.DoesNotContain("SECRETSIG", error.Message);
        }
    }

    [TestMethod]
    public void Validate_accepts_what_the_store_accepts()
    {
        using var _ = Azurite.EnvironmentConnectionString(null);
        var provider = new AzureBlobStateStoreProvider();

        foreach (var settings in new[]
        {
            Settings(("Container", "models"), ("AccountName", "myaccount"), ("BasePath", "/team/states/")),
            Settings(("Container", "$root"), ("ServiceUri", "https://acct.blob.core.windows.net/")),
            Settings(("Container", "a-1"), ("AccountName", "abc")),
        })
        {
            provider.Validate(settings);
            Assert.IsInstanceOfType<AzureBlobStateStore>(provider.Create(settings));
        }
    }

    [TestMethod]
    public void The_store_refuses_a_base_path_that_leaves_its_container() =>
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new AzureBlobStateStore(new AzureBlobStateStoreOptions { Container = "models", AccountName = "myaccount", BasePath = "team/../../victim" })).Message, "'..' segment");

    [TestMethod]
    public void An_account_name_means_the_public_endpoint_and_a_token_from_the_default_chain()
    {
        using var _ = Azurite.EnvironmentConnectionString(null);

        var store = (AzureBlobStateStore)new AzureBlobStateStoreProvider().Create(Settings(("Container", "models"), ("AccountName", "myaccount")));

        Assert.AreEqual("https://myaccount.blob.core.windows.net", store.Endpoint);
        Assert.AreEqual("azure:https://myaccount.blob.core.windows.net/models/", store.Id);
    }

    [TestMethod]
    public async Task A_declared_store_takes_the_connection_string_from_the_environment()
    {
        var container = await Azurite.CreateContainerAsync(Cancel);
        using var _ = Azurite.EnvironmentConnectionString(Azurite.ConnectionString);

        // No account in the settings: the connection string names it. The same account named explicitly works too.
        var implicitAccount = new AzureBlobStateStoreProvider().Create(Settings(("Container", container), ("BasePath", "team"), ("ServiceVersion", AzuriteServer.ServiceVersion)));
        var explicitAccount = new AzureBlobStateStoreProvider().Create(Settings(("Container", container), ("BasePath", "team"), ("ServiceUri", Azurite.Endpoint + "/"), ("ServiceVersion", AzuriteServer.ServiceVersion)));
        await implicitAccount.WriteAsync(Key, new MemoryStream([1, 2, 3]), cancellationToken: Cancel);

        CollectionAssert.AreEqual(new[] { Key }, (await explicitAccount.GetStateKeysAsync(Key.StateType, Cancel)).ToArray());
        Assert.AreEqual($"azure:{Azurite.Endpoint}/{container}/team/", implicitAccount.Id);
        Assert.AreEqual(implicitAccount.Id, explicitAccount.Id);
        Assert.IsFalse(implicitAccount.Id.Contains(Azurite.AccountKey, StringComparison.Ordinal));
    }

    [TestMethod]
    public void A_connection_string_for_another_account_is_not_used()
    {
        using var _ = Azurite.EnvironmentConnectionString(Azurite.ConnectionString);

        // The environment's string is for Azurite; the store names a public account, so it authenticates with a token.
        var store = (AzureBlobStateStore)new AzureBlobStateStoreProvider().Create(Settings(("Container", "models"), ("AccountName", "otheraccount")));
        var plainHttp = Assert.ThrowsExactly<ArgumentException>(() => new AzureBlobStateStoreProvider().Create(Settings(("Container", "models"), ("ServiceUri", "http://127.0.0.1:1/other"))));

        Assert.AreEqual("https://otheraccount.blob.core.windows.net", store.Endpoint);
        StringAssert.Contains(plainHttp.Message, "not https");
        Assert.IsFalse(plainHttp.Message.Contains(Azurite.AccountKey, StringComparison.Ordinal));
    }

    [TestMethod]
    public void A_connection_string_option_for_another_account_than_the_service_uri_is_refused()
    {
        var options = Azurite.Options("models");
        options.ServiceUri = "https://otheraccount.blob.core.windows.net";

        var error = Assert.ThrowsExactly<ArgumentException>(() => new AzureBlobStateStore(options));

        StringAssert.Contains(error.Message, "otheraccount");
        Assert.IsFalse(error.ToString().Contains(Azurite.AccountKey, StringComparison.Ordinal));
    }

    private static StateStoreSettings Settings(params (string Name, string Value)[] values) =>
        new("team", "AzureBlob", values.Select(value => KeyValuePair.Create(value.Name, value.Value)), "/tmp");
}
