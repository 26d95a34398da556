using System.Diagnostics;
using System.Security.Cryptography;
using ModelStore.States;
using ModelStore.Stores;
using ModelStore.Testing;

namespace ModelStore.Azure.Tests;

/// <summary>Every failure is a typed store error naming the container and the blob, and never shows a secret.</summary>
[TestClass]
public sealed class AzureBlobErrorTests
{
    private static readonly StateKey Key = new(new StateType("pytorch", "resnet18", "cls1000"), "imagenet");

    public TestContext TestContext { get; set; } = null!;

    private CancellationToken Cancel => TestContext.CancellationToken;

    [TestMethod]
    public async Task A_wrong_account_key_is_access_denied_and_neither_key_nor_connection_string_appears()
    {
        var container = await Azurite.CreateContainerAsync(Cancel);
        var wrongKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(64));
        var options = Azurite.Options(container);
        options.ConnectionString = Azurite.Server.ConnectionStringWithKey(wrongKey);
        var store = new AzureBlobStateStore(options);

        var errors = new List<StateStoreException>
        {
            await Assert.ThrowsExactlyAsync<StateStoreException>(() => store.ExistsAsync(Key, Cancel)),
            await Assert.ThrowsExactlyAsync<StateStoreException>(() => store.OpenReadAsync(Key, Cancel)),
            await Assert.ThrowsExactlyAsync<StateStoreException>(() => store.GetStateKeysAsync(Key.StateType, Cancel)),
            await Assert.ThrowsExactlyAsync<StateStoreException>(() => store.WriteAsync(Key, new MemoryStream([1]), overwrite: true, cancellationToken: Cancel)),
            await Assert.ThrowsExactlyAsync<StateStoreException>(() => store.WriteAsync(Key, new PatternStream(3L * options.UploadBlockSize), overwrite: true, cancellationToken: Cancel)),
            await Assert.ThrowsExactlyAsync<StateStoreException>(() => store.DownloadToFileAsync(Key, Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N")), cancellationToken: Cancel)),
        };

        foreach (var error in errors)
        {
            Assert.AreEqual(StateStoreError.AccessDenied, error.Error, error.Message);
            StringAssert.Contains(error.Message, container);
            StringAssert.Contains(error.Message, "check its AccountKey", "The message says what to check.");
            AssertNoSecret(error, wrongKey, options.ConnectionString);
        }

        StringAssert.Contains(errors[0].Message, store.GetBlobName(Key));
        TestContext.WriteLine(errors[0].Message);
    }

    [TestMethod]
    public async Task A_server_that_refuses_the_SDKs_default_version_gets_a_message_naming_the_version_and_the_ServiceVersion_setting()
    {
        var container = await Azurite.CreateContainerAsync(Cancel);
        var unpinned = Azurite.Options(container);
        unpinned.ServiceVersion = null;
        unpinned.MaxRetries = 0;
        var sdkDefault = new global::Azure.Storage.Blobs.BlobClientOptions().Version.ToString()[1..].Replace('_', '-');
        Assert.AreNotEqual(AzuriteServer.ServiceVersion, sdkDefault, "the SDK's default is newer than Azurite 3.37 serves: the case under test");

        var error = await Assert.ThrowsExactlyAsync<StateStoreException>(() => new AzureBlobStateStore(unpinned).OpenReadAsync(Key, Cancel));

        StringAssert.Contains(error.Message, "InvalidHeaderValue");
        StringAssert.Contains(error.Message, $"does not accept storage API version {sdkDefault}, which the Azure SDK sends by default");
        StringAssert.Contains(error.Message, "ServiceVersion setting");
        TestContext.WriteLine(error.Message);

        // The same server with the version it serves pinned: the setting the message points to is the fix.
        unpinned.ServiceVersion = AzuriteServer.ServiceVersion;
        Assert.IsFalse(await new AzureBlobStateStore(unpinned).ExistsAsync(Key, Cancel));
    }

    [TestMethod]
    public async Task A_wrong_key_from_the_environment_is_access_denied_without_showing_it()
    {
        var container = await Azurite.CreateContainerAsync(Cancel);
        var wrongKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(64));
        var connectionString = Azurite.Server.ConnectionStringWithKey(wrongKey);
        using var _ = Azurite.EnvironmentConnectionString(connectionString);
        var store = new AzureBlobStateStore(new AzureBlobStateStoreOptions { Container = container, ServiceUri = Azurite.Endpoint, ServiceVersion = AzuriteServer.ServiceVersion, MaxRetries = 0 });

        var error = await Assert.ThrowsExactlyAsync<StateStoreException>(() => store.OpenReadAsync(Key, Cancel));

        Assert.AreEqual(StateStoreError.AccessDenied, error.Error, error.Message);
        StringAssert.Contains(error.Message, "the AZURE_STORAGE_CONNECTION_STRING environment variable");
        AssertNoSecret(error, wrongKey, connectionString);
    }

    [TestMethod]
    public async Task A_SAS_connection_string_works_and_a_tampered_SAS_is_refused_without_being_shown()
    {
        var container = await Azurite.CreateContainerAsync(Cancel);
        var sasUri = Azurite.AdminClient().GenerateAccountSasUri(
            global::Azure.Storage.Sas.AccountSasPermissions.Read | global::Azure.Storage.Sas.AccountSasPermissions.Write | global::Azure.Storage.Sas.AccountSasPermissions.List | global::Azure.Storage.Sas.AccountSasPermissions.Create,
            DateTimeOffset.UtcNow.AddHours(1),
            global::Azure.Storage.Sas.AccountSasResourceTypes.All);
        var sas = sasUri.Query.TrimStart('?');
        var signature = System.Web.HttpUtility.ParseQueryString(sas)["sig"]!;
        var options = Azurite.Options(container);
        options.ConnectionString = $"BlobEndpoint={Azurite.Endpoint};SharedAccessSignature={sas}";
        var store = new AzureBlobStateStore(options);
        await store.WriteAsync(Key, new MemoryStream([4, 2]), cancellationToken: Cancel);
        var tamperedSas = sas.Replace("sig=", "sig=AAAA", StringComparison.Ordinal);
        options.ConnectionString = $"BlobEndpoint={Azurite.Endpoint};SharedAccessSignature={tamperedSas}";
        var tampered = new AzureBlobStateStore(options);

        var error = await Assert.ThrowsExactlyAsync<StateStoreException>(() => tampered.OpenReadAsync(Key, Cancel));

        Assert.IsTrue(await store.ExistsAsync(Key, Cancel));
        Assert.AreEqual($"azure:{Azurite.Endpoint}/{container}/pretrained-models/", store.Id, "The Id never holds the SAS.");
        Assert.AreEqual(StateStoreError.AccessDenied, error.Error, error.Message);
        StringAssert.Contains(error.Message, "SharedAccessSignature");
        foreach (var text in new[] { error.Message, error.ToString(), store.Description })
        {
            Assert.IsFalse(text.Contains(signature, StringComparison.Ordinal) || text.Contains(Uri.EscapeDataString(signature), StringComparison.Ordinal), "The SAS signature shows.");
            Assert.IsFalse(text.Contains(tamperedSas, StringComparison.Ordinal), "The SAS shows.");
        }
    }

    [TestMethod]
    public void A_malformed_connection_string_is_an_argument_error_that_does_not_quote_it()
    {
        var secret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var options = new AzureBlobStateStoreOptions { Container = "models", ConnectionString = $"AccountKey={secret};Nonsense" };

        var error = Assert.ThrowsExactly<ArgumentException>(() => new AzureBlobStateStore(options));

        StringAssert.Contains(error.Message, "not valid");
        Assert.IsFalse(error.ToString().Contains(secret, StringComparison.Ordinal), "The error holds the key.");
    }

    [TestMethod]
    public async Task A_missing_container_is_container_not_found_naming_the_container()
    {
        var container = "no-such-container-" + Guid.NewGuid().ToString("N")[..12];
        var store = new AzureBlobStateStore(Azurite.Options(container));

        var errors = new[]
        {
            await Assert.ThrowsExactlyAsync<StateStoreException>(() => store.ExistsAsync(Key, Cancel)),
            await Assert.ThrowsExactlyAsync<StateStoreException>(() => store.OpenReadAsync(Key, Cancel)),
            await Assert.ThrowsExactlyAsync<StateStoreException>(() => store.GetStateKeysAsync(Key.StateType, Cancel)),
            await Assert.ThrowsExactlyAsync<StateStoreException>(() => store.WriteAsync(Key, new MemoryStream([1]), cancellationToken: Cancel)),
            await Assert.ThrowsExactlyAsync<StateStoreException>(() => store.WriteAsync(Key, new MemoryStream([1]), overwrite: true, cancellationToken: Cancel)),
            await Assert.ThrowsExactlyAsync<StateStoreException>(() => store.DownloadToFileAsync(Key, Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N")), cancellationToken: Cancel)),
        };

        foreach (var error in errors)
        {
            Assert.AreEqual(StateStoreError.ContainerNotFound, error.Error, error.Message);
            StringAssert.Contains(error.Message, container);
            AssertNoSecret(error, Azurite.AccountKey, Azurite.ConnectionString);
        }
    }

    [TestMethod]
    public async Task A_missing_key_is_not_found_for_downloads_too()
    {
        var store = new AzureBlobStateStore(Azurite.Options(await Azurite.CreateContainerAsync(Cancel)));

        var error = await Assert.ThrowsExactlyAsync<StateStoreException>(() => store.DownloadToFileAsync(Key, Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N")), cancellationToken: Cancel));

        Assert.AreEqual(StateStoreError.NotFound, error.Error);
        Assert.AreEqual(Key, error.Key);
        StringAssert.Contains(error.Message, store.GetBlobName(Key));
    }

    [TestMethod]
    public async Task A_closed_port_is_unreachable_quickly()
    {
        var options = Azurite.Options("models");
        options.ConnectionString = $"DefaultEndpointsProtocol=http;AccountName={Azurite.AccountName};AccountKey={Azurite.AccountKey};BlobEndpoint=http://127.0.0.1:{AzuriteServer.FreePort()}/{Azurite.AccountName};";
        options.MaxRetries = 0;
        var store = new AzureBlobStateStore(options);
        var clock = Stopwatch.StartNew();

        var error = await Assert.ThrowsExactlyAsync<StateStoreException>(() => store.OpenReadAsync(Key, Cancel));
        var listError = await Assert.ThrowsExactlyAsync<StateStoreException>(() => store.GetStateKeysAsync(Key.StateType, Cancel));

        Assert.AreEqual(StateStoreError.Unreachable, error.Error, error.Message);
        Assert.AreEqual(StateStoreError.Unreachable, listError.Error, listError.Message);
        StringAssert.Contains(error.Message, "/models/");
        StringAssert.Contains(error.Message, Key.ToString());
        AssertNoSecret(error, Azurite.AccountKey, options.ConnectionString);
        Assert.IsLessThan(10, clock.Elapsed.TotalSeconds, $"Took {clock.Elapsed}.");
    }

    [TestMethod]
    public async Task A_silent_server_fails_within_the_request_timeout_retries_included()
    {
        using var silent = new SilentServer();
        var options = Azurite.Options("models");
        options.ConnectionString = $"DefaultEndpointsProtocol=http;AccountName={Azurite.AccountName};AccountKey={Azurite.AccountKey};BlobEndpoint=http://127.0.0.1:{silent.Port}/{Azurite.AccountName};";
        options.RequestTimeout = TimeSpan.FromSeconds(2);
        options.MaxRetries = 3;
        var store = new AzureBlobStateStore(options);
        var clock = Stopwatch.StartNew();

        var error = await Assert.ThrowsExactlyAsync<StateStoreException>(() => store.DownloadToFileAsync(Key, Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N")), cancellationToken: Cancel));

        // Before the shared transport policy, each of the 4 attempts had the whole bound: 8 s and more.
        Assert.AreEqual(StateStoreError.Timeout, error.Error, error.Message);
        Assert.IsLessThan(4, clock.Elapsed.TotalSeconds, $"Took {clock.Elapsed}.");
        StringAssert.Contains(error.Message, "/models/");
        AssertNoSecret(error, Azurite.AccountKey, options.ConnectionString);
    }

    [TestMethod]
    public async Task A_server_lost_mid_body_is_a_coded_unreachable_error()
    {
        var container = await Azurite.CreateContainerAsync(Cancel);
        var content = RandomNumberGenerator.GetBytes(3 * 1024 * 1024);
        await new AzureBlobStateStore(Azurite.Options(container)).WriteAsync(Key, new MemoryStream(content), cancellationToken: Cancel);
        using var proxy = new TcpFaultProxy(new Uri(Azurite.Endpoint)) { CutAfterBytes = 64 * 1024, CutConnections = 1000 };
        var options = Azurite.Options(container);
        options.ConnectionString = $"DefaultEndpointsProtocol=http;AccountName={Azurite.AccountName};AccountKey={Azurite.AccountKey};BlobEndpoint={proxy.Endpoint}/{Azurite.AccountName};";
        options.MaxRetries = 1;
        var store = new AzureBlobStateStore(options);

        var download = await Assert.ThrowsExactlyAsync<StateStoreException>(() => store.DownloadToFileAsync(Key, Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N")), cancellationToken: Cancel));
        var read = await Assert.ThrowsExactlyAsync<StateStoreException>(async () =>
        {
            await using var stream = await store.OpenReadAsync(Key, Cancel);
            await stream.CopyToAsync(Stream.Null, Cancel);
        });

        foreach (var error in new[] { download, read })
        {
            Assert.AreEqual(StateStoreError.Unreachable, error.Error, error.Message);
            StringAssert.Contains(error.Message, container);
            Assert.DoesNotContain("AggregateException", error.Message);
            AssertNoSecret(error, Azurite.AccountKey, options.ConnectionString);
        }
    }

    [TestMethod]
    public void A_token_is_never_sent_over_plain_http()
    {
        var options = new AzureBlobStateStoreOptions { Container = "models", ServiceUri = Azurite.Endpoint, UseEnvironmentConnectionString = false };

        var error = Assert.ThrowsExactly<ArgumentException>(() => new AzureBlobStateStore(options));

        StringAssert.Contains(error.Message, "not https");
        StringAssert.Contains(error.Message, "AZURE_STORAGE_CONNECTION_STRING");
    }

    [TestMethod]
    public void No_account_at_all_is_an_argument_error_saying_what_to_set()
    {
        using var _ = Azurite.EnvironmentConnectionString(null);

        var error = Assert.ThrowsExactly<ArgumentException>(() => new AzureBlobStateStore(new AzureBlobStateStoreOptions { Container = "models" }));

        StringAssert.Contains(error.Message, "ServiceUri");
        StringAssert.Contains(error.Message, "AccountName");
        StringAssert.Contains(error.Message, "AZURE_STORAGE_CONNECTION_STRING");
    }

    [TestMethod]
    public void Invalid_container_names_and_sizes_are_argument_errors()
    {
        foreach (var name in new[] { "Models", "ab", "a--b", "-ab", "ab-", "a_b", new string('a', 64) })
        {
            StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new AzureBlobStateStore(Azurite.Options(name))).Message, name);
        }

        var small = Azurite.Options("models");
        small.UploadBlockSize = 1000;
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new AzureBlobStateStore(small));
        Assert.AreEqual("$root", new AzureBlobStateStore(Azurite.Options("$root")).Container);
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new AzureBlobStateStore(new AzureBlobStateStoreOptions { Container = "models", AccountName = "my.evil/host" })).Message, "account name");
    }

    private static void AssertNoSecret(StateStoreException error, string key, string connectionString)
    {
        foreach (var text in new[] { error.Message, error.ToString() })
        {
            Assert.IsFalse(text.Contains(key, StringComparison.Ordinal), "The error holds the account key.");
            Assert.IsFalse(text.Contains(connectionString, StringComparison.Ordinal), "The error holds the connection string.");
            Assert.IsFalse(text.Contains(Azurite.AccountKey, StringComparison.Ordinal), "The error holds the real account key.");
        }
    }
}
