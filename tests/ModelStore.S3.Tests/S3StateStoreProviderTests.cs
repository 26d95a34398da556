using ModelStore.States;
using ModelStore.Stores;

namespace ModelStore.S3.Tests;

/// <summary>Stores declared with settings, as in a project file.</summary>
[TestClass]
public sealed class S3StateStoreProviderTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public void Settings_become_options_with_path_style_for_a_service_url()
    {
        var options = S3StateStoreProvider.CreateOptions(Settings(("Bucket", "models"), ("BasePath", "states"), ("ServiceUrl", "http://127.0.0.1:9000"), ("region", "eu-west-3"), ("DisableChunkEncoding", "true"), ("MultipartPartSize", "8388608")));

        Assert.AreEqual("models", options.Bucket);
        Assert.AreEqual("states/", options.BasePath);
        Assert.AreEqual("http://127.0.0.1:9000", options.ServiceUrl);
        Assert.AreEqual("eu-west-3", options.Region);
        Assert.IsTrue(options.ForcePathStyle);
        Assert.IsTrue(options.DisableChunkEncoding);
        Assert.AreEqual(8388608, options.MultipartPartSize);
        Assert.IsNull(options.SecretKey);
        Assert.IsFalse(S3StateStoreProvider.CreateOptions(Settings(("Bucket", "models"))).ForcePathStyle);
        Assert.AreEqual("S3", new S3StateStoreProvider().Kind);
    }

    [TestMethod]
    public void Credentials_in_settings_are_refused()
    {
        var error = Assert.ThrowsExactly<ArgumentException>(() => new S3StateStoreProvider().Create(Settings(("Bucket", "models"), ("SecretKey", "do-not-put-me-here"))));

        StringAssert.Contains(error.Message, "SecretKey");
        Assert.IsFalse(error.Message.Contains("do-not-put-me-here", StringComparison.Ordinal));
    }

    [TestMethod]
    public void Missing_or_invalid_settings_are_argument_errors_naming_the_setting()
    {
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new S3StateStoreProvider().Create(Settings(("BasePath", "x")))).Message, "Bucket");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new S3StateStoreProvider().Create(Settings(("Bucket", "models"), ("ForcePathStyle", "maybe")))).Message, "ForcePathStyle");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new S3StateStoreProvider().Create(Settings(("Bucket", "models"), ("ServiceUrl", "ftp://host")))).Message, "ServiceUrl");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new S3StateStoreProvider().Create(Settings(("Bucket", "models"), ("DownloadParallelism", "-2")))).Message, "DownloadParallelism");
    }

    [TestMethod]
    public async Task A_declared_store_works_against_the_server_with_credentials_from_the_environment()
    {
        var bucket = await RadosGateway.CreateBucketAsync(TestContext.CancellationToken);
        var store = new S3StateStoreProvider().Create(Settings(("Bucket", bucket), ("BasePath", "team"), ("ServiceUrl", RadosGateway.Endpoint)));
        var key = new StateKey(new StateType("pytorch", "tiny-mlp", "digits"), "2026-01-01");

        await store.WriteAsync(key, new MemoryStream([1, 2, 3]), cancellationToken: TestContext.CancellationToken);

        CollectionAssert.AreEqual(new[] { key }, (await store.GetStateKeysAsync(key.StateType, TestContext.CancellationToken)).ToArray());
        Assert.AreEqual($"s3:{RadosGateway.Endpoint}/{bucket}/team/", store.Id);
        await store.DisposeAsync();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => store.ExistsAsync(key, TestContext.CancellationToken), "disposing the store released its SDK clients");
    }

    private static StateStoreSettings Settings(params (string Name, string Value)[] values) =>
        new("team", "S3", values.Select(value => KeyValuePair.Create(value.Name, value.Value)), "/tmp");
}
