using System.Security.Cryptography;
using Azure.Storage.Blobs;
using ModelStore.Azure;
using ModelStore.Cli;
using ModelStore.Testing;

namespace ModelStore.Cli.Tests;

/// <summary>The command against an Azure Blob store on a real Azurite, the connection string from the environment.</summary>
[TestClass]
public sealed class CliAzureTests
{
    private static AzuriteServer? _server;

    private string _work = null!;

    public TestContext TestContext { get; set; } = null!;

    private static AzuriteServer Server => _server ?? throw new InvalidOperationException("Azurite is not running.");

    [ClassInitialize]
    public static void StartServer(TestContext context)
    {
        _ = context;
        _server = AzuriteServer.Start(memoryLimitMiB: 256);
        Environment.SetEnvironmentVariable(AzureBlobStateStoreOptions.ConnectionStringVariable, _server.ConnectionString);
    }

    [ClassCleanup]
    public static void StopServer()
    {
        Environment.SetEnvironmentVariable(AzureBlobStateStoreOptions.ConnectionStringVariable, null);
        _server?.Dispose();
    }

    [TestInitialize]
    public void CreateFolder() => _work = Directory.CreateTempSubdirectory("modelstore-cli-azure-").FullName;

    [TestCleanup]
    public void DeleteFolder() => Directory.Delete(_work, recursive: true);

    [TestMethod]
    public async Task Push_list_and_pull_through_an_Azure_Blob_store()
    {
        var container = await CreateContainerAsync();
        var bytes = RandomNumberGenerator.GetBytes(200_000);
        var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        var file = Path.Combine(_work, "weights.pt");
        await File.WriteAllBytesAsync(file, bytes, TestContext.CancellationToken);
        string[] store = ["--store", $"az://{container}/pretrained-models", "--setting", $"ServiceUri={Server.Endpoint}", "--setting", $"ServiceVersion={AzuriteServer.ServiceVersion}"];

        var pushed = await RunAsync(["push", file, "pytorch/resnet18.cls1000.imagenet", .. store]);
        var again = await RunAsync(["push", file, "pytorch/resnet18.cls1000.imagenet", .. store]);
        var listed = await RunAsync(["list", "--type", "pytorch/resnet18", .. store]);
        var pulled = await RunAsync(["pull", "pytorch/resnet18.cls1000.imagenet", "--sha256", sha, .. store]);

        Assert.AreEqual(0, pushed.Exit, pushed.Error);
        Assert.AreEqual(1, again.Exit, "A second push without --overwrite is refused.");
        StringAssert.Contains(again.Error, "already exists");
        Assert.AreEqual(0, listed.Exit, listed.Error);
        Assert.AreEqual("pytorch/resnet18.cls1000.imagenet", listed.Output.Trim());
        Assert.AreEqual(0, pulled.Exit, pulled.Error);
        StringAssert.Contains(pulled.Output, sha);
        CollectionAssert.AreEqual(bytes, await File.ReadAllBytesAsync(Path.Combine(_work, "cache", "blobs", "sha256", sha[..2], sha), TestContext.CancellationToken));
        var blob = new BlobServiceClient(Server.ConnectionString, new BlobClientOptions(BlobClientOptions.ServiceVersion.V2026_06_06)).GetBlobContainerClient(container).GetBlobClient("pretrained-models/pytorch/resnet18.cls1000.imagenet.pt");
        Assert.IsTrue((await blob.ExistsAsync(TestContext.CancellationToken)).Value, "The state lands under MoZuMa's name.");
    }

    [TestMethod]
    public async Task A_wrong_key_is_a_store_error_that_does_not_show_the_key()
    {
        var container = await CreateContainerAsync();
        var wrongKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(64));
        var previous = Environment.GetEnvironmentVariable(AzureBlobStateStoreOptions.ConnectionStringVariable);
        Environment.SetEnvironmentVariable(AzureBlobStateStoreOptions.ConnectionStringVariable, Server.ConnectionStringWithKey(wrongKey));
        try
        {
            var listed = await RunAsync(["list", "--type", "pytorch/resnet18", "--store", $"az://{container}", "--setting", $"ServiceVersion={AzuriteServer.ServiceVersion}", "--setting", "MaxRetries=0"]);

            Assert.AreEqual(1, listed.Exit, listed.Error);
            StringAssert.Contains(listed.Error, container);
            Assert.IsFalse((listed.Output + listed.Error).Contains(wrongKey, StringComparison.Ordinal), "The output holds the key.");
            Assert.IsFalse((listed.Output + listed.Error).Contains(Server.AccountKey, StringComparison.Ordinal), "The output holds the real key.");
        }
        finally
        {
            Environment.SetEnvironmentVariable(AzureBlobStateStoreOptions.ConnectionStringVariable, previous);
        }
    }

    private async Task<string> CreateContainerAsync()
    {
        var container = $"cli-{Guid.NewGuid():N}";
        await new BlobServiceClient(Server.ConnectionString, new BlobClientOptions(BlobClientOptions.ServiceVersion.V2026_06_06))
            .GetBlobContainerClient(container).CreateAsync(cancellationToken: TestContext.CancellationToken);
        return container;
    }

    private async Task<(int Exit, string Output, string Error)> RunAsync(string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await CliHost.RunAsync([.. args, "--cache", Path.Combine(_work, "cache")], output, error, TestContext.CancellationToken);
        return (exit, output.ToString(), error.ToString());
    }
}
