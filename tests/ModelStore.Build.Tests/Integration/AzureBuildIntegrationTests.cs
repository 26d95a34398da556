using System.Security;
using System.Security.Cryptography;
using Azure.Storage.Blobs;
using ModelStore.Azure;
using ModelStore.States;
using ModelStore.Testing;

namespace ModelStore.Build.Tests.Integration;

/// <summary>
/// The real `dotnet build` of a consumer project resolving a ModelState from an Azure Blob store (a real Azurite), the
/// connection string in the environment and never in the project file.
/// </summary>
[TestClass]
public sealed class AzureBuildIntegrationTests
{
    private const string Digits = "pytorch/tiny-mlp.digits.v1";

    private static AzuriteServer? _server;

    public TestContext TestContext { get; set; } = null!;

    private static AzuriteServer Server => _server ?? throw new InvalidOperationException("Azurite is not running.");

    [ClassInitialize]
    public static void StartServer(TestContext context)
    {
        _ = context;
        _server = AzuriteServer.Start(memoryLimitMiB: 256);
    }

    [ClassCleanup]
    public static void StopServer() => _server?.Dispose();

    [TestMethod]
    public async Task Builds_a_state_from_an_Azure_Blob_store_with_the_connection_string_from_the_environment()
    {
        var container = await CreateContainerAsync();
        var bytes = RandomNumberGenerator.GetBytes(3 << 20);
        var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        var store = new AzureBlobStateStore(new AzureBlobStateStoreOptions { Container = container, BasePath = "team", ConnectionString = Server.ConnectionString, ServiceVersion = AzuriteServer.ServiceVersion });
        await store.WriteAsync(StateKey.Parse(Digits), new MemoryStream(bytes), cancellationToken: TestContext.CancellationToken);

        var app = await ConsumerProject.CreateAsync("azure-happy");
        app.ExtraEnvironment[AzureBlobStateStoreOptions.ConnectionStringVariable] = Server.ConnectionString;
        app.WithStore("team", $"Kind=\"AzureBlob\" Container=\"{container}\" BasePath=\"team\" ServiceUri=\"{SecurityElement.Escape(Server.Endpoint)}\" ServiceVersion=\"{AzuriteServer.ServiceVersion}\" DownloadChunkSize=\"1048576\"")
            .WithState(Digits, "Store=\"team\" AccessorName=\"Digits\"");

        var build = await app.BuildAsync();

        Assert.AreEqual(0, build.ExitCode, build.ToString());
        StringAssert.Contains(build.Output, $"ModelStore: fetched {Digits} from store 'team'", build.ToString());
        StringAssert.Contains(File.ReadAllText(app.LockFile), $"\"sha256\": \"{sha}\"");
        var run = await app.RunAppAsync();
        StringAssert.Contains(run.Output, $"state {Digits} size={bytes.Length} sha256={sha} read={bytes.Length}", run.ToString());
        Assert.IsFalse(build.ToString().Contains(Server.AccountKey, StringComparison.Ordinal), "The build output holds the account key.");
        foreach (var file in Directory.EnumerateFiles(app.Folder, "*", SearchOption.AllDirectories).Concat(Directory.EnumerateFiles(Path.Combine(app.Home, "index"), "*", SearchOption.AllDirectories)))
        {
            if (new FileInfo(file).Length < 1 << 20)
            {
                Assert.IsFalse(File.ReadAllText(file).Contains(Server.AccountKey, StringComparison.Ordinal), $"{file} holds the account key.");
            }
        }
    }

    [TestMethod]
    public async Task A_wrong_account_key_is_a_coded_store_error_that_shows_neither_key_nor_connection_string()
    {
        var container = await CreateContainerAsync();
        var wrongKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(64));
        var connectionString = Server.ConnectionStringWithKey(wrongKey);
        var app = await ConsumerProject.CreateAsync("azure-denied");
        app.ExtraEnvironment[AzureBlobStateStoreOptions.ConnectionStringVariable] = connectionString;
        app.WithStore("team", $"Kind=\"AzureBlob\" Container=\"{container}\" ServiceUri=\"{SecurityElement.Escape(Server.Endpoint)}\" ServiceVersion=\"{AzuriteServer.ServiceVersion}\" MaxRetries=\"0\"")
            .WithState(Digits, "Store=\"team\"");

        var build = await app.BuildAsync();

        Assert.AreNotEqual(0, build.ExitCode, build.ToString());
        StringAssert.Contains(build.Output, "ModelStore error MST0005:", build.ToString());
        StringAssert.Contains(build.Output, container, build.ToString());
        StringAssert.Contains(build.Output, "AZURE_STORAGE_CONNECTION_STRING", build.ToString());
        Assert.IsFalse(build.ToString().Contains(wrongKey, StringComparison.Ordinal), "The build output holds the key.");
        Assert.IsFalse(build.ToString().Contains(Server.AccountKey, StringComparison.Ordinal), "The build output holds the real key.");
        Assert.IsFalse(build.ToString().Contains(connectionString, StringComparison.Ordinal), "The build output holds the connection string.");
    }

    [TestMethod]
    public async Task A_bundle_resolves_from_the_blobs_under_a_base_path_and_a_blob_changed_after_locking_is_MST0004()
    {
        var container = await CreateContainerAsync();
        var client = ContainerClient(container);
        var files = BundleBuildScenario.CreateFiles();
        foreach (var (path, bytes) in files)
        {
            await client.GetBlobClient($"models/minilm/{path}").UploadAsync(new BinaryData(bytes), overwrite: true, TestContext.CancellationToken);
        }

        var app = await ConsumerProject.CreateAsync("azure-bundle");
        app.ExtraEnvironment[AzureBlobStateStoreOptions.ConnectionStringVariable] = Server.ConnectionString;
        var locked = await BundleBuildScenario.RunAsync(
            app,
            $"Kind=\"AzureBlob\" Container=\"{container}\" BasePath=\"models/minilm\" ServiceUri=\"{SecurityElement.Escape(Server.Endpoint)}\" ServiceVersion=\"{AzuriteServer.ServiceVersion}\"",
            files,
            () => client.GetBlobClient("models/minilm/config.json").UploadAsync(new BinaryData("""{"hidden_size": 768}"""u8.ToArray()), overwrite: true, TestContext.CancellationToken));

        BundleBuildScenario.AssertChangedFileFails(locked);
    }

    private static BlobContainerClient ContainerClient(string container) =>
        new BlobServiceClient(Server.ConnectionString, new BlobClientOptions(BlobClientOptions.ServiceVersion.V2026_06_06)).GetBlobContainerClient(container);

    private async Task<string> CreateContainerAsync()
    {
        var container = $"b-{Guid.NewGuid():N}";
        await ContainerClient(container).CreateAsync(cancellationToken: TestContext.CancellationToken);
        return container;
    }
}
