using System.Security.Cryptography;
using Azure.Core.Pipeline;
using Azure.Storage.Blobs;
using ModelStore.States;
using ModelStore.Stores;
using ModelStore.Testing;

namespace ModelStore.Azure.Tests;

/// <summary>
/// The token path: a store that names its account and has no connection string authenticates with Azure.Identity's
/// <c>DefaultAzureCredential</c>, here through a managed identity (an App Service token endpoint on the loopback), against
/// an Azurite that serves HTTPS and checks bearer tokens.
/// </summary>
[TestClass]
[DoNotParallelize]
public sealed class AzureBlobTokenCredentialTests
{
    private static readonly StateKey Key = new(new StateType("pytorch", "resnet18", "cls1000"), "imagenet");

    private static AzuriteServer? _server;

    public TestContext TestContext { get; set; } = null!;

    private static AzuriteServer Server => _server ?? throw new InvalidOperationException("Azurite is not running.");

    private CancellationToken Cancel => TestContext.CancellationToken;

    [ClassInitialize]
    public static void StartServer(TestContext context)
    {
        _ = context;
        _server = AzuriteServer.Start(memoryLimitMiB: 128, httpsWithTokens: true);
    }

    [ClassCleanup]
    public static void StopServer() => _server?.Dispose();

    [TestMethod]
    public async Task DefaultAzureCredential_is_refused_without_an_identity_and_reads_and_writes_with_one()
    {
        await using var identity = await ManagedIdentityEndpoint.StartAsync();
        using var _ = new EnvironmentVariables(identity.EnvironmentVariables);
        var container = $"t-{Guid.NewGuid():N}";
        await new BlobServiceClient(new Uri(Server.Endpoint), new global::Azure.Storage.StorageSharedKeyCredential(Server.AccountName, Server.AccountKey), ClientOptions())
            .GetBlobContainerClient(container).CreateAsync(cancellationToken: Cancel);

        // No identity assigned yet: no token, so nothing is cached and the next store asks again.
        identity.Refuse = true;
        var refused = await Assert.ThrowsExactlyAsync<StateStoreException>(() => Store(container).ExistsAsync(Key, Cancel));
        identity.Refuse = false;
        var store = Store(container);
        var bytes = RandomNumberGenerator.GetBytes(3 << 20);
        await store.WriteAsync(Key, new MemoryStream(bytes), cancellationToken: Cancel);
        var path = Path.Combine(Path.GetTempPath(), $"modelstore-token-{Guid.NewGuid():N}");
        var download = await store.DownloadToFileAsync(Key, path, cancellationToken: Cancel);
        File.Delete(path);

        Assert.AreEqual(StateStoreError.AccessDenied, refused.Error, refused.Message);
        StringAssert.Contains(refused.Message, "DefaultAzureCredential");
        StringAssert.Contains(refused.Message, container);
        Assert.AreEqual(Convert.ToHexStringLower(SHA256.HashData(bytes)), download.Sha256);
        CollectionAssert.AreEqual(new[] { Key }, (await store.GetStateKeysAsync(Key.StateType, Cancel)).ToArray());
        Assert.IsTrue(await store.ExistsAsync(Key, Cancel));
        Assert.IsTrue(identity.Issued.Contains("https://storage.azure.com"), string.Join(", ", identity.Issued));
        Assert.AreEqual($"azure:{Server.Endpoint}/{container}/pretrained-models/", store.Id);
    }

    private static AzureBlobStateStore Store(string container) => new(new AzureBlobStateStoreOptions
    {
        Container = container,
        BasePath = "pretrained-models",
        ServiceUri = Server.Endpoint,
        ServiceVersion = AzuriteServer.ServiceVersion,
        UseEnvironmentConnectionString = false,
        DownloadChunkSize = 1024 * 1024,
        MaxRetries = 0,
        ConfigureClient = options => options.Transport = TrustingTransport(),
    });

    private static BlobClientOptions ClientOptions()
    {
        var options = new BlobClientOptions(BlobClientOptions.ServiceVersion.V2026_06_06) { Transport = TrustingTransport() };
        return options;
    }

    // Trusts exactly the server's self-signed certificate, nothing else.
    private static HttpClientTransport TrustingTransport() => new(new HttpClientHandler
    {
        ServerCertificateCustomValidationCallback = (_, certificate, _, _) => certificate?.Thumbprint == Server.Certificate!.Thumbprint,
    });

    private sealed class EnvironmentVariables : IDisposable
    {
        private readonly Dictionary<string, string?> _previous = [];

        public EnvironmentVariables(IReadOnlyDictionary<string, string> values)
        {
            foreach (var (name, value) in values)
            {
                _previous[name] = Environment.GetEnvironmentVariable(name);
                Environment.SetEnvironmentVariable(name, value);
            }
        }

        public void Dispose()
        {
            foreach (var (name, value) in _previous)
            {
                Environment.SetEnvironmentVariable(name, value);
            }
        }
    }
}
