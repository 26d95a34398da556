using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.Json;
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
    public async Task Push_list_and_pull_through_an_S3_store_with_default_settings()
    {
        // No ChecksumsOnlyWhenRequired: the store sends checksums only when required to a server that is not Amazon S3.
        var bucket = await CreateBucketAsync();
        var bytes = RandomNumberGenerator.GetBytes(200_000);
        var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        var file = Path.Combine(_work, "weights.pt");
        await File.WriteAllBytesAsync(file, bytes, TestContext.CancellationToken);
        string[] store = ["--store", $"s3://{bucket}/pretrained-models", "--setting", $"ServiceUrl={Server.Endpoint}"];

        var pushed = await RunAsync(["push", file, "pytorch/resnet18.cls1000.imagenet", .. store]);
        var listed = await RunAsync(["list", "--type", "pytorch/resnet18", .. store]);
        var pulled = await RunAsync(["pull", "pytorch/resnet18.cls1000.imagenet", "--sha256", sha, .. store]);

        Assert.AreEqual(0, pushed.Exit, pushed.Error);
        Assert.AreEqual(0, listed.Exit, listed.Error);
        Assert.AreEqual("pytorch/resnet18.cls1000.imagenet", listed.Output.Trim());
        Assert.AreEqual(0, pulled.Exit, pulled.Error);
        StringAssert.Contains(pulled.Output, sha);
        CollectionAssert.AreEqual(bytes, await File.ReadAllBytesAsync(Path.Combine(_work, "cache", "blobs", "sha256", sha[..2], sha), TestContext.CancellationToken));
        var again = await RunAsync(["push", file, "pytorch/resnet18.cls1000.imagenet", .. store]);
        Assert.AreEqual(1, again.Exit);
        StringAssert.Contains(again.Error, "error (AlreadyExists)");
        StringAssert.Contains(again.Error, "--overwrite");
    }

    [TestMethod]
    public async Task A_pull_whose_connections_are_cut_mid_body_completes_with_the_right_bytes()
    {
        var (bucket, bytes) = await BucketWithStateAsync(6 * 1024 * 1024);
        using var proxy = new TcpFaultProxy(new Uri(Server.Endpoint)) { CutAfterBytes = 300_000, CutConnections = 4 };

        var pulled = await RunAsync(["pull", Key, .. Store(bucket, proxy.Endpoint), "--setting", "DownloadChunkSize=1048576", "--quiet"]);

        Assert.AreEqual(0, pulled.Exit, pulled.Error);
        Assert.AreEqual(0, Math.Max(proxy.CutConnections, 0), "Every planned cut happened.");
        var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        StringAssert.Contains(pulled.Output, sha);
        CollectionAssert.AreEqual(bytes, await File.ReadAllBytesAsync(BlobPath(sha), TestContext.CancellationToken));
        Assert.IsEmpty(Directory.GetFiles(Path.Combine(_work, "cache", "tmp")), "No partial download is left.");
    }

    [TestMethod]
    public async Task A_server_stopped_mid_pull_is_a_coded_error_and_the_next_pull_resumes()
    {
        var (bucket, bytes) = await BucketWithStateAsync(16 * 1024 * 1024);
        using var proxy = new TcpFaultProxy(new Uri(Server.Endpoint)) { BytesPerSecond = 2 * 1024 * 1024 };
        string[] pull = ["pull", Key, .. Store(bucket, proxy.Endpoint), "--setting", "DownloadChunkSize=1048576", "--setting", "DownloadParallelism=2", "--setting", "MaxRetries=1"];

        var running = RunAsync(pull);
        var journal = await WaitForFinishedChunksAsync(3, running);
        proxy.Stop();
        var failed = await running;

        Assert.AreEqual(1, failed.Exit, failed.Error);
        StringAssert.Matches(failed.Error, new System.Text.RegularExpressions.Regex(@"error \((Unreachable|Timeout)\)"));
        AssertNoStackTrace(failed.Error);
        Assert.IsTrue(File.Exists(journal), "The interrupted download keeps its journal for the next pull.");
        Assert.AreEqual(1, Directory.GetFiles(Path.Combine(_work, "cache", "tmp"), "*.partial").Length, "One partial file per state.");

        proxy.Start();
        proxy.BytesPerSecond = 0;
        var before = proxy.BytesFromServer;
        var resumed = await RunAsync(pull);
        var transferred = proxy.BytesFromServer - before;

        Assert.AreEqual(0, resumed.Exit, resumed.Error);
        TestContext.WriteLine($"The second pull transferred {transferred} bytes of {bytes.Length}.");
        Assert.IsLessThan(bytes.Length, transferred, "The second pull started over instead of resuming.");
        var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        CollectionAssert.AreEqual(bytes, await File.ReadAllBytesAsync(BlobPath(sha), TestContext.CancellationToken));
        Assert.IsEmpty(Directory.GetFiles(Path.Combine(_work, "cache", "tmp")), "The partial download was consumed.");
    }

    [TestMethod]
    public async Task A_silent_server_fails_with_Timeout_within_the_request_bound()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var held = new List<TcpClient>();
        _ = Task.Run(async () =>
        {
            while (true)
            {
                held.Add(await silent.AcceptTcpClientAsync(TestContext.CancellationToken));
            }
        });
        string[] store = ["--store", "s3://models/states/", "--setting", $"ServiceUrl=http://127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}", "--setting", "RequestTimeoutSeconds=2"];

        foreach (var command in new[] { new[] { "list", "--type", "pytorch/resnet18" }, new[] { "pull", Key } })
        {
            var clock = Stopwatch.StartNew();
            var result = await RunAsync([.. command, .. store]);

            Assert.AreEqual(1, result.Exit, result.Error);
            StringAssert.Contains(result.Error, "error (Timeout)");
            AssertNoStackTrace(result.Error);
            Assert.IsLessThan(10, clock.Elapsed.TotalSeconds, $"{command[0]} took {clock.Elapsed} with a 2 s bound.");
        }

        silent.Stop();
        held.ForEach(client => client.Dispose());
    }

    [TestMethod]
    [DataRow("s3://../x")]
    [DataRow("s3://../victim/evil2")]
    [DataRow("s3://Models_2024/states")]
    [DataRow("s3://ab")]
    [DataRow("s3://models/a/../../victim")]
    [DataRow("s3://models/a//b")]
    public async Task Store_addresses_that_break_the_naming_rules_are_usage_errors_before_any_request(string address)
    {
        using var proxy = new TcpFaultProxy(new Uri(Server.Endpoint));
        var file = Path.Combine(_work, "f.pt");
        await File.WriteAllBytesAsync(file, [1, 2, 3], TestContext.CancellationToken);

        var pushed = await RunAsync(["push", file, "pytorch/trav.x.v1", "--store", address, "--setting", $"ServiceUrl={proxy.Endpoint}"]);
        var pulled = await RunAsync(["pull", "pytorch/trav.x.v1", "--store", address, "--setting", $"ServiceUrl={proxy.Endpoint}"]);

        Assert.AreEqual(2, pushed.Exit, pushed.Error);
        Assert.AreEqual(2, pulled.Exit, pulled.Error);
        StringAssert.Matches(pushed.Error, new System.Text.RegularExpressions.Regex("bucket name|base path"));
        Assert.AreEqual(0, proxy.BytesFromServer, "No request reached the server.");
    }

    [TestMethod]
    public async Task Mirror_to_a_bucket_copies_skips_same_bytes_and_leaves_a_tampered_copy_unless_overwrite()
    {
        var bucket = await CreateBucketAsync();
        var origin = Path.Combine(_work, "origin");
        Directory.CreateDirectory(origin);
        var bytes = RandomNumberGenerator.GetBytes(300_000);
        var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        await File.WriteAllBytesAsync(Path.Combine(origin, "pytorch.resnet18.cls1000.imagenet.pt"), bytes, TestContext.CancellationToken);
        string[] mirror = ["mirror", "--from", origin, "--to", $"s3://{bucket}/pretrained-models", "--to-setting", $"ServiceUrl={Server.Endpoint}", "--type", "pytorch/resnet18"];

        var copied = await RunAsync(mirror);
        var skipped = await RunAsync(mirror);
        var other = Path.Combine(_work, "other.pt");
        await File.WriteAllBytesAsync(other, [4, 2], TestContext.CancellationToken);
        Assert.AreEqual(0, (await RunAsync(["push", other, Key, .. Store(bucket, Server.Endpoint), "--overwrite"])).Exit);
        var tampered = await RunAsync([.. mirror, "--json"]);
        var tamperedPull = await RunAsync(["pull", Key, .. Store(bucket, Server.Endpoint), "--sha256", sha], cache: "fleet-cache-1");
        var overwritten = await RunAsync([.. mirror, "--overwrite"]);
        var fleetPull = await RunAsync(["pull", Key, .. Store(bucket, Server.Endpoint), "--sha256", sha], cache: "fleet-cache-2");

        Assert.AreEqual(0, copied.Exit, copied.Error);
        StringAssert.Contains(copied.Output, $"copied   {Key}  (300.0 KB)");
        Assert.AreEqual(0, skipped.Exit, skipped.Error);
        StringAssert.Contains(skipped.Output, $"skipped  {Key}");
        Assert.AreEqual(1, tampered.Exit);
        using (var json = JsonDocument.Parse(tampered.Output))
        {
            var row = json.RootElement.GetProperty("states")[0];
            Assert.AreEqual("failed", row.GetProperty("result").GetString());
            Assert.AreEqual("AlreadyExists", row.GetProperty("error").GetString());
            StringAssert.Contains(row.GetProperty("message").GetString(), "holds other bytes");
        }

        Assert.AreEqual(1, tamperedPull.Exit, "The tampered copy is still there.");
        Assert.AreEqual(0, overwritten.Exit, overwritten.Error);
        StringAssert.Contains(overwritten.Output, "replacing other bytes");
        Assert.AreEqual(0, fleetPull.Exit, fleetPull.Error);
        StringAssert.Contains(fleetPull.Output, sha);
    }

    private const string Key = "pytorch/resnet18.cls1000.imagenet";

    private static string[] Store(string bucket, string endpoint) => ["--store", $"s3://{bucket}/pretrained-models", "--setting", $"ServiceUrl={endpoint}"];

    private string BlobPath(string sha) => Path.Combine(_work, "cache", "blobs", "sha256", sha[..2], sha);

    private async Task<string> CreateBucketAsync()
    {
        var bucket = $"cli-{Guid.NewGuid():N}";
        using var client = new AmazonS3Client(new AmazonS3Config { ServiceURL = Server.Endpoint, ForcePathStyle = true, AuthenticationRegion = "us-east-1" });
        await client.PutBucketAsync(new PutBucketRequest { BucketName = bucket }, TestContext.CancellationToken);
        return bucket;
    }

    private async Task<(string Bucket, byte[] Bytes)> BucketWithStateAsync(int size)
    {
        var bucket = await CreateBucketAsync();
        var bytes = RandomNumberGenerator.GetBytes(size);
        var file = Path.Combine(_work, "state.pt");
        await File.WriteAllBytesAsync(file, bytes, TestContext.CancellationToken);
        var pushed = await RunAsync(["push", file, Key, .. Store(bucket, Server.Endpoint)]);
        Assert.AreEqual(0, pushed.Exit, pushed.Error);
        File.Delete(file);
        return (bucket, bytes);
    }

    // The journal a resumable download keeps in the cache's tmp/ folder, once it records enough finished chunks.
    private async Task<string> WaitForFinishedChunksAsync(int chunks, Task running)
    {
        var tmp = Path.Combine(_work, "cache", "tmp");
        for (var attempt = 0; attempt < 600 && !running.IsCompleted; attempt++)
        {
            foreach (var journal in Directory.Exists(tmp) ? Directory.GetFiles(tmp, "*.journal") : [])
            {
                try
                {
                    using var document = JsonDocument.Parse(await File.ReadAllBytesAsync(journal, TestContext.CancellationToken));
                    if (document.RootElement.GetProperty("Done").EnumerateArray().Count(done => done.GetBoolean()) >= chunks)
                    {
                        return journal;
                    }
                }
                catch (Exception e) when (e is IOException or JsonException)
                {
                }
            }

            await Task.Delay(50, TestContext.CancellationToken);
        }

        Assert.Fail($"The pull never recorded {chunks} finished chunks.");
        return "";
    }

    private static void AssertNoStackTrace(string error)
    {
        Assert.IsFalse(System.Text.RegularExpressions.Regex.IsMatch(error, @"^\s+at \S+\(", System.Text.RegularExpressions.RegexOptions.Multiline), error);
        Assert.IsFalse(error.Contains("Unhandled exception", StringComparison.Ordinal), error);
    }

    private async Task<(int Exit, string Output, string Error)> RunAsync(string[] args, string cache = "cache")
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await CliHost.RunAsync([.. args, "--cache", Path.Combine(_work, cache)], output, error, TestContext.CancellationToken);
        return (exit, output.ToString(), error.ToString());
    }
}
