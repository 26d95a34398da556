using System.Security.Cryptography;
using Amazon.S3;
using Amazon.S3.Model;
using ModelStore.Cli;
using ModelStore.Testing;

namespace ModelStore.Cli.Tests;

/// <summary>The command against an S3 store on a real radosgw, credentials from the environment.</summary>
[TestClass]
public sealed class CliS3Tests
{
    private static RadosGatewayServer? _server;

    private string _work = null!;

    public TestContext TestContext { get; set; } = null!;

    private static RadosGatewayServer Server => _server ?? throw new InvalidOperationException("The S3 server is not running.");

    [ClassInitialize]
    public static void StartServer(TestContext context)
    {
        _ = context;
        _server = RadosGatewayServer.Start(memoryBytes: 1L << 30);
        Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", _server.AccessKey);
        Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", _server.SecretKey);
    }

    [ClassCleanup]
    public static void StopServer()
    {
        Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", null);
        Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", null);
        _server?.Dispose();
    }

    [TestInitialize]
    public void CreateFolder() => _work = Directory.CreateTempSubdirectory("modelstore-cli-s3-").FullName;

    [TestCleanup]
    public void DeleteFolder() => Directory.Delete(_work, recursive: true);

    [TestMethod]
    public async Task Push_list_and_pull_through_an_S3_store()
    {
        var bucket = $"cli-{Guid.NewGuid():N}";
        using (var client = new AmazonS3Client(new AmazonS3Config { ServiceURL = Server.Endpoint, ForcePathStyle = true, AuthenticationRegion = "us-east-1" }))
        {
            await client.PutBucketAsync(new PutBucketRequest { BucketName = bucket }, TestContext.CancellationToken);
        }

        var bytes = RandomNumberGenerator.GetBytes(200_000);
        var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        var file = Path.Combine(_work, "weights.pt");
        await File.WriteAllBytesAsync(file, bytes, TestContext.CancellationToken);
        string[] store = ["--store", $"s3://{bucket}/pretrained-models", "--setting", $"ServiceUrl={Server.Endpoint}", "--setting", "ChecksumsOnlyWhenRequired=true"];

        var pushed = await RunAsync(["push", file, "pytorch/resnet18.cls1000.imagenet", .. store]);
        var listed = await RunAsync(["list", "--type", "pytorch/resnet18", .. store]);
        var pulled = await RunAsync(["pull", "pytorch/resnet18.cls1000.imagenet", "--sha256", sha, .. store]);

        Assert.AreEqual(0, pushed.Exit, pushed.Error);
        Assert.AreEqual(0, listed.Exit, listed.Error);
        Assert.AreEqual("pytorch/resnet18.cls1000.imagenet", listed.Output.Trim());
        Assert.AreEqual(0, pulled.Exit, pulled.Error);
        StringAssert.Contains(pulled.Output, sha);
        CollectionAssert.AreEqual(bytes, await File.ReadAllBytesAsync(Path.Combine(_work, "cache", "blobs", "sha256", sha[..2], sha), TestContext.CancellationToken));
    }

    private async Task<(int Exit, string Output, string Error)> RunAsync(string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await CliApp.RunAsync([.. args, "--cache", Path.Combine(_work, "cache")], output, error, TestContext.CancellationToken);
        return (exit, output.ToString(), error.ToString());
    }
}
