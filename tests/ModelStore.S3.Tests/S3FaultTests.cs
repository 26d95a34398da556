using System.Security.Cryptography;
using ModelStore.States;
using ModelStore.Stores;
using ModelStore.Testing;

namespace ModelStore.S3.Tests;

/// <summary>Faults between the store and the server: checksums refused, connections cut, bounded waits, bad addresses.</summary>
[TestClass]
public sealed class S3FaultTests
{
    private static readonly StateKey Key = new(new StateType("pytorch", "resnet18", "cls1000"), "imagenet");

    public TestContext TestContext { get; set; } = null!;

    private CancellationToken Cancel => TestContext.CancellationToken;

    [TestMethod]
    public async Task A_store_with_default_settings_pushes_and_reads_on_an_S3_compatible_server()
    {
        var options = RadosGateway.Options(await RadosGateway.CreateBucketAsync(Cancel));
        options.ChecksumsOnlyWhenRequired = null;
        using var store = new S3StateStore(options);
        var bytes = RandomNumberGenerator.GetBytes(7 * 1024 * 1024);

        await store.WriteAsync(Key, new MemoryStream(bytes), cancellationToken: Cancel);
        await using var read = await store.OpenReadAsync(Key, Cancel);
        using var copy = new MemoryStream();
        await read.CopyToAsync(copy, Cancel);

        CollectionAssert.AreEqual(bytes, copy.ToArray());
    }

    [TestMethod]
    public async Task A_server_refusing_the_default_checksums_is_an_error_that_names_the_setting()
    {
        var options = RadosGateway.Options(await RadosGateway.CreateBucketAsync(Cancel));
        options.ChecksumsOnlyWhenRequired = false;
        using var store = new S3StateStore(options);

        var error = await Assert.ThrowsExactlyAsync<StateStoreException>(() => store.WriteAsync(Key, new MemoryStream([1, 2, 3]), cancellationToken: Cancel));

        StringAssert.Contains(error.Message, "ChecksumsOnlyWhenRequired=true");
        StringAssert.Contains(error.Message, store.GetObjectName(Key));
    }

    [TestMethod]
    public async Task A_streamed_read_cut_mid_body_is_a_store_error_not_a_transport_exception()
    {
        var options = RadosGateway.Options(await RadosGateway.CreateBucketAsync(Cancel));
        using (var writer = new S3StateStore(options))
        {
            await writer.WriteAsync(Key, new PatternStream(4 * 1024 * 1024, seed: 5), cancellationToken: Cancel);
        }

        using var proxy = new TcpFaultProxy(new Uri(RadosGateway.Endpoint)) { CutAfterBytes = 500_000, CutConnections = 100 };
        options.ServiceUrl = proxy.Endpoint;
        options.MaxRetries = 0;
        using var store = new S3StateStore(options);

        await using var stream = await store.OpenReadAsync(Key, Cancel);
        var error = await Assert.ThrowsExactlyAsync<StateStoreException>(() => stream.CopyToAsync(Stream.Null, Cancel));

        Assert.AreEqual(StateStoreError.Unreachable, error.Error, error.Message);
        Assert.AreEqual(Key, error.Key);
        StringAssert.Contains(error.Message, store.GetObjectName(Key));
    }

    [TestMethod]
    public async Task A_download_through_cut_connections_completes_with_the_right_bytes()
    {
        var options = RadosGateway.Options(await RadosGateway.CreateBucketAsync(Cancel));
        const int size = 5 * 1024 * 1024;
        using (var writer = new S3StateStore(options))
        {
            await writer.WriteAsync(Key, new PatternStream(size, seed: 6), cancellationToken: Cancel);
        }

        using var proxy = new TcpFaultProxy(new Uri(RadosGateway.Endpoint)) { CutAfterBytes = 200_000, CutConnections = 3 };
        options.ServiceUrl = proxy.Endpoint;
        options.DownloadChunkSize = 1024 * 1024;
        options.MaxRetries = 3;
        using var store = new S3StateStore(options);
        var path = Path.Combine(Path.GetTempPath(), $"s3-cut-{Guid.NewGuid():N}");

        try
        {
            var download = await store.DownloadToFileAsync(Key, path, cancellationToken: Cancel);

            Assert.AreEqual(PatternStream.Sha256Of(size, seed: 6), download.Sha256);
            Assert.AreEqual(0, Math.Max(0, proxy.CutConnections), "Every planned cut happened.");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void The_defaults_bound_a_silent_server_at_60_seconds_and_allow_no_retries()
    {
        var defaults = S3StateStoreProvider.CreateOptions(Settings(("Bucket", "models")));
        var noRetries = S3StateStoreProvider.CreateOptions(Settings(("Bucket", "models"), ("MaxRetries", "0"), ("RequestTimeoutSeconds", "5"), ("UploadTimeoutSeconds", "30")));

        Assert.AreEqual(TimeSpan.FromSeconds(60), defaults.RequestTimeout);
        Assert.AreEqual(3, defaults.MaxRetries);
        Assert.AreEqual(0, noRetries.MaxRetries);
        Assert.AreEqual(TimeSpan.FromSeconds(5), noRetries.RequestTimeout);
        Assert.AreEqual(TimeSpan.FromSeconds(30), noRetries.UploadTimeout);
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => S3StateStoreProvider.CreateOptions(Settings(("Bucket", "models"), ("MaxRetries", "-1")))).Message, "non-negative");
    }

    [TestMethod]
    public void Checksums_are_sent_only_when_required_unless_the_endpoint_is_Amazon_S3()
    {
        Assert.IsTrue(S3StateStoreProvider.CreateOptions(Settings(("Bucket", "models"), ("ServiceUrl", "http://127.0.0.1:9000"))).SendsChecksumsOnlyWhenRequired);
        Assert.IsFalse(S3StateStoreProvider.CreateOptions(Settings(("Bucket", "models"))).SendsChecksumsOnlyWhenRequired);
        Assert.IsFalse(S3StateStoreProvider.CreateOptions(Settings(("Bucket", "models"), ("ServiceUrl", "https://s3.eu-west-3.amazonaws.com"))).SendsChecksumsOnlyWhenRequired);
        Assert.IsFalse(S3StateStoreProvider.CreateOptions(Settings(("Bucket", "models"), ("ServiceUrl", "http://127.0.0.1:9000"), ("ChecksumsOnlyWhenRequired", "false"))).SendsChecksumsOnlyWhenRequired);
    }

    [TestMethod]
    [DataRow("my..bucket", "two adjacent periods")]
    [DataRow("Models", "lower-case")]
    [DataRow("my_bucket", "lower-case")]
    [DataRow("ab", "3 to 63")]
    [DataRow("-models", "start and end")]
    [DataRow("192.168.1.4", "IP address")]
    [DataRow("xn--models", "reserved")]
    [DataRow("models-s3alias", "reserved")]
    public void Bucket_names_follow_the_S3_naming_rules(string bucket, string rule)
    {
        var error = Assert.ThrowsExactly<ArgumentException>(() => new S3StateStoreProvider().Validate(Settings(("Bucket", bucket))));

        StringAssert.Contains(error.Message, rule);
        StringAssert.Contains(error.Message, "Store 'team' of kind S3");
        Assert.IsNull(S3BucketNames.Problem("models.team-2"));
    }

    [TestMethod]
    [DataRow("../victim")]
    [DataRow("states/../other")]
    [DataRow("states/./x")]
    [DataRow("a//b")]
    [DataRow("a\\b")]
    public void Base_paths_with_dot_segments_or_empty_segments_are_refused(string basePath)
    {
        var error = Assert.ThrowsExactly<ArgumentException>(() => new S3StateStoreProvider().Create(Settings(("Bucket", "models"), ("BasePath", basePath))));

        StringAssert.Contains(error.Message, "base path");
        Assert.ThrowsExactly<ArgumentException>(() => new S3StateStore(new S3StateStoreOptions { Bucket = "models", BasePath = basePath }));
    }

    [TestMethod]
    public void A_service_url_with_a_password_is_refused_without_echoing_it()
    {
        var error = Assert.ThrowsExactly<ArgumentException>(() => Settings(("Bucket", "models"), ("ServiceUrl", "http://user:hunter2secret@127.0.0.1:9000")));
        var direct = Assert.ThrowsExactly<ArgumentException>(() => new S3StateStore(new S3StateStoreOptions { Bucket = "models", ServiceUrl = "http://user:hunter2secret@127.0.0.1:9000" }));

        StringAssert.Contains(error.Message, "ServiceUrl");
        Assert.IsFalse(error.Message.Contains("hunter2secret", StringComparison.Ordinal), error.Message);
        Assert.IsFalse(direct.Message.Contains("hunter2secret", StringComparison.Ordinal), direct.Message);
    }

    private static StateStoreSettings Settings(params (string Name, string Value)[] values) =>
        new("team", "S3", values.Select(value => KeyValuePair.Create(value.Name, value.Value)), "/tmp");
}
